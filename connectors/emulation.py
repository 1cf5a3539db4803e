"""Shared machinery for the platform emulators: an HTTP server on 127.0.0.1
with routing, JSON helpers, a call log and fault injection.

Each platform's ``emulator.py`` subclasses ``Emulator``, declares its routes
and keeps its state in memory, inspectable by tests. Faults (DESIGN.md
"Connectors and emulators"): latency, a 5xx, 429 + Retry-After, a timeout
after the document was stored, a dropped connection before or after storing.

Control endpoints under ``/_emulator/`` (state, faults) exist for tests and
the demo running the emulator in another process; they are not part of any
platform's API and connectors never call them.
"""

from __future__ import annotations

import json
import random
import re
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Fault:
    """One injected fault, applied to the next ``times`` matching requests.

    kind: ``latency`` (wait ``delay`` then answer normally), ``error`` (answer
    ``status`` without acting), ``error_after_store`` (act, then answer
    ``status``), ``rate_limit`` (429 with Retry-After ``delay``),
    ``timeout_after_store`` (act, then hold the answer ``delay`` seconds),
    ``drop`` (close without acting or answering), ``drop_after_store`` (act,
    then close without answering), ``reply`` (answer ``status`` with
    ``reply_body`` and ``reply_headers`` without acting: a crafted answer, e.g.
    an HTML page from a proxy), ``reply_after_store`` (act, then answer so).
    """

    kind: str
    method: str = "POST"
    path: str = ""  # regex searched in the path; empty matches all
    body: str = ""  # regex searched in the request body (RPC protocols: the method name)
    times: int = 1
    delay: float = 0.0
    status: int = 500
    reply_body: Any = None
    reply_headers: dict[str, str] | None = None


@dataclass
class RandomFaults:
    """Faults drawn per request from a seeded random source (fault soaks).

    ``rates`` maps a fault kind to its probability per matching request; the
    kinds are those of ``Fault``. Only requests whose method is in ``methods``
    and whose path matches ``path`` draw. The seed is printed by the test, so a
    failing run can be repeated in spirit (the order of requests across worker
    processes is not repeatable).
    """

    seed: int
    rates: dict[str, float]
    methods: tuple[str, ...] = ("GET", "POST", "PUT")
    path: str = ""
    delay: float = 2.0  # how long a timeout fault holds the answer (beyond the client's read timeout)
    retry_after: float = 1.0
    statuses: tuple[int, ...] = (500, 502, 503, 504)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.drawn: Counter[str] = Counter()

    def draw(self, request: Request) -> Fault | None:
        if request.method not in self.methods or not re.search(self.path, request.path):
            return None
        roll = self.rng.random()
        for kind, rate in self.rates.items():
            if roll < rate:
                self.drawn[kind] += 1
                status = self.rng.choice(self.statuses)
                return Fault(kind, method=request.method, delay=self.delay, status=status)
            roll -= rate
        return None


