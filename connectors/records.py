"""Frozen dataclasses exchanged between the engine and the platforms.

Platform code returns and accepts only these: no Django models cross the
line. Money is Decimal, datetimes are aware, text is str.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class AddressRecord:
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CustomerRecord:
    """A shop customer (S3). ``external_id`` is empty for a guest."""

    external_id: str = ""
    customer_type: str = "P"  # C company / P private
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    org_no: str = ""
    language: str = ""
    email: str = ""
    phone: str = ""
    fax: str = ""
    mobile: str = ""
    erp_customer_no: str = ""
    is_guest: bool = False
    billing: AddressRecord | None = None
    delivery: AddressRecord | None = None
    updated_at: dt.datetime | None = None
    one_time: bool = False  # create as a one-time customer where the ERP has them (C3)


@dataclass(frozen=True)
class OrderLineRecord:
    """One line as the shop sold it (S7).

    ``discount_amount`` is the line's own discount excl. VAT and
    ``discount_percent`` its percent when the shop gave one. When the shop
    charged VAT on the undiscounted row ("tax before discount"),
    ``discount_reduces_vat`` is False. ``row_total_excl_vat`` is the shop's net
    row before discount when it is not simply quantity × price (prices entered
    incl. VAT); ``shop_total_incl_vat`` the row as the shop charged it, for the
    totals check.
    """

    sku: str
    name: str
    quantity: Decimal
    unit_price_excl_vat: Decimal
    vat_rate: Decimal
    reference: str = ""
    discount_amount: Decimal = Decimal("0")
    is_service: bool = False
    discount_percent: Decimal = Decimal("0")
    discount_reduces_vat: bool = True
    row_total_excl_vat: Decimal | None = None
    shop_total_incl_vat: Decimal | None = None
    external_id: str = ""  # the shop's id of the line (Magento item_id): documents name lines by it


@dataclass(frozen=True)
class DiscountRecord:
    """A discount code on the order. ``per_line``: the lines already carry its amounts
    (the shop documents them per item); otherwise the engine spreads it (S8)."""

    code: str
    kind: str  # "percent" | "fixed"
    value: Decimal
    per_line: bool = False


@dataclass(frozen=True)
class OrderRecord:
    """A shop order as the shop returns it (S7, R4)."""

    external_id: str
    number: str
    status: str
    placed_at: dt.datetime
    customer: CustomerRecord
    lines: tuple[OrderLineRecord, ...]
    currency: str = "NOK"
    language: str = ""
    updated_at: dt.datetime | None = None
    payment_method: str = ""
    shipping_method: str = ""
    payment_reference: str = ""
    customer_comment: str = ""
    customer_reference: str = ""
    email: str = ""
    billing: AddressRecord | None = None
    delivery: AddressRecord | None = None
    discounts: tuple[DiscountRecord, ...] = ()
    shipping_excl_vat: Decimal = Decimal("0")  # after any discount on the shipping
    shipping_vat_rate: Decimal = Decimal("0")
    shipping_incl_vat: Decimal | None = None  # as the shop charged it, for the totals check
    # A discount the shop took off after VAT that belongs to no line (the shipping's, when the
    # store applies tax before discount): it does not lower the VAT.
    discount_after_vat: Decimal = Decimal("0")
    grand_total: Decimal = Decimal("0")
    shop_code: str = ""  # the store / shop view the order came from (several shops on one ERP, S7)
    # The raw payload, cut short: shown when the record is set aside. Not part of its identity.
    raw: str = field(default="", repr=False, compare=False)


@dataclass(frozen=True)
class ProductRecord:
    """A shop product (S1, S4-S6); a variant is a product of its own.

    ``reference`` is the ERP item number as the shop knows it. ``stock``,
    ``category`` and ``listed`` are only sent when the portal creates the
    product in the shop (S5); ``purchase_price`` only goes to an ERP that keeps
    no suppliers (S4).
    """

    external_id: str
    sku: str
    name: str
    price_excl_vat: Decimal = Decimal("0")
    vat_rate: Decimal = Decimal("25")
    reference: str = ""
    ean: str = ""
    is_service: bool = False
    active: bool = True
    weight: Decimal | None = None
    updated_at: dt.datetime | None = None
    purchase_price: Decimal | None = None
    manufacturer_article_no: str = ""
    notes: str = ""
    reorder_point: Decimal | None = None
    stock: Decimal | None = None
    category: str = ""
    listed: bool = True
    raw: str = field(default="", repr=False, compare=False)


@dataclass(frozen=True)
class StockRecord:
    """Quantity of one item (ERP number or shop SKU) in one warehouse."""

    sku: str
    quantity: Decimal
    warehouse: str = ""


@dataclass(frozen=True)
class PriceRecord:
    sku: str
    price_excl_vat: Decimal


@dataclass(frozen=True)
class ErpCustomerRecord:
    """A customer as the ERP knows it."""

    number: str
    name: str
    email: str = ""
    org_no: str = ""


@dataclass(frozen=True)
class ItemRecord:
    """An ERP item (S2, S4, S5).

    ``internal_id`` is the ERP's own id that survives a change of the item
    number (Visma's inventoryId, Tryton's product id): bindings follow it.
    """

    number: str
    description: str
    price_excl_vat: Decimal | None = None
    active: bool = True
    updated_at: dt.datetime | None = None
    internal_id: str = ""
    ean: str = ""
    weight: Decimal | None = None
    vat_rate: Decimal | None = None
    vat_code: str = ""
    purchase_price: Decimal | None = None
    manufacturer_article_no: str = ""
    notes: str = ""
    reorder_point: Decimal | None = None
    is_service: bool = False
    stock: Decimal | None = None  # only sent when the item is created, and only if enabled (S4)
    # With a rename (S1, S4): the number the ERP still knows the item by, for ERPs that address
    # items by their number only (Specter).
    previous_number: str = ""


@dataclass(frozen=True)
class SalesOrderLineRecord:
    """One ERP sales-order line. ``amount`` is net (excl. VAT), already rounded."""

    item_no: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    vat_code: str
    discount_percent: Decimal = Decimal("0")
    discount_amount: Decimal = Decimal("0")
    amount: Decimal = Decimal("0")
    shop_discount_percent: Decimal = Decimal("0")  # the percent the shop showed, for ERPs that only take text
    kind: str = "item"  # "item", or a line of the order's own: "shipping", "discount", "rounding"
    line_id: str = ""  # the shop's id of the order line (items only)
    sku: str = ""  # the shop's SKU and the product's EAN (items only), for ERPs that match by them
    ean: str = ""
    shop_gross: Decimal | None = None  # the shop's own total incl. VAT of the line, where it gives one


@dataclass(frozen=True)
class SalesOrderRecord:
    """The ERP sales order built by the pipeline (S7, R4)."""

    customer_no: str
    external_order_no: str  # the shop order number: the idempotency key
    order_date: dt.date
    currency: str
    lines: tuple[SalesOrderLineRecord, ...]
    total_incl_vat: Decimal
    customer_name: str = ""  # company name, or first + last name for a private person (S7)
    customer_first_name: str = ""
    customer_last_name: str = ""
    customer_company: str = ""
    customer_type: str = "P"
    org_no: str = ""
    language: str = ""
    email: str = ""
    one_time: bool = False
    public_comment: str = ""
    internal_comment: str = ""
    payment_method_code: str = ""
    shipping_method_code: str = ""
    payment_reference: str = ""
    customer_reference: str = ""
    shop_id: str = ""
    shop_email: str = ""  # the shop's own address (S7), not the buyer's
    numbering_series: str = ""
    warehouse: str = ""
    send_confirmation: bool = False
    delivery: AddressRecord | None = None
    billing: AddressRecord | None = None
    placed_at: dt.datetime | None = None
    # The ERP makes (or finds) the customer itself from the order, by its tax id (the Subiekt bridge:
    # ``customers_with_orders``): ``customer_no`` is then that tax id, empty for its retail buyer.
    create_customer: bool = False


@dataclass(frozen=True)
class ErpOrderStatusRecord:
    number: str
    external_order_no: str
    status: str
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class BadRecord:
    """A remote record that could not be read into a record: set aside, never stored.

    Yielded by a pull in place of the record, so one bad record never stops the
    others. ``external_id`` is empty when even that could not be read;
    ``excerpt`` is the raw payload, cut short, for the person who fixes it.
    """

    external_id: str
    error: str
    hint: str = ""
    excerpt: str = ""
    label: str = ""  # what a person calls it: "order 100000123"
    updated_at: dt.datetime | None = None


# The S7 order fields an ERP may have no place of its own for, in the order they are
# written into the order's internal note when it has none: (record attribute, label).
S7_NOTE_FIELDS: tuple[tuple[str, str], ...] = (
    ("customer_type", "Customer type"),
    ("customer_first_name", "First name"),
    ("customer_last_name", "Last name"),
    ("customer_company", "Company"),
    ("org_no", "Org. no."),
    ("language", "Language"),
    ("one_time", "One-time customer"),
    ("payment_method_code", "Payment method"),
    ("shipping_method_code", "Shipping method"),
    ("payment_reference", "Payment reference"),
    ("send_confirmation", "ERP sends the order confirmation"),
    ("customer_reference", "Customer reference"),
    ("email", "Buyer e-mail"),
    ("shop_email", "Shop e-mail"),
    ("external_order_no", "Shop order no."),
    ("shop_id", "Shop id"),
)


def s7_note(order: SalesOrderRecord, *, mapped: frozenset[str] | set[str]) -> str:
    """The internal comment, followed by a line per S7 field the ERP has no field for (``mapped``
    names those it has). Empty and false values are left out; C/P is spelled out."""
    lines = [order.internal_comment] if order.internal_comment else []
    for attr, label in S7_NOTE_FIELDS:
        if attr in mapped:
            continue
        value = getattr(order, attr)
        if value in ("", None, False):
            continue
        if attr == "customer_type":
            value = {"C": "C (company)", "P": "P (private person)"}.get(value, value)
        elif value is True:
            value = "yes"
        lines.append(f"{label}: {value}")
    return "\n".join(lines)


@dataclass(frozen=True)
class ShopDocumentRecord:
    """An invoice, shipment or credit note made in the portal, to be recorded in the shop (M2-M4).

    ``kind`` is "invoice", "shipment" or "credit_note". ``lines`` are (the
    shop's line id, quantity). ``number`` is the portal's document number: the
    shop keeps it in the document's comment, which is how a document whose
    answer was lost is found again. ``invoice_id`` is the shop's id of the
    invoice a credit note credits; ``shipping_amount`` the freight credited.
    """

    kind: str
    order_external_id: str
    number: str
    lines: tuple[tuple[str, Decimal], ...]
    tracks: tuple[tuple[str, str, str], ...] = ()  # (tracking number, title, carrier code)
    invoice_id: str = ""
    capture: bool = False
    online: bool = False
    shipping_amount: Decimal = Decimal("0")
    notify: bool = False


@dataclass(frozen=True)
class ErpShipmentRecord:
    """A shipment the ERP made and completed for a sales order (M3, documents made in the ERP).

    ``order_reference`` is the shop's order number as the ERP keeps it on the
    sale, ``sales_order_no`` the ERP's own number; either finds the order.
    ``lines`` are (item number, quantity).
    """

    external_id: str
    number: str
    order_reference: str
    sales_order_no: str
    lines: tuple[tuple[str, Decimal], ...]
    tracking_number: str = ""
    carrier: str = ""
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class RefundLineRecord:
    """One credited line: the shop's item reference, name, quantity and amounts."""

    reference: str
    name: str
    quantity: Decimal
    net_amount: Decimal
    vat_amount: Decimal
    vat_rate: Decimal


@dataclass(frozen=True)
class RefundRecord:
    """An online refund of a credit note through the payment provider that took the payment (M4).

    ``payment_id`` is the provider's id of the payment (the order's payment
    reference); ``amount`` is the credit note's total incl. VAT.
    """

    payment_id: str
    currency: str
    amount: Decimal
    reference: str
    lines: tuple[RefundLineRecord, ...]


@dataclass(frozen=True)
class PartyRecord:
    """A sender or recipient of a parcel."""

    name: str
    street: str
    postcode: str
    city: str
    country: str
    contact: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class CarrierBookingRecord:
    """A shipment to book with a carrier (M3). ``reference`` is the portal's shipment number."""

    reference: str
    sender: PartyRecord
    recipient: PartyRecord
    package_weights: tuple[Decimal, ...] = ()
    shipping_at: dt.datetime | None = None


@dataclass(frozen=True)
class CarrierBookingResult:
    """What a booking gives back: the consignment (tracking) number and where the label is."""

    consignment_number: str
    label_url: str = ""
    tracking_url: str = ""


@dataclass(frozen=True)
class ErpInvoiceRecord:
    """A customer invoice the ERP made (posted) for a sales order; ``paid`` once settled (M2).

    Found by the same keys as an ERP shipment; ``lines`` are (item number, quantity).
    """

    external_id: str
    number: str
    order_reference: str
    sales_order_no: str
    lines: tuple[tuple[str, Decimal], ...]
    paid: bool = False
    updated_at: dt.datetime | None = None
    e_invoice_number: str = ""  # given later by the tax authority's e-invoicing (KSeF), "" until then
