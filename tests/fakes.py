"""In-process fake shop and fake ERP that drive the engine in tests.

State lives in module-level stores keyed by the connection's base URL, so a
connector built by the engine (from a Connection row) finds the state a test
set up. Thread-safe: concurrency tests run several workers at once.

The fake ERP recomputes every line and the document total by itself from
quantity, price and discounts: it does not trust the amounts the engine sent.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from connectors.base import Capability, ErpConnector, ShopConnector
from connectors.exceptions import AmbiguousError, AuthError, PermanentError, RetryableError
from connectors.records import (
    CustomerRecord,
    ErpCustomerRecord,
    ItemRecord,
    OrderRecord,
    SalesOrderRecord,
    StockRecord,
)

CENT = Decimal("0.01")


def _r(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class FakeShopState:
    orders: dict[str, OrderRecord] = field(default_factory=dict)
    comments: list[tuple[str, str | None, str]] = field(default_factory=list)
    stock: dict[str, Decimal] = field(default_factory=dict)
    calls: Counter = field(default_factory=Counter)
    fail_pull: Exception | None = None


@dataclass
class StoredOrder:
    number: str
    record: SalesOrderRecord
    total: Decimal


@dataclass
class FakeErpState:
    customers: dict[str, ErpCustomerRecord] = field(default_factory=dict)
    items: dict[str, ItemRecord] = field(default_factory=dict)
    orders: dict[str, StoredOrder] = field(default_factory=dict)
    calls: Counter = field(default_factory=Counter)
    faults: list[str] = field(default_factory=list)
    lookup_faults: list[str] = field(default_factory=list)
    create_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    numbers: itertools.count = field(default_factory=lambda: itertools.count(5001))

    def orders_for(self, external_no: str) -> list[StoredOrder]:
        return [o for o in self.orders.values() if o.record.external_order_no == external_no]


SHOPS: dict[str, FakeShopState] = defaultdict(FakeShopState)
ERPS: dict[str, FakeErpState] = defaultdict(FakeErpState)


def reset() -> None:
    SHOPS.clear()
    ERPS.clear()


def erp_total(record: SalesOrderRecord) -> Decimal:
    """The ERP's own total: line nets recomputed, VAT per rate on the summed net."""
    net_by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in record.lines:
        gross = line.quantity * line.unit_price
        net_by_rate[line.vat_rate] += _r(gross - gross * line.discount_percent / 100 - line.discount_amount)
    return sum((net + _r(net * rate / 100) for rate, net in net_by_rate.items()), Decimal("0"))


class FakeShop(ShopConnector):
    key = "fake_shop"
    label = "Fake shop (tests)"
    capabilities = frozenset({Capability.PULL_ORDERS, Capability.PUSH_ORDER_STATUS, Capability.PUSH_STOCK})

    @property
    def state(self) -> FakeShopState:
        return SHOPS[self.settings.base_url]

    def test(self) -> str:
        if self.settings.credentials.get("token") != "shop-secret-token":
            raise AuthError("401 Unauthorized", hint="Check the token.")
        return "fake shop OK"

    def pull_orders(self, since: dt.datetime | None):
        self.state.calls["pull_orders"] += 1
        records = sorted(self.state.orders.values(), key=lambda o: o.updated_at or o.placed_at)
        for i, record in enumerate(records):
            if self.state.fail_pull is not None and i == len(records) // 2:
                raise self.state.fail_pull
            if since is None or (record.updated_at or record.placed_at) >= since:
                yield record

    def fetch_order(self, external_id: str) -> OrderRecord:
        self.state.calls["fetch_order"] += 1
        return self.state.orders[external_id]

    def order_status_pushed(self, external_id: str, *, status: str | None, comment: str) -> bool:
        self.state.calls["order_status_pushed"] += 1
        return (external_id, status, comment) in self.state.comments

    def push_order_status(self, external_id: str, *, status: str | None, comment: str) -> None:
        self.state.calls["push_order_status"] += 1
        self.state.comments.append((external_id, status, comment))

    def push_stock(self, items) -> None:
        self.state.calls["push_stock"] += 1
        for item in items:
            self.state.stock[item.sku] = item.quantity


class FakeErp(ErpConnector):
    key = "fake_erp"
    label = "Fake ERP (tests)"
    capabilities = frozenset({Capability.CUSTOMERS, Capability.ITEMS, Capability.SALES_ORDERS, Capability.STOCK})

    @property
    def state(self) -> FakeErpState:
        return ERPS[self.settings.base_url]

    def _fault(self) -> str | None:
        with self.state.lock:
            return self.state.faults.pop(0) if self.state.faults else None

    def test(self) -> str:
        return "fake ERP OK"

    def find_customer(self, number: str) -> ErpCustomerRecord | None:
        self.state.calls["find_customer"] += 1
        return self.state.customers.get(number)

    def search_customers(self, *, email: str, name: str, org_no: str) -> list[ErpCustomerRecord]:
        self.state.calls["search_customers"] += 1
        return [
            c
            for c in self.state.customers.values()
            if (email and c.email.lower() == email.lower())
            or (name and c.name == name)
            or (org_no and c.org_no == org_no)
        ]

    def create_customer(self, customer: CustomerRecord) -> str:
        self.state.calls["create_customer"] += 1
        fault = self._fault()
        with self.state.lock:
            number = str(next(self.state.numbers))
            name = customer.company or f"{customer.first_name} {customer.last_name}".strip()
            self.state.customers[number] = ErpCustomerRecord(number=number, name=name, email=customer.email)
        if fault == "timeout_after_store":
            raise AmbiguousError("No answer within 30s after sending POST.")
        return number

    def find_item(self, number: str) -> ItemRecord | None:
        self.state.calls["find_item"] += 1
        return self.state.items.get(number)

    def create_sales_order(self, order: SalesOrderRecord) -> str:
        self.state.calls["create_sales_order"] += 1
        fault = self._fault()
        if fault == "503":
            raise RetryableError("Server error 503: Service Unavailable", http_status=503)
        if fault == "429":
            raise RetryableError("Rate limited", retry_after=120, http_status=429, reached_remote=False)
        if fault == "drop_before_store":
            raise AmbiguousError("The connection broke after sending POST.")
        if order.customer_no not in self.state.customers:
            raise PermanentError(f"Customer {order.customer_no} not found", http_status=400)
        for line in order.lines:
            if line.item_no not in self.state.items:
                raise PermanentError(f"Inventory item '{line.item_no}' not found", http_status=400)
        if self.state.create_delay:
            time.sleep(self.state.create_delay)
        with self.state.lock:
            number = f"SO{next(self.state.numbers)}"
            self.state.orders[number] = StoredOrder(number=number, record=order, total=erp_total(order))
        if fault == "timeout_after_store":
            raise AmbiguousError("No answer within 30s after sending POST.")
        return number

    def find_sales_order(self, external_order_no: str, *, since=None) -> str | None:
        self.state.calls["find_sales_order"] += 1
        with self.state.lock:
            fault = self.state.lookup_faults.pop(0) if self.state.lookup_faults else None
        if fault == "503":
            raise RetryableError("Server error 503: Service Unavailable", http_status=503)
        if fault == "429":
            raise RetryableError("Rate limited", retry_after=1, http_status=429, reached_remote=False)
        found = self.state.orders_for(external_order_no)
        return found[0].number if found else None

    def stock(self, warehouse: str, items=()):
        self.state.calls["stock"] += 1
        return [StockRecord(sku=n, quantity=Decimal("0"), warehouse=warehouse) for n in items]
