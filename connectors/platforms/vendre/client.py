"""HTTP client for Vendre's API (HTTP only): the API key header, JSON, offset paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from connectors.base import RateLimiter
from connectors.exceptions import PermanentError, RetryableError
from connectors.http import HttpClient

from . import mapping

MAX_PAGES = 10_000


class VendreClient(HttpClient):
    """``base_url``: the shop's address (``https://<shop>/``); the API lives under ``API/1/``."""

    def __init__(
        self, base_url: str, *, api_key: str, limiter: RateLimiter | None = None, read_timeout: float = 30.0
    ) -> None:
        root = base_url.rstrip("/") + "/"
        if not root.endswith(mapping.API_ROOT):
            root += mapping.API_ROOT
        super().__init__(root, limiter=limiter, secrets=[api_key], read_timeout=read_timeout)
        self.api_key = api_key

    def auth_headers(self) -> dict[str, str]:
        return {mapping.AUTH_HEADER: self.api_key, "Accept": "application/json"}

    def error_message(self, response) -> str:
        """The error body is not documented: ``message`` or ``error`` when it is JSON."""
        try:
            body = response.json()
        except ValueError:
            return super().error_message(response)
        if isinstance(body, dict):
            for key in ("message", "error", "errors"):
                if body.get(key):
                    return str(body[key])
        return super().error_message(response)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.json_of(self.request("GET", path, params=params))

    def send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        response = self.request(method, path, json=body)
        return self.json_of(response, creates=method == "POST") if response.content else {}

    def pages(self, resource: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a list, ``page_size`` at a time by ``offset``, until none remain."""
        offset = 0
        for _page in range(MAX_PAGES):
            page = {mapping.PAGE_SIZE_PARAM: mapping.PAGE_SIZE, mapping.OFFSET_PARAM: offset}
            body = self.get(resource, {**params, **page})
            items = body.get(mapping.LIST_KEY) if isinstance(body, dict) else None
            if not isinstance(items, list):
                # Never read as "nothing there": a lookup that got this must not allow a create.
                raise RetryableError(
                    _("Vendre answered the %(resource)s list with something that is not a list: %(body)s")
                    % {"resource": resource, "body": str(body)[:200]},
                    hint=_("Temporary or a proxy in the way; retried automatically."),
                )
            yield from items
            remaining = body.get(mapping.REMAINING_KEY) or 0
            if not items or not int(remaining):
                return
            offset += len(items)
        raise PermanentError(_("Gave up after %(limit)d pages: Vendre keeps reporting more.") % {"limit": MAX_PAGES})
