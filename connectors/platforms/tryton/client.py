"""JSON-RPC client for Tryton 8.2 (``POST /<db>/rpc/``), HTTP only.

Tryton answers HTTP 200 with an ``error`` field when a call fails; a missing or
expired session is HTTP 401. The session header is
``Authorization: Session base64(login:user_id:session)``; every model call
carries the user's preferences as its context (company, language).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from connectors.base import RateLimiter
from connectors.exceptions import AuthError, PermanentError, RetryableError
from connectors.http import HttpClient

# Tryton error types that a retry may fix (locks, concurrent writes).
TRANSIENT = {"ConcurrencyException", "TimeoutException", "LockError", "DatabaseOperationalError"}


def encode(value: Any) -> Any:
    """Tryton's JSON extensions for Decimal and date."""
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {
            "__class__": "datetime",
            "year": value.year,
            "month": value.month,
            "day": value.day,
            "hour": value.hour,
            "minute": value.minute,
            "second": value.second,
            "microsecond": value.microsecond,
        }
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    raise TypeError(f"Cannot encode {type(value).__name__} for Tryton")


def decode(obj: dict[str, Any]) -> Any:
    kind = obj.get("__class__")
    if kind == "Decimal":
        return Decimal(obj["decimal"])
    if kind == "date":
        return dt.date(obj["year"], obj["month"], obj["day"])
    if kind == "datetime":
        return dt.datetime(
            obj["year"],
            obj["month"],
            obj["day"],
            obj.get("hour", 0),
            obj.get("minute", 0),
            obj.get("second", 0),
            obj.get("microsecond", 0),
            tzinfo=dt.UTC,
        )
    return obj


class TrytonClient(HttpClient):
    """``base_url`` is the database root, e.g. http://127.0.0.1:8000/shop/."""

    def __init__(
        self,
        base_url: str,
        *,
        login: str,
        password: str,
        limiter: RateLimiter | None = None,
        read_timeout: float = 60.0,
    ) -> None:
        super().__init__(base_url, limiter=limiter, secrets=[password], read_timeout=read_timeout)
        self.login = login
        self.password = password
        self.session_token: str | None = None
        self.context: dict[str, Any] = {}
        self._id = 0

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Session {self.session_token}"} if self.session_token else {}

    def _post(self, method: str, params: list[Any], *, writes: bool) -> Any:
        self._id += 1
        body = json.dumps({"id": self._id, "method": method, "params": params}, default=encode)
        response = self.request(
            "POST", "rpc/", data=body, headers={"Content-Type": "application/json"}, idempotent=not writes
        )
        answer = json.loads(response.text, object_hook=decode)
        error = answer.get("error")
        if error:
            raise self._tryton_error(method, error)
        return answer.get("result")

    def _tryton_error(self, method: str, error: Any) -> Exception:
        kind = error[0] if isinstance(error, list) and error else str(error)
        detail = error[1] if isinstance(error, list) and len(error) > 1 else ""
        message = detail[0] if isinstance(detail, list) and detail else str(detail or kind)
        description = detail[1] if isinstance(detail, list) and len(detail) > 1 and detail[1] else ""
        text = f"Tryton {kind}: {message}" + (f" — {description}" if description else "")
        if kind in TRANSIENT:
            return RetryableError(text, hint=_("Tryton was busy; retried automatically."))
        return PermanentError(text, code="tryton_" + str(kind).lower())

    def connect(self) -> None:
        """Log in and load the user's preferences as the call context."""
        try:
            result = self._post("common.db.login", [self.login, {"password": self.password}, "en"], writes=False)
        except AuthError as exc:
            exc.hint = (
                "Tryton refused the login or password: check the connection's credentials, then 'Test connection'."
            )
            raise
        user_id, session = result[0], result[1]
        self.secrets.append(session)
        self.session_token = base64.b64encode(f"{self.login}:{user_id}:{session}".encode()).decode()
        self.secrets.append(self.session_token)
        self.context = self._post("model.res.user.get_preferences", [True, {}], writes=False)

    def call(self, model: str, method: str, *args: Any, writes: bool = False, context: dict | None = None) -> Any:
        """``model.<model>.<method>(*args, context)``; logs in first, and again once on 401."""
        if self.session_token is None:
            self.connect()
        params = [*args, {**self.context, **(context or {})}]
        try:
            return self._post(f"model.{model}.{method}", params, writes=writes)
        except AuthError:
            self.session_token = None
            self.connect()
            return self._post(f"model.{model}.{method}", [*args, {**self.context, **(context or {})}], writes=writes)
