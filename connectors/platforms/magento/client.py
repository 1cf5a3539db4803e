"""HTTP client for the Magento 2 REST API (integration token as Bearer)."""

from __future__ import annotations

import re
from typing import Any

import requests

from connectors.base import RateLimiter
from connectors.http import HttpClient


def render_message(message: str, parameters: Any) -> str:
    """Magento's '%1' / '%name' placeholders filled from ``parameters`` (list or dict)."""
    if isinstance(parameters, list):
        for i, value in enumerate(parameters, start=1):
            message = message.replace(f"%{i}", str(value))
    elif isinstance(parameters, dict):
        message = re.sub(r"%(\w+)", lambda m: str(parameters.get(m.group(1), m.group(0))), message)
    return message


class MagentoClient(HttpClient):
    """``base_url`` is the store's REST root, e.g. https://shop.example/rest/default/V1/."""

    def __init__(
        self, base_url: str, *, token: str, limiter: RateLimiter | None = None, read_timeout: float = 30.0
    ) -> None:
        super().__init__(base_url, limiter=limiter, secrets=[token], read_timeout=read_timeout)
        self.token = token

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def error_message(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return super().error_message(response)
        if isinstance(body, dict) and body.get("message"):
            return render_message(str(body["message"]), body.get("parameters"))
        return super().error_message(response)

    def get(self, path: str, params: Any = None) -> Any:
        return self.json_of(self.request("GET", path, params=params))

    def post(self, path: str, body: Any) -> Any:
        return self.json_of(self.request("POST", path, json=body), creates=True)

    def put(self, path: str, body: Any) -> Any:
        return self.json_of(self.request("PUT", path, json=body))
