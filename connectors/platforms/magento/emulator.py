"""A Magento 2 REST emulator on 127.0.0.1 (PLATFORM_APIS.md §2): the subset the
connector uses, with Magento's envelopes and quirks.

- ``/rest/<store>/V1/orders`` search (searchCriteria filter/sort/page, pageSize ≤ 300;
  a page past the end returns the last page again, as Magento does), one order,
  ``/comments``; ``/customers/{id}``; ``/products`` search;
  ``/stockItems/{sku}`` and ``PUT /products/{sku}/stockItems/{itemId}`` (legacy);
  ``POST /inventory/source-items`` (MSI); ``POST /products/base-prices``;
  ``POST /order/{id}/invoice|ship|refund`` with the document validation errors.
- Bare integer ids; ``{"items", "search_criteria", "total_count"}``;
  errors ``{"message", "parameters"}``; Bearer integration token.

Run alone: ``python -m connectors.platforms.magento.emulator --port 8102 --demo``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import threading
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.emulation import Emulator, HttpError, Reply, Request

from .calculator import Calculator, Coupon, TaxConfig

CENT = Decimal("0.01")
MAX_PAGE_SIZE = 300
_PRODUCT = "\x00product"  # a search row's product: no field of Magento's is called so


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _r(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _error(status: int, message: str, parameters: Any = None) -> HttpError:
    body: dict[str, Any] = {"message": message}
    if parameters is not None:
        body["parameters"] = parameters
    return HttpError(status, body)


@dataclass
class Product:
    id: int
    sku: str
    name: str
    price: Decimal
    tax_percent: Decimal
    type_id: str = "simple"
    parent_sku: str = ""
    qty: Decimal = Decimal("0")
    updated_at: str = field(default_factory=_now)
    status: int = 1
    weight: Decimal | None = None
    cost: Decimal | None = None
    description: str = ""
    notify_stock_qty: Decimal | None = None
    visibility: int = 4
    category_ids: list[str] = field(default_factory=list)

    def search_row(self) -> dict[str, Any]:
        """The top-level fields a search filters and sorts on, and the product itself."""
        row: dict[str, Any] = {
            "id": self.id, "sku": self.sku, "name": self.name, "attribute_set_id": 4, "price": float(self.price),
            "status": self.status, "visibility": self.visibility, "type_id": self.type_id,
            "updated_at": self.updated_at, _PRODUCT: self,
        }  # fmt: skip
        if self.weight is not None:
            row["weight"] = float(self.weight)
        return row

    def as_json(self) -> dict[str, Any]:
        custom: list[dict[str, Any]] = [{"attribute_code": "tax_class_id", "value": "2"}]
        if self.cost is not None:
            custom.append({"attribute_code": "cost", "value": str(self.cost)})
        if self.description:
            custom.append({"attribute_code": "description", "value": self.description})
        if self.category_ids:
            custom.append({"attribute_code": "category_ids", "value": list(self.category_ids)})
        stock_item: dict[str, Any] = {"item_id": self.id, "qty": float(self.qty), "is_in_stock": self.qty > 0}
        if self.notify_stock_qty is not None:
            stock_item["notify_stock_qty"] = float(self.notify_stock_qty)
        body = {
            "id": self.id,
            "sku": self.sku,
            "name": self.name,
            "attribute_set_id": 4,
            "price": float(self.price),
            "status": self.status,
            "visibility": self.visibility,
            "type_id": self.type_id,
            "updated_at": self.updated_at,
            "extension_attributes": {"stock_item": stock_item},
            "custom_attributes": custom,
        }
        if self.weight is not None:
            body["weight"] = float(self.weight)
        return body


@dataclass
class MagentoState:
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    source_items: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    base_prices: dict[str, Decimal] = field(default_factory=dict)
    invoices: dict[int, dict[str, Any]] = field(default_factory=dict)
    shipments: dict[int, dict[str, Any]] = field(default_factory=dict)
    creditmemos: dict[int, dict[str, Any]] = field(default_factory=dict)
    sales_rules: dict[int, dict[str, Any]] = field(default_factory=dict)
    coupons: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    next_increment: int = 100000001


class MagentoEmulator(Emulator):
    name = "magento-emulator"

    def __init__(
        self,
        *,
        token: str = "demo-integration-token",
        store: str = "default",
        tax_config: TaxConfig | None = None,
        currency: str = "NOK",
        **kwargs: Any,
    ) -> None:
        self.token = token
        self.currency = currency
        self.tax_config = tax_config or TaxConfig()
        self.store = store
        self.state = MagentoState()
        self._generator: threading.Thread | None = None
        self._stop_generator = threading.Event()
        super().__init__(**kwargs)

    @property
    def base_url(self) -> str:
        return f"{self.root}/rest/{self.store}/V1/"

    def _id(self) -> int:
        with self.lock:
            value = self.state.next_id
            self.state.next_id += 1
            return value

    # --- catalogue, customers, orders (tests and the demo) ----------------------------

    def add_product(
        self,
        sku: str,
        name: str,
        price: str | Decimal,
        tax_percent: str | Decimal = "25",
        type_id: str = "simple",
        parent_sku: str = "",
        qty: int = 0,
    ) -> Product:
        product = Product(
            self._id(), sku, name, Decimal(str(price)), Decimal(str(tax_percent)), type_id, parent_sku, Decimal(qty)
        )
        with self.lock:
            self.state.products[sku] = product
        return product

    def add_customer(
        self, first: str, last: str, email: str, erp_customer_no: str = "", attribute: str = "erp_customer_no"
    ) -> int:
        customer_id = self._id()
        custom = [{"attribute_code": attribute, "value": erp_customer_no}] if erp_customer_no else []
        with self.lock:
            self.state.customers[customer_id] = {
                "id": customer_id,
                "firstname": first,
                "lastname": last,
                "email": email,
                "group_id": 1,
                "created_at": _now(),
                "updated_at": _now(),
                "custom_attributes": custom,
            }
        return customer_id

    def place_order(
        self,
        *,
        items: list[tuple[str, int]],
        customer_id: int | None = None,
        guest: tuple[str, str, str] | None = None,
        coupon: tuple | Coupon | None = None,
        shipping: Decimal = Decimal("79.00"),
        shipping_tax: Decimal = Decimal("25"),
        payment: str = "klarna_kp",
        status: str = "processing",
        address: dict[str, Any] | None = None,
        comment: str = "",
        taxvat: str = "",
    ) -> dict[str, Any]:
        """Place an order, totalled the way Magento does under this store's tax settings.

        ``coupon``: a Coupon, or (code, "by_percent" | "by_fixed" | "cart_fixed", amount[, skus]).
        ``shipping`` is entered as the store's settings say (incl. or excl. tax).
        """
        if customer_id is not None:
            c = self.state.customers[customer_id]
            first, last, email = c["firstname"], c["lastname"], c["email"]
        else:
            first, last, email = guest or ("Gjest", "Kjøper", "gjest@example.no")
        if isinstance(coupon, tuple):
            skus = frozenset(coupon[3]) if len(coupon) > 3 and coupon[3] else None
            coupon = Coupon(coupon[0], coupon[1], Decimal(str(coupon[2])), skus)
        lines = [(sku, qty, self.state.products[sku].price, self.state.products[sku].tax_percent) for sku, qty in items]
        totals = Calculator(self.tax_config).order(
            lines, coupon=coupon, shipping=Decimal(shipping), shipping_rate=Decimal(shipping_tax)
        )
        entity_id = self._id()
        order_items: list[dict[str, Any]] = []
        for row in totals.rows:
            product = self.state.products[row.sku]
            parent = self.state.products.get(product.parent_sku) if product.parent_sku else None
            item_id = self._id()
            order_items.append(
                {
                    "item_id": item_id,
                    "order_id": entity_id,
                    "sku": row.sku,
                    "name": parent.name if parent else product.name,
                    "product_type": "configurable" if parent else product.type_id,
                    "qty_ordered": row.qty,
                    "qty_invoiced": 0,
                    "qty_shipped": 0,
                    "qty_refunded": 0,
                    "qty_canceled": 0,
                    "original_price": float(row.price),
                    "price": float(row.price),
                    "base_price": float(row.price),
                    "price_incl_tax": float(row.price_incl_tax),
                    "tax_percent": float(row.rate),
                    "row_total": float(row.row_total),
                    "base_row_total": float(row.row_total),
                    "row_total_incl_tax": float(row.row_total_incl_tax),
                    "tax_amount": float(row.tax_amount),
                    "base_tax_amount": float(row.tax_amount),
                    "discount_percent": float(row.discount_percent),
                    "discount_amount": float(row.discount_amount),
                    "base_discount_amount": float(row.discount_amount),
                    "discount_tax_compensation_amount": float(row.compensation),
                }
            )
            if parent:
                order_items.append(
                    {
                        "item_id": self._id(),
                        "order_id": entity_id,
                        "parent_item_id": item_id,
                        "sku": row.sku,
                        "name": product.name,
                        "product_type": "simple",
                        "qty_ordered": row.qty,
                        "price": 0.0,
                        "tax_percent": 0.0,
                        "row_total": 0.0,
                        "tax_amount": 0.0,
                        "discount_percent": 0.0,
                        "discount_amount": 0.0,
                    }
                )
        item_discounts = sum((row.discount_amount for row in totals.rows), Decimal("0"))
        item_compensation = sum((row.compensation for row in totals.rows), Decimal("0"))
        address = address or {"street": ["Storgata 1"], "postcode": "0155", "city": "Oslo", "country_id": "NO"}
        full_address = {
            "firstname": first,
            "lastname": last,
            "email": email,
            "telephone": "+47 900 00 000",
            "address_type": "billing",
            **address,
        }
        now = _now()
        money = {
            "subtotal": sum((row.row_total for row in totals.rows), Decimal("0")),
            "subtotal_incl_tax": sum((row.row_total_incl_tax for row in totals.rows), Decimal("0")),
            "discount_amount": -(item_discounts + totals.shipping_discount_amount),
            "tax_amount": sum((row.tax_amount for row in totals.rows), Decimal("0")) + totals.shipping_tax_amount,
            "discount_tax_compensation_amount": item_compensation,
            "shipping_amount": totals.shipping_amount,
            "shipping_incl_tax": totals.shipping_incl_tax,
            "shipping_tax_amount": totals.shipping_tax_amount,
            "shipping_discount_amount": totals.shipping_discount_amount,
            "shipping_discount_tax_compensation_amount": totals.shipping_compensation,
            "grand_total": totals.grand_total,
        }
        with self.lock:
            increment = str(self.state.next_increment)
            self.state.next_increment += 1
            order = {
                "entity_id": entity_id,
                "increment_id": increment,
                "state": "processing" if status == "processing" else "new",
                "status": status,
                "created_at": now,
                "updated_at": now,
                "store_id": 1,
                "order_currency_code": self.currency,
                "base_currency_code": self.currency,
                "customer_id": customer_id,
                "customer_is_guest": 0 if customer_id else 1,
                "customer_email": email,
                "customer_firstname": first,
                "customer_lastname": last,
                "customer_note": comment,
                **({"customer_taxvat": taxvat} if taxvat else {}),
                "coupon_code": coupon.code if coupon else None,
                "discount_description": coupon.code if coupon else None,
                **{key: float(value) for key, value in money.items()},
                **{f"base_{key}": float(value) for key, value in money.items()},
                "shipping_description": "Flat Rate - Fixed",
                "items": order_items,
                "billing_address": full_address,
                # An online method keeps the provider's payment id as the last transaction id.
                "payment": {
                    "method": payment,
                    "additional_information": [f"{payment}-ref-{entity_id}"],
                    **({"last_trans_id": uuid.uuid4().hex} if payment != "checkmo" else {}),
                },
                "status_histories": [],
                "extension_attributes": {
                    "shipping_assignments": [
                        {
                            "shipping": {
                                "address": {**full_address, "address_type": "shipping"},
                                "method": "flatrate_flatrate",
                            }
                        }
                    ]
                },
            }
            self.state.orders[entity_id] = order
        return order

    def set_order_status(self, entity_id: int, status: str) -> None:
        with self.lock:
            self.state.orders[entity_id]["status"] = status
            self.state.orders[entity_id]["updated_at"] = _now()

    def stock_of(self, sku: str) -> Decimal:
        with self.lock:
            return self.state.products[sku].qty

    def state_snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "orders": len(self.state.orders),
                "stock": {s: float(p.qty) for s, p in self.state.products.items()},
            }

    # --- HTTP --------------------------------------------------------------------------

    def routes(self):
        p = r"/rest/[^/]+/V1"
        return [
            ("GET", rf"{p}/orders", self.search_orders),
            ("GET", rf"{p}/orders/(?P<oid>\d+)", self.get_order),
            ("POST", rf"{p}/orders/(?P<oid>\d+)/comments", self.add_comment),
            ("GET", rf"{p}/customers/(?P<cid>\d+)", self.get_customer),
            ("GET", rf"{p}/products", self.search_products),
            ("POST", rf"{p}/products", self.create_product),
            ("GET", rf"{p}/products/(?P<sku>[^/]+)", self.get_product),
            ("PUT", rf"{p}/products/(?P<sku>[^/]+)", self.save_product),
            ("GET", rf"{p}/customers/search", self.search_customers),
            ("GET", rf"{p}/salesRules/search", self.search_sales_rules),
            ("GET", rf"{p}/coupons/search", self.search_coupons),
            ("GET", rf"{p}/stockItems/(?P<sku>[^/]+)", self.get_stock_item),
            ("PUT", rf"{p}/products/(?P<sku>[^/]+)/stockItems/(?P<item_id>\d+)", self.put_stock_item),
            ("POST", rf"{p}/inventory/source-items", self.post_source_items),
            ("POST", rf"{p}/products/base-prices", self.post_base_prices),
            ("POST", rf"{p}/order/(?P<oid>\d+)/invoice", self.invoice),
            ("POST", rf"{p}/order/(?P<oid>\d+)/ship", self.ship),
            ("POST", rf"{p}/order/(?P<oid>\d+)/refund", self.refund),
            ("POST", rf"{p}/invoice/(?P<inv>\d+)/refund", self.refund_invoice),
            ("GET", rf"{p}/invoices", self.search_invoices),
            ("GET", rf"{p}/shipments", self.search_shipments),
            ("GET", rf"{p}/creditmemos", self.search_creditmemos),
            ("GET", rf"{p}/invoices/(?P<doc>\d+)/comments", self.invoice_comments),
            ("GET", rf"{p}/shipment/(?P<doc>\d+)/comments", self.shipment_comments),
            ("GET", rf"{p}/creditmemo/(?P<doc>\d+)/comments", self.creditmemo_comments),
        ]

    def before(self, request: Request) -> Reply | None:
        if request.headers.get("authorization", "") != f"Bearer {self.token}":
            return Reply(
                401,
                {
                    "message": "The consumer isn't authorized to access %resources.",
                    "parameters": {"resources": "Magento_Sales::sales"},
                },
            )
        return None

    def _search(self, request: Request, rows: list[dict[str, Any]]) -> Reply:
        criteria: dict[tuple[int, int], dict[str, str]] = {}
        sort: dict[int, dict[str, str]] = {}
        for key, values in request.query.items():
            m = re.fullmatch(r"searchCriteria\[filter_groups\]\[(\d+)\]\[filters\]\[(\d+)\]\[(\w+)\]", key)
            if m:
                criteria.setdefault((int(m[1]), int(m[2])), {})[m[3]] = values[0]
            m = re.fullmatch(r"searchCriteria\[sortOrders\]\[(\d+)\]\[(\w+)\]", key)
            if m:
                sort.setdefault(int(m[1]), {})[m[2]] = values[0]
        groups: dict[int, list[dict[str, str]]] = {}
        for (group, _), f in criteria.items():
            groups.setdefault(group, []).append(f)
        for filters in groups.values():  # groups AND, filters in a group OR
            rows = [r for r in rows if any(_matches(r, f) for f in filters)]
        for s in reversed([sort[k] for k in sorted(sort)]):
            name = s["field"]
            rows.sort(key=lambda r: str(r.get(name, "")), reverse=s.get("direction", "ASC") == "DESC")  # noqa: B023
        size = int(request.arg("searchCriteria[pageSize]") or 20)
        if size > MAX_PAGE_SIZE:
            raise _error(400, "Maximum SearchCriteria pageSize is %max", {"max": MAX_PAGE_SIZE})
        page = int(request.arg("searchCriteria[currentPage]") or 1)
        last_page = max(1, -(-len(rows) // size))
        page = min(page, last_page)  # Magento's quirk: past the end, the last page again
        criteria_echo = {
            "filter_groups": [{"filters": f} for f in groups.values()],
            "page_size": size,
            "current_page": page,
        }
        return Reply(
            200,
            {
                "items": rows[(page - 1) * size : page * size],
                "search_criteria": criteria_echo,
                "total_count": len(rows),
            },
        )

    def search_orders(self, request: Request) -> Reply:
        with self.lock:
            rows = [dict(o) for o in self.state.orders.values()]
        return self._search(request, rows)

    def _order(self, oid: str) -> dict[str, Any]:
        order = self.state.orders.get(int(oid))
        if order is None:
            raise _error(404, "The entity that was requested doesn't exist. Verify the entity and try again.")
        return order

    def get_order(self, request: Request, oid: str) -> Reply:
        with self.lock:
            return Reply(200, self._order(oid))

    def add_comment(self, request: Request, oid: str) -> Reply:
        history = (request.json() or {}).get("statusHistory")
        if not isinstance(history, dict) or "comment" not in history:
            raise _error(400, '"%fieldName" is required. Enter and try again.', {"fieldName": "statusHistory"})
        with self.lock:
            order = self._order(oid)
            order["status_histories"].append({**history, "created_at": _now()})
            if history.get("status"):
                order["status"] = history["status"]
            order["updated_at"] = _now()
        return Reply(200, True)

    def get_customer(self, request: Request, cid: str) -> Reply:
        with self.lock:
            customer = self.state.customers.get(int(cid))
        if customer is None:
            raise _error(
                404, "No such entity with %fieldName = %fieldValue", {"fieldName": "customerId", "fieldValue": cid}
            )
        return Reply(200, customer)

    def search_products(self, request: Request) -> Reply:
        # Filters and sort orders read top-level fields only, so each product is a light row until
        # its page is cut and only that page is serialised whole: at 100 000 products a page costs
        # the emulator a small dict per product, not every product's JSON (benchmarks measure the
        # portal, not this emulator).
        with self.lock:
            rows = [p.search_row() for p in self.state.products.values()]
            reply = self._search(request, rows)
            reply.body["items"] = [row[_PRODUCT].as_json() for row in reply.body["items"]]
        return reply

    def get_product(self, request: Request, sku: str) -> Reply:
        with self.lock:
            return Reply(200, self._product(sku).as_json())

    def create_product(self, request: Request) -> Reply:
        body = (request.json() or {}).get("product")
        if not isinstance(body, dict) or not body.get("sku"):
            raise _error(400, '"%fieldName" is required. Enter and try again.', {"fieldName": "sku"})
        with self.lock:
            if body["sku"] in self.state.products:
                raise _error(400, "The product was unable to be saved. Please try again.")
            product = Product(self._id(), body["sku"], body.get("name", ""), Decimal("0"), Decimal("25"))
            product.type_id = body.get("type_id", "simple")
            self._apply_product(product, body)
            self.state.products[product.sku] = product
            return Reply(200, product.as_json())

    def save_product(self, request: Request, sku: str) -> Reply:
        """PUT /V1/products/{sku}: updates the fields given; with the product's id, a new sku renames it."""
        body = (request.json() or {}).get("product")
        if not isinstance(body, dict):
            raise _error(400, '"%fieldName" is required. Enter and try again.', {"fieldName": "product"})
        with self.lock:
            product = self._product(sku)
            new_sku = body.get("sku", sku)
            if new_sku != sku:
                if body.get("id") != product.id:
                    raise _error(400, "The product was unable to be saved. Please try again.")
                if new_sku in self.state.products:
                    raise _error(
                        400, "The value specified in the URL Key field would generate a URL that already exists."
                    )
                del self.state.products[sku]
                product.sku = new_sku
                self.state.products[new_sku] = product
            self._apply_product(product, body)
            return Reply(200, product.as_json())

    def _apply_product(self, product: Product, body: dict[str, Any]) -> None:
        if "name" in body:
            product.name = body["name"]
        if "price" in body:
            product.price = Decimal(str(body["price"]))
        if "status" in body:
            product.status = int(body["status"])
        if "weight" in body:
            product.weight = Decimal(str(body["weight"]))
        if "visibility" in body:
            product.visibility = int(body["visibility"])
        for attribute in body.get("custom_attributes") or []:
            code, value = attribute.get("attribute_code"), attribute.get("value")
            if code == "cost":
                product.cost = Decimal(str(value))
            elif code == "description":
                product.description = str(value)
        extension = body.get("extension_attributes") or {}
        stock_item = extension.get("stock_item") or {}
        if "qty" in stock_item:
            product.qty = Decimal(str(stock_item["qty"]))
        if "notify_stock_qty" in stock_item:
            product.notify_stock_qty = Decimal(str(stock_item["notify_stock_qty"]))
        for link in extension.get("category_links") or []:
            product.category_ids.append(str(link.get("category_id")))
        product.updated_at = _now()

    def add_coupon(self, code: str, name: str, action: str, amount: str) -> None:
        """A cart price rule with one specific coupon (Marketing › Cart Price Rules)."""
        with self.lock:
            rule_id = len(self.state.sales_rules) + 1
            self.state.sales_rules[rule_id] = {
                "rule_id": rule_id,
                "name": name,
                "is_active": True,
                "coupon_type": "SPECIFIC_COUPON",
                "simple_action": action,
                "discount_amount": float(amount),
            }
            coupon_id = len(self.state.coupons) + 1
            self.state.coupons[coupon_id] = {"coupon_id": coupon_id, "rule_id": rule_id, "code": code, "times_used": 0}

    def search_sales_rules(self, request: Request) -> Reply:
        with self.lock:
            rows = [dict(r) for r in self.state.sales_rules.values()]
        return self._search(request, rows)

    def search_coupons(self, request: Request) -> Reply:
        with self.lock:
            rows = [dict(c) for c in self.state.coupons.values()]
        return self._search(request, rows)

    def search_customers(self, request: Request) -> Reply:
        with self.lock:
            rows = [dict(c) for c in self.state.customers.values()]
        return self._search(request, rows)

    def _product(self, sku: str) -> Product:
        product = self.state.products.get(sku)
        if product is None:
            raise _error(404, "The product that was requested doesn't exist. Verify the product and try again.")
        return product

    def get_stock_item(self, request: Request, sku: str) -> Reply:
        with self.lock:
            product = self._product(sku)
            return Reply(
                200,
                {
                    "item_id": product.id,
                    "product_id": product.id,
                    "stock_id": 1,
                    "qty": float(product.qty),
                    "is_in_stock": product.qty > 0,
                },
            )

    def put_stock_item(self, request: Request, sku: str, item_id: str) -> Reply:
        body = (request.json() or {}).get("stockItem") or {}
        with self.lock:
            product = self._product(sku)
            if int(item_id) != product.id:
                raise _error(400, "The stock item was unable to be saved. Please try again.")
            product.qty = Decimal(str(body.get("qty", product.qty)))
            product.updated_at = _now()
        return Reply(200, product.id)

    def post_source_items(self, request: Request) -> Reply:
        items = (request.json() or {}).get("sourceItems")
        if not isinstance(items, list) or len(items) > 20:
            raise _error(400, "The number of items in the array exceeds the allowed maximum of %1.", [20])
        with self.lock:
            for item in items:
                product = self._product(item["sku"])
                self.state.source_items[(item["sku"], item["source_code"])] = Decimal(str(item["quantity"]))
                product.qty = Decimal(str(item["quantity"]))
        return Reply(200, [])

    def post_base_prices(self, request: Request) -> Reply:
        prices = (request.json() or {}).get("prices")
        if not isinstance(prices, list) or len(prices) > 20:
            raise _error(400, "The number of items in the array exceeds the allowed maximum of %1.", [20])
        # The answer's shape is Magento's own (api-functional BasePriceStorageTest): a list of
        # failures, each a message with %placeholders and its parameters in order; the valid
        # prices of the same call are saved.
        errors = []
        with self.lock:
            for price in prices:
                product = self.state.products.get(price.get("sku", ""))
                valid = True
                if product is None:
                    errors.append({"message": "Invalid attribute %fieldName = %fieldValue.",
                                   "parameters": ["SKU", str(price.get("sku", ""))]})  # fmt: skip
                    valid = False
                if price.get("price") is None or float(price["price"]) < 0:
                    errors.append({"message": "Invalid attribute %fieldName = %fieldValue.",
                                   "parameters": ["Price", str(price.get("price"))]})  # fmt: skip
                    valid = False
                if int(price.get("store_id", 0)) != 0:
                    errors.append({"message": "Requested store is not found. Row ID: SKU = %SKU, Store ID: %storeId.",
                                   "parameters": [str(price.get("sku", "")), str(price["store_id"])]})  # fmt: skip
                    valid = False
                if valid and product is not None:
                    product.price = Decimal(str(price["price"]))
                    self.state.base_prices[price["sku"]] = product.price
        return Reply(200, errors)

    def _document(self, request: Request, oid: str, kind: str, qty_field: str) -> tuple[dict, list, int]:
        body = request.json() or {}
        with self.lock:
            order = self._order(oid)
            lines = body.get("items") or [
                {"order_item_id": i["item_id"], "qty": i["qty_ordered"] - i.get(qty_field, 0)}
                for i in order["items"]
                if not i.get("parent_item_id")
            ]
            items = {i["item_id"]: i for i in order["items"]}
            for line in lines:
                item = items.get(line["order_item_id"])
                if item is None or line["qty"] > item["qty_ordered"] - item.get(qty_field, 0):
                    raise _error(
                        400,
                        f"{kind} Document Validation Error(s):\nThe order does not allow "
                        f"{'an' if kind == 'Invoice' else 'a'} {kind.lower()} to be created.",
                    )
            for line in lines:
                items[line["order_item_id"]][qty_field] = items[line["order_item_id"]].get(qty_field, 0) + line["qty"]
            return order, lines, self._id()

    def _stored(self, request: Request, order: dict[str, Any], lines: list, doc_id: int, **extra: Any) -> dict:
        """A document as Magento's repositories answer it (the fields read back here)."""
        comment = (request.json() or {}).get("comment") or {}
        comments = []
        if comment.get("comment"):
            comments.append(
                {
                    "entity_id": doc_id * 10,
                    "parent_id": doc_id,
                    "comment": comment["comment"],
                    "is_customer_notified": 0,
                    "is_visible_on_front": int(comment.get("is_visible_on_front") or 0),
                    "created_at": _now(),
                }
            )
        items = {i["item_id"]: i for i in order["items"]}
        return {
            "entity_id": doc_id,
            "increment_id": f"{doc_id:09d}",
            "order_id": order["entity_id"],
            "created_at": _now(),
            "items": [
                {"order_item_id": li["order_item_id"], "qty": li["qty"], "sku": items[li["order_item_id"]]["sku"]}
                for li in lines
            ],
            "comments": comments,
            **extra,
        }

    def invoice(self, request: Request, oid: str) -> Reply:
        order = self._order(oid)
        if order["status"] in ("canceled", "closed", "holded"):
            raise _error(
                400, "Invoice Document Validation Error(s):\nThe order does not allow an invoice to be created."
            )
        order, lines, doc_id = self._document(request, oid, "Invoice", "qty_invoiced")
        capture = bool((request.json() or {}).get("capture"))
        with self.lock:
            # Invoice state: 1 open (not captured), 2 paid, 3 canceled.
            self.state.invoices[doc_id] = self._stored(request, order, lines, doc_id, state=2 if capture else 1)
            self._complete_if_done(order)
        return Reply(200, doc_id)

    def ship(self, request: Request, oid: str) -> Reply:
        order = self._order(oid)
        if order["status"] in ("canceled", "closed", "holded"):
            raise _error(400, "A shipment cannot be created when an order has a status of %1", [order["status"]])
        tracks = (request.json() or {}).get("tracks") or []
        order, lines, doc_id = self._document(request, oid, "Shipment", "qty_shipped")
        with self.lock:
            self.state.shipments[doc_id] = self._stored(request, order, lines, doc_id, tracks=tracks)
            self._complete_if_done(order)
        return Reply(200, doc_id)

    def refund(self, request: Request, oid: str) -> Reply:
        order = self._order(oid)
        # Magento credits only what was paid: an invoice that is not captured (state 1) takes no memo.
        if not any(inv["order_id"] == order["entity_id"] and inv["state"] == 2 for inv in self.state.invoices.values()):
            raise _error(
                400, "Creditmemo Document Validation Error(s):\nThe order does not allow a creditmemo to be created."
            )
        order, lines, doc_id = self._document(request, oid, "Creditmemo", "qty_refunded")
        arguments = (request.json() or {}).get("arguments") or {}
        with self.lock:
            self.state.creditmemos[doc_id] = self._stored(
                request, order, lines, doc_id, shipping_amount=arguments.get("shipping_amount")
            )
        return Reply(200, doc_id)

    def refund_invoice(self, request: Request, inv: str) -> Reply:
        invoice = self.state.invoices.get(int(inv))
        if invoice is None:
            raise _error(404, "The entity that was requested doesn't exist. Verify the entity and try again.")
        return self.refund(request, str(invoice["order_id"]))

    def search_invoices(self, request: Request) -> Reply:
        with self.lock:
            return self._search(request, list(self.state.invoices.values()))

    def search_shipments(self, request: Request) -> Reply:
        with self.lock:
            return self._search(request, list(self.state.shipments.values()))

    def search_creditmemos(self, request: Request) -> Reply:
        with self.lock:
            return self._search(request, list(self.state.creditmemos.values()))

    def _comments(self, documents: dict[int, dict[str, Any]], doc: str) -> Reply:
        with self.lock:
            document = documents.get(int(doc))
            if document is None:
                raise _error(404, "The entity that was requested doesn't exist. Verify the entity and try again.")
            return Reply(200, {"items": list(document["comments"]), "total_count": len(document["comments"])})

    def invoice_comments(self, request: Request, doc: str) -> Reply:
        return self._comments(self.state.invoices, doc)

    def shipment_comments(self, request: Request, doc: str) -> Reply:
        return self._comments(self.state.shipments, doc)

    def creditmemo_comments(self, request: Request, doc: str) -> Reply:
        return self._comments(self.state.creditmemos, doc)

    def _complete_if_done(self, order: dict[str, Any]) -> None:
        items = [i for i in order["items"] if not i.get("parent_item_id")]
        if all(
            i.get("qty_invoiced", 0) >= i["qty_ordered"] and i.get("qty_shipped", 0) >= i["qty_ordered"] for i in items
        ):
            order["state"] = order["status"] = "complete"  # M5
        order["updated_at"] = _now()

    # --- demo order generator -------------------------------------------------------------

    def start_generator(self, every: float = 6.0, seed: int = 7) -> None:
        """Place a new demo order every ``every`` seconds until stopped."""
        rng = random.Random(seed)

        def run() -> None:
            while not self._stop_generator.wait(every):
                place_random_order(self, rng)

        self._generator = threading.Thread(target=run, name="magento-order-generator", daemon=True)
        self._generator.start()

    def stop(self) -> None:
        self._stop_generator.set()
        super().stop()


