"""Visma.net ERP v1 payloads <-> records. Pure functions, no I/O.

Visma's "DTO wrapper" style: nearly every field is ``{"value": ...}``; the
line ``operation`` is a plain string; lists are plain arrays.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlsplit

from connectors.records import (
    CustomerRecord,
    ErpCustomerRecord,
    ErpOrderStatusRecord,
    ItemRecord,
    SalesOrderRecord,
    StockRecord,
    s7_note,
)

DEFAULT_ORDER_TYPE = "SO"


def v(value: Any) -> dict[str, Any]:
    """Wrap one value the Visma way."""
    return {"value": value}


def unwrap(field: Any) -> Any:
    """The value inside ``{"value": x}``, or the field itself when it is not wrapped."""
    return field.get("value") if isinstance(field, dict) and set(field) == {"value"} else field


def _num(value: Decimal) -> float | int:
    # JSON numbers: Visma's DTOs are doubles; send exact cents as short literals.
    return int(value) if value == value.to_integral_value() else float(value)


def _address(address, *, override: bool = False) -> dict[str, Any]:
    body = {
        "addressLine1": v(address.street),
        "postalCode": v(address.postcode),
        "city": v(address.city),
        "countryId": v(address.country),
    }
    if override:
        # Without it Visma keeps the customer card's address on the order (SalesOrderAddressUpdateDto).
        body = {"overrideAddress": v(True), **body}
    return v(body)


def _contact(address, *, name: str, email: str) -> dict[str, Any]:
    attention = " ".join(p for p in (address.first_name, address.last_name) if p)
    return v(
        {
            "overrideContact": v(True),
            "name": v(address.company or name),
            "attention": v(attention),
            "email": v(address.email or email),
            "phone1": v(address.phone),
        }
    )


# The S7 fields the sales order has a place for (everything else goes into ``note``).
# Visma's SalesOrderUpdateDto has no customer type, org. no., language, confirmation flag
# or shop e-mail: those are written into the note, one "Label: value" line each.
SALES_ORDER_FIELDS = frozenset(
    {
        "customer_first_name",  # soBillingContact.attention
        "customer_last_name",  # soBillingContact.attention
        "customer_company",  # soBillingContact.name (first + last name for a private person)
        "payment_method_code",  # paymentMethod
        "shipping_method_code",  # shipVia
        "payment_reference",  # paymentRef
        "customer_reference",  # customerOrder
        "email",  # soBillingContact.email
        "external_order_no",  # customerRefNo
        "shop_id",  # branchNumber
    }
)


def sales_order_payload(order: SalesOrderRecord, *, use_inventory_id: bool = False) -> dict[str, Any]:
    """SalesOrderUpdateDto for POST /v1/salesorder (S7).

    ``use_inventory_id`` sends the item number as the deprecated ``inventoryId``
    for tenants still on the older contract.
    """
    item_field = "inventoryId" if use_inventory_id else "inventoryNumber"
    lines = []
    for number, line in enumerate(order.lines, start=1):
        payload: dict[str, Any] = {
            "operation": "Insert",
            "lineNbr": v(number),
            item_field: v(line.item_no),
            "quantity": v(_num(line.quantity)),
            "unitPrice": v(_num(line.unit_price)),
            "lineDescription": v(line.description),
            "taxCategory": v(line.vat_code),
        }
        if order.warehouse:
            payload["warehouse"] = v(order.warehouse)
        if line.discount_percent:
            payload["discountPercent"] = v(_num(line.discount_percent))
        if line.discount_amount:
            payload["discountAmount"] = v(_num(line.discount_amount))
        if line.discount_percent or line.discount_amount:
            payload["manualDiscount"] = v(True)
        lines.append(payload)
    body: dict[str, Any] = {
        "orderType": v(order.numbering_series or DEFAULT_ORDER_TYPE),
        "customer": v(order.customer_no),
        "date": v(f"{order.order_date.isoformat()}T00:00:00"),
        "customerRefNo": v(order.external_order_no),
        "customerOrder": v(order.customer_reference or order.external_order_no),
        "currency": v(order.currency),
        "description": v(order.public_comment[:250]),
        "note": v(s7_note(order, mapped=SALES_ORDER_FIELDS)),
        "lines": lines,
    }
    if order.payment_method_code:
        body["paymentMethod"] = v(order.payment_method_code)
    if order.payment_reference:
        body["paymentRef"] = v(order.payment_reference)
    if order.shipping_method_code:
        body["shipVia"] = v(order.shipping_method_code)
    if order.warehouse:
        body["preferredWarehouse"] = v(order.warehouse)
    if order.shop_id:
        body["branchNumber"] = v(order.shop_id)
    # The order's own addresses and contacts win over the customer card's: the buyer's name and
    # address reach the ERP even on the default customer (V3).
    if order.delivery is not None:
        body["soShippingAddress"] = _address(order.delivery, override=True)
        body["soShippingContact"] = _contact(order.delivery, name=order.customer_name, email=order.email)
    if order.billing is not None:
        body["soBillingAddress"] = _address(order.billing, override=True)
        body["soBillingContact"] = _contact(order.billing, name=order.customer_name, email=order.email)
    return body


def customer_payload(customer: CustomerRecord, *, update: bool = False) -> dict[str, Any]:
    """CustomerUpdateDto for POST (create) or PUT (S3 force update) /v1/customer.

    The number is left to Visma's series. A one-time buyer (C3) is created with
    Visma's customer status "One time"; an update leaves the status as it is.
    The customer has no field for the customer type or the language: they go
    into the customer's note.
    """
    name = customer.company or " ".join(p for p in (customer.first_name, customer.last_name) if p)
    body: dict[str, Any] = {
        "name": v(name),
        "mainContact": v(
            {
                "name": v(name),
                "attention": v(" ".join(p for p in (customer.first_name, customer.last_name) if p)),
                "email": v(customer.email),
                "phone1": v(customer.phone),
                "phone2": v(customer.mobile),
                "fax": v(customer.fax),
            }
        ),
    }
    if not update:
        body["status"] = v("One time" if customer.one_time else "Active")
    if customer.org_no:
        body["corporateId"] = v(customer.org_no)
    if customer.billing is not None:
        body["mainAddress"] = _address(customer.billing)
        body["invoiceAddress"] = _address(customer.billing)
    if customer.delivery is not None and customer.delivery.street:
        body["deliveryAddress"] = _address(customer.delivery)
        body["deliveryContact"] = v({"name": v(name), "email": v(customer.email)})
    notes = []
    if customer.customer_type:
        notes.append("Customer type: " + {"C": "C (company)", "P": "P (private person)"}.get(
            customer.customer_type, customer.customer_type))  # fmt: skip
    if customer.language:
        notes.append(f"Language: {customer.language}")
    if notes:
        body["note"] = v("\n".join(notes))
    return body


# Visma numbers (order no., customer no.) are short codes: letters, digits, a few separators.
NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,29}")


def number_from_location(location: str | None, resource: str) -> str:
    """The new document's number from a Location header, or '' when it names none.

    Visma answers a create with ``201 Created`` and ``Location: …/v1/<resource>/<number>``
    (for sales orders also ``…/salesorder/<orderType>/<number>``). A Location that
    ends at the collection, points at another resource or carries no valid number
    names nothing.
    """
    if not location:
        return ""
    segments = [unquote(p) for p in urlsplit(location).path.split("/")]
    if resource not in segments[:-1] or not segments[-1]:
        return ""
    after = segments[segments.index(resource) + 1 :]
    if len(after) > 2 or (len(after) == 2 and resource != "salesorder"):
        return ""
    number = after[-1]
    return number if NUMBER.fullmatch(number) and number != resource else ""


def parse_customer(dto: dict[str, Any]) -> ErpCustomerRecord:
    """A Visma customer; its e-mail from the main, invoice or delivery contact (all documented)."""
    email = ""
    for key in ("mainContact", "invoiceContact", "deliveryContact"):
        contact = dto.get(key)
        if isinstance(contact, dict) and contact.get("email"):
            email = str(contact["email"])
            break
    return ErpCustomerRecord(
        number=str(dto.get("number", "")),
        name=dto.get("name", ""),
        email=email,
        org_no=dto.get("corporateId") or "",
    )


def parse_datetime(value: str | None) -> dt.datetime | None:
    """Visma timestamps: ISO 8601, with or without offset (no offset = UTC)."""
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def format_datetime(value: dt.datetime) -> str:
    """For the lastModifiedDateTime filter: yyyy-MM-ddTHH:mm:ss in UTC."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


