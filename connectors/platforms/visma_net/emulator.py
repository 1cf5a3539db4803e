"""A Visma.net ERP v1 emulator on 127.0.0.1: the subset the connector uses, same
envelopes, status codes, headers and error texts (PLATFORM_APIS.md §1).

- POST /connect/token (client credentials, tenant_id) -> bearer token, 1 h
- /v1/salesorder  POST (201 + Location), GET list (lastModifiedDateTime[+Condition],
  pageNumber/pageSize, no customerRefNo filter: the real API has none), GET one
- /v1/customer  GET list (name, corporateId, email), GET one, POST (201 + Location)
- /v1/inventory  GET list (lastModifiedDateTime, availabilityLastModifiedDateTime, expandWarehouseDetail),
  GET one
- /v1/inventorysummary/{inventoryNumber}?warehouse=
- X-RateLimit-Limit/Remaining/Reset/Policy on every answer; 429 + Retry-After past the limit

Run alone: ``python -m connectors.platforms.visma_net.emulator --port 8101 --demo``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import time
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.emulation import Emulator, HttpError, Reply, Request

CENT = Decimal("0.01")
MAX_PAGE_SIZE = 100


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


def _val(body: dict[str, Any], key: str, default: Any = None) -> Any:
    field_ = body.get(key)
    if isinstance(field_, dict) and "value" in field_:
        return field_["value"]
    return default


def _visma_error(text: str, status: int = 400) -> HttpError:
    return HttpError(status, {"message": f"VismaId: {uuid.uuid4()}. {text}"})


@dataclass
class VismaState:
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    stock: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (item, warehouse) -> available
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    order_types: set[str] = field(default_factory=lambda: {"SO"})
    payment_methods: set[str] = field(default_factory=set)
    tax_categories: dict[str, Decimal] = field(
        default_factory=lambda: {
            "HIGH": Decimal("25"),
            "MED": Decimal("15"),
            "LOW": Decimal("12"),
            "ZERO": Decimal("0"),
        }
    )
    tokens: dict[str, float] = field(default_factory=dict)
    # When each item's availability last changed (availabilityLastModifiedDateTime), ISO.
    availability_modified: dict[str, str] = field(default_factory=dict)
    next_order: int = 1
    next_customer: int = 20001
    next_inventory_id: int = 0


class VismaEmulator(Emulator):
    name = "visma-net-emulator"

    def __init__(
        self,
        *,
        client_id: str = "demo-client",
        client_secret: str = "demo-secret",
        tenant_id: str = "demo-tenant",
        rate_limit: int = 10_000,
        rate_window: int = 3600,
        warehouse_details: str = "plain",
        **kwargs: Any,
    ) -> None:
        self.warehouse_details = warehouse_details  # "plain", "object" or "on_hand_only": see _warehouse_details
        self.client_id, self.client_secret, self.tenant_id = client_id, client_secret, tenant_id
        self.rate_limit, self.rate_window = rate_limit, rate_window
        self.window_start, self.window_used = time.time(), 0
        self.state = VismaState()
        super().__init__(**kwargs)

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1/"

    @property
    def token_url(self) -> str:
        return f"{self.root}/connect/token"

    @property
    def credentials(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.client_secret, "tenant_id": self.tenant_id}

    # --- seeding (tests, demo) ---------------------------------------------------

    def add_customer(self, number: str, name: str, email: str = "", corporate_id: str = "") -> None:
        with self.lock:
            self.state.customers[number] = {
                "number": number,
                "name": name,
                "status": "Active",
                "corporateId": corporate_id,
                "mainContact": {"name": name, "email": email},
                "lastModifiedDateTime": _iso(_now()),
            }

    def add_item(self, number: str, description: str = "", price: Decimal | str = "0", status: str = "Active") -> dict:
        with self.lock:
            self.state.next_inventory_id += 1
            self.state.items[number] = {
                "inventoryId": self.state.next_inventory_id,
                "inventoryNumber": number,
                "description": description or number,
                "status": status,
                "type": "FinishedGoodItem",
                "defaultPrice": float(Decimal(str(price))),
                "vatCode": {"id": "HIGH", "description": "25 %"},
                "packaging": {"baseItemWeight": 0.0, "weightUOM": "KG"},
                "crossReferences": [],
                "note": "",
                "lastModifiedDateTime": _iso(_now()),
            }
            return self.state.items[number]

    def rename_item(self, number: str, new_number: str) -> None:
        """As a person would in Visma's window: the item number changes, the internal id stays."""
        with self.lock:
            item = self.state.items.pop(number)
            item["inventoryNumber"] = new_number
            item["lastModifiedDateTime"] = _iso(_now())
            self.state.items[new_number] = item

    def set_item(self, number: str, **fields: Any) -> None:
        """Change an item's DTO fields (status, description …) as a person would in Visma."""
        with self.lock:
            self.state.items[number].update(fields)
            self.state.items[number]["lastModifiedDateTime"] = _iso(_now())

    def set_price(self, number: str, price: Decimal | str) -> None:
        with self.lock:
            self.state.items[number]["defaultPrice"] = float(Decimal(str(price)))
            self.state.items[number]["lastModifiedDateTime"] = _iso(_now())

    def set_stock(self, number: str, warehouse: str, available: Decimal | int | str) -> None:
        """A stock change: the item's availability is stamped (its ``lastModifiedDateTime`` is not:
        stock moves by documents in Visma.net, not by editing the item)."""
        with self.lock:
            self.state.stock[(number, warehouse)] = Decimal(str(available))
            self.state.availability_modified[number] = _iso(_now())

    def orders_with_ref(self, customer_ref_no: str) -> list[dict[str, Any]]:
        with self.lock:
            return [o for o in self.state.orders.values() if o["customerRefNo"] == customer_ref_no]

    def set_order_status(self, order_no: str, status: str) -> None:
        with self.lock:
            self.state.orders[order_no]["status"] = status
            self.state.orders[order_no]["lastModifiedDateTime"] = _iso(_now())

    def state_snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {"orders": list(self.state.orders.values()), "customers": list(self.state.customers.values())}

    # --- auth and rate limit ----------------------------------------------------------

    def routes(self):
        return [
            ("POST", r"/connect/token", self.token),
            ("POST", r"/v1/salesorder", self.create_order),
            ("GET", r"/v1/salesorder", self.list_orders),
            ("GET", r"/v1/salesorder/(?P<number>[^/]+)", self.get_order),
            ("GET", r"/v1/customer", self.list_customers),
            ("POST", r"/v1/customer", self.create_customer),
            ("GET", r"/v1/customer/(?P<number>[^/]+)", self.get_customer),
            ("PUT", r"/v1/customer/(?P<number>[^/]+)", self.update_customer),
            ("GET", r"/v1/inventory", self.list_items),
            ("POST", r"/v1/inventory", self.create_item),
            ("PUT", r"/v1/inventory/internal/(?P<internal>\d+)", self.update_item),
            ("POST", r"/v1/inventory/action/changeInventoryNbr/(?P<internal>\d+)", self.change_item_number),
            ("GET", r"/v1/inventory/(?P<number>[^/]+)", self.get_item),
            ("GET", r"/v1/inventorysummary/(?P<number>[^/]+)", self.inventory_summary),
        ]

    def before(self, request: Request) -> Reply | None:
        if request.path == "/connect/token":
            return None
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        with self.lock:
            expires = self.state.tokens.get(token)
        if not auth.startswith("Bearer ") or expires is None or expires < time.time():
            return Reply(401, {"message": "Authorization has been denied for this request."})
        with self.lock:
            if time.time() >= self.window_start + self.rate_window:
                self.window_start, self.window_used = time.time(), 0
            if self.window_used >= self.rate_limit:
                wait = int(self.window_start + self.rate_window - time.time()) + 1
                return Reply(429, {"message": "API calls quota exceeded!"}, {"Retry-After": str(wait)})
            self.window_used += 1
        return None

    def after(self, request: Request, reply: Reply) -> None:
        if request.path == "/connect/token":
            return
        with self.lock:
            reply.headers.update(
                {
                    "X-RateLimit-Limit": str(self.rate_limit),
                    "X-RateLimit-Remaining": str(max(0, self.rate_limit - self.window_used)),
                    "X-RateLimit-Reset": str(max(0, int(self.window_start + self.rate_window - time.time()))),
                    "X-RateLimit-Policy": "4-fixed-window",
                }
            )

    def token(self, request: Request) -> Reply:
        form = request.form()
        if form.get("grant_type") != "client_credentials":
            return Reply(400, {"error": "unsupported_grant_type"})
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
            return Reply(401, {"error": "invalid_client"})
        if form.get("tenant_id") != self.tenant_id:
            return Reply(400, {"error": "invalid_request", "error_description": "Unknown tenant_id"})
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.state.tokens[token] = time.time() + 3600
        return Reply(200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"})

    def expire_tokens(self) -> None:
        """Make every issued token expired (tests of renewal on 401)."""
        with self.lock:
            self.state.tokens = {t: 0.0 for t in self.state.tokens}

    # --- sales orders -------------------------------------------------------------------

    def create_order(self, request: Request) -> Reply:
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("lines", []), list):
            raise _visma_error(
                "Error creating salesOrder. Visma.net.ERP.Web.Api.ExceptionHandling.PostException: "
                "Data received not recognized as SaleOrderUpdateDto"
            )
        order_type = _val(body, "orderType")
        if not order_type:
            raise _visma_error("Error creating salesOrder. 'Order Type' cannot be empty.")
        if order_type not in self.state.order_types:
            raise _visma_error(f"Error creating salesOrder. Order type '{order_type}' does not exist.")
        customer = _val(body, "customer")
        if not customer:
            raise _visma_error("Error creating salesOrder. 'Customer' cannot be empty.")
        if customer not in self.state.customers:
            raise _visma_error(f"Error creating salesOrder. Customer '{customer}' not found.")
        payment = _val(body, "paymentMethod")
        if payment and self.state.payment_methods and payment not in self.state.payment_methods:
            raise _visma_error(f"Error creating salesOrder. Payment method '{payment}' does not exist.")
        lines, totals = [], {"net": Decimal("0"), "tax": Decimal("0")}
        net_by_category: dict[str, Decimal] = {}
        for number, line in enumerate(body.get("lines", []), start=1):
            item = _val(line, "inventoryNumber") or _val(line, "inventoryId")
            if not item:
                raise _visma_error("Error creating salesOrder. 'Inventory ID' cannot be empty.")
            if item not in self.state.items:
                raise _visma_error(f"Error creating salesOrder. Inventory item '{item}' not found.")
            qty = Decimal(str(_val(line, "quantity", 0)))
            price = Decimal(str(_val(line, "unitPrice", 0)))
            pct = Decimal(str(_val(line, "discountPercent", 0)))
            amount_off = Decimal(str(_val(line, "discountAmount", 0)))
            gross = qty * price
            net = (gross - gross * pct / 100 - amount_off).quantize(CENT, ROUND_HALF_UP)
            category = _val(line, "taxCategory") or "HIGH"
            if category not in self.state.tax_categories:
                raise _visma_error(f"Error creating salesOrder. Tax category '{category}' does not exist.")
            net_by_category[category] = net_by_category.get(category, Decimal("0")) + net
            lines.append(
                {
                    "lineNbr": number,
                    "inventory": {"number": item},
                    "quantity": float(qty),
                    "unitPrice": float(price),
                    "discountPercent": float(pct),
                    "discountAmount": float(amount_off),
                    "amount": float(net),
                    "description": _val(line, "lineDescription", ""),
                    "taxCategory": category,
                }
            )
        for category, net in net_by_category.items():
            totals["net"] += net
            totals["tax"] += (net * self.state.tax_categories[category] / 100).quantize(CENT, ROUND_HALF_UP)
        with self.lock:
            order_no = str(self.state.next_order).zfill(6)
            self.state.next_order += 1
            self.state.orders[order_no] = {
                "orderType": order_type,
                "orderNo": order_no,
                "status": "Open",
                "customer": {"number": customer, "name": self.state.customers[customer]["name"]},
                "customerRefNo": _val(body, "customerRefNo", ""),
                "customerOrder": _val(body, "customerOrder", ""),
                "description": _val(body, "description", ""),
                "note": _val(body, "note", ""),
                "currency": _val(body, "currency", ""),
                "paymentMethod": payment or "",
                "paymentRef": _val(body, "paymentRef", ""),
                "shipVia": _val(body, "shipVia", ""),
                "branchNumber": _val(body, "branchNumber", ""),
                "shippingAddress": _val(body, "soShippingAddress"),
                "shippingContact": _val(body, "soShippingContact"),
                "lines": lines,
                "vatTaxableTotal": float(totals["net"]),
                "taxTotal": float(totals["tax"]),
                "orderTotal": float(totals["net"] + totals["tax"]),
                "lastModifiedDateTime": _iso(_now()),
            }
        return Reply(201, None, {"Location": f"{self.base_url}salesorder/{order_no}", "ETag": f'"{uuid.uuid4()}"'})

    @staticmethod
    def _since(request: Request, rows: list[dict[str, Any]], arg: str, stamp: Any) -> list[dict[str, Any]]:
        """Rows whose ``stamp(row)`` meets the ``<arg>`` / ``<arg>Condition`` filter (``>`` by default)."""
        since = request.arg(arg)
        if not since:
            return rows
        condition = request.arg(f"{arg}Condition") or ">"
        cut = dt.datetime.fromisoformat(since.replace(" ", "T")).replace(tzinfo=dt.UTC)

        def keep(row: dict[str, Any]) -> bool:
            at = dt.datetime.fromisoformat(stamp(row)).replace(tzinfo=dt.UTC)
            return {">": at > cut, ">=": at >= cut, "<": at < cut, "<=": at <= cut}[condition]

        return [r for r in rows if keep(r)]

    def _page(self, request: Request, rows: list[dict[str, Any]], expand: Any = None) -> Reply:
        rows = self._since(request, rows, "lastModifiedDateTime", lambda r: r["lastModifiedDateTime"])
        size = min(int(request.arg("pageSize") or MAX_PAGE_SIZE), MAX_PAGE_SIZE)
        page = int(request.arg("pageNumber") or 1)
        chunk = rows[(page - 1) * size : page * size]
        if expand is not None:
            chunk = [expand(row) for row in chunk]
        meta = {"totalCount": len(rows), "maxPageSize": MAX_PAGE_SIZE}
        return Reply(200, [{**row, "metadata": meta} for row in chunk])

    def list_orders(self, request: Request) -> Reply:
        with self.lock:
            rows = sorted(self.state.orders.values(), key=lambda o: o["orderNo"])
        status = request.arg("status")
        if status:
            rows = [r for r in rows if r["status"] == status]
        return self._page(request, rows)

    def get_order(self, request: Request, number: str) -> Reply:
        with self.lock:
            order = self.state.orders.get(number)
        if order is None:
            raise _visma_error(f"SalesOrder {number} not found.", 404)
        return Reply(200, order)

    # --- customers --------------------------------------------------------------------------

    def list_customers(self, request: Request) -> Reply:
        with self.lock:
            rows = list(self.state.customers.values())
        for arg, get in (
            ("name", lambda c: c["name"]),
            ("corporateId", lambda c: c.get("corporateId", "")),
            ("email", lambda c: c["mainContact"].get("email", "")),
        ):
            wanted = request.arg(arg)
            if wanted:
                rows = [c for c in rows if get(c).lower() == wanted.lower()]
        return self._page(request, rows)

    def get_customer(self, request: Request, number: str) -> Reply:
        with self.lock:
            customer = self.state.customers.get(number)
        if customer is None:
            raise _visma_error(f"Customer '{number}' not found.", 404)
        return Reply(200, customer)

    STATUSES = ("Active", "On hold", "Credit hold", "Inactive", "One time")  # CustomerDto.status

    def _customer_fields(self, body: Any, *, creating: bool) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise _visma_error("Error creating customer. Data received not recognized as CustomerUpdateDto")
        name = _val(body, "name")
        if creating and not name:
            raise _visma_error("Error creating customer. 'Customer Name' cannot be empty.")
        status = _val(body, "status")
        if status is not None and status not in self.STATUSES:
            raise _visma_error(f"Error creating customer. Status '{status}' is not valid.")
        fields: dict[str, Any] = {}
        for key in ("name", "status", "corporateId", "note"):
            if key in body:
                fields[key] = _val(body, key)
        for key in ("mainContact", "invoiceContact", "deliveryContact", "mainAddress", "invoiceAddress",
                    "deliveryAddress"):  # fmt: skip
            if key in body:
                fields[key] = {k: _val({"x": w}, "x", w) for k, w in (_val(body, key) or {}).items()}
        return fields

    def create_customer(self, request: Request) -> Reply:
        fields = self._customer_fields(request.json(), creating=True)
        with self.lock:
            number = str(self.state.next_customer)
            self.state.next_customer += 1
            self.state.customers[number] = {
                "number": number,
                "status": "Active",
                "mainContact": {},
                "corporateId": "",
                **fields,
                "lastModifiedDateTime": _iso(_now()),
            }
        return Reply(201, None, {"Location": f"{self.base_url}customer/{number}"})

    def update_customer(self, request: Request, number: str) -> Reply:
        fields = self._customer_fields(request.json(), creating=False)
        with self.lock:
            customer = self.state.customers.get(number)
            if customer is None:
                raise _visma_error(f"Customer '{number}' not found.", 404)
            customer.update(fields)
            customer["lastModifiedDateTime"] = _iso(_now())
        return Reply(204, None)

    # --- inventory ----------------------------------------------------------------------------

    def list_items(self, request: Request) -> Reply:
        with self.lock:
            rows = sorted(self.state.items.values(), key=lambda i: i["inventoryNumber"])
            changed = dict(self.state.availability_modified)
        # An item whose stock never moved counts from its creation; the docs do not say.
        rows = self._since(
            request,
            rows,
            "availabilityLastModifiedDateTime",
            lambda r: changed.get(r["inventoryNumber"], r["lastModifiedDateTime"]),
        )
        if (request.arg("expandWarehouseDetail") or "").lower() != "true":
            return self._page(request, rows)
        with self.lock:
            levels: dict[str, list[tuple[str, Decimal]]] = {}
            for (item, warehouse), quantity in sorted(self.state.stock.items()):
                levels.setdefault(item, []).append((warehouse, quantity))
        return self._page(
            request,
            rows,
            expand=lambda row: {
                **row,
                "warehouseDetails": self._warehouse_details(levels.get(row["inventoryNumber"], [])),
            },
        )

    def _warehouse_details(self, levels: list[tuple[str, Decimal]]) -> list[dict[str, Any]]:
        """An item's rows per warehouse, in the shape chosen by ``warehouse_details``: the public
        sources show the warehouse as a plain id or as an object, and older answers carry
        ``quantityOnHand`` alone."""
        rows = []
        for n, (warehouse, quantity) in enumerate(levels):
            row: dict[str, Any] = {"isDefault": n == 0, "quantityOnHand": float(quantity)}
            if self.warehouse_details == "object":
                row["warehouse"] = {"id": warehouse, "description": warehouse}
            else:
                row["warehouse"] = warehouse
            if self.warehouse_details != "on_hand_only":
                row["available"] = float(quantity)
                row["availableForShipment"] = float(quantity)
            rows.append(row)
        return rows

    def get_item(self, request: Request, number: str) -> Reply:
        with self.lock:
            item = self.state.items.get(number)
        if item is None:
            raise _visma_error(f"Inventory item '{number}' not found.", 404)
        return Reply(200, item)

    ITEM_STATUSES = ("Active", "No sales", "No purchases", "No request", "Inactive", "Marked for deletion")

    def _item_fields(self, body: Any, item: dict[str, Any]) -> None:
        if not isinstance(body, dict):
            raise _visma_error("Data received not recognized as InventoryUpdateDto")
        for key in ("description", "defaultPrice", "note", "type"):
            if key in body:
                item[key] = _val(body, key)
        if "status" in body:
            status = _val(body, "status")
            if status not in self.ITEM_STATUSES:
                raise _visma_error(f"Status '{status}' is not valid for an inventory item.")
            item["status"] = status
        if "vatCode" in body:
            code = _val(body, "vatCode")
            if code not in self.state.tax_categories:
                raise _visma_error(f"VAT code '{code}' does not exist.")
            item["vatCode"] = {"id": code, "description": code}
        if "packaging" in body:
            weight = _val(body["packaging"], "baseItemWeight")
            item["packaging"] = {"baseItemWeight": weight, "weightUOM": "KG"}
        for ref in body.get("crossReferences") or []:
            entry = {"alternateType": _val(ref, "alternateType"), "alternateId": _val(ref, "alternateId")}
            kept = [r for r in item.get("crossReferences", []) if r["alternateType"] != entry["alternateType"]]
            item["crossReferences"] = [*kept, entry]
        item["lastModifiedDateTime"] = _iso(_now())

    def _by_internal(self, internal: str) -> dict[str, Any]:
        for item in self.state.items.values():
            if str(item["inventoryId"]) == internal:
                return item
        raise _visma_error(f"Inventory item with id {internal} not found.", 404)

    def create_item(self, request: Request) -> Reply:
        body = request.json()
        number = _val(body, "inventoryNumber") if isinstance(body, dict) else None
        if not number:
            raise _visma_error("Error creating inventory item. 'Inventory ID' cannot be empty.")
        with self.lock:
            if number in self.state.items:
                raise _visma_error(f"Error creating inventory item. Inventory item '{number}' already exists.")
            item = self.add_item(number, _val(body, "description", number) or number)
            self._item_fields(body, item)
        return Reply(201, None, {"Location": f"{self.base_url}inventory/{number}"})

    def update_item(self, request: Request, internal: str) -> Reply:
        with self.lock:
            self._item_fields(request.json(), self._by_internal(internal))
        return Reply(204, None)

    def change_item_number(self, request: Request, internal: str) -> Reply:
        body = request.json()
        new = body.get("inventoryNbr") if isinstance(body, dict) else None
        with self.lock:
            item = self._by_internal(internal)
            if not new:
                raise _visma_error("'inventoryNbr' cannot be empty.")
            if new != item["inventoryNumber"]:
                if new in self.state.items:
                    raise _visma_error(f"Inventory item '{new}' already exists.")
                self.rename_item(item["inventoryNumber"], new)
        return Reply(200, {"actionId": str(uuid.uuid4()), "actionResult": "Done", "errorInfo": None})

    def inventory_summary(self, request: Request, number: str) -> Reply:
        with self.lock:
            item = self.state.items.get(number)
            if item is None:
                raise _visma_error(f"Inventory item '{number}' not found.", 404)
            wanted = request.arg("warehouse")
            rows = [
                {
                    "inventory": {"number": number, "description": item["description"]},
                    "warehouse": {"id": wh, "description": wh},
                    "available": float(qty),
                    "availableForShipment": float(qty),
                    "onHand": float(qty),
                    "soBooked": 0.0,
                    "baseUnit": "PCS",
                }
                for (inv, wh), qty in self.state.stock.items()
                if inv == number and (not wanted or wh == wanted)
            ]
        return Reply(200, rows)