def _matches(row: dict[str, Any], f: dict[str, str]) -> bool:
    name = f.get("field", "")
    if name == "entity_id" and "entity_id" not in row:
        name = "id"  # products and customers answer with "id"; their table's column is entity_id
    value, wanted, cond = row.get(name), f.get("value", ""), f.get("condition_type", "eq")
    text = "" if value is None else str(value)
    if cond in ("gt", "gteq", "lt", "lteq", "from", "to", "moreq"):
        left: Any = text
        right: Any = wanted
        if isinstance(value, (int, float)):
            left, right = float(value), float(wanted)
        return {
            "gt": left > right,
            "gteq": left >= right,
            "moreq": left >= right,
            "from": left >= right,
            "lt": left < right,
            "lteq": left <= right,
            "to": left <= right,
        }[cond]
    if cond == "eq":
        return text == wanted
    if cond == "neq":
        return text != wanted
    if cond == "in":
        return text in wanted.split(",")
    if cond == "like":
        return re.fullmatch(wanted.replace("%", ".*"), text) is not None
    return False


DEMO_GUESTS = [
    ("Ødön", "Kovács", "odon.kovacs@example.hu"),
    ("Łucja", "Wiśniewska", "lucja@example.pl"),
    ("Åsmund", "Grønlie", "asmund@example.no"),
    ("Märta", "Sjöström", "marta@example.se"),
]


