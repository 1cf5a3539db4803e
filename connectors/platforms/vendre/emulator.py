"""A Vendre emulator on 127.0.0.1, to the shapes in ``mapping`` (public where tagged [C], our
assumptions [A] otherwise, all named in ``mapping``'s one block).

- ``X-Authorization`` required (401 without or with a wrong key) [C]; JSON only;
- lists ``GET /API/1/<resource>?page_size=&offset=`` -> ``{"list": [...], "remaining": n}`` [C],
  ``page_size`` capped at 250; ``updated_from`` and ``sku`` filters [A];
- ``/orders`` read, ``PUT /orders/{id}`` (status, admin comment; an e-mail is counted when
  ``notify_customer`` is not false); ``/products`` read, ``POST`` (201 with the product),
  ``PUT /products/{id}``; ``/customers`` read;
- errors ``{"message": …}`` with 4xx [A].

Run alone: ``python -m connectors.platforms.vendre.emulator --port 8108 --demo``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connectors.emulation import Emulator, HttpError, Reply, Request

from . import mapping

ROOT = "/" + mapping.API_ROOT.rstrip("/")


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime(mapping.TIME_FORMAT)


@dataclass
class VendreState:
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    emails_sent: int = 0  # status changes that would have e-mailed the buyer


class VendreEmulator(Emulator):
    name = "vendre"

    def __init__(self, *, api_key: str = "vendre-key", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.api_key = api_key
        self.state = VendreState()
        self._ids = itertools.count(101)
        self._numbers = itertools.count(10001)

    @property
    def base_url(self) -> str:
        return f"{self.root}/"

    # --- data, as the shop would hold it ---------------------------------------------------------

    def add_product(
        self, sku: str, name: str, price: str, *, stock: int = 0, tax_class: str = "1", **extra: Any
    ) -> int:
        with self.lock:
            product_id = next(self._ids)
            self.state.products[product_id] = {
                "id": product_id, "sku": sku, "name": {"sv": name}, "price": price, "tax_class_id": tax_class,
                "stock": stock, "is_active": 1, "show": 1, "category_ids": [], mapping.UPDATED_FIELD: _now(), **extra,
            }  # fmt: skip
            return product_id

    def product(self, sku: str) -> dict[str, Any] | None:
        with self.lock:
            return next((p for p in self.state.products.values() if p["sku"] == sku), None)

    def change_product(self, current_sku: str, /, **fields: Any) -> None:
        """A change made in the shop's admin."""
        with self.lock:
            product = self.product(current_sku)
            assert product is not None, current_sku
            product.update(fields, **{mapping.UPDATED_FIELD: _now()})

    def change_customer(self, customer_id: int, **fields: Any) -> None:
        with self.lock:
            self.state.customers[customer_id].update(fields, **{mapping.UPDATED_FIELD: _now()})

    def add_customer(self, email: str, first_name: str, last_name: str, **extra: Any) -> int:
        with self.lock:
            customer_id = next(self._ids)
            self.state.customers[customer_id] = {
                "id": customer_id, "email": email, "first_name": first_name, "last_name": last_name,
                mapping.UPDATED_FIELD: _now(), **extra,
            }  # fmt: skip
            return customer_id

    def place_order(
        self,
        *,
        rows: list[tuple[str, int]],
        customer_id: int | None = None,
        status: int = 1,
        discount_codes: list[dict[str, Any]] | None = None,
        shipping_price: str = "49.00",
        payment: str = "klarna_checkout",
        **extra: Any,
    ) -> dict[str, Any]:
        """An order as the shop keeps it: rows at the products' prices excl. VAT, discount codes
        (a percentage taken off each row, an amount incl. VAT off the total), freight at 25 %."""
        with self.lock:
            order_id = next(self._ids)
            customer = self.state.customers.get(customer_id or 0, {})
            order_rows, gross = [], Decimal("0")
            percent = sum((Decimal(d["value"]) for d in discount_codes or [] if d["type"] == "percent"), Decimal("0"))
            for n, (sku, quantity) in enumerate(rows, start=1):
                product = self.product(sku)
                assert product is not None, sku
                rate = Decimal(mapping.TAX_CLASSES[str(product["tax_class_id"])])
                price = Decimal(product["price"])
                order_rows.append(
                    {"id": n, "product_id": product["id"], "sku": sku, "name": product["name"], "quantity": quantity,
                     "price": str(price), "vat_percent": str(rate)}
                )  # fmt: skip
                net = (quantity * price * (1 - percent / 100)).quantize(Decimal("0.01"))
                gross += (net * (1 + rate / 100)).quantize(Decimal("0.01"))
            shipping = Decimal(shipping_price)
            gross += (shipping * Decimal("1.25")).quantize(Decimal("0.01"))
            gross -= sum((Decimal(d["value"]) for d in discount_codes or [] if d["type"] == "amount"), Decimal("0"))
            address = {
                "first_name": customer.get("first_name", "Gäst"), "last_name": customer.get("last_name", "Köpare"),
                "company": customer.get("company", ""), "street": "Storgatan 1", "postcode": "11122",
                "city": "Stockholm", "country_code": "SE", "email": customer.get("email", "gast@example.se"),
                "phone": "+46 8 123 45 67",
            }  # fmt: skip
            order = {
                "id": order_id, mapping.ORDER_NUMBER_FIELD: str(next(self._numbers)), "status": status,
                mapping.CREATED_FIELD: _now(), mapping.UPDATED_FIELD: _now(), "currency": "SEK", "language": "sv",
                "customer_id": customer_id, "customer": dict(customer) if customer else None,
                "email": address["email"], "billing_address": address, "shipping_address": address,
                "payment": {"name": "Klarna", "external_id": payment, "reference": f"KL-{order_id}"},
                "shipping": {
                    "name": "PostNord", "external_id": "postnord", "price": str(shipping), "vat_percent": "25",
                },
                mapping.ORDER_ROWS_FIELD: order_rows, mapping.ORDER_DISCOUNTS_FIELD: discount_codes or [],
                mapping.ORDER_COMMENT_FIELD: "Lämna vid dörren", mapping.ORDER_REFERENCE_FIELD: "",
                mapping.ORDER_TOTAL_FIELD: str(gross), mapping.ORDER_ERP_COMMENT_FIELD: "", **extra,
            }  # fmt: skip
            self.state.orders[order_id] = order
            return order

    # --- routes ----------------------------------------------------------------------------------

    def routes(self):
        return [
            ("GET", rf"{ROOT}/(?P<resource>orders|products|customers)", self.list_items),
            ("GET", rf"{ROOT}/(?P<resource>orders|products|customers)/(?P<item_id>\d+)", self.get_item),
            ("PUT", rf"{ROOT}/orders/(?P<item_id>\d+)", self.update_order),
            ("POST", rf"{ROOT}/products", self.create_product),
            ("PUT", rf"{ROOT}/products/(?P<item_id>\d+)", self.update_product),
        ]

    def before(self, request: Request) -> Reply | None:
        if request.headers.get(mapping.AUTH_HEADER.lower()) != self.api_key:
            return Reply(401, {"message": "Invalid API key"})
        return None

    def _collection(self, resource: str) -> dict[int, dict[str, Any]]:
        return getattr(self.state, resource)

    def list_items(self, request: Request, resource: str) -> Reply:
        size = min(int(request.arg(mapping.PAGE_SIZE_PARAM, "250") or 250), mapping.PAGE_SIZE)
        offset = int(request.arg(mapping.OFFSET_PARAM, "0") or 0)
        since = request.arg(mapping.UPDATED_SINCE_PARAM)
        sku = request.arg(mapping.SKU_PARAM)
        ids = {int(i) for i in (request.arg("ids") or "").split(",") if i.strip().isdigit()}
        with self.lock:
            rows = sorted(
                self._collection(resource).values(), key=lambda r: (r.get(mapping.UPDATED_FIELD, ""), r["id"])
            )
            if since:
                rows = [r for r in rows if r.get(mapping.UPDATED_FIELD, "") >= since]
            if sku and resource == "products":
                rows = [r for r in rows if r["sku"] == sku]
            if ids:
                rows = [r for r in rows if r["id"] in ids]
            page = rows[offset : offset + size]
            return Reply(200, {mapping.LIST_KEY: page, mapping.REMAINING_KEY: max(0, len(rows) - offset - len(page))})

    def get_item(self, request: Request, resource: str, item_id: str) -> Reply:
        with self.lock:
            item = self._collection(resource).get(int(item_id))
            if item is None:
                raise HttpError(404, {"message": f"No {resource[:-1]} {item_id}"})
            return Reply(200, item)

    def update_order(self, request: Request, item_id: str) -> Reply:
        body = request.json()
        with self.lock:
            order = self.state.orders.get(int(item_id))
            if order is None:
                raise HttpError(404, {"message": f"No order {item_id}"})
            if "status" in body:
                if body["status"] not in mapping.STATUS_NAMES:
                    raise HttpError(422, {"message": f"Unknown status {body['status']}"})
                order["status"] = body["status"]
                if body.get(mapping.NOTIFY_FIELD) is not False:
                    self.state.emails_sent += 1
            if mapping.ORDER_ERP_COMMENT_FIELD in body:
                order[mapping.ORDER_ERP_COMMENT_FIELD] = body[mapping.ORDER_ERP_COMMENT_FIELD]
            order[mapping.UPDATED_FIELD] = _now()
            return Reply(200, order)

    def _apply(self, product: dict[str, Any], body: dict[str, Any]) -> None:
        if "sku" in body and any(p["sku"] == body["sku"] and p is not product for p in self.state.products.values()):
            raise HttpError(422, {"message": f"SKU {body['sku']} is taken"})
        if "tax_class_id" in body and str(body["tax_class_id"]) not in mapping.TAX_CLASSES:
            raise HttpError(422, {"message": f"Unknown tax class {body['tax_class_id']}"})
        product.update(body)
        product[mapping.UPDATED_FIELD] = _now()

    def create_product(self, request: Request) -> Reply:
        body = request.json()
        if not isinstance(body, dict) or not body.get("sku"):
            raise HttpError(422, {"message": "sku is required"})
        with self.lock:
            product: dict[str, Any] = {"id": next(self._ids), "is_active": 1}
            self._apply(product, body)
            self.state.products[product["id"]] = product
            return Reply(201, product)

    def update_product(self, request: Request, item_id: str) -> Reply:
        with self.lock:
            product = self.state.products.get(int(item_id))
            if product is None:
                raise HttpError(404, {"message": f"No product {item_id}"})
            self._apply(product, request.json())
            return Reply(200, product)


def seed_demo(emulator: VendreEmulator) -> None:
    emulator.add_product("MUGG-01", "Kaffemugg", "79.20", stock=40)
    emulator.add_product("KNIV-02", "Smörkniv", "39.20", stock=120)
    anna = emulator.add_customer(
        "anna@example.se", "Anna", "Andersson", address_street="Kungsgatan 2", address_postcode="41119",
        address_city="Göteborg", address_country_code_alpha2="SE",
    )  # fmt: skip
    emulator.add_product("LAMPA-9", "Bordslampa", "320.00", stock=6)  # new to the demo Specter
    emulator.place_order(rows=[("MUGG-01", 2), ("LAMPA-9", 1)], customer_id=anna)


def main() -> None:
    parser = argparse.ArgumentParser(description="Vendre emulator")
    parser.add_argument("--port", type=int, default=8108)
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args()
    emulator = VendreEmulator(port=args.port)
    if args.demo:
        seed_demo(emulator)
    print(f"Vendre emulator on {emulator.base_url} (API key {emulator.api_key})", flush=True)
    emulator.serve_forever()


if __name__ == "__main__":
    main()
