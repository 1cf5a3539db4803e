"""Magento 2 REST payloads <-> records. Pure functions, no I/O.

Orders: ``GET /V1/orders`` items. A configurable product arrives as a parent
item (product_type "configurable", carrying the price and the chosen child's
SKU) plus a child item (``parent_item_id`` set, price 0): the line is the
variant (S6), taken from the parent row with the child's SKU and name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from connectors.records import (
    AddressRecord,
    CustomerRecord,
    DiscountRecord,
    OrderLineRecord,
    OrderRecord,
    PriceRecord,
    ProductRecord,
    StockRecord,
)

MAGENTO_TIME = "%Y-%m-%d %H:%M:%S"


def parse_time(value: str | None) -> dt.datetime | None:
    """Magento stores UTC as 'YYYY-MM-DD HH:MM:SS'."""
    if not value:
        return None
    return dt.datetime.strptime(value[:19], MAGENTO_TIME).replace(tzinfo=dt.UTC)


def format_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime(MAGENTO_TIME)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def search_criteria(
    *, field: str, value: str, condition: str, page: int, page_size: int, sort_field: str
) -> list[tuple[str, str]]:
    """searchCriteria query parameters: one filter, one sort, one page."""
    prefix = "searchCriteria[filter_groups][0][filters][0]"
    return [
        (f"{prefix}[field]", field),
        (f"{prefix}[value]", value),
        (f"{prefix}[condition_type]", condition),
        ("searchCriteria[sortOrders][0][field]", sort_field),
        ("searchCriteria[sortOrders][0][direction]", "ASC"),
        ("searchCriteria[pageSize]", str(page_size)),
        ("searchCriteria[currentPage]", str(page)),
    ]


def parse_address(data: Mapping[str, Any] | None) -> AddressRecord | None:
    if not data:
        return None
    street = data.get("street") or []
    return AddressRecord(
        first_name=data.get("firstname", "") or "",
        last_name=data.get("lastname", "") or "",
        company=data.get("company", "") or "",
        street=", ".join(street) if isinstance(street, list) else str(street),
        postcode=data.get("postcode", "") or "",
        city=data.get("city", "") or "",
        country=data.get("country_id", "") or "",
        email=data.get("email", "") or "",
        phone=data.get("telephone", "") or "",
    )


def _custom_attribute(customer: Mapping[str, Any], code: str) -> str:
    for attribute in customer.get("custom_attributes") or []:
        if attribute.get("attribute_code") == code:
            return str(attribute.get("value") or "")
    return ""


def parse_customer(
    order: Mapping[str, Any], customer: Mapping[str, Any] | None, *, erp_number_attribute: str
) -> CustomerRecord:
    """The buyer: a registered customer (with the ERP number attribute, V3) or a guest."""
    billing = parse_address(order.get("billing_address"))
    is_guest = bool(order.get("customer_is_guest")) or not order.get("customer_id")
    company = billing.company if billing else ""
    return CustomerRecord(
        external_id="" if is_guest else str(order.get("customer_id")),
        customer_type="C" if company else "P",
        first_name=order.get("customer_firstname") or (billing.first_name if billing else ""),
        last_name=order.get("customer_lastname") or (billing.last_name if billing else ""),
        company=company,
        email=order.get("customer_email", "") or "",
        phone=billing.phone if billing else "",
        erp_customer_no=_custom_attribute(customer, erp_number_attribute) if customer else "",
        is_guest=is_guest,
        billing=billing,
        delivery=parse_address(_shipping_address(order)),
        updated_at=parse_time(customer.get("updated_at")) if customer else None,
    )


def _shipping_assignment(order: Mapping[str, Any]) -> Mapping[str, Any]:
    assignments = (order.get("extension_attributes") or {}).get("shipping_assignments") or []
    return (assignments[0].get("shipping") or {}) if assignments else {}


def _shipping_address(order: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return _shipping_assignment(order).get("address")


def parse_lines(items: Iterable[Mapping[str, Any]], *, sku_is_item_number: bool) -> tuple[OrderLineRecord, ...]:
    """Order items -> lines; a configurable parent and its child become one variant line."""
    items = list(items)
    children = {i.get("parent_item_id"): i for i in items if i.get("parent_item_id")}
    lines = []
    for item in items:
        if item.get("parent_item_id"):
            continue  # folded into its parent
        child = children.get(item.get("item_id"))
        sku = (child or item).get("sku", "")
        lines.append(
            OrderLineRecord(
                sku=sku,
                reference=sku if sku_is_item_number else "",
                name=(child or item).get("name", "") or item.get("name", ""),
                quantity=_dec(item.get("qty_ordered")),
                unit_price_excl_vat=_dec(item.get("price")),
                vat_rate=_dec(item.get("tax_percent")),
                is_service=item.get("product_type") == "virtual",
            )
        )
    return tuple(lines)


def parse_discounts(order: Mapping[str, Any]) -> tuple[DiscountRecord, ...]:
    """A coupon: percentage when the items carry a discount_percent, otherwise a fixed amount (S8)."""
    amount = abs(_dec(order.get("discount_amount")))
    if not amount:
        return ()
    code = order.get("coupon_code") or order.get("discount_description") or "discount"
    percents = {_dec(i.get("discount_percent")) for i in order.get("items", []) if not i.get("parent_item_id")}
    percents.discard(Decimal("0"))
    if len(percents) == 1:
        return (DiscountRecord(code=code, kind="percent", value=percents.pop()),)
    return (DiscountRecord(code=code, kind="fixed", value=amount),)


def parse_order(
    order: Mapping[str, Any],
    customer: Mapping[str, Any] | None,
    *,
    erp_number_attribute: str,
    sku_is_item_number: bool,
    store_code: str = "",
) -> OrderRecord:
    """One Magento order as an OrderRecord (S7, R4)."""
    shipping = _shipping_assignment(order)
    shipping_amount = _dec(order.get("shipping_amount"))
    shipping_tax = _dec(order.get("shipping_tax_amount"))
    rate = (shipping_tax / shipping_amount * 100).quantize(Decimal("1")) if shipping_amount else Decimal("0")
    payment = order.get("payment") or {}
    additional = payment.get("additional_information") or []
    return OrderRecord(
        external_id=str(order["entity_id"]),
        number=str(order.get("increment_id", "")),
        status=order.get("status", ""),
        placed_at=parse_time(order.get("created_at")) or dt.datetime.now(dt.UTC),
        updated_at=parse_time(order.get("updated_at")),
        customer=parse_customer(order, customer, erp_number_attribute=erp_number_attribute),
        lines=parse_lines(order.get("items", []), sku_is_item_number=sku_is_item_number),
        currency=order.get("order_currency_code", "") or "",
        payment_method=payment.get("method", "") or "",
        shipping_method=shipping.get("method", "") or "",
        payment_reference=payment.get("last_trans_id") or (additional[0] if additional else "") or "",
        customer_comment=order.get("customer_note", "") or "",
        customer_reference=(order.get("extension_attributes") or {}).get("customer_reference", "") or "",
        email=order.get("customer_email", "") or "",
        billing=parse_address(order.get("billing_address")),
        delivery=parse_address(_shipping_address(order)),
        discounts=parse_discounts(order),
        shipping_excl_vat=shipping_amount,
        shipping_vat_rate=rate,
        grand_total=_dec(order.get("grand_total")),
        shop_code=store_code,
    )


def parse_product(product: Mapping[str, Any], *, sku_is_item_number: bool) -> ProductRecord:
    return ProductRecord(
        external_id=str(product.get("id", "")),
        sku=product.get("sku", ""),
        name=product.get("name", ""),
        price_excl_vat=_dec(product.get("price")),
        reference=product.get("sku", "") if sku_is_item_number else "",
        is_service=product.get("type_id") == "virtual",
        active=product.get("status", 1) == 1,
        weight=_dec(product.get("weight")) if product.get("weight") is not None else None,
        updated_at=parse_time(product.get("updated_at")),
    )


def status_comment_payload(order_id: str, *, comment: str, status: str) -> dict[str, Any]:
    """POST /V1/orders/{id}/comments: never e-mails the buyer (S11)."""
    return {
        "statusHistory": {
            "comment": comment,
            "is_customer_notified": 0,
            "is_visible_on_front": 0,
            "parent_id": int(order_id),
            "status": status,
        }
    }


def source_items_payload(items: Iterable[StockRecord], *, source_code: str) -> dict[str, Any]:
    """POST /V1/inventory/source-items (MSI)."""
    return {
        "sourceItems": [
            {"sku": s.sku, "source_code": source_code, "quantity": float(s.quantity), "status": int(s.quantity > 0)}
            for s in items
        ]
    }


def stock_item_payload(item: StockRecord) -> dict[str, Any]:
    """PUT /V1/products/{sku}/stockItems/{itemId} (legacy CatalogInventory)."""
    return {"stockItem": {"qty": float(item.quantity), "is_in_stock": item.quantity > 0}}


def base_prices_payload(items: Iterable[PriceRecord]) -> dict[str, Any]:
    return {"prices": [{"sku": p.sku, "price": float(p.price_excl_vat), "store_id": 0} for p in items]}
