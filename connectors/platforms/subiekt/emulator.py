"""A Subiekt nexo bridge on 127.0.0.1, built to the Koda Plus bridge contract 1.1.0
(``contract/openapi.yaml`` of ``Koda-Plus/medusa-integrations``, MIT) and its examples, not to the
portal's connector.

- every ``/v1`` request signed: ``X-Koda-Signature: t=<unix>,v1=<hex HMAC-SHA256>`` over
  ``<t>.<METHOD>.<path and query as received>.<raw body>``, at most 300 s off this clock;
  401 ``invalid_signature`` / ``stale_timestamp`` otherwise
- ``GET /v1/health`` (``capabilities``; ``degraded`` while Subiekt is down)
- ``POST /v1/orders``: the ZK, idempotent per ``order_id`` (201, then 200 ``created: false``); lines
  matched by EAN, then SKU against the product symbol (422 ``unmatched_lines``); ``buyer`` by NIP
  (``contractors``), created when asked (``contractors.create``), else the retail buyer; 400
  ``invalid_payload`` for a body off the schema; ``not_configured`` without a ZK definition
- ``GET /v1/orders/{id}`` (404 ``order_not_found``), ``POST .../cancel`` (409 ``document_locked``
  once a WZ exists), ``POST .../fulfillments`` (the WZ, once), ``POST .../documents`` (FS or PA,
  exactly once per order; 404 while no ZK, 409 ``not_enabled``)
- ``GET /v1/stock`` and ``GET /v1/products``: one snapshot per first page, ``cursor`` and ``limit``
  (at most 1 000), 409 ``cursor_expired`` for a snapshot that is gone
- ``GET /v1/events?after&limit`` (at most 500): ``document.issued``, ``document.canceled``,
  ``document.updated``, ``stock.changed``; ``last_id``, ``has_more``, ``head_id``
- 503 ``subiekt_unavailable`` while Subiekt is down

Where the contract is silent the emulator says so: the status of ``not_configured`` (409 here),
the shape of an error's ``details`` (``{"lines": [...]}`` for unmatched lines here), how a created
contractor's symbol is made (its NIP here).

Run alone: ``python -m connectors.platforms.subiekt.emulator --port 8109 --demo``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import itertools
import re
import threading
import time
from copy import deepcopy
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.emulation import Emulator, Reply, Request

ALL_CAPABILITIES = (
    "orders",
    "fulfillments",
    "stock",
    "events",
    "products",
    "contractors",
    "contractors.create",
    "documents.fs",
    "documents.pa",
    "documents.ksef",
    "webhook",
)
PAYMENT_STATUSES = {"captured", "authorized", "awaiting", "cash_on_delivery", "not_required"}
TOLERANCE = 300


@dataclass
class BridgeState:
    # symbol -> product card: name, ean, unit, vat_rate, vat_symbol, kind, active, weight_kg,
    # prices {level: (net, gross)}
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    stock: dict[str, Decimal] = field(default_factory=dict)  # symbol -> physical quantity ("Stan")
    contractors: dict[str, dict[str, Any]] = field(default_factory=dict)  # NIP -> symbol, name, ...
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # order_id -> request, documents
    events: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)  # document kind -> last number this year
    snapshots: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class SubiektBridgeEmulator(Emulator):
    name = "subiekt-bridge-emulator"

    def __init__(
        self,
        *,
        secret: str = "demo-bridge-secret",
        capabilities: tuple[str, ...] = ALL_CAPABILITIES,
        warehouse: str = "MAG",
        price_levels: tuple[tuple[str, str], ...] = (("DETAL", "Detaliczna"), ("HURT", "Hurtowa")),
        **kwargs: Any,
    ) -> None:
        self.secret = secret
        self.capabilities = capabilities
        self.warehouse = warehouse
        self.price_levels = price_levels
        self.state = BridgeState()
        self.subiekt_down = False  # Subiekt (not the bridge) unreachable: 503, health degraded
        self.zk_definition = True  # False: no document definition for ZK (not_configured)
        self.clock_offset = 0.0  # seconds this bridge's clock is off
        self.retail = {"symbol": "DETAL", "name": "Klient detaliczny"}
        # stock.changed is optional in the contract, and so are its symbols: "symbols" (published with
        # the symbols that moved), "bare" (published without them), "none" (never published).
        self.stock_events = "symbols"
        self._snapshot_ids = itertools.count(1)
        self._order_lock = threading.Lock()
        super().__init__(**kwargs)

    @property
    def base_url(self) -> str:
        return f"{self.root}/"

    # --- seeding and what happens in Subiekt itself (tests, demo) -----------------------------

    def add_product(
        self,
        symbol: str,
        name: str,
        gross: Decimal | str,
        *,
        ean: str = "",
        vat_rate: int = 23,
        stock: Decimal | int | str = 0,
        active: bool = True,
        kind: str = "goods",
        wholesale: Decimal | str | None = None,
    ) -> None:
        prices = {"DETAL": _net_gross(Decimal(str(gross)), vat_rate)}
        if wholesale is not None:
            prices["HURT"] = _net_gross(Decimal(str(wholesale)), vat_rate)
        with self.lock:
            self.state.products[symbol] = {
                "name": name,
                "ean": ean or None,
                "unit": "szt.",
                "vat_rate": vat_rate,
                "vat_symbol": str(vat_rate),
                "kind": kind,
                "active": active,
                "weight_kg": None,
                "prices": prices,
            }
            self.state.stock[symbol] = Decimal(str(stock))

    def set_price(self, symbol: str, gross: Decimal | str, level: str = "DETAL") -> None:
        with self.lock:
            product = self.state.products[symbol]
            product["prices"][level] = _net_gross(Decimal(str(gross)), product["vat_rate"])

    def set_stock(self, symbol: str, quantity: Decimal | int | str) -> None:
        """Stock moved in Subiekt (a delivery, a stock-take): a ``stock.changed`` event follows."""
        with self.lock:
            self.state.stock[symbol] = Decimal(str(quantity))
            self._event("stock.changed", {"source": "subiekt", "symbols": [symbol]})

    def add_contractor(self, nip: str, name: str, *, symbol: str = "", email: str = "") -> None:
        with self.lock:
            self.state.contractors[nip] = {"symbol": symbol or nip, "name": name, "email": email, "nip": nip}

    def issue_wz(self, order_id: str) -> dict[str, Any]:
        """The warehouse releases the goods in Subiekt: a WZ from the ZK, published as an event."""
        with self.lock:
            return self._wz(self.state.orders[order_id], source="subiekt")

    def issue_sales_document(self, order_id: str, kind: str = "FS") -> dict[str, Any]:
        """Someone issues the order's FS (or PA) in Subiekt itself: published as an event."""
        with self.lock:
            return self._sales_document(self.state.orders[order_id], kind, source="subiekt")

    def ksef_accepted(self, order_id: str) -> str:
        """KSeF accepted the order's FS, which Subiekt sent as an e-invoice: its KSeF number is set
        and published as ``document.updated`` (capability ``documents.ksef``). Returns the number."""
        with self.lock:
            order = self.state.orders[order_id]
            document = next(d for d in order["documents"] if d["kind"] == "FS")
            digest = hashlib.sha256(document["number"].encode()).hexdigest().upper()
            document["ksef_number"] = f"5265877635-{dt.date.today():%Y%m%d}-{digest[:12]}-{digest[12:14]}"
            if "documents.ksef" in self.capabilities:
                self._event("document.updated", {"order_id": order_id, "source": "subiekt", "document": document})
            return document["ksef_number"]

    def documents(self, kind: str = "ZK") -> list[dict[str, Any]]:
        with self.lock:
            return [d for o in self.state.orders.values() for d in o["documents"] if d["kind"] == kind]

    def state_snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"orders": len(self.state.orders), "zk": len(self.documents("ZK")), "events": len(self.state.events)}

    # --- routing ------------------------------------------------------------------------------------

    def routes(self):
        return [
            ("GET", r"/v1/health", self.health),
            ("POST", r"/v1/orders", self.create_order),
            ("GET", r"/v1/orders/(?P<order_id>[^/]+)", self.get_order),
            ("POST", r"/v1/orders/(?P<order_id>[^/]+)/cancel", self.cancel_order),
            ("POST", r"/v1/orders/(?P<order_id>[^/]+)/fulfillments", self.fulfil),
            ("POST", r"/v1/orders/(?P<order_id>[^/]+)/documents", self.sales_document),
            ("GET", r"/v1/stock", self.list_stock),
            ("GET", r"/v1/products", self.list_products),
            ("GET", r"/v1/events", self.list_events),
        ]

    def before(self, request: Request) -> Reply | None:
        """The signature of every request, then Subiekt's own availability."""
        header = request.headers.get("x-koda-signature", "")
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        stamp, given = parts.get("t", ""), parts.get("v1", "")
        if not stamp.isdigit() or not re.fullmatch(r"[0-9a-fA-F]{64}", given):
            return _error(401, "invalid_signature", "Missing or malformed X-Koda-Signature.")
        if abs(time.time() + self.clock_offset - int(stamp)) > TOLERANCE:
            return _error(401, "stale_timestamp", "The signature's timestamp is more than 300 seconds away.")
        message = f"{stamp}.{request.method}.{request.target or request.path}.".encode() + request.raw
        expected = hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given.lower()):
            return _error(401, "invalid_signature", "The signature does not match.")
        if self.subiekt_down and request.path != "/v1/health":
            return _error(503, "subiekt_unavailable", "Subiekt does not answer (Sfera login failed).", retryable=True)
        return None

    # --- health ---------------------------------------------------------------------------------------

    def health(self, request: Request) -> Reply:
        now = _iso(time.time() + self.clock_offset)
        with self.lock:
            last = self.state.events[-1] if self.state.events else None
        return Reply(
            200,
            {
                "status": "degraded" if self.subiekt_down else "ok",
                "capabilities": list(self.capabilities),
                "bridge": {
                    "name": "Subiekt bridge emulator",
                    "version": "0.1.0",
                    "contract": "1.1.0",
                    "mode": "fake",
                    "sdk_version": None,
                    "started_at": now,
                },
                "subiekt": {
                    "connected": not self.subiekt_down,
                    "product": "Subiekt nexo PRO",
                    "version": None,
                    "database": "Nexo_Demo",
                    "database_version": None,
                    "licence": "unknown" if self.subiekt_down else "ok",
                    "company": "Sklep Demo sp. z o.o.",
                    "warehouse": self.warehouse,
                    "checked_at": now,
                    "error": "Sfera login failed" if self.subiekt_down else None,
                },
                "events": {"last_id": last["id"], "last_at": last["occurred_at"]} if last else None,
                "queues": {"sfera_pending": 0, "webhook_pending": 0},
                "time": now,
            },
        )

    # --- orders ---------------------------------------------------------------------------------------

    def create_order(self, request: Request) -> Reply:
        body = request.json()
        problem = _order_problem(body)
        if problem:
            return _error(400, "invalid_payload", problem)
        # One order at a time (Sfera has one session): the second of two racing calls sees the first's ZK.
        with self._order_lock, self.lock:
            existing = self.state.orders.get(body["order_id"])
            if existing is not None:
                return Reply(200, self._result(existing, created=False))
            if not self.zk_definition:
                # The contract names the code, not its status: 409 here.
                return _error(409, "not_configured", "Brak definicji dokumentu ZK (numeracji) w Subiekcie.")
            unmatched = [line for line in body["lines"] if self._match(line) is None]
            if unmatched:
                named = ", ".join(str(line.get("sku") or line.get("ean") or line["line_id"]) for line in unmatched)
                return _error(
                    422,
                    "unmatched_lines",
                    f"Nie znaleziono towaru dla pozycji: {named}",
                    details={
                        "lines": [
                            {"line_id": li["line_id"], "sku": li.get("sku"), "ean": li.get("ean")} for li in unmatched
                        ]
                    },
                )
            buyer, warnings = self._buyer(body.get("buyer"))
            order = {"request": body, "buyer": buyer, "warnings": warnings, "documents": [], "canceled": False}
            order["documents"].append(self._document("ZK", related=[]))
            for line in body["lines"]:
                order.setdefault("reserved", {})
                symbol = self._match(line)
                order["reserved"][symbol] = order["reserved"].get(symbol, 0) + int(line["quantity"])
            self.state.orders[body["order_id"]] = order
            self._event(
                "document.issued", {"order_id": body["order_id"], "source": "bridge", "document": order["documents"][0]}
            )
            return Reply(201, self._result(order, created=True))

    def get_order(self, request: Request, order_id: str) -> Reply:
        with self.lock:
            order = self.state.orders.get(order_id)
            if order is None:
                return _error(404, "order_not_found", f"No document carries the order {order_id}.")
            return Reply(200, {"order_id": order_id, "documents": order["documents"]})

    def cancel_order(self, request: Request, order_id: str) -> Reply:
        with self.lock:
            order = self.state.orders.get(order_id)
            if order is None:
                return Reply(
                    200, {"order_id": order_id, "status": "not_found", "manual_action_required": False, "documents": []}
                )
            if any(d["kind"] == "WZ" for d in order["documents"]):
                return _error(409, "document_locked", "Towar został już wydany (WZ). Potraktuj to jako zwrot.")
            zk = order["documents"][0]
            if order["canceled"]:
                status = "already_canceled"
            else:
                order["canceled"] = True
                zk["status"] = "canceled"
                self._event("document.canceled", {"order_id": order_id, "source": "bridge", "document": zk})
                status = "canceled"
            return Reply(
                200,
                {
                    "order_id": order_id,
                    "status": status,
                    "manual_action_required": True,
                    "message": "ZK oznaczone w uwagach jako anulowane; status ustawia magazyn.",
                    "documents": order["documents"],
                },
            )

    def fulfil(self, request: Request, order_id: str) -> Reply:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("fulfillment_id"), str):
            return _error(400, "invalid_payload", "fulfillment_id is required.")
        # FulfillmentRequest.items: optional; each needs a line_id and an integer quantity of at least
        # 1. Version 1 of the contract releases the whole ZK whatever they say.
        items = body.get("items", [])
        if not isinstance(items, list) or not all(
            isinstance(i, dict)
            and isinstance(i.get("line_id"), str)
            and isinstance(i.get("quantity"), int)
            and not isinstance(i.get("quantity"), bool)
            and i["quantity"] >= 1
            for i in items
        ):
            return _error(400, "invalid_payload", "items need a line_id and an integer quantity of at least 1.")
        with self.lock:
            order = self.state.orders.get(order_id)
            if order is None:
                return _error(404, "order_not_found", f"No ZK carries the order {order_id}.")
            existing = next((d for d in order["documents"] if d["kind"] == "WZ"), None)
            if existing is not None:
                return Reply(200, {"order_id": order_id, "created": False, "document": existing})
            return Reply(201, {"order_id": order_id, "created": True, "document": self._wz(order, source="bridge")})

    def sales_document(self, request: Request, order_id: str) -> Reply:
        body = request.json()
        kind = body.get("kind") if isinstance(body, dict) else None
        if kind not in ("fs", "pa"):
            return _error(400, "invalid_payload", "kind must be fs or pa.")
        if f"documents.{kind}" not in self.capabilities:
            return _error(409, "not_enabled", f"This bridge does not issue {kind.upper()} documents.")
        with self.lock:
            order = self.state.orders.get(order_id)
            if order is None or order["canceled"]:
                return _error(404, "order_not_found", "No open ZK carries this order yet.", retryable=True)
            existing = next((d for d in order["documents"] if d["kind"] in ("FS", "PA")), None)
            if existing is not None:
                warnings = [] if existing["kind"] == kind.upper() else [f"The order already has {existing['number']}."]
                return Reply(200, {"order_id": order_id, "created": False, "document": existing, "warnings": warnings})
            document = self._sales_document(order, kind.upper(), source="bridge")
            return Reply(201, {"order_id": order_id, "created": True, "document": document, "warnings": []})

    # --- listings --------------------------------------------------------------------------------------

    def list_stock(self, request: Request) -> Reply:
        def rows() -> list[dict[str, Any]]:
            reserved = self._reserved()
            return [
                {
                    "symbol": symbol,
                    "ean": product["ean"],
                    "name": product["name"],
                    "quantity": _num(self.state.stock.get(symbol, Decimal("0"))),
                    "available": _num(self.state.stock.get(symbol, Decimal("0")) - reserved.get(symbol, 0)),
                    "unit": product["unit"],
                }
                for symbol, product in sorted(self.state.products.items())
                if product["kind"] != "service"
            ]

        return self._paged(request, rows, extra=lambda: {"warehouses": [self.warehouse]})

    def list_products(self, request: Request) -> Reply:
        if "products" not in self.capabilities:
            return Reply(404, {"message": "Not found"})

        def rows() -> list[dict[str, Any]]:
            return [
                {
                    "symbol": symbol,
                    **{k: v for k, v in product.items() if k != "prices"},
                    "prices": [
                        {"level": level, "net": _num(net), "gross": _num(gross), "currency": "PLN"}
                        for level, (net, gross) in product["prices"].items()
                    ],
                }
                for symbol, product in sorted(self.state.products.items())
            ]

        levels = [{"symbol": s, "name": n, "currency": "PLN"} for s, n in self.price_levels]
        return self._paged(request, rows, extra=lambda: {"price_levels": levels})

    def list_events(self, request: Request) -> Reply:
        try:
            after = int(request.arg("after") or 0)
            limit = min(max(int(request.arg("limit") or 100), 1), 500)
        except ValueError:
            return _error(400, "invalid_payload", "after and limit are integers.")
        with self.lock:
            newer = [e for e in self.state.events if e["id"] > after]
            page = newer[:limit]
            head = self.state.events[-1]["id"] if self.state.events else 0
        return Reply(
            200,
            {
                "events": page,
                "last_id": page[-1]["id"] if page else after,
                "has_more": len(newer) > limit,
                "head_id": head,
            },
        )

    def expire_snapshots(self) -> None:
        """Every snapshot gone (a bridge restart): a cursor into one is answered 409."""
        with self.lock:
            self.state.snapshots.clear()

    def _paged(self, request: Request, rows: Any, *, extra: Any) -> Reply:
        try:
            limit = min(max(int(request.arg("limit") or 500), 1), 1000)
        except ValueError:
            return _error(400, "invalid_payload", "limit is an integer.")
        cursor = request.arg("cursor")
        with self.lock:
            if cursor:
                snapshot_id, _sep, offset_text = cursor.partition(":")
                snapshot = self.state.snapshots.get(snapshot_id)
                if snapshot is None or not offset_text.isdigit():
                    return _error(409, "cursor_expired", "The snapshot behind the cursor is gone.", retryable=True)
                offset = int(offset_text)
            else:
                snapshot_id, snapshot, offset = str(next(self._snapshot_ids)), rows(), 0
                self.state.snapshots[snapshot_id] = snapshot
            page = snapshot[offset : offset + limit]
            more = offset + limit < len(snapshot)
            return Reply(
                200,
                {
                    "snapshot_at": _iso(time.time()),
                    **extra(),
                    "items": page,
                    "next_cursor": f"{snapshot_id}:{offset + limit}" if more else None,
                    "total": len(snapshot),
                },
            )

    # --- inside ----------------------------------------------------------------------------------------

    def _match(self, line: dict[str, Any]) -> str | None:
        """EAN first, then the SKU against the product symbol (the contract's order)."""
        ean = line.get("ean")
        if ean:
            for symbol, product in self.state.products.items():
                if product["ean"] == ean:
                    return symbol
        sku = line.get("sku")
        return sku if sku in self.state.products else None

    def _buyer(self, buyer: Any) -> tuple[dict[str, Any], list[str]]:
        if not buyer or "contractors" not in self.capabilities:
            return {"source": "retail", "nip": None, **self.retail}, []
        nip = buyer["nip"]
        known = self.state.contractors.get(nip)
        if known is not None:
            return {"source": "existing", "nip": nip, "symbol": known["symbol"], "name": known["name"]}, []
        if buyer.get("create_if_missing") and "contractors.create" in self.capabilities:
            self.add_contractor(nip, buyer.get("company_name") or nip, email=buyer.get("email") or "")
            return {"source": "created", "nip": nip, "symbol": nip, "name": buyer.get("company_name") or nip}, []
        return {"source": "retail", "nip": None, **self.retail}, [
            f"No contractor has the NIP {nip}; the retail buyer was used."
        ]

    def _document(self, kind: str, *, related: list[dict[str, str]]) -> dict[str, Any]:
        year = dt.date.today().year
        self.state.counters[kind] = self.state.counters.get(kind, 0) + 1
        return {
            "kind": kind,
            "number": f"{kind} {self.state.counters[kind]}/{self.warehouse}/{year}",
            "id": str(48000 + sum(self.state.counters.values())),
            "issued_at": _iso(time.time()),
            "status": "open",
            "warehouse": self.warehouse,
            "related": related,
        }

    def _wz(self, order: dict[str, Any], *, source: str) -> dict[str, Any]:
        zk = order["documents"][0]
        document = self._document("WZ", related=[{"kind": "ZK", "number": zk["number"]}])
        order["documents"].append(document)
        for symbol, quantity in order.get("reserved", {}).items():
            self.state.stock[symbol] = self.state.stock.get(symbol, Decimal("0")) - quantity
        order["reserved"] = {}
        zk["status"] = "completed"
        self._event(
            "document.issued", {"order_id": order["request"]["order_id"], "source": source, "document": document}
        )
        self._event(
            "stock.changed",
            {"source": source, "symbols": sorted({self._match(li) for li in order["request"]["lines"]})},
        )
        return document

    def _sales_document(self, order: dict[str, Any], kind: str, *, source: str) -> dict[str, Any]:
        """The FS or PA of an order, from its WZ when it has one, from its ZK otherwise."""
        base = next((d for d in order["documents"] if d["kind"] == "WZ"), order["documents"][0])
        document = self._document(kind, related=[{"kind": base["kind"], "number": base["number"]}])
        if kind == "FS":
            document["ksef_number"] = None
        order["documents"].append(document)
        order_id = order["request"]["order_id"]
        self._event("document.issued", {"order_id": order_id, "source": source, "document": document})
        return document

    def _reserved(self) -> dict[str, int]:
        reserved: dict[str, int] = {}
        for order in self.state.orders.values():
            if not order["canceled"]:
                for symbol, quantity in order.get("reserved", {}).items():
                    reserved[symbol] = reserved.get(symbol, 0) + quantity
        return reserved

    def _result(self, order: dict[str, Any], *, created: bool) -> dict[str, Any]:
        return {
            "order_id": order["request"]["order_id"],
            "created": created,
            "document": order["documents"][0],
            "buyer": order["buyer"],
            "warnings": order["warnings"],
        }

    def _event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "stock.changed":
            if self.stock_events == "none":
                return
            if self.stock_events == "bare":
                data = {k: v for k, v in data.items() if k != "symbols"}
        # A snapshot: the document as it was at the event, not as it is later (a ZK completed, an
        # FS given its KSeF number) — as a bridge that stores its events in a database serves them.
        self.state.events.append(
            {"id": len(self.state.events) + 1, "type": kind, "occurred_at": _iso(time.time()), "data": deepcopy(data)}
        )


