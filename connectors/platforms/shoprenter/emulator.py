"""A ShopRenter API2 emulator on loopback: orders, statuses, product stock and prices, ``/batch``.

Built from ShopRenter's documentation and fixtures (Shoprenter/sr-api-docs):
client-credentials token at ``/oauth/{shop}/app/token`` (the OAuth host, served
here too); ``Authorization: Bearer``; XML unless ``Accept: application/json``
(this emulator answers 406 to a client that does not ask for JSON, so a client
that forgets fails loudly); ``Content-Type`` required on writes (400 40001);
0-based ``page``, ``limit`` ≤ 200, ``full=1`` (otherwise only hrefs); base64
ids beside ``innerId``; numbers as strings; ``orderExtend`` with ``updatedAtMin``;
``PUT /orders/{id}`` with ``orderStatus``; ``productExtend`` by id or by ``sku``;
``POST /batch`` (200 overall, a status per sub-request); 3 requests per second
per shop, 429 beyond (counted in ``calls["429"]``). The error body shape is not
documented: ``{"error": <inner code>, "message": ...}`` here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from connectors.emulation import Emulator, HttpError, Reply, Request

from .emulator_webhooks import WebhookResource
from .mapping import resource_id

ZONE = ZoneInfo("Europe/Budapest")
STATUSES = {1: "Függőben", 2: "Feldolgozás alatt", 3: "Teljesítve", 4: "Törölve"}


def _now() -> str:
    return dt.datetime.now(ZONE).strftime("%Y-%m-%dT%H:%M:%S")


def _error(status: int, inner: int, message: str) -> HttpError:
    return HttpError(status, {"error": inner, "message": message})


@dataclass
class ShopRenterState:
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)  # innerId -> orderExtend
    products: dict[str, dict[str, Any]] = field(default_factory=dict)  # sku -> productExtend
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)  # resource id -> webHook


class ShopRenterEmulator(WebhookResource, Emulator):
    statuses = STATUSES

    def __init__(
        self,
        *,
        shop: str = "demoshop",
        client_id: str = "sr-client",
        client_secret: str = "sr-secret",
        rate_per_second: int = 3,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.shop, self.client_id, self.client_secret = shop, client_id, client_secret
        self.state = ShopRenterState()
        self.lock = threading.RLock()
        self.rate = rate_per_second
        self._recent: deque[float] = deque()
        self._tokens: set[str] = set()
        self._ids = itertools.count(1001)
        self.deliveries: list[tuple[str, int]] = []  # webhook calls made: (url, status answered)

    @property
    def base_url(self) -> str:
        return f"{self.root}/api/"

    @property
    def token_url(self) -> str:
        return f"{self.root}/oauth/{self.shop}/app/token"

    # --- data ---------------------------------------------------------------------------

    def add_product(self, sku: str, name: str, price: str, *, stock: int = 0, tax_rate: str = "27") -> dict:
        inner = next(self._ids)
        product = {
            "href": f"{self.base_url}productExtend/{resource_id('product', 'product_id', inner)}",
            "id": resource_id("product", "product_id", inner),
            "innerId": str(inner),
            "sku": sku,
            "price": f"{Decimal(price):.4f}",
            "stock1": str(stock),
            "stock2": "0",
            "stock3": "0",
            "stock4": "0",
            "status": "1",
            "taxRate": tax_rate,  # (the real resource links a tax class; the rate is kept here for orders)
            "productDescriptions": [{"name": name}],
            "dateUpdated": _now(),
        }
        with self.lock:
            self.state.products[sku] = product
        return product

    def place_order(
        self,
        *,
        items: list[tuple[str, int]],
        customer_id: int | None = 34,
        status: int = 1,
        shipping_net: str = "1000",
        payment: str = "COD",
        email: str = "vevo@example.hu",
    ) -> dict[str, Any]:
        """An order as ``orderExtend`` shows it; stock taken from stock1."""
        with self.lock:
            inner = next(self._ids)
            products, net, tax = [], Decimal(0), Decimal(0)
            for sku, qty in items:
                product = self.state.products[sku]
                price, rate = Decimal(product["price"]), Decimal(product["taxRate"])
                total = price * qty
                net, tax = net + total, tax + (total * rate / 100).quantize(Decimal("1"))
                products.append(
                    {
                        "id": resource_id("orderProduct", "order_product_id", next(self._ids)),
                        "name": product["productDescriptions"][0]["name"],
                        "sku": sku,
                        "price": f"{price:.4f}",
                        "total": f"{total:.4f}",
                        "taxRate": f"{rate:.4f}",
                        "stock1": str(qty),
                        "stock2": "0",
                        "stock3": "0",
                        "stock4": "0",
                        "subtractStock": "1",
                        "product": {"href": product["href"]},
                    }
                )
                product["stock1"] = str(int(product["stock1"]) - qty)
            ship = Decimal(shipping_net)
            ship_tax = (ship * Decimal("27") / 100).quantize(Decimal("1"))
            gross = net + tax + ship + ship_tax
            order = {
                "href": f"{self.base_url}orderExtend/{resource_id('order', 'order_id', inner)}",
                "id": resource_id("order", "order_id", inner),
                "innerId": str(inner),
                "firstname": "Zoltán",
                "lastname": "Kovács",
                "email": email,
                "phone": "+36201234567",
                "paymentFirstname": "Zoltán",
                "paymentLastname": "Kovács",
                "paymentCompany": "",
                "paymentAddress1": "Fő utca 1",
                "paymentCity": "Győr",
                "paymentPostcode": "9021",
                "paymentCountry": {"isoCode2": "HU"},
                "shippingFirstname": "Zoltán",
                "shippingLastname": "Kovács",
                "shippingAddress1": "Fő utca 1",
                "shippingCity": "Győr",
                "shippingPostcode": "9021",
                "shippingCountry": {"isoCode2": "HU"},
                "shippingMethodName": "Home delivery with courier service",
                "shippingMethodExtension": "WSESHIP",
                "shippingMethodTaxRate": "27.0000",
                "paymentMethodCode": payment,
                "taxNumber": "",
                "comment": "",
                "total": f"{gross:.4f}",
                "dateCreated": _now(),
                "dateUpdated": _now(),
                "customer": (
                    {"href": f"{self.base_url}customers/{resource_id('customer', 'customer_id', customer_id)}"}
                    if customer_id
                    else None
                ),
                "orderStatus": {
                    "href": f"{self.base_url}orderStatuses/{resource_id('orderStatus', 'order_status_id', status)}"
                },
                "language": {"code": "hu"},
                "currency": {"code": "HUF"},
                "coupon": None,
                "orderTotals": [
                    {"type": "SUB_TOTAL", "value": f"{net:.4f}"},
                    {"type": "TAX", "value": f"{tax + ship_tax:.4f}"},
                    {"type": "SHIPPING", "value": f"{ship:.4f}"},
                    {"type": "TOTAL", "value": f"{gross:.4f}"},
                ],
                "orderProducts": products,
            }
            self.state.orders[inner] = order
        self._notify("order_confirm", order)
        return order

    # --- the HTTP side ------------------------------------------------------------------

    def routes(self):
        p = r"/api"
        return [
            ("POST", r"/oauth/(?P<shop>[^/]+)/app/token", self.token),
            ("GET", rf"{p}/orderStatuses", self.list_statuses),
            ("GET", rf"{p}/orderStatusDescriptions", self.list_status_descriptions),
            ("GET", rf"{p}/orderExtend", self.list_orders),
            ("GET", rf"{p}/orderExtend/(?P<rid>[A-Za-z0-9=+/]+)", self.get_order),
            ("GET", rf"{p}/orders/(?P<rid>[A-Za-z0-9=+/]+)", self.get_order),
            ("PUT", rf"{p}/orders/(?P<rid>[A-Za-z0-9=+/]+)", self.put_order),
            ("GET", rf"{p}/productExtend", self.list_products),
            ("POST", rf"{p}/productExtend", self.post_product),
            ("PUT", rf"{p}/productExtend/(?P<rid>[A-Za-z0-9=+/]+)", self.put_product),
            ("POST", rf"{p}/batch", self.batch),
            ("GET", rf"{p}/webHooks", self.list_webhooks),
            ("POST", rf"{p}/webHooks", self.post_webhook),
            ("PUT", rf"{p}/webHooks/(?P<rid>[A-Za-z0-9=+/]+)", self.put_webhook),
            ("DELETE", rf"{p}/webHooks/(?P<rid>[A-Za-z0-9=+/]+)", self.delete_webhook),
        ]

    def before(self, request: Request) -> Reply | None:
        if request.path.startswith("/oauth/"):
            return None
        with self.lock:
            now = time.monotonic()
            while self._recent and now - self._recent[0] > 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.rate:
                self.calls["429"] += 1
                return Reply(429, {"error": 429, "message": "Too Many Requests"})
            self._recent.append(now)
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self._tokens:
            return Reply(401, {"error": 40101, "message": "You have no permission for this operation!"})
        if "application/json" not in request.headers.get("accept", ""):
            return Reply(406, "<response><message>XML is the default format</message></response>",
                         {"Content-Type": "application/xml"})  # fmt: skip
        if request.method in ("POST", "PUT") and not request.headers.get("content-type"):
            return Reply(400, {"error": 40001, "message": "Data parameter not found in POST/PUT!"})
        return None

    def token(self, request: Request, shop: str) -> Reply:
        body = request.json() or {}
        if body.get("grant_type") != "client_credentials" or not body.get("client_id"):
            return Reply(400, {"error": "invalid_request", "error_description": "The request is missing a "
                               "required parameter.", "message": "invalid_request"})  # fmt: skip
        if (shop, body.get("client_id"), body.get("client_secret")) != (self.shop, self.client_id, self.client_secret):
            return Reply(401, {"error": "invalid_client", "error_description": "Client authentication failed",
                               "message": "Client authentication failed"})  # fmt: skip
        token = f"jwt-{next(self._ids)}"
        self._tokens.add(token)
        return Reply(200, {"token_type": "Bearer", "expires_in": 3600, "access_token": token})

    def _page(self, request: Request, path: str, items: list[dict[str, Any]]) -> Reply:
        try:
            limit = int(request.arg("limit") or 25)
            page = int(request.arg("page") or 0)
        except ValueError as exc:
            raise _error(400, 40005, "The given data is wrong!") from exc
        if limit > 200:
            raise _error(400, 40005, "The limit parameter must be integer 1 between 200.")
        count = max(1, -(-len(items) // limit))
        if page < 0 or page >= count:
            raise _error(400, 40008, f"Page not found! This Resource minimum page is 0 and maximum page is {count - 1}")
        chunk = items[page * limit : (page + 1) * limit]
        if request.arg("full") != "1":
            chunk = [{"href": item["href"]} for item in chunk]
        base = f"{self.base_url}{path}"
        return Reply(200, {"href": f"{base}?page={page}&limit={limit}", "page": page, "pageCount": count,
                           "limit": limit, "items": chunk})  # fmt: skip

    def list_statuses(self, request: Request) -> Reply:
        items = [
            {"href": f"{self.base_url}orderStatuses/{resource_id('orderStatus', 'order_status_id', n)}",
             "id": resource_id("orderStatus", "order_status_id", n)}
            for n in STATUSES
        ]  # fmt: skip
        return self._page(request, "orderStatuses", items)

    def list_status_descriptions(self, request: Request) -> Reply:
        items = [
            {
                "href": f"{self.base_url}orderStatusDescriptions/{n}",
                "id": resource_id("orderStatusDescription", "order_status_id", f"{n}&language_id=1"),
                "name": name,
                "orderStatus": {
                    "href": f"{self.base_url}orderStatuses/{resource_id('orderStatus', 'order_status_id', n)}"
                },
            }
            for n, name in STATUSES.items()
        ]
        return self._page(request, "orderStatusDescriptions", items)

    def list_orders(self, request: Request) -> Reply:
        since = request.arg("updatedAtMin")
        with self.lock:
            items = sorted(self.state.orders.values(), key=lambda o: int(o["innerId"]))
            if since:
                if not _valid_datetime(since):
                    raise _error(400, 40009, f"The given datetime parameter: {since} is invalid! Valid datetime "
                                 "format is 1990-01-01T00:00:00")  # fmt: skip
                items = [o for o in items if o["dateUpdated"] >= since]
            if request.arg("excludeAbandonedCart") == "1":
                items = [o for o in items if o.get("orderStatus")]
            return self._page(request, "orderExtend", items)

    def _order(self, rid: str) -> dict[str, Any]:
        for order in self.state.orders.values():
            if order["id"] == rid:
                return order
        raise _error(404, 40401, f"Resource not found! {rid}")

    def get_order(self, request: Request, rid: str) -> Reply:
        with self.lock:
            return Reply(200, self._order(rid))

    def put_order(self, request: Request, rid: str) -> Reply:
        body = request.json() or {}
        body = body.get("data", body)  # the docs show both a bare object and {"data": {...}}
        with self.lock:
            order = self._order(rid)
            status = body.get("orderStatus")
            if status is not None:
                wanted = str((status or {}).get("id") or "")
                if wanted not in {resource_id("orderStatus", "order_status_id", n) for n in STATUSES}:
                    raise _error(400, 40007, f"The given resource id is wrong: {wanted}!")
                order["orderStatus"] = {"href": f"{self.base_url}orderStatuses/{wanted}"}
            order["dateUpdated"] = _now()
        if status is not None:
            self._notify("order_status_change", order)
        return Reply(200, order)

    def list_products(self, request: Request) -> Reply:
        sku, after = request.arg("sku"), request.arg("updatedAfter")
        if after and not _valid_datetime(after):
            raise _error(400, 40009, f"The given datetime parameter: {after} is invalid!")
        with self.lock:
            items = [p for p in self.state.products.values() if not sku or p["sku"] == sku]
            items = [p for p in items if not after or p["dateUpdated"] >= after]
            return self._page(request, "productExtend", items)

    def _write_product(self, product: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        for key in ("stock1", "stock2", "stock3", "stock4", "price", "status"):
            if key in data:
                value = data[key]
                if not isinstance(value, str | int | float) or isinstance(value, bool):
                    raise _error(400, 40005, f"The {key} parameter has wrong data. The data is not scalar.")
                product[key] = str(value)
        product["dateUpdated"] = _now()
        return product

    def post_product(self, request: Request) -> Reply:
        body = request.json() or {}
        return self._post_product(request.arg("sku") or "", body.get("data", body))

    def _post_product(self, sku: str, data: dict[str, Any]) -> Reply:
        with self.lock:
            product = self.state.products.get(sku)
            if product is None:
                raise _error(404, 40033, f"Product not found with sku: {sku}")
            return Reply(200, self._write_product(product, data))

    def _put_product(self, rid: str, data: dict[str, Any]) -> Reply:
        with self.lock:
            for product in self.state.products.values():
                if product["id"] == rid:
                    return Reply(200, self._write_product(product, data))
        raise _error(404, 40401, f"Resource not found! {rid}")

    def put_product(self, request: Request, rid: str) -> Reply:
        body = request.json() or {}
        return self._put_product(rid, body.get("data", body))

    def batch(self, request: Request) -> Reply:
        body = request.json() or {}
        subs = ((body.get("data") or {}).get("requests")) or []
        results = []
        for sub in subs:
            method, uri = str(sub.get("method", "")).upper(), str(sub.get("uri", ""))
            parts = urlsplit(uri)
            path, query = parts.path, parse_qs(parts.query)
            try:
                if method == "POST" and path.endswith("/productExtend"):
                    reply = self._post_product((query.get("sku") or [""])[0], sub.get("data") or {})
                elif method == "PUT" and "/productExtend/" in path:
                    reply = self._put_product(path.rsplit("/", 1)[-1], sub.get("data") or {})
                else:
                    raise _error(400, 40010, f"The given parameter: {uri} is not available!")
            except HttpError as exc:
                reply = exc.reply
            self.calls[f"batch {method} {path.rsplit('/', 1)[0] if method == 'PUT' else path}"] += 1
            results.append({"method": method, "uri": uri,
                            "response": {"header": {"statusCode": str(reply.status)}, "body": reply.body}})  # fmt: skip
        return Reply(200, {"requests": {"request": results}})


def _valid_datetime(value: str) -> bool:
    try:
        dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False
    return True


def seed_demo(emulator: ShopRenterEmulator) -> None:
    """A small Hungarian shop: the same item numbers as the Magento demo where they overlap."""
    emulator.add_product("LUE-01", "Kötött sapka", "5500", stock=20)
    emulator.add_product("BOK-01", "Könyv", "8000", stock=10, tax_rate="5")
    emulator.add_product("SJAL-01", "Gyapjú sál", "9900", stock=6)


if __name__ == "__main__":
    from .emulator_demo import main

    main()
