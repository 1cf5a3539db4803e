"""HTTP client base for every platform client.

One place decides what a failure means (see connectors.exceptions):

- nothing sent (connect refused/timed out), 429, 503 -> RetryableError
- sent but no answer (read timeout, connection dropped), or 500/502/504 to a
  request that creates something -> AmbiguousError
- 401/403 -> AuthError, 404 -> NotFoundError, other 4xx -> PermanentError

Every call logs one line (method, path, status, duration) with secrets
removed, and passes through the connection's rate limiter first.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from html import unescape
from typing import Any, TypeVar

import requests
from django.utils.translation import gettext as _

from .base import RateLimiter
from .exceptions import AmbiguousError, AuthError, NotFoundError, PermanentError, RetryableError

logger = logging.getLogger("connectors.http")

T = TypeVar("T")
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
EXCERPT = 2000


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret value in ``text`` by '***'."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def iter_pages(fetch: Callable[[int], tuple[list[T], bool]], *, first: int = 1, limit: int = 10_000) -> Iterator[T]:
    """Yield items from numbered pages until ``fetch(page)`` says there are no more.

    ``limit`` stops a server that always claims more pages from looping forever.
    """
    page = first
    while page < first + limit:
        items, has_more = fetch(page)
        yield from items
        if not has_more or not items:
            return
        page += 1
    raise PermanentError(_("Gave up after %(limit)d pages: the server keeps reporting more.") % {"limit": limit})


class HttpClient:
    """requests.Session with timeouts, typed errors, rate limit and redacted logs."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        limiter: RateLimiter | None = None,
        secrets: Iterable[str] = (),
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = (connect_timeout, read_timeout)
        self.limiter = limiter or RateLimiter()
        self.secrets = [s for s in secrets if isinstance(s, str)]
        self.session = session or requests.Session()
        self.calls = 0

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path.lstrip("/")

    def auth_headers(self) -> dict[str, str]:
        """Headers that authenticate a call; platforms override."""
        return {}

    def error_message(self, response: requests.Response) -> str:
        """The remote system's own error text; platforms override to read their envelope.

        An HTML page (a proxy's or a login page) is reduced to its words.
        """
        text = response.text[:EXCERPT]
        if "html" in response.headers.get("Content-Type", "").lower() or text.lstrip()[:1] == "<":
            text = html_text(text)
        return text or response.reason or f"HTTP {response.status_code}"

    def json_of(self, response: requests.Response, *, creates: bool = False) -> Any:
        """The JSON body of a successful answer.

        A success that is not JSON (a maintenance or login page behind a proxy)
        is a temporary failure with a hint; after a create, an ambiguous one.
        """
        try:
            return response.json()
        except ValueError:
            pass
        words = html_text(response.text[:EXCERPT]) or _("(empty body)")
        message = _("%(url)s answered %(status)s with something that is not JSON: %(words)s") % {
            "url": self.base_url, "status": response.status_code, "words": words[:300],
        }  # fmt: skip
        if creates:
            raise AmbiguousError(
                message,
                hint=_("The document may have been created; it is looked up before any new attempt."),
                http_status=response.status_code,
                response_excerpt=redact(response.text[:EXCERPT], self.secrets),
            )
        raise RetryableError(
            message,
            hint=_("Check the connection's base URL; retried automatically."),
            http_status=response.status_code,
            response_excerpt=redact(response.text[:EXCERPT], self.secrets),
        )

    def on_response(self, response: requests.Response) -> None:
        """Hook for platforms to read rate-limit headers and the like."""

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        data: Any = None,
        authenticate: bool = True,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """Send one request and return the response, or raise a typed error.

        ``idempotent`` overrides the method's default (RPC protocols read with POST).
        """
        method = method.upper()
        creates = method not in IDEMPOTENT if idempotent is None else not idempotent
        url = self.url(path)
        all_headers = {"Accept": "application/json", **(self.auth_headers() if authenticate else {}), **(headers or {})}
        self.limiter.acquire()
        started = time.monotonic()
        self.calls += 1
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers=all_headers,
                timeout=self.timeout,
                # A redirected POST would be replayed as a GET: never follow one on a create.
                allow_redirects=not creates,
            )
        except requests.ConnectTimeout as exc:
            self._log(method, url, "connect-timeout", started)
            raise RetryableError(
                _("Could not connect to %(url)s (timeout).") % {"url": self.base_url}, reached_remote=False
            ) from exc
        except requests.ReadTimeout as exc:
            self._log(method, url, "read-timeout", started)
            if creates:
                raise AmbiguousError(
                    _("No answer from %(url)s within %(seconds).0fs after sending %(method)s.")
                    % {"url": self.base_url, "seconds": self.timeout[1], "method": method},
                    hint=_("The document may have been created; it is looked up before any new attempt."),
                ) from exc
            raise RetryableError(_("No answer from %(url)s (timeout).") % {"url": self.base_url}) from exc
        except requests.ConnectionError as exc:
            self._log(method, url, "connection-error", started)
            if creates and not _never_sent(exc):
                raise AmbiguousError(
                    _("The connection to %(url)s broke after sending %(method)s.")
                    % {"url": self.base_url, "method": method},
                    hint=_("The document may have been created; it is looked up before any new attempt."),
                ) from exc
            raise RetryableError(
                _("Could not reach %(url)s: %(error)s") % {"url": self.base_url, "error": _short(exc)},
                reached_remote=not _never_sent(exc),
            ) from exc
        except requests.RequestException as exc:
            # A body cut off mid-way, a malformed answer: the request went out.
            self._log(method, url, type(exc).__name__, started)
            if creates:
                raise AmbiguousError(
                    _("The answer from %(url)s to %(method)s could not be read: %(error)s")
                    % {"url": self.base_url, "method": method, "error": _short(exc)},
                    hint=_("The document may have been created; it is looked up before any new attempt."),
                ) from exc
            raise RetryableError(
                _("The answer from %(url)s could not be read: %(error)s") % {"url": self.base_url, "error": _short(exc)}
            ) from exc
        self._log(method, url, response.status_code, started)
        self.on_response(response)
        if 200 <= response.status_code < 300:
            return response
        if response.status_code < 400:
            # A redirect or an informational answer is not a documented success: after
            # a create we cannot tell whether anything was made, so it is looked up.
            error_type = AmbiguousError if creates else RetryableError
            raise error_type(
                _("Unexpected answer %(status)s from %(url)s to %(method)s.")
                % {"status": response.status_code, "url": self.base_url, "method": method},
                hint=_("Check the connection's base URL; the document is looked up before any new attempt.")
                if creates
                else _("Check the connection's base URL."),
                http_status=response.status_code,
                response_excerpt=redact(response.text[:EXCERPT], self.secrets),
            )
        raise self._error_for(response, creates=creates)

    def _error_for(self, response: requests.Response, *, creates: bool) -> Exception:
        status = response.status_code
        message = redact(self.error_message(response), self.secrets)
        excerpt = redact(response.text[:EXCERPT], self.secrets)
        kwargs: dict[str, Any] = {"http_status": status, "response_excerpt": excerpt}
        if status == 429:
            # 429 means refused unprocessed: a create that got it did not happen. Every worker
            # holds back until the server's window allows calls again.
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            self.limiter.pause(retry_after or 1.0)
            return RetryableError(
                _("Rate limited by the remote system: %(message)s") % {"message": message},
                retry_after=retry_after,
                reached_remote=False,
                **kwargs,
            )
        if status >= 500:
            if creates and status != 503:
                return AmbiguousError(
                    _("Server error %(status)s after sending: %(message)s") % {"status": status, "message": message},
                    hint=_("The document may have been created; it is looked up before any new attempt."),
                    **kwargs,
                )
            return RetryableError(
                _("Server error %(status)s: %(message)s") % {"status": status, "message": message},
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                **kwargs,
            )
        if status in (401, 403):
            return AuthError(
                message,
                hint=_(
                    "The remote system refused the credentials: check them on the connection and use 'Test connection'."
                ),
                **kwargs,
            )
        if status == 404:
            return NotFoundError(
                message,
                hint=_("The remote system has no such address or record: check the connection's base URL."),
                **kwargs,
            )
        return PermanentError(message, **kwargs)

    def _log(self, method: str, url: str, status: int | str, started: float) -> None:
        logger.info(
            "%s %s -> %s in %dms", method, redact(url, self.secrets), status, (time.monotonic() - started) * 1000
        )


