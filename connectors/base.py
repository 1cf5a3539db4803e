"""The contracts every shop and ERP platform implements. Read this first when adding a platform.

A platform lives in ``connectors/platforms/<name>/``:

    client.py     HTTP only: a ``connectors.http.HttpClient`` subclass (auth, the error envelope)
    mapping.py    pure functions: the platform's payloads <-> records (``connectors.records``)
    connector.py  a ``ShopConnector`` or ``ErpConnector`` subclass: the methods below
    emulator.py   a ``connectors.emulation.Emulator`` speaking the documented API on 127.0.0.1

A connector is built from a ``ConnectionSettings`` (plain values, never a model):
it never touches the database, it takes and returns records. It declares
``key`` (the registry key), ``label`` and ``capabilities``; the engine calls a
method only when its capability is declared, and shows "not supported by the
platform" for what is not. Methods raise the typed errors of
``connectors.exceptions``:

- ``RetryableError``   nothing happened remotely (or refused unprocessed: ``reached_remote=False``)
- ``AmbiguousError``   a create was sent and no valid answer came: it may exist
- ``PermanentError``   refused; set ``code``/``subject`` so the engine can write a hint
- ``AuthError``        the credentials were refused (a state of the connection)

A create returns the new remote id only from the platform's documented success
answer; anything else is ambiguous. Every create has a lookup (``find_*``) that
the engine calls before creating again after an ambiguous outcome.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .exceptions import Problem
from .records import (
    BadRecord,
    CarrierBookingRecord,
    CarrierBookingResult,
    CustomerRecord,
    ErpCustomerRecord,
    ErpInvoiceRecord,
    ErpOrderStatusRecord,
    ErpShipmentRecord,
    ItemRecord,
    OrderRecord,
    PriceRecord,
    ProductRecord,
    RefundRecord,
    SalesOrderRecord,
    ShopDocumentRecord,
    StockRecord,
)

# ("stock" or "price", SKU) -> (HTTP status of that item's own result, error text or "").
BatchOutcome = dict[tuple[str, str], tuple[int, str]]


class Capability(enum.StrEnum):
    """What a platform can do; the engine skips (visibly) what a platform lacks."""

    # Shops
    PULL_ORDERS = "pull_orders"
    PULL_CUSTOMERS = "pull_customers"
    PULL_PRODUCTS = "pull_products"
    PUSH_ORDER_STATUS = "push_order_status"
    PUSH_STOCK = "push_stock"
    PUSH_PRICES = "push_prices"
    CREATE_PRODUCTS = "create_products"  # a product made in the ERP appears in the shop (S5, R7)
    UPDATE_PRODUCTS = "update_products"  # ERP changes, renames and deactivations reach the shop (S2, S5)
    PULL_DISCOUNT_CODES = "pull_discount_codes"  # the shop's own list of discount codes (R4)
    PUSH_DOCUMENTS = "push_documents"  # invoices, shipments, credit notes made in the portal (M2-M4)
    BATCH_PUSH = "batch_push"  # stock and prices of many products in one call, a result per product
    WEBHOOKS = "webhooks"  # the portal can subscribe the shop's order events to its intake URL
    # ERPs
    CUSTOMERS = "customers"
    ITEMS = "items"
    SALES_ORDERS = "sales_orders"
    ORDER_STATUSES = "order_statuses"
    STOCK = "stock"
    CHANGED_ITEMS = "changed_items"
    UPDATE_CUSTOMERS = "update_customers"  # force-update a bound customer's card (S3)
    ONE_TIME_CUSTOMERS = "one_time_customers"  # the ERP keeps one-time customers of its own (C3)
    CREATE_ITEMS = "create_items"  # a product made in the shop is created in the ERP (S1, S4)
    UPDATE_ITEMS = "update_items"  # shop changes and renames reach the ERP item (S1, S4)
    SHIPMENTS = "shipments"  # shipments made in the ERP come back to the portal and the shop (M3)
    INVOICES = "invoices"  # invoices made in the ERP come back to the portal and the shop (M2)
    CANCEL_ORDERS = "cancel_orders"  # an order canceled in the portal is canceled in the ERP (M1)
    SALES_DOCUMENTS = "sales_documents"  # the ERP issues an order's invoice or receipt when asked (M2, R1)
    RELEASE_GOODS = "release_goods"  # the ERP issues its goods-out note for an order shipped in the portal (M3)
    # Payment providers
    REFUNDS = "refunds"  # credit notes refunded online (M4)
    # Carriers
    BOOKINGS = "bookings"  # shipments booked with a consignment number and a label (M3)


class RateLimiter:
    """Blocks until one more call to a connection is allowed. The default allows all."""

    def acquire(self) -> None:
        return None

    def pause(self, seconds: float) -> None:
        """The remote system said its window is used up for ``seconds``: no call before then."""
        return None


@dataclass(frozen=True)
class ConnectionSettings:
    """What a connector needs to reach its system; built by the engine from a Connection."""

    name: str
    base_url: str
    parameters: dict[str, Any] = field(default_factory=dict)
    credentials: dict[str, Any] = field(default_factory=dict, repr=False)
    limiter: RateLimiter = field(default_factory=RateLimiter, repr=False, compare=False)
    connection_id: int | None = None  # the portal's own back office reads its orders by it


class Connector:
    """Common part of shops and ERPs.

    Attributes a platform sets: ``key`` (unique registry key, e.g. "magento"),
    ``label`` (shown to people), ``capabilities``; and ``client``, its
    ``HttpClient``, in ``__init__``.
    """

    key: ClassVar[str]
    label: ClassVar[str]
    role: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    # The product fields (``connectors.catalogue.FIELDS``) the platform reads and writes.
    product_fields: ClassVar[frozenset[str]] = frozenset()
    # The platform calls a URL of the portal when something changed (Specter's callbacks): a
    # person gives it the connection's secret URL, which only nudges a cycle (connectors.webhooks).
    callbacks: ClassVar[bool] = False
    # What the portal answers a callback it accepted: (status, content type, body).
    callback_reply: ClassVar[tuple[int, str, str]] = (200, "text/plain; charset=utf-8", "1;Done")

    def __init__(self, settings: ConnectionSettings) -> None:
        self.settings = settings

    def callback_accepted(self, *, method: str, target: str, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether a callback to the connection's secret URL is the platform's own (a platform that
        signs its callbacks checks the signature here); the secret URL alone by default."""
        return True

    def test(self) -> str:
        """Make one authenticated read with fresh credentials; return a short description."""
        raise NotImplementedError

    # The platform's HttpClient; set by each connector's __init__.
    client: Any = None

    @property
    def calls(self) -> int:
        """HTTP calls made by this connector instance (benchmarks count them)."""
        return self.client.calls if self.client is not None else 0