def _order_problem(body: Any) -> str:
    """What makes a body not the contract's Order, or ""."""
    if not isinstance(body, dict):
        return "The body is not an object."
    for key in ("order_id", "display_id", "currency_code", "placed_at", "lines", "payment", "totals"):
        if key not in body:
            return f"{key} is required."
    if not isinstance(body["order_id"], str) or not 1 <= len(body["order_id"]) <= 64:
        return "order_id must be a string of 1 to 64 characters."
    if not isinstance(body["display_id"], int) or isinstance(body["display_id"], bool):
        return "display_id must be an integer."
    if not isinstance(body["currency_code"], str) or body["currency_code"] != body["currency_code"].lower():
        return "currency_code must be a lowercase ISO 4217 code."
    if not isinstance(body["lines"], list) or not body["lines"]:
        return "lines must hold at least one line."
    for line in body["lines"]:
        if not isinstance(line, dict) or not isinstance(line.get("line_id"), str):
            return "Every line needs a line_id."
        quantity = line.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            return f"Line {line.get('line_id')}: quantity must be an integer of at least 1."
        for key in ("unit_price_gross", "total_gross"):
            if not isinstance(line.get(key), (int, float)) or isinstance(line.get(key), bool):
                return f"Line {line['line_id']}: {key} must be a number."
    payment = body["payment"]
    if not isinstance(payment, dict) or payment.get("status") not in PAYMENT_STATUSES:
        return "payment.status must be one of " + ", ".join(sorted(PAYMENT_STATUSES)) + "."
    totals = body["totals"]
    for key in ("items_gross", "shipping_gross", "discount_gross", "total_gross"):
        if not isinstance(totals, dict) or not isinstance(totals.get(key), (int, float)):
            return f"totals.{key} must be a number."
    buyer = body.get("buyer")
    if buyer is not None and (not isinstance(buyer, dict) or not re.fullmatch(r"\d{10}", str(buyer.get("nip", "")))):
        return "buyer.nip must be 10 digits."
    return ""