def seed_demo(emulator: VismaEmulator) -> None:
    """The demo ERP: items matching the demo shop's references, customers, stock."""
    for number, description, price in [
        ("GENSER-BLA", "Ullgenser blå", "640"),
        ("GENSER-ROD", "Ullgenser rød", "640"),
        ("LUE-01", "Strikkelue", "199"),
        ("VOTTER-01", "Votter", "159"),
        ("BOK-01", "Strikkebok", "299"),
        ("SJOKOLADE", "Kakao og sjokolade", "89"),
        ("GAVE", "Gaveinnpakning", "40"),
        ("FRAKT", "Frakt", "79"),
        ("ANNEN", "Annen vare, ikke tilknyttet", "0"),
        ("RABATT", "Rabatt", "0"),
        ("AVRUNDING", "Øreavrunding", "0"),
    ]:
        emulator.add_item(number, description, price)
    for number, qty in [
        ("GENSER-BLA", 12),
        ("GENSER-ROD", 4),
        ("LUE-01", 30),
        ("VOTTER-01", 0),
        ("BOK-01", 7),
        ("SJOKOLADE", 50),
    ]:
        emulator.set_stock(number, "MAIN", qty)
        emulator.set_stock(number, "OUTLET", 3)
    emulator.add_customer("10001", "Fjordkraft Strikk AS", "innkjop@fjordstrikk.no", "987654321")
    emulator.add_customer("10002", "Åse Ødegård", "ase@example.no")
    emulator.add_customer("10003", "Zoltán Kovács", "zoltan.k@example.hu")
    emulator.add_customer("WEB", "Nettbutikkunde uten tilknytning")
    emulator.state.payment_methods.update({"KLARNA", "FAKTURA", "KORT"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument("--demo", action="store_true", help="seed the demo catalogue and customers")
    args = parser.parse_args()
    emulator = VismaEmulator(port=args.port)
    if args.demo:
        seed_demo(emulator)
    print(f"Visma.net emulator on {emulator.base_url} (token: {emulator.token_url})", flush=True)
    emulator.serve_forever()


if __name__ == "__main__":
    main()
