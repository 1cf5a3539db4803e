"""HTTP client for the Visma.net ERP v1 REST API (HTTP only; no mapping, no database)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import requests
from django.utils.translation import gettext as _

from connectors.base import RateLimiter
from connectors.exceptions import AuthError, PermanentError, RetryableError
from connectors.http import TokenClient, credentials_hash, token_from_answer

from .mapping import classify_error

DEFAULT_BASE_URL = "https://api.finance.visma.net/v1/"
DEFAULT_TOKEN_URL = "https://connect.visma.com/connect/token"
SCOPE = (
    "vismanet_erp_service_api:create vismanet_erp_service_api:delete "
    "vismanet_erp_service_api:read vismanet_erp_service_api:update"
)

# Tokens are shared by every client in the process until shortly before expiry
# (connectors.http.TOKENS): Visma Connect counts token requests too.
_tokens_lock = threading.Lock()
# The last X-RateLimit-Remaining / reset time seen per (API, tenant): every client
# in the process stops calling when the window is used up.
_windows: dict[tuple[str, str], tuple[int, float | None]] = {}


TOKEN_HINT = (
    "Visma Connect refused the client id, secret or tenant id: correct them on the connection "
    "(Integrator), then 'Test connection'."
)


def parse_token(text: str) -> tuple[str, float]:
    """(access token, seconds valid) from a Visma Connect token answer.

    A 200 that is not the documented JSON (an HTML login or maintenance page, a
    body without ``access_token``) is a temporary failure with a hint, not a bug.
    """
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    found = token_from_answer(body)
    if found is None:
        raise RetryableError(
            "Visma Connect answered without an access token: " + (text[:200].strip() or "(empty body)"),
            hint=_("Check the connection's token URL (it should end in /connect/token); retried automatically."),
        )
    return found


class TokenRefused(AuthError):
    """Visma Connect refused to issue a token: renewing it again will not help."""


class VismaClient(TokenClient):
    """Visma Connect client-credentials token, renewed on 401; reads X-RateLimit-* headers."""

    def __init__(
        self,
        base_url: str,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        tenant_id: str,
        limiter: RateLimiter | None = None,
        read_timeout: float = 30.0,
    ) -> None:
        super().__init__(base_url, limiter=limiter, secrets=[client_secret], read_timeout=read_timeout)
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.tenant_id = tenant_id

    # --- auth -----------------------------------------------------------------

    token_refused = TokenRefused

    def token_key(self) -> tuple[str, str]:
        return (self.token_url, credentials_hash(self.client_id, self.client_secret, self.tenant_id))

    def fetch_token(self) -> tuple[str, float]:
        try:
            response = self.request(
                "POST",
                self.token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "tenant_id": self.tenant_id,
                    "scope": SCOPE,
                },
                authenticate=False,
                retry_auth=False,
                # Asking for a token twice creates nothing that matters.
                idempotent=True,
            )
        except PermanentError as exc:
            # Any 4xx from the token endpoint (invalid_client, unknown tenant_id,
            # unauthorized_client, invalid_scope …) is about the credentials.
            raise TokenRefused(
                f"Visma Connect refused the credentials: {exc.message}",
                hint=TOKEN_HINT,
                http_status=exc.http_status,
                response_excerpt=exc.response_excerpt,
            ) from exc
        return parse_token(response.text)

    def request(self, method: str, path: str, *, retry_auth: bool = True, **kwargs: Any) -> requests.Response:
        self._respect_rate_limit()
        return super().request(method, path, retry_auth=retry_auth, **kwargs)

    # --- rate limit ----------------------------------------------------------

    def on_response(self, response: requests.Response) -> None:
        remaining = response.headers.get("X-RateLimit-Remaining")
        reset = response.headers.get("X-RateLimit-Reset")
        if remaining is not None and remaining.isdigit():
            reset_at = time.time() + float(reset) if reset and reset.isdigit() else None
            with _tokens_lock:
                _windows[(self.base_url, self.tenant_id)] = (int(remaining), reset_at)
            if int(remaining) == 0 and reset and reset.isdigit():
                # Visma's own count says the window is used up: every worker waits for its end.
                self.limiter.pause(float(reset))

    def _respect_rate_limit(self) -> None:
        """With no calls left in the window: wait a little, or give the transfer back to our table."""
        with _tokens_lock:
            remaining, reset_at = _windows.get((self.base_url, self.tenant_id), (None, None))
        if remaining != 0 or reset_at is None:
            return
        wait = reset_at - time.time()
        if wait <= 0:
            return
        if wait <= 5:
            time.sleep(wait)
            return
        raise RetryableError(
            f"Visma.net rate limit reached; the window resets in {wait:.0f}s.",
            retry_after=wait,
            hint=_("Retried automatically when the window resets."),
        )

    # --- errors -----------------------------------------------------------------

    def error_message(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return super().error_message(response)
        if isinstance(body, dict):
            for key in ("message", "ExceptionMessage", "error_description", "error"):
                if body.get(key):
                    return str(body[key])
        return super().error_message(response)

    def _error_for(self, response: requests.Response, *, creates: bool) -> Exception:
        error = super()._error_for(response, creates=creates)
        if isinstance(error, PermanentError):
            error.code, error.subject = classify_error(error.message)
        return error

    # --- endpoints ----------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.json_of(self.request("GET", path, params=params))

    def post(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self.request("POST", path, json=body)

    def put(self, path: str, body: dict[str, Any]) -> requests.Response:
        return self.request("PUT", path, json=body)