# InventoryDto.status values that still let the item be sold (the others: No sales,
# Inactive, Marked for deletion) — those make the shop product inactive (S5).
SELLABLE = frozenset({"Active", "No purchases", "No request"})


def parse_item(dto: dict[str, Any]) -> ItemRecord:
    """An InventoryDto: EAN from the Barcode cross-reference, weight from the packaging."""
    price = dto.get("defaultPrice")
    vat = dto.get("vatCode")
    packaging: dict[str, Any] = dto["packaging"] if isinstance(dto.get("packaging"), dict) else {}
    weight = packaging.get("baseItemWeight")
    ean = next(
        (
            str(ref.get("alternateId") or "")
            for ref in dto.get("crossReferences") or []
            if isinstance(ref, dict) and ref.get("alternateType") == "Barcode"
        ),
        "",
    )
    internal = dto.get("inventoryId")
    return ItemRecord(
        number=str(dto.get("inventoryNumber", "")),
        description=dto.get("description", "") or "",
        price_excl_vat=Decimal(str(price)) if price is not None else None,
        active=dto.get("status", "Active") in SELLABLE,
        updated_at=parse_datetime(dto.get("lastModifiedDateTime")),
        internal_id=str(internal) if internal is not None else "",
        ean=ean,
        weight=Decimal(str(weight)) if weight not in (None, 0, 0.0) else None,
        vat_code=(vat.get("id") or "") if isinstance(vat, dict) else str(vat or ""),
        notes=dto.get("note") or "",
        is_service=dto.get("type") in ("NonStockItem", "ServiceItem"),
    )


