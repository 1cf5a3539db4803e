"""Tryton records <-> portal records. Pure functions, no I/O."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.records import (
    CustomerRecord,
    ErpCustomerRecord,
    ErpInvoiceRecord,
    ErpOrderStatusRecord,
    ErpShipmentRecord,
    ItemRecord,
    SalesOrderLineRecord,
)

UNIT_PRICE = Decimal("0.0001")  # Tryton's default price digits


# The S7 fields the base sale has a place for: ``reference`` holds the shop order number.
# Everything else (customer type, names, org. no., language, methods, payment reference,
# confirmation, customer reference, e-mails, shop id) goes into the sale's ``comment``.
SALE_FIELDS = frozenset({"external_order_no"})


def contact_values(customer: CustomerRecord) -> list[tuple[str, str]]:
    """(type, value) of the party's contact mechanisms (S3)."""
    pairs = (("email", customer.email), ("phone", customer.phone), ("mobile", customer.mobile), ("fax", customer.fax))
    return [(kind, value) for kind, value in pairs if value]


def party_values(customer: CustomerRecord) -> dict[str, Any]:
    """party.party create values with address, contact mechanisms and the org. no. (S3).

    The base party has no customer type or language of its own for a shop's
    codes: the type is not sent, the language only where Tryton has it.
    """
    name = customer.company or " ".join(p for p in (customer.first_name, customer.last_name) if p)
    address = customer.billing
    addresses = []
    if address is not None:
        addresses.append({"street": address.street, "postal_code": address.postcode, "city": address.city})
    mechanisms = [{"type": kind, "value": value} for kind, value in contact_values(customer)]
    values: dict[str, Any] = {"name": name}
    if addresses:
        values["addresses"] = [["create", addresses]]
    if mechanisms:
        values["contact_mechanisms"] = [["create", mechanisms]]
    if customer.org_no:
        values["identifiers"] = [["create", [{"code": customer.org_no}]]]
    return values


def line_description(line: SalesOrderLineRecord) -> str:
    """The line's text; the shop's discount percent is shown in it (the base sale line has no
    discount field, so the discount is priced into the unit price)."""
    if line.shop_discount_percent:
        return f"{line.description} (-{line.shop_discount_percent.normalize():f} %)"
    return line.description


def parse_party(row: dict[str, Any], emails: dict[int, str]) -> ErpCustomerRecord:
    return ErpCustomerRecord(
        number=row.get("code") or str(row["id"]), name=row.get("name", ""), email=emails.get(row["id"], "")
    )


def line_unit_price(line: SalesOrderLineRecord) -> Decimal:
    """The net unit price: Tryton's base sale has no discount field, so discounts are priced in."""
    if not line.discount_percent and not line.discount_amount:
        return line.unit_price
    if line.quantity:
        return (line.amount / line.quantity).quantize(UNIT_PRICE, rounding=ROUND_HALF_UP)
    return line.unit_price


def _written(row: dict[str, Any]) -> dt.datetime | None:
    """The latest of the row's (and its template's) write or create stamps, as aware UTC."""
    template = row.get("template.") or {}
    found = [row.get("write_date"), row.get("create_date"), template.get("write_date")]
    stamps = [s if s.tzinfo else s.replace(tzinfo=dt.UTC) for s in found if isinstance(s, dt.datetime)]
    return max(stamps) if stamps else None


def parse_item(row: dict[str, Any]) -> ItemRecord:
    """A product.product row (with its template's fields) as an item; its id is the internal id."""
    template = row.get("template.") or {}
    cost = row.get("cost_price")
    return ItemRecord(
        number=row.get("code") or "",
        description=template.get("name") or row.get("rec_name") or row.get("name", ""),
        # The sale price lives on the template (product.product's own list_price reads empty over RPC).
        price_excl_vat=template.get("list_price", row.get("list_price")),
        active=row.get("active", True),
        updated_at=_written(row),
        internal_id=str(row["id"]) if row.get("id") is not None else "",
        purchase_price=Decimal(str(cost)) if cost is not None else None,
        is_service=template.get("type") == "service",
    )


def template_values(item: ItemRecord, *, uom: int, account_category: int) -> dict[str, Any]:
    """product.template create values with its one product (code = the item number, S4)."""
    return {
        "name": item.description,
        "code": item.number,
        "type": "service" if item.is_service else "goods",
        "default_uom": uom,
        "sale_uom": uom,
        "salable": True,
        "list_price": item.price_excl_vat or Decimal("0"),
        "account_category": account_category,
        "products": [["create", [{"suffix_code": ""}]]],
    }


def template_update(item: ItemRecord, fields: frozenset[str]) -> dict[str, Any]:
    """The template's changed values: a product's code is the template code + its (empty) suffix."""
    values: dict[str, Any] = {}
    if "number" in fields:
        values["code"] = item.number
    if "name" in fields:
        values["name"] = item.description
    if "price_excl_vat" in fields and item.price_excl_vat is not None:
        values["list_price"] = item.price_excl_vat
    return values


def sale_status(row: dict[str, Any]) -> str:
    """One status word from Tryton's sale, invoice and shipment states (mapped by the status map, S11)."""
    state = row.get("state", "")
    if state == "processing" and row.get("shipment_state") == "sent":
        return "shipped"
    return state


def parse_sale(row: dict[str, Any]) -> ErpOrderStatusRecord:
    return ErpOrderStatusRecord(
        number=row.get("number") or str(row["id"]),
        external_order_no=row.get("reference") or "",
        status=sale_status(row),
        updated_at=_written(row),
    )


def parse_shipment(row: dict[str, Any], moves: list[dict[str, Any]], sales: dict[str, str]) -> ErpShipmentRecord:
    """A done ``stock.shipment.out`` with its moves and the sale(s) they came from (reference -> number)."""
    lines: dict[str, Decimal] = {}
    for move in moves:
        if move.get("state") == "cancelled":
            continue
        code = (move.get("product.") or {}).get("code") or ""
        lines[code] = lines.get(code, Decimal(0)) + Decimal(str(move.get("quantity") or 0))
    reference, number = next(iter(sales.items()), ("", ""))
    written = row.get("write_date")
    return ErpShipmentRecord(
        external_id=str(row["id"]),
        number=str(row.get("number") or f"#{row['id']}"),
        order_reference=reference,
        sales_order_no=number,
        lines=tuple(sorted(lines.items())),
        tracking_number=str(row.get("reference") or ""),
        updated_at=written.replace(tzinfo=dt.UTC)
        if isinstance(written, dt.datetime) and written.tzinfo is None
        else written,
    )


def _stamp(written: Any) -> dt.datetime | None:
    return written.replace(tzinfo=dt.UTC) if isinstance(written, dt.datetime) and not written.tzinfo else written


def parse_invoice(row: dict[str, Any], lines: list[dict[str, Any]], sales: dict[str, str]) -> ErpInvoiceRecord:
    """A posted or paid ``account.invoice`` (type out) with its lines and the sale(s) they bill."""
    quantities: dict[str, Decimal] = {}
    for line in lines:
        code = (line.get("product.") or {}).get("code") or ""
        if code:
            quantities[code] = quantities.get(code, Decimal(0)) + Decimal(str(line.get("quantity") or 0))
    reference, number = next(iter(sales.items()), ("", ""))
    return ErpInvoiceRecord(
        external_id=str(row["id"]),
        number=str(row.get("number") or f"#{row['id']}"),
        order_reference=reference,
        sales_order_no=number,
        lines=tuple(sorted(quantities.items())),
        paid=row.get("state") == "paid",
        updated_at=_stamp(row.get("write_date")),
    )
