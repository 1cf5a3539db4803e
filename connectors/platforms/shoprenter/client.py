"""HTTP client for the ShopRenter API2 (client-credentials token per shop, Bearer auth, JSON).

The API answers XML unless asked for JSON, and requires a Content-Type on
every request: both headers are always sent.
"""

from __future__ import annotations

from typing import Any

import requests
from django.utils.translation import gettext as _

from connectors.base import RateLimiter
from connectors.exceptions import AuthError, PermanentError, RetryableError
from connectors.http import TokenClient, credentials_hash, token_from_answer


class TokenRefused(AuthError):
    """The OAuth server refused the client id or secret: asking again will not help."""


class ShopRenterClient(TokenClient):
    """``base_url``: the shop's API2 root, e.g. https://myshop.api2.myshoprenter.hu/api/;
    ``token_url``: https://oauth.app.shoprenter.net/myshop/app/token."""

    def __init__(
        self,
        base_url: str,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        limiter: RateLimiter | None = None,
        read_timeout: float = 30.0,
    ) -> None:
        super().__init__(base_url, limiter=limiter, secrets=[client_secret], read_timeout=read_timeout)
        self.token_url, self.client_id, self.client_secret = token_url, client_id, client_secret

    token_refused = TokenRefused

    def token_key(self) -> tuple[str, str]:
        return (self.token_url, credentials_hash(self.client_id, self.client_secret))

    def fetch_token(self) -> tuple[str, float]:
        try:
            response = self.request(
                "POST",
                self.token_url,
                json={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                },
                authenticate=False,
                retry_auth=False,
                idempotent=True,  # asking for a token twice makes nothing that matters
            )
        except PermanentError as exc:
            raise TokenRefused(
                _("ShopRenter refused the API client: %(error)s") % {"error": exc.message},
                hint=_(
                    "Correct the client id and secret on the connection (from the shop's API settings), then test it."
                ),
                http_status=exc.http_status,
            ) from exc
        found = token_from_answer(self.json_of(response))
        if found is None:
            raise RetryableError(_("ShopRenter's OAuth server answered without an access token."))
        return found

    def request(self, method: str, path: str, *, retry_auth: bool = True, **kwargs: Any) -> requests.Response:
        # JSON both ways: the API answers XML unless asked, and requires a Content-Type on every call.
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        headers.update(kwargs.pop("headers", None) or {})
        return super().request(method, path, retry_auth=retry_auth, headers=headers, **kwargs)

    def error_message(self, response: requests.Response) -> str:
        """The body shape of API errors is not documented; read ``message`` (and the inner code) when
        there, the OAuth server's ``error_description`` otherwise."""
        try:
            body = response.json()
        except ValueError:
            return super().error_message(response)
        if isinstance(body, dict):
            inner = body.get("error") if isinstance(body.get("error"), int | str) else ""
            for key in ("message", "error_description"):
                if body.get(key):
                    return f"{body[key]}" + (f" ({inner})" if inner and key == "message" else "")
        return super().error_message(response)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.json_of(self.request("GET", path, params=params))

    def post(self, path: str, body: Any) -> Any:
        return self.json_of(self.request("POST", path, json=body))

    def put(self, path: str, body: Any) -> Any:
        return self.json_of(self.request("PUT", path, json=body))

    def batch(self, requests_: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``POST /batch``: the answer is 200 even when sub-requests fail; each sub-result is returned."""
        # Only absolute sets (stock, price) are batched: sending them twice changes nothing.
        body = self.json_of(self.request("POST", "batch", json={"data": {"requests": requests_}}, idempotent=True))
        results = ((body or {}).get("requests") or {}).get("request") or []
        return results if isinstance(results, list) else [results]