def seed_demo(emulator: MagentoEmulator) -> dict[str, int]:
    """The demo shop: variants, a service, products with and without an ERP item; three kinds of buyer."""
    emulator.add_product("GENSER", "Ullgenser", "640", type_id="configurable")
    emulator.add_product("GENSER-BLA", "Ullgenser – blå, M", "640", parent_sku="GENSER", qty=12)
    emulator.add_product("GENSER-ROD", "Ullgenser – rød, L", "640", parent_sku="GENSER", qty=4)
    emulator.add_product("LUE-01", "Strikkelue", "199", qty=30)
    emulator.add_product("VOTTER-01", "Votter", "159", qty=0)
    emulator.add_product("BOK-01", "Strikkebok «Mønstre fra Setesdal»", "299", tax_percent="0", qty=7)
    emulator.add_product("SJOKOLADE", "Kakao og sjokolade", "89", tax_percent="15", qty=50)
    emulator.add_product("GAVE", "Gaveinnpakning", "40", type_id="virtual")
    emulator.add_product("NY-VARE-9", "Ny vare uten ERP-nummer", "120", qty=5)  # unknown to the ERP
    emulator.add_coupon("HOST10", "Høstsalg 10 %", "by_percent", "10")
    emulator.add_coupon("GAVEKORT100", "Gavekort 100 kr", "cart_fixed", "100")
    return {
        "registered_with_erp": emulator.add_customer("Åse", "Ødegård", "ase@example.no", erp_customer_no="10002"),
        "company_with_erp": emulator.add_customer("Kari", "Fjord", "innkjop@fjordstrikk.no", erp_customer_no="10001"),
        "registered_without_erp": emulator.add_customer("Zoltán", "Kovács", "zoltan.k@example.hu"),
    }


