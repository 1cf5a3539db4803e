"""HTTP client for the Nexi Checkout (formerly Nets Easy) Payment API v1.

Authentication is the merchant's secret key as the bare ``Authorization``
header value (no scheme word), as Nexi documents it.
"""

from __future__ import annotations

from typing import Any

import requests

from connectors.base import RateLimiter
from connectors.http import HttpClient


class NetsEasyClient(HttpClient):
    """``base_url`` is the API root, e.g. https://api.dibspayment.eu/ (test: https://test.api.dibspayment.eu/)."""

    def __init__(
        self, base_url: str, *, secret_key: str, limiter: RateLimiter | None = None, read_timeout: float = 30.0
    ) -> None:
        super().__init__(base_url, limiter=limiter, secrets=[secret_key], read_timeout=read_timeout)
        self.secret_key = secret_key

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": self.secret_key}

    def error_message(self, response: requests.Response) -> str:
        """Validation errors come as ``{"errors": {"field": ["message", ...]}}``; other refusals as
        ``{"message": ..., "code": ..., "source": ...}``."""
        try:
            body = response.json()
        except ValueError:
            return super().error_message(response)
        if isinstance(body, dict) and isinstance(body.get("errors"), dict):
            return "; ".join(
                f"{field}: {' '.join(str(m) for m in (messages if isinstance(messages, list) else [messages]))}"
                for field, messages in body["errors"].items()
            )
        if isinstance(body, dict) and body.get("message"):
            code = f" ({body['code']})" if body.get("code") else ""
            return f"{body['message']}{code}"
        return super().error_message(response)

    def get(self, path: str) -> Any:
        return self.json_of(self.request("GET", path))

    def post(self, path: str, body: Any) -> Any:
        return self.json_of(self.request("POST", path, json=body), creates=True)