class ShopConnector(Connector):
    """A web shop: orders, customers and products come from it; statuses, stock, prices,
    and the ERP's products go to it."""

    role = "shop"

    @property
    def sku_is_item_number(self) -> bool:
        """Whether the shop's SKU is the ERP item number, so renaming one renames the other."""
        return False

    def pull_orders(self, since: dt.datetime | None) -> Iterator[OrderRecord | BadRecord]:
        """Every order updated at or after ``since`` (all when None), oldest first; one that
        cannot be read comes as a BadRecord (PULL_ORDERS)."""
        raise NotImplementedError

    def fetch_order(self, external_id: str) -> OrderRecord:
        """One order, read afresh."""
        raise NotImplementedError

    def pull_customers(self, since: dt.datetime | None) -> Iterator[CustomerRecord | BadRecord]:
        """Every registered customer updated at or after ``since`` (PULL_CUSTOMERS, R4)."""
        raise NotImplementedError

    def pull_products(self, since: dt.datetime | None) -> Iterator[ProductRecord | BadRecord]:
        """Every product updated at or after ``since``; a variant is a product (PULL_PRODUCTS, S6)."""
        raise NotImplementedError

    def pull_discount_codes(self) -> Iterable[tuple[str, str]]:
        """(code, what it gives) of every discount code the shop has (PULL_DISCOUNT_CODES, R4)."""
        raise NotImplementedError

    def find_product(self, sku: str) -> ProductRecord | None:
        """The product with this SKU, or None: the lookup behind ``create_product``."""
        raise NotImplementedError

    def create_product(self, product: ProductRecord) -> str:
        """Create the product (S5: the caller sets stock 0, status, listing, category) and
        return its id in the shop (CREATE_PRODUCTS)."""
        raise NotImplementedError

    def update_product(self, external_id: str, product: ProductRecord, *, fields: frozenset[str]) -> None:
        """Write only ``fields`` (names of ProductRecord attributes) of the product; "sku" in
        ``fields`` renames it (UPDATE_PRODUCTS, S2)."""
        raise NotImplementedError

    def set_product_active(self, external_id: str, active: bool) -> None:
        """Enable or disable the product, e.g. when the ERP deleted its item (UPDATE_PRODUCTS, S5)."""
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
        """Set the shop's stock of these SKUs (PUSH_STOCK, R7, S10)."""
        raise NotImplementedError

    def push_prices(self, items: Sequence[PriceRecord]) -> None:
        """Set the shop's normal sale price excl. VAT of these SKUs (PUSH_PRICES, R7)."""
        raise NotImplementedError

    def register_webhooks(self, *, url: str) -> list[str]:
        """Subscribe the shop's order events to ``url`` (WEBHOOKS), once: an event already
        sent there is left as it is (enabled if it was not). Returns the events newly subscribed."""
        raise NotImplementedError

    def push_stock_and_prices(
        self, stock: Sequence[StockRecord] = (), prices: Sequence[PriceRecord] = ()
    ) -> BatchOutcome:
        """Stock and prices of many SKUs in the platform's batch call(s) (BATCH_PUSH): ("stock" or
        "price", SKU) -> (status of its own sub-result, error text or ""). The engine settles each
        product's transfer from it."""
        raise NotImplementedError

    def push_document(self, document: ShopDocumentRecord) -> str:
        """Record an invoice, shipment (with tracking) or credit note on the shop order; return the
        shop's id of it (PUSH_DOCUMENTS, M2-M4). Never e-mails the buyer unless ``notify``: the
        portal sends its own PDF. A lost answer raises AmbiguousError."""
        raise NotImplementedError

    def find_document(self, document: ShopDocumentRecord) -> str | None:
        """The shop's id of this document if an earlier attempt created it (by its portal number)."""
        raise NotImplementedError