def item_payload(
    item: ItemRecord, *, fields: frozenset[str] | None = None, unit: str = "", item_class: str = ""
) -> dict:
    """InventoryUpdateDto for POST /v1/inventory (all of it) or PUT …/internal/{id} (``fields``).

    The item number is changed by its own action (``changeInventoryNbr``), never here.
    [A] The docs list cross-reference operations but not whether re-sending a Barcode
    with "Insert" replaces the old one; we send "Update" on a PUT and "Insert" on a create.
    """
    every = fields is None
    fields = fields or frozenset()
    body: dict[str, Any] = {}
    if every:
        body["inventoryNumber"] = v(item.number)
        body["type"] = v("NonStockItem" if item.is_service else "FinishedGoodItem")
        if unit:
            body.update(baseUnit=v(unit), salesUnit=v(unit), purchaseUnit=v(unit))
        if item_class:
            body["itemClass"] = v(item_class)
    if every or "name" in fields:
        body["description"] = v(item.description)
    if every or "active" in fields:
        body["status"] = v("Active" if item.active else "Inactive")
    if (every or "price_excl_vat" in fields) and item.price_excl_vat is not None:
        body["defaultPrice"] = v(_num(item.price_excl_vat))
    if (every or "vat_rate" in fields) and item.vat_code:
        body["vatCode"] = v(item.vat_code)
    if (every or "weight" in fields) and item.weight is not None:
        body["packaging"] = {"baseItemWeight": v(_num(item.weight))}
    if (every or "ean" in fields) and item.ean:
        body["crossReferences"] = [
            {"operation": "Insert" if every else "Update", "alternateType": v("Barcode"), "alternateId": v(item.ean)}
        ]
    if (every or "notes" in fields) and item.notes:
        body["note"] = v(item.notes)
    return body