class Reply:
    """What a route returns: status, JSON body (or raw text) and headers."""

    def __init__(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers or {}


class HttpError(Exception):
    """Raised by a route to answer with an error body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.reply = Reply(status, body, headers)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes
    target: str = ""  # the request target as received: path and query, unparsed (signatures cover it)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        try:
            return json.loads(self.raw or b"null")
        except ValueError as exc:
            raise HttpError(400, {"message": f"Malformed JSON: {exc}"}) from exc

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.raw.decode()).items()}


Route = tuple[str, re.Pattern[str], Callable[..., Reply]]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout faults) leaves a broken pipe: expected, not news.
        return


class Emulator:
    """Base class: subclasses fill ``routes()`` and keep their own state."""

    name = "emulator"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.lock = threading.RLock()
        self.calls: Counter[str] = Counter()
        self.faults: list[Fault] = []
        self.random_faults: RandomFaults | None = None
        # The last requests (method, path, parsed JSON body): tests read what was really sent.
        self.requests: deque[tuple[str, str, Any]] = deque(maxlen=200)
        self._routes: list[Route] = [
            (method, re.compile(f"^{pattern}$"), handler) for method, pattern, handler in self.routes()
        ]
        self._server = _Server((host, port), self._handler_class())
        self._thread: threading.Thread | None = None

    # --- to override ---------------------------------------------------------

    def routes(self) -> list[tuple[str, str, Callable[..., Reply]]]:
        return []

    def before(self, request: Request) -> Reply | None:
        """Auth, rate limits: return a Reply to answer instead of the route."""
        return None

    def after(self, request: Request, reply: Reply) -> None:
        """Add headers to every answer (rate-limit headers and the like)."""

    def state_snapshot(self) -> dict[str, Any]:
        return {}

    # --- life cycle -----------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Emulator:
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    # --- dispatch -----------------------------------------------------------------------

    def _take_fault(self, request: Request) -> Fault | None:
        with self.lock:
            if self.random_faults is not None:
                drawn = self.random_faults.draw(request)
                if drawn is not None:
                    return drawn
            for fault in self.faults:
                if (
                    fault.method == request.method
                    and re.search(fault.path, request.path)
                    and re.search(fault.body, request.raw.decode(errors="replace"))
                ):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def dispatch(self, request: Request) -> Reply | None:
        """The reply for a request; None means: close the connection without answering."""
        if request.path.startswith("/_emulator/"):
            return self._control(request)
        with self.lock:
            self.calls[f"{request.method} {_route_name(request.path)}"] += 1
            body: Any = None
            if request.raw and "json" in request.headers.get("content-type", ""):
                try:
                    body = json.loads(request.raw)
                except ValueError:
                    body = None
            self.requests.append((request.method, request.path, body))
        fault = self._take_fault(request)
        if fault is not None:
            if fault.kind == "latency":
                time.sleep(fault.delay)
            elif fault.kind == "error":
                return Reply(fault.status, {"message": f"Injected server error {fault.status}"})
            elif fault.kind == "rate_limit":
                return Reply(429, {"message": "Too many requests"}, {"Retry-After": str(max(1, round(fault.delay)))})
            elif fault.kind == "drop":
                return None
            elif fault.kind == "reply":
                return Reply(fault.status, fault.reply_body, dict(fault.reply_headers or {}))
        try:
            reply = self.before(request) or self._route(request)
        except HttpError as exc:
            reply = exc.reply
        if fault is not None and reply.status < 400:
            if fault.kind == "timeout_after_store":
                time.sleep(fault.delay)
            elif fault.kind == "drop_after_store":
                return None
            elif fault.kind == "error_after_store":
                return Reply(fault.status, {"message": f"Injected server error {fault.status}"})
            elif fault.kind == "reply_after_store":
                return Reply(fault.status, fault.reply_body, dict(fault.reply_headers or {}))
        self.after(request, reply)
        return reply

    def _route(self, request: Request) -> Reply:
        allowed = False
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match:
                allowed = True
                if method == request.method:
                    return handler(request, **match.groupdict())
        if allowed:
            return Reply(405, {"message": f"Method {request.method} not allowed"})
        return Reply(404, {"message": f"No route for {request.path}"})

    def _control(self, request: Request) -> Reply:
        if request.path == "/_emulator/state" and request.method == "GET":
            return Reply(200, {"calls": dict(self.calls), **self.state_snapshot()})
        if request.path == "/_emulator/faults" and request.method == "POST":
            self.inject(Fault(**request.json()))
            return Reply(201, {"faults": [asdict(f) for f in self.faults]})
        return Reply(404, {"message": "unknown control endpoint"})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes: without this, Nagle plus the
                # client's delayed ACK add ~40 ms to every keep-alive answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                return

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    raw=self.rfile.read(length) if length else b"",
                    target=self.path,
                )
                reply = emulator.dispatch(request)
                if reply is None:
                    self.close_connection = True
                    return
                if reply.body is None:
                    data = b""
                elif isinstance(reply.body, (bytes, str)):
                    data = reply.body.encode() if isinstance(reply.body, str) else reply.body
                else:
                    data = json.dumps(reply.body, default=str).encode()
                self.send_response(reply.status)
                if data and not any(k.lower() == "content-type" for k in reply.headers):
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        return Handler


def _route_name(path: str) -> str:
    """A path with ids removed, for counting calls per endpoint."""
    return re.sub(r"/\d[^/]*", "/{id}", path)


class ForwardingProxy(Emulator):
    """Forwards every request to a real server, with the same fault injection.

    Puts a real peer (Tryton) behind the faults an emulator offers, e.g. the
    answer to a create lost after the server stored it.
    """

    name = "forwarding-proxy"

    def __init__(self, upstream: str, **kwargs: Any) -> None:
        self.upstream = upstream.rstrip("/")
        super().__init__(**kwargs)

    def _route(self, request: Request) -> Reply:
        import requests

        response = requests.request(
            request.method,
            f"{self.upstream}{request.path}",
            params=[(k, v) for k, values in request.query.items() for v in values],
            data=request.raw,
            headers={k: v for k, v in request.headers.items() if k not in ("host", "content-length")},
            timeout=120,
        )
        headers = {k: v for k, v in response.headers.items() if k.lower() in ("content-type", "www-authenticate")}
        return Reply(response.status_code, response.content, headers)