class ErpConnector(Connector):
    """An ERP: customers, items and sales orders live in it."""

    role = "erp"
    # The shop codes orders need mapped to the ERP's own: payment and shipping methods, VAT rates,
    # and the items freight and fixed discounts go as. The portal's back office keeps the shop's
    # own; the Subiekt bridge takes shipping and VAT as they are and spreads discounts.
    code_maps: ClassVar[frozenset[str]] = frozenset({"payment", "shipping", "vat", "shipping_item", "discount_item"})
    # Transfer kinds ("sales_order", "customer", "product") whose create the ERP itself refuses or
    # merges when repeated, by a key the request carries (the shop order number, the customer's
    # e-mail, the item number): sent again after an unknown outcome, the ERP's own check is the
    # lookup. Their ``find_*`` may then find nothing without reading.
    guarded_creates: ClassVar[frozenset[str]] = frozenset()
    # ``stock()`` reads only what changed since the last read (the ERP keeps the change list, or
    # reads by a cursor of its own); ``items`` may be ignored.
    stock_by_change: ClassVar[bool] = False
    # The ERP has no customer read or create of its own: the order carries the buyer's tax id and
    # the ERP finds or makes the customer from it (the Subiekt bridge). The portal decides which
    # way (existing, new, its retail buyer) from what it knows, and sends that with the order.
    customers_with_orders: ClassVar[bool] = False

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
        """The item with this number, or None (also the lookup behind ``create_item``)."""
        raise NotImplementedError

    def create_item(self, item: ItemRecord) -> ItemRecord:
        """Create the item (S4) and return it as the ERP keeps it (with its ``internal_id``)."""
        raise NotImplementedError

    def update_item(self, internal_id: str, item: ItemRecord, *, fields: frozenset[str]) -> None:
        """Write only ``fields`` (names of ItemRecord attributes) of the item found by its
        ``internal_id``; "number" in ``fields`` renames it (S1). Idempotent."""
        raise NotImplementedError

    def order_problems(self, order: SalesOrderRecord) -> list[Problem]:
        """What this ERP cannot take in an order, found before anything is sent (C5): a payment
        method mapped to a form it does not have, say. Each a message and a hint."""
        return []

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

    def issue_sales_document(self, external_order_no: str, *, receipt: bool, display_note: str) -> str:
        """Have the ERP issue the order's sales document (SALES_DOCUMENTS): an invoice, or a receipt
        for a private buyer (``receipt``). Exactly once per order: asked again, the ERP answers with the
        one it issued. Returns its number."""
        raise NotImplementedError

    def release_goods(
        self, external_order_no: str, *, shipment_no: str, lines: Sequence[tuple[str, int]], note: str
    ) -> tuple[str, str]:
        """Have the ERP release the goods of an order shipped in the portal (RELEASE_GOODS, M3): its
        goods-out document, so its stock goes down. Once per order: asked again, the ERP answers with
        the one it issued. ``lines`` are (order line id as sent with the order, quantity). Returns the
        document's key (as ``done_shipments`` reports it, so a re-read makes nothing twice) and its
        number."""
        raise NotImplementedError

    def cancel_sales_order(self, number: str, *, external_order_no: str, reason: str) -> str:
        """Cancel the ERP's sales order of a canceled shop order (CANCEL_ORDERS, M1); idempotent.
        Returns what a person should know (work left to do by hand in the ERP), or "". Raises a
        refusal with a hint when the ERP no longer allows it (goods already released)."""
        raise NotImplementedError

    def done_invoices(self, since: dt.datetime | None) -> Iterable[ErpInvoiceRecord]:
        """Customer invoices posted (or paid) in the ERP since ``since`` (INVOICES, M2)."""
        raise NotImplementedError

    def done_shipments(self, since: dt.datetime | None) -> Iterable[ErpShipmentRecord]:
        """Shipments completed (sent) in the ERP since ``since``, with their order and lines (SHIPMENTS, M3)."""
        raise NotImplementedError

    def stock(self, warehouse: str, items: Sequence[str] = ()) -> Iterable[StockRecord]:
        """Quantities in ``warehouse`` of the given ERP items (S10)."""
        raise NotImplementedError

    def stock_changed(self, since: dt.datetime) -> set[str] | None:
        """The item numbers whose stock may have moved at or after ``since`` (read from the ERP's stock
        documents or moves), or None when the ERP cannot tell: then every item is read. A connector
        whose answer carries the quantities keeps them for the ``stock`` call that follows (a
        connector lives for one run)."""
        return None

    def changed_items(self, since: dt.datetime | None) -> Iterable[ItemRecord | BadRecord]:
        """Every item created, changed, renamed or deactivated at or after ``since`` (S2, S5, R7)."""
        raise NotImplementedError