def place_random_order(emulator: MagentoEmulator, rng: random.Random) -> dict[str, Any]:
    """A demo order: mixed VAT, variants, sometimes a coupon, a guest or the product the ERP lacks."""
    skus = ["GENSER-BLA", "GENSER-ROD", "LUE-01", "BOK-01", "SJOKOLADE", "GAVE"]
    items = [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, 3))]
    if rng.random() < 0.12:
        items.append(("NY-VARE-9", 1))
    coupon = rng.choice(
        [None, None, ("HOST10", "by_percent", Decimal("10")), ("GAVEKORT100", "cart_fixed", Decimal("100.00"))]
    )
    customers = list(emulator.state.customers)
    kind = rng.random()
    if kind < 0.35:
        return emulator.place_order(
            items=items,
            guest=rng.choice(DEMO_GUESTS),
            coupon=coupon,
            comment=rng.choice(["", "Ring på døra, takk", "Leveres etter kl. 16"]),
        )
    status = "pending" if rng.random() < 0.15 else "processing"  # M1: awaiting payment vs authorised
    return emulator.place_order(
        items=items,
        customer_id=rng.choice(customers),
        coupon=coupon,
        status=status,
        payment="checkmo" if status == "pending" else "klarna_kp",
    )


def place_first_demo_orders(emulator: MagentoEmulator, customers: dict[str, int]) -> None:
    """What the admin shows within the first minute: transfers, a failure with a hint, a conflict."""
    emulator.place_order(
        items=[("GENSER-BLA", 1), ("LUE-01", 2)],
        customer_id=customers["registered_with_erp"],
        coupon=("HOST10", "by_percent", Decimal("10")),
        comment="Ring på døra, takk",
    )
    emulator.place_order(
        items=[("BOK-01", 1), ("SJOKOLADE", 2), ("GAVE", 1)], customer_id=customers["company_with_erp"]
    )
    emulator.place_order(
        items=[("GENSER-ROD", 1)],
        customer_id=customers["registered_without_erp"],
        coupon=("GAVEKORT100", "cart_fixed", Decimal("100.00")),
    )
    emulator.place_order(items=[("NY-VARE-9", 1), ("LUE-01", 1)], customer_id=customers["registered_with_erp"])
    emulator.place_order(items=[("VOTTER-01", 2)], guest=("Łucja", "Wiśniewska", "lucja@example.pl"))
    emulator.place_order(
        items=[("LUE-01", 1)], customer_id=customers["registered_with_erp"], status="pending", payment="checkmo"
    )