def parse_order_status(dto: dict[str, Any]) -> ErpOrderStatusRecord:
    return ErpOrderStatusRecord(
        number=str(dto.get("orderNo", "")),
        external_order_no=dto.get("customerRefNo") or "",
        status=dto.get("status", ""),
        updated_at=parse_datetime(dto.get("lastModifiedDateTime")),
    )


def parse_stock(rows: list[dict[str, Any]], *, warehouse: str) -> list[StockRecord]:
    """InventorySummaryDto rows -> one quantity per item: available in the chosen warehouse (S10)."""
    totals: dict[str, Decimal] = {}
    for row in rows:
        wh = (row.get("warehouse") or {}).get("id", "")
        if warehouse and wh != warehouse:
            continue
        number = (row.get("inventory") or {}).get("number", "")
        totals[number] = totals.get(number, Decimal("0")) + Decimal(str(row.get("available", 0)))
    return [StockRecord(sku=n, quantity=q, warehouse=warehouse) for n, q in totals.items()]


# Visma's error texts -> (code, subject). Codes are read by the engine, which
# knows the order and the integration and turns them into hints (V5).
ERROR_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Inventory item '([^']*)' not found", re.I), "item_not_found"),
    (re.compile(r"'Inventory ID' cannot be empty|missing inventoryId", re.I), "item_missing"),
    (re.compile(r"Customer '?([^' .]*)'? (?:not found|does not exist)", re.I), "customer_not_found"),
    (re.compile(r"'Customer' cannot be empty", re.I), "customer_missing"),
    (re.compile(r"Order type '([^']*)'", re.I), "order_type"),
    (re.compile(r"(?:numbering|number) series", re.I), "numbering_series"),
    (re.compile(r"Payment method '([^']*)'", re.I), "payment_method"),
    (re.compile(r"Ship via '([^']*)'", re.I), "ship_via"),
]


def classify_error(message: str) -> tuple[str, str]:
    """(code, subject) for a Visma error message; ('', '') when unrecognised."""
    for pattern, code in ERROR_PATTERNS:
        match = pattern.search(message)
        if match:
            return code, match.group(1) if match.groups() else ""
    return "", ""


def parse_warehouse_stock(dto: dict[str, Any], *, warehouse: str) -> StockRecord | None:
    """An InventoryDto read with ``expandWarehouseDetail=true`` -> the item's available quantity in
    ``warehouse`` (S10), or None when the item has no row for it (it is then left as it is, as
    an inventorysummary without that warehouse leaves it).

    ``warehouseDetails`` rows name their warehouse as a plain id (``"MAIN"``) in one public client
    and as ``{"id": …}`` or ``{"value": …}`` in another; the docs show neither, so all are read.
    ``available`` is used where the row has it (as the inventorysummary's ``available``), else
    ``quantityOnHand``, which older answers carry alone. With no ``warehouse`` chosen, the rows add up."""
    number = dto.get("inventoryNumber")
    details = dto.get("warehouseDetails")
    if not number or not isinstance(details, list):
        return None
    total: Decimal | None = None
    for row in details:
        if not isinstance(row, dict):
            continue
        code = row.get("warehouse") or row.get("warehouseID") or row.get("warehouseId")
        if isinstance(code, dict):
            code = code.get("id") or code.get("value")
        if warehouse and str(code) != warehouse:
            continue
        value = row.get("available", row.get("quantityOnHand"))
        if value is None:
            continue
        total = (total or Decimal("0")) + Decimal(str(value))
    return None if total is None else StockRecord(sku=str(number), quantity=total, warehouse=warehouse)
