"""The contracts every shop and ERP platform implements.

A connector is built from a ``ConnectionSettings`` (plain values, never a
model) and talks HTTP through its client; it returns and takes records.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .records import (
    CustomerRecord,
    ErpCustomerRecord,
    ErpOrderStatusRecord,
    ItemRecord,
    OrderRecord,
    PriceRecord,
    ProductRecord,
    SalesOrderRecord,
    StockRecord,
)


class Capability(enum.StrEnum):
    PULL_ORDERS = "pull_orders"
    PULL_CUSTOMERS = "pull_customers"
    PULL_PRODUCTS = "pull_products"
    PUSH_ORDER_STATUS = "push_order_status"
    PUSH_STOCK = "push_stock"
    PUSH_PRICES = "push_prices"
    CUSTOMERS = "customers"
    ITEMS = "items"
    SALES_ORDERS = "sales_orders"
    ORDER_STATUSES = "order_statuses"
    STOCK = "stock"
    CHANGED_ITEMS = "changed_items"
    UPDATE_CUSTOMERS = "update_customers"  # force-update a bound customer's card (S3)
    ONE_TIME_CUSTOMERS = "one_time_customers"  # the ERP keeps one-time customers of its own (C3)


class RateLimiter:
    """Blocks until one more call to a connection is allowed. The default allows all."""

    def acquire(self) -> None:
        return None


@dataclass(frozen=True)
class ConnectionSettings:
    """What a connector needs to reach its system; built by the engine from a Connection."""

    name: str
    base_url: str
    parameters: dict[str, Any] = field(default_factory=dict)
    credentials: dict[str, Any] = field(default_factory=dict, repr=False)
    limiter: RateLimiter = field(default_factory=RateLimiter, repr=False, compare=False)


class Connector:
    """Common part of shops and ERPs."""

    key: ClassVar[str]
    label: ClassVar[str]
    role: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings

    def test(self) -> str:
        """Make one authenticated read; return a short description. Raises ConnectorError."""
        raise NotImplementedError

    # The platform's HttpClient; set by each connector's __init__.
    client: Any = None

    @property
    def calls(self) -> int:
        """HTTP calls made by this connector instance (benchmarks count them)."""
        return self.client.calls if self.client is not None else 0


class ShopConnector(Connector):
    """A web shop: orders, customers and products come from it; statuses, stock, prices go to it."""

    role = "shop"

    def pull_orders(self, since: dt.datetime | None) -> Iterator[OrderRecord]:
        """Every order updated at or after ``since`` (all when None), oldest first."""
        raise NotImplementedError

    def fetch_order(self, external_id: str) -> OrderRecord:
        """One order, read afresh."""
        raise NotImplementedError

    def pull_customers(self, since: dt.datetime | None) -> Iterator[CustomerRecord]:
        raise NotImplementedError

    def pull_products(self, since: dt.datetime | None) -> Iterator[ProductRecord]:
        raise NotImplementedError

    def push_order_status(self, external_id: str, *, status: str | None, comment: str) -> None:
        """Set the shop status (S11) and/or add a comment, without e-mailing the buyer."""
        raise NotImplementedError

    def order_status_pushed(self, external_id: str, *, status: str | None, comment: str) -> bool:
        """Whether this status and comment already reached the order in the shop.

        Settles a status push whose answer was lost, so it is not written twice.
        """
        raise NotImplementedError

    def push_stock(self, items: Sequence[StockRecord]) -> None:
        raise NotImplementedError

    def push_prices(self, items: Sequence[PriceRecord]) -> None:
        raise NotImplementedError


class ErpConnector(Connector):
    """An ERP: customers, items and sales orders live in it."""

    role = "erp"

    def find_customer(self, number: str) -> ErpCustomerRecord | None:
        raise NotImplementedError

    def search_customers(self, *, email: str, name: str, org_no: str) -> list[ErpCustomerRecord]:
        """Customers similar to the buyer: same e-mail, same name or same org. no."""
        raise NotImplementedError

    def create_customer(self, customer: CustomerRecord) -> str:
        """Create the customer (S3) and return its ERP number. ``customer.one_time``: as a
        one-time customer, where the ERP has them (capability ONE_TIME_CUSTOMERS).

        Raises AmbiguousError when the request was sent but no valid answer came.
        """
        raise NotImplementedError

    def update_customer(self, number: str, customer: CustomerRecord) -> None:
        """Overwrite the ERP customer's card with the shop's (S3 force update). Idempotent."""
        raise NotImplementedError

    def find_item(self, number: str) -> ItemRecord | None:
        raise NotImplementedError

    def create_sales_order(self, order: SalesOrderRecord) -> str:
        """Create the sales order and return its ERP number.

        Raises AmbiguousError when the request was sent but no answer came.
        """
        raise NotImplementedError

    def find_sales_order(self, external_order_no: str, *, since: dt.datetime | None = None) -> str | None:
        """The ERP number of the sales order made for this shop order, if any.

        ``since``: when the first attempt to create it started; an ERP without a
        filter on the shop's number reads only what changed after it.
        """
        raise NotImplementedError

    def order_statuses(self, since: dt.datetime | None) -> Iterable[ErpOrderStatusRecord]:
        raise NotImplementedError

    def stock(self, warehouse: str, items: Sequence[str] = ()) -> Iterable[StockRecord]:
        """Quantities in ``warehouse`` of the given ERP items (S10)."""
        raise NotImplementedError

    def changed_items(self, since: dt.datetime | None) -> Iterable[ItemRecord]:
        raise NotImplementedError
