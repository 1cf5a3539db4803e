"""HTTP client for a Subiekt nexo bridge speaking the Koda Plus bridge contract (HTTP only; the
shapes are in ``mapping``).

Every request is signed: ``X-Koda-Signature: t=<unix>,v1=<hex HMAC-SHA256>`` over the
timestamp, the method, the path with its query exactly as sent, and the raw body; the bridge
refuses a timestamp more than 300 s off its clock. So the query and the JSON body are encoded
here, once, and the very bytes signed are the bytes sent.

Errors come as ``{"error": {"code", "message", "retryable", "details"}}``: the code decides, and
an unknown code goes by its ``retryable``.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from connectors.base import RateLimiter
from connectors.exceptions import AuthError, NotFoundError, PermanentError, RetryableError
from connectors.http import EXCERPT, HttpClient, redact

from . import mapping

CREDENTIALS_HINT = gettext_noop(
    "The Subiekt bridge refused the request's signature: the shared secret on the connection must be "
    "the bridge's own, then 'Test connection'."
)
CLOCK_HINT = gettext_noop(
    "The Subiekt bridge's clock and this server's differ by more than 5 minutes, which breaks every "
    "signature: set both clocks right (NTP), then 'Test connection'."
)


class SubiektClient(HttpClient):
    """``secret``: the HMAC key shared with the bridge. ``cf_access_client_id`` and
    ``cf_access_client_secret``: a Cloudflare Access service token, when the bridge sits behind
    one (the contract's optional headers)."""

    def __init__(
        self,
        base_url: str,
        *,
        secret: str,
        cf_access_client_id: str = "",
        cf_access_client_secret: str = "",
        limiter: RateLimiter | None = None,
        read_timeout: float = 60.0,
    ) -> None:
        super().__init__(
            base_url, limiter=limiter, secrets=[secret, cf_access_client_secret], read_timeout=read_timeout
        )
        self.secret = secret
        self.cf_access = (cf_access_client_id, cf_access_client_secret)
        self.last_code = ""

    def call(self, method: str, path: str, *, query: dict[str, Any] | None = None, body: Any = None) -> Any:
        """One signed request; the answer's JSON (or a typed error). ``path`` starts with ``/v1``."""
        target = urlsplit(self.base_url).path.rstrip("/") + path
        if query:
            target += "?" + urlencode(query)
        raw = b"" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            mapping.SIGNATURE_HEADER: mapping.signature(
                secret=self.secret, timestamp=int(time.time()), method=method, target=target, body=raw
            ),
            "X-Koda-Contract": mapping.CONTRACT_VERSION,
        }
        if raw:
            headers["Content-Type"] = "application/json"
        if all(self.cf_access):
            headers["CF-Access-Client-Id"], headers["CF-Access-Client-Secret"] = self.cf_access
        root = urlsplit(self.base_url)
        response = self.request(method, f"{root.scheme}://{root.netloc}{target}", data=raw or None, headers=headers)
        return self.json_of(response, creates=method == "POST")

    def error_message(self, response: requests.Response) -> str:
        try:
            code, message, _retryable, _details = mapping.error_of(response.json())
        except ValueError:
            code, message = "", ""
        return f"{message} ({code})" if code else super().error_message(response)

    def _error_for(self, response: requests.Response, *, creates: bool) -> Exception:
        """The contract's error codes first; a body that is not the contract's (a proxy or tunnel
        answering for a bridge that is down) goes the generic way."""
        try:
            code, message, retryable, details = mapping.error_of(response.json())
        except ValueError:
            code, message, retryable, details = "", "", None, None
        if not code:
            return super()._error_for(response, creates=creates)
        status = response.status_code
        kwargs: dict[str, Any] = {
            "http_status": status,
            "response_excerpt": redact(response.text[:EXCERPT], self.secrets),
            "code": code,
        }
        text = redact(message or code, self.secrets)
        if code == "invalid_signature":
            return AuthError(text, hint=_(CREDENTIALS_HINT), **kwargs)
        if code == "stale_timestamp":
            return AuthError(text, hint=_(CLOCK_HINT), **kwargs)
        if code == "order_not_found":
            return NotFoundError(text, **kwargs)
        if code == "cursor_expired":
            return RetryableError(
                text, hint=_("The bridge's snapshot expired; it is read again from the start."), **kwargs
            )
        if code in REFUSALS:
            error = PermanentError(text, hint=_(REFUSALS[code]), refused=True, **kwargs)
            error.details = details  # type: ignore[attr-defined]
            return error
        if status == 429 or status >= 500 or code in ("subiekt_unavailable", "busy"):
            # "Retryable: Medusa tries again later" (the contract); a create that got a 5xx other than
            # 503 is looked up before it is sent again all the same.
            return super()._error_for(response, creates=creates)
        if retryable:
            return RetryableError(text, **kwargs)
        return PermanentError(text, **kwargs)


# Refusals with a fixed meaning in the contract, whatever their status: nothing was made.
REFUSALS = {
    "unmatched_lines": gettext_noop(
        "Subiekt has no product for these lines (matched by EAN, then by the SKU as the product symbol): create "
        "them in Subiekt or correct the SKU or EAN in the shop, then resend."
    ),
    "not_configured": gettext_noop(
        "Subiekt or the bridge is missing a setting it needs (a document definition or numbering for ZK, a "
        "warehouse, the retail buyer): set it up in Subiekt or the bridge, then resend."
    ),
    "subiekt_rejected": gettext_noop("Subiekt refused the document; its message says why. Correct that, then resend."),
    "document_locked": gettext_noop(
        "The goods of this order were already released in Subiekt (a WZ exists): handle it as a return there."
    ),
    "not_enabled": gettext_noop("The bridge is not set up to issue this kind of document."),
    "invalid_payload": gettext_noop(
        "The bridge did not accept the order's shape; the message says which field. Report it with the order."
    ),
}