class PaymentConnector(Connector):
    """A payment provider: a credit note's money goes back to the buyer through it (REFUNDS, M4)."""

    role = "payment"

    def refund(self, refund: RefundRecord) -> str:
        """Refund online; return the provider's refund id. A lost answer raises AmbiguousError."""
        raise NotImplementedError

    def find_refund(self, refund: RefundRecord, *, taken: set[str]) -> str | None:
        """The provider's id of this refund if an earlier attempt made it; ``taken`` are refund ids
        already bound to other credit notes."""
        raise NotImplementedError


class CarrierConnector(Connector):
    """A carrier: a shipment is booked, gets a consignment number and a label (BOOKINGS, M3)."""

    role = "carrier"

    def book(self, booking: CarrierBookingRecord) -> CarrierBookingResult:
        """Book the parcel(s). A lost answer raises AmbiguousError."""
        raise NotImplementedError

    def find_booking(self, booking: CarrierBookingRecord) -> CarrierBookingResult | None:
        """The booking an earlier attempt made, if any. A carrier that cannot look bookings up raises
        PermanentError with what a person should check."""
        raise NotImplementedError

    def fetch_label(self, result: CarrierBookingResult) -> bytes:
        """The label PDF of a booking (empty when the carrier gives none)."""
        raise NotImplementedError