def seed_demo_poland(emulator: MagentoEmulator) -> None:
    """The Polish demo shop (seed 002, with Subiekt): the Subiekt demo's symbols as SKUs, Polish VAT,
    and its first orders: a company Subiekt knows, a new company, a private buyer, a NIP with a wrong
    check digit, a product Subiekt does not have, a company like a known one (a conflict)."""
    emulator.add_product("GENSER-BLA", "Sweter wełniany – niebieski, M", "243.09", tax_percent="23", qty=15)
    emulator.add_product("GENSER-ROD", "Sweter wełniany – czerwony, L", "243.09", tax_percent="23", qty=6)
    emulator.add_product("LUE-01", "Czapka dziergana", "72.36", tax_percent="23", qty=40)
    emulator.add_product("BOK-01", "Książka „Wzory z Setesdal”", "56.19", tax_percent="5", qty=9)
    emulator.add_product("NOWY-9", "Produkt, którego Subiekt nie zna", "10.00", tax_percent="23", qty=3)
    poznan = {"street": ["ul. Długa 5/2"], "postcode": "61-001", "city": "Poznań", "country_id": "PL"}
    kw: dict[str, Any] = {"shipping": Decimal("12.19"), "shipping_tax": Decimal("23")}
    salon = ("Anna", "Kowalska", "biuro@salon-ania.pl")
    emulator.place_order(
        items=[("GENSER-BLA", 2)], guest=salon, taxvat="1234563218", payment="checkmo",
        address={**poznan, "company": "Salon Ania sp. z o.o."}, **kw,
    )  # fmt: skip
    emulator.place_order(
        items=[("LUE-01", 3), ("BOK-01", 1)], guest=("Piotr", "Nowak", "zakupy@dzianiny.pl"), taxvat="5261040828",
        address={**poznan, "street": ["ul. Półwiejska 2"], "company": "Dzianiny sp. z o.o."}, **kw,
    )  # fmt: skip
    emulator.place_order(items=[("LUE-01", 1)], guest=("Łucja", "Wiśniewska", "lucja@example.pl"), address=poznan, **kw)
    emulator.place_order(
        items=[("GENSER-ROD", 1)], guest=("Jan", "Zieliński", "jan@zielinski.pl"), taxvat="5261040829",
        address={**poznan, "company": "Zieliński i S-ka"}, **kw,
    )  # fmt: skip
    emulator.place_order(items=[("NOWY-9", 1)], guest=("Ewa", "Mazur", "ewa@example.pl"), address=poznan, **kw)
    # Salon Ania's e-mail with another company's NIP: one similar contractor, an accountant decides.
    emulator.place_order(
        items=[("LUE-01", 2)], guest=("Joanna", "Kowalska", "biuro@salon-ania.pl"), taxvat="7770002903",
        address={**poznan, "company": "Ania Kosmetyka"}, **kw,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--demo", action="store_true", help="seed the catalogue and place orders every few seconds")
    parser.add_argument("--demo-poland", action="store_true", help="the Polish demo shop (PLN) beside Subiekt")
    parser.add_argument("--every", type=float, default=6.0)
    parser.add_argument("--products", type=int, default=0, help="a catalogue of this many simple products (benchmarks)")
    args = parser.parse_args()
    emulator = MagentoEmulator(port=args.port, currency="PLN" if args.demo_poland else "NOK")
    if args.demo_poland:
        seed_demo_poland(emulator)
    for n in range(args.products):
        emulator.add_product(f"BENCH-{n:06d}", f"Vare {n}", Decimal(100 + n % 900), qty=n % 40)
    if args.demo:
        customers = seed_demo(emulator)
        place_first_demo_orders(emulator, customers)
        emulator.start_generator(args.every)
    print(f"Magento emulator on {emulator.base_url} (token: {emulator.token})", flush=True)
    emulator.serve_forever()


if __name__ == "__main__":
    main()