# Client-credentials tokens of every platform, per process: (token URL, hash of the credentials) ->
# (token, expiry). A changed (or wrong) secret never reuses a token issued for the old one.
TOKENS: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


def token_from_answer(body: Any) -> tuple[str, float] | None:
    """(access token, seconds valid) from an OAuth client-credentials answer, or None when it
    holds no token. A nonsense lifetime must neither loop on renewals nor keep a token for ever."""
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token.strip():
        return None
    try:
        lifetime = float(body.get("expires_in", 3600))
    except (TypeError, ValueError):
        lifetime = 3600.0
    return token.strip(), min(max(lifetime, 120.0), 86_400.0)


class TokenClient(HttpClient):
    """An API behind an OAuth client-credentials token: cached until a minute before it expires,
    renewed once when a call answers 401 (a 401 processed nothing). A platform gives
    ``token_key`` (what identifies its credentials) and ``fetch_token`` (asks for one; raises its
    ``token_refused`` error when the credentials are refused, which no renewal can fix)."""

    token_refused: type[AuthError] = AuthError

    def token_key(self) -> tuple[str, str]:
        raise NotImplementedError

    def fetch_token(self) -> tuple[str, float]:
        """(access token, seconds valid)."""
        raise NotImplementedError

    def token(self, *, renew: bool = False) -> str:
        """A cached access token, fetched when missing, expiring or ``renew``."""
        key = self.token_key()
        with _tokens_lock:
            cached = TOKENS.get(key)
            if cached and not renew and cached[1] > time.time() + 60:
                return cached[0]
        token, lifetime = self.fetch_token()
        self.secrets.append(token)
        with _tokens_lock:
            TOKENS[key] = (token, time.time() + lifetime)
        return token

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def request(self, method: str, path: str, *, retry_auth: bool = True, **kwargs: Any) -> requests.Response:
        try:
            return super().request(method, path, **kwargs)
        except AuthError as exc:
            if (
                isinstance(exc, self.token_refused)
                or not retry_auth
                or exc.http_status != 401
                or not kwargs.get("authenticate", True)
            ):
                raise
            self.token(renew=True)
            return super().request(method, path, **kwargs)


def credentials_hash(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def html_text(text: str) -> str:
    """The words of an HTML page: tags, scripts and styles removed, spaces collapsed."""
    text = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", text)
    text = re.sub(r"(?s)<[^>]*>", " ", text)
    return " ".join(unescape(text).split())


def _never_sent(exc: requests.ConnectionError) -> bool:
    """True when the connection failed before the request could have been sent."""
    text = repr(exc)
    return any(
        marker in text
        for marker in ("NewConnectionError", "Connection refused", "Name or service not known", "NameResolution")
    )


def _short(exc: Exception) -> str:
    return str(exc).split("(Caused by")[0][:300]