def _error(status: int, code: str, message: str, *, retryable: bool = False, details: Any = None) -> Reply:
    error: dict[str, Any] = {"code": code, "message": message, "retryable": retryable}
    if details is not None:
        error["details"] = details
    return Reply(status, {"error": error})


def _net_gross(gross: Decimal, rate: int) -> tuple[Decimal, Decimal]:
    net = (gross / (1 + Decimal(rate) / 100)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return net, gross


def _num(value: Decimal | int) -> int | float:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def seed_demo(emulator: SubiektBridgeEmulator) -> None:
    """The demo Subiekt: the demo shop's products (the same symbols as its SKUs), one contractor."""
    emulator.add_product("GENSER-BLA", "Sweter wełniany – niebieski, M", "299.00", ean="5901234123457", stock=15)
    emulator.add_product("GENSER-ROD", "Sweter wełniany – czerwony, L", "299.00", ean="5901234123464", stock=6)
    emulator.add_product("LUE-01", "Czapka dziergana", "89.00", stock=40, wholesale="69.00")
    emulator.add_product("BOK-01", "Książka „Wzory z Setesdal”", "59.00", vat_rate=5, stock=9)
    emulator.add_product("SJOKOLADE", "Kakao i czekolada", "35.00", vat_rate=8, stock=60)
    emulator.add_product("GAVE", "Pakowanie na prezent", "15.00", kind="service")
    emulator.add_contractor("1234563218", "Salon Ania sp. z o.o.", symbol="SALON-ANIA")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8109)
    parser.add_argument("--secret", default="demo-bridge-secret")
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args()
    bridge = SubiektBridgeEmulator(port=args.port, secret=args.secret)
    if args.demo:
        seed_demo(bridge)
    print(f"Subiekt bridge emulator on {bridge.root}", flush=True)
    bridge.serve_forever()
