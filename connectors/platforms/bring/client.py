"""HTTP client for Bring's Booking API (Mybring user id and API key headers)."""

from __future__ import annotations

from typing import Any

import requests

from connectors.base import RateLimiter
from connectors.http import HttpClient


class BringClient(HttpClient):
    """``base_url`` is the Booking API root, e.g. https://api.bring.com/booking/."""

    def __init__(
        self,
        base_url: str,
        *,
        uid: str,
        api_key: str,
        test: bool,
        limiter: RateLimiter | None = None,
        read_timeout: float = 30.0,
    ) -> None:
        super().__init__(base_url, limiter=limiter, secrets=[api_key], read_timeout=read_timeout)
        self.uid, self.api_key, self.test = uid, api_key, test

    def auth_headers(self) -> dict[str, str]:
        return {
            "X-MyBring-API-Uid": self.uid,
            "X-MyBring-API-Key": self.api_key,
            # Without it a booking is a real order with the carrier.
            "X-Bring-Test-Indicator": "true" if self.test else "false",
            "Accept": "application/json",
        }

    def error_message(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return super().error_message(response)
        messages = booking_errors(body)
        return "; ".join(messages) if messages else super().error_message(response)

    def post(self, path: str, body: Any) -> Any:
        return self.json_of(self.request("POST", path, json=body), creates=True)

    def get_bytes(self, url: str) -> bytes:
        """A label: its URL answers with a redirect to the storage that holds the PDF (followed)."""
        return self.request("GET", url).content


def booking_errors(body: Any) -> list[str]:
    """The messages of ``{"consignments": [{"errors": [{"code", "messages": [{"lang", "message"}]}]}]}``."""
    found = []
    for consignment in (body or {}).get("consignments") or [] if isinstance(body, dict) else []:
        for error in consignment.get("errors") or []:
            texts = [m.get("message", "") for m in error.get("messages") or [] if m.get("lang", "en") == "en"]
            found.append(f"{error.get('code', '')}: {' '.join(texts) or 'refused'}".strip(": "))
    return found
