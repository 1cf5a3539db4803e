"""Magento 2 REST payloads <-> records. Pure functions, no I/O.

Orders: ``GET /V1/orders`` items. A configurable product arrives as a parent
item (product_type "configurable", carrying the price and the chosen child's
SKU) plus a child item (``parent_item_id`` set, price 0): the line is the
variant (S6), taken from the parent row with the child's SKU and name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors import parsing
from connectors.records import (
    AddressRecord,
    CustomerRecord,
    DiscountRecord,
    OrderLineRecord,
    OrderRecord,
)

MAGENTO_TIME = "%Y-%m-%d %H:%M:%S"


def parse_time(value: Any, what: str = "updated_at", *, required: bool = False) -> dt.datetime | None:
    """Magento stores UTC as 'YYYY-MM-DD HH:MM:SS' (ISO 8601 with a T is accepted too)."""
    return parsing.timestamp(
        value, what, formats=(MAGENTO_TIME, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"), required=required
    )


def format_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime(MAGENTO_TIME)


def _required_time(value: Any, what: str) -> dt.datetime:
    when = parse_time(value, what, required=True)
    assert when is not None  # required: parse_time raised otherwise
    return when


def _dec(value: Any, what: str = "number") -> Decimal:
    return parsing.decimal(value, what)


def _text(data: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    return parsing.text(data.get(key), key, required=required)


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


def parse_address(data: Any, what: str = "address") -> AddressRecord | None:
    data = parsing.mapping(data, what)
    if not data:
        return None
    street = data.get("street") or []
    lines = street if isinstance(street, list) else [street]
    return AddressRecord(
        first_name=_text(data, "firstname"),
        last_name=_text(data, "lastname"),
        company=_text(data, "company"),
        street=", ".join(parsing.text(part, "street") for part in lines if part),
        postcode=_text(data, "postcode"),
        city=_text(data, "city"),
        country=_text(data, "country_id"),
        email=_text(data, "email"),
        phone=_text(data, "telephone"),
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
    billing = parse_address(order.get("billing_address"), "billing_address")
    is_guest = bool(order.get("customer_is_guest")) or not order.get("customer_id")
    company = billing.company if billing else ""
    return CustomerRecord(
        external_id="" if is_guest else _text(order, "customer_id"),
        customer_type="C" if company else "P",
        first_name=_text(order, "customer_firstname") or (billing.first_name if billing else ""),
        last_name=_text(order, "customer_lastname") or (billing.last_name if billing else ""),
        company=company,
        # The tax id the buyer gave at checkout (``customer_taxvat``), else the billing address's VAT id.
        org_no=_text(order, "customer_taxvat") or _vat_id(order.get("billing_address")),
        email=_customer_email(order, customer, billing),
        phone=billing.phone if billing else "",
        erp_customer_no=_custom_attribute(customer, erp_number_attribute) if customer else "",
        is_guest=is_guest,
        billing=billing,
        delivery=parse_address(_shipping_address(order), "shipping address"),
        updated_at=parse_time(customer.get("updated_at")) if customer else None,
    )


def _vat_id(address: Any) -> str:
    return _text(address, "vat_id") if isinstance(address, Mapping) else ""


def _customer_email(order: Mapping[str, Any], customer: Mapping[str, Any] | None, billing) -> str:
    """Magento documents the buyer's e-mail on the order, the customer and the addresses."""
    return (
        _text(order, "customer_email")
        or (parsing.text(customer.get("email"), "email") if customer else "")
        or (billing.email if billing else "")
    )


def _shipping_assignment(order: Mapping[str, Any]) -> Mapping[str, Any]:
    extension = parsing.mapping(order.get("extension_attributes"), "extension_attributes")
    assignments = parsing.array(extension.get("shipping_assignments"), "shipping_assignments")
    first = parsing.mapping(assignments[0], "shipping_assignments[0]") if assignments else {}
    return parsing.mapping(first.get("shipping"), "shipping")


def _shipping_address(order: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return _shipping_assignment(order).get("address")


def parse_lines(items: Any, *, sku_is_item_number: bool) -> tuple[OrderLineRecord, ...]:
    """Order items -> lines as sold; a configurable parent and its child become one variant line.

    The parent row carries the money. Per item Magento documents the row before
    discount (``row_total``, excl. tax), its discount (``discount_amount``,
    incl. tax when the store applies discounts to prices incl. tax, with the tax
    part in ``discount_tax_compensation_amount``), its tax and its percent.
    """
    items = [parsing.mapping(i, "items[]") for i in parsing.array(items, "items", required=True)]
    children = {i.get("parent_item_id"): i for i in items if i.get("parent_item_id")}
    lines = []
    for position, item in enumerate(items, start=1):
        if item.get("parent_item_id"):
            continue  # folded into its parent
        child = children.get(item.get("item_id"))
        where = f"items[{position}]."

        def money(key: str) -> Decimal:
            return _dec(item.get(key), where + key)  # noqa: B023 (used at once)

        sku = parsing.text((child or item).get("sku"), where + "sku")
        quantity = money("qty_ordered")
        price = money("price")
        rate = money("tax_percent")
        row_total = money("row_total") if item.get("row_total") not in (None, "") else _r2(quantity * price)
        discount = money("discount_amount")
        compensation = money("discount_tax_compensation_amount")
        tax = money("tax_amount")
        net_discount = discount - compensation
        lines.append(
            OrderLineRecord(
                sku=sku,
                reference=sku if sku_is_item_number else "",
                name=parsing.text((child or item).get("name"), where + "name") or _text(item, "name"),
                quantity=quantity,
                unit_price_excl_vat=price,
                vat_rate=rate,
                is_service=item.get("product_type") == "virtual",
                discount_amount=net_discount,
                discount_percent=money("discount_percent"),
                discount_reduces_vat=_discount_reduces_vat(row_total, net_discount, tax, rate),
                row_total_excl_vat=None if row_total == _r2(quantity * price) else row_total,
                shop_total_incl_vat=row_total - discount + tax + compensation,
                external_id=str(item.get("item_id") or ""),
            )
        )
    return tuple(lines)


def _r2(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def _discount_reduces_vat(row_total: Decimal, net_discount: Decimal, tax: Decimal, rate: Decimal) -> bool:
    """Whether the item's tax was computed on the discounted row (Magento's default) or
    on the full row ("Apply Customer Tax: Before Discount"): the closer one wins.

    The payload does not carry the store setting, so it is read off the numbers.
    """
    if not net_discount or not rate:
        return True
    after = abs(tax - (row_total - net_discount) * rate / 100)
    before = abs(tax - row_total * rate / 100)
    return after <= before


def parse_discounts(order: Mapping[str, Any]) -> tuple[DiscountRecord, ...]:
    """The coupon, for the record: Magento gives its amounts per item, so it is ``per_line``."""
    amount = abs(_dec(order.get("discount_amount"), "discount_amount"))
    if not amount:
        return ()
    code = _text(order, "coupon_code") or _text(order, "discount_description") or "discount"
    items = [parsing.mapping(i, "items[]") for i in parsing.array(order.get("items"), "items")]
    percents = {_dec(i.get("discount_percent"), "discount_percent") for i in items if not i.get("parent_item_id")}
    percents.discard(Decimal("0"))
    if len(percents) == 1:
        return (DiscountRecord(code=code, kind="percent", value=percents.pop(), per_line=True),)
    return (DiscountRecord(code=code, kind="fixed", value=amount, per_line=True),)


# Rates a shipping line may carry when no item of the order has it (VAT rates used in Europe).
COMMON_RATES = [Decimal(r) for r in ("0", "5", "6", "7", "8", "9", "10", "12", "13", "14", "15", "17", "19", "20",
                                      "21", "22", "23", "24", "25", "27")]  # fmt: skip


@dataclass(frozen=True)
class Shipping:
    net: Decimal  # excl. VAT, after any discount that lowered the VAT
    rate: Decimal
    gross: Decimal  # as the shop charged it
    discount_after_vat: Decimal  # a shipping discount the shop took off after VAT


def parse_shipping(order: Mapping[str, Any], lines: tuple[OrderLineRecord, ...]) -> Shipping:
    """The shipping as Magento charged it.

    Magento gives the shipping's tax amount, not its rate: the rate is read off
    the amounts and snapped to a rate of the order's items or a common VAT rate.
    A shipping discount lowered the VAT base unless the store applies tax
    before discount: whichever base gives a real rate is the one used.
    """
    amount = _dec(order.get("shipping_amount"), "shipping_amount")
    tax = _dec(order.get("shipping_tax_amount"), "shipping_tax_amount")
    discount = _dec(order.get("shipping_discount_amount"), "shipping_discount_amount")
    compensation = _dec(
        order.get("shipping_discount_tax_compensation_amount"), "shipping_discount_tax_compensation_amount"
    )
    net_discount = discount - compensation
    gross = amount - discount + tax + compensation
    if not tax:
        return Shipping(amount - net_discount, Decimal("0"), gross, Decimal("0"))
    # The order's own rates first: a small amount fits several rates, and the items' are the likely ones.
    tiers = [sorted({line.vat_rate for line in lines if line.vat_rate}), COMMON_RATES]
    for tier in tiers:
        fits = []
        for order_, (base, after_vat) in enumerate(((amount - net_discount, Decimal("0")), (amount, net_discount))):
            if base <= 0 or not tier:
                continue
            exact = tax / base * 100
            near = min(tier, key=lambda r: abs(r - exact))
            # What a cent of rounding (the tax, and the net when prices include tax) can explain.
            slack = Decimal("0.01") / base * 100
            if abs(near - exact) <= slack:
                fits.append((abs(near - exact) / slack, order_, base, near, after_vat))
        if fits:
            _, _, base, rate, after_vat = min(fits)
            return Shipping(base, rate, gross, after_vat)
    base = amount - net_discount
    return Shipping(base, (tax / base * 100).quantize(Decimal("0.01"), ROUND_HALF_UP), gross, Decimal("0"))


def parse_order(
    order: Mapping[str, Any],
    customer: Mapping[str, Any] | None,
    *,
    erp_number_attribute: str,
    sku_is_item_number: bool,
    store_code: str = "",
) -> OrderRecord:
    """One Magento order as an OrderRecord (S7, R4)."""
    order = parsing.mapping(order, "order")
    shipping = _shipping_assignment(order)
    lines = parse_lines(order.get("items"), sku_is_item_number=sku_is_item_number)
    freight = parse_shipping(order, lines)
    payment = parsing.mapping(order.get("payment"), "payment")
    additional = parsing.array(payment.get("additional_information"), "payment.additional_information")
    extension = parsing.mapping(order.get("extension_attributes"), "extension_attributes")
    return OrderRecord(
        external_id=_text(order, "entity_id", required=True),
        number=_text(order, "increment_id", required=True),
        status=_text(order, "status"),
        placed_at=_required_time(order.get("created_at"), "created_at"),
        updated_at=parse_time(order.get("updated_at")),
        customer=parse_customer(order, customer, erp_number_attribute=erp_number_attribute),
        lines=lines,
        currency=_text(order, "order_currency_code", required=True),
        payment_method=_text(payment, "method"),
        shipping_method=_text(shipping, "method"),
        payment_reference=_text(payment, "last_trans_id")
        or (parsing.text(additional[0], "additional_information") if additional else ""),
        customer_comment=_text(order, "customer_note"),
        customer_reference=_text(extension, "customer_reference"),
        email=_customer_email(order, customer, None),
        billing=parse_address(order.get("billing_address"), "billing_address"),
        delivery=parse_address(_shipping_address(order), "shipping address"),
        discounts=parse_discounts(order),
        shipping_excl_vat=freight.net,
        shipping_vat_rate=freight.rate,
        shipping_incl_vat=freight.gross,
        discount_after_vat=freight.discount_after_vat,
        grand_total=_dec(order.get("grand_total"), "grand_total"),
        shop_code=store_code,
        raw=parsing.excerpt(order),
    )


def parse_customer_card(customer: Mapping[str, Any], *, erp_number_attribute: str) -> CustomerRecord:
    """A registered customer (``GET /V1/customers/search``), addresses from its defaults (R4, S3)."""
    customer = parsing.mapping(customer, "customer")
    addresses = [parsing.mapping(a, "addresses[]") for a in parsing.array(customer.get("addresses"), "addresses")]
    billing_id, shipping_id = customer.get("default_billing"), customer.get("default_shipping")
    billing = next((a for a in addresses if str(a.get("id")) == str(billing_id)), addresses[0] if addresses else None)
    shipping = next((a for a in addresses if str(a.get("id")) == str(shipping_id)), billing)
    billing_record = parse_address(billing, "billing address")
    company = billing_record.company if billing_record else ""
    return CustomerRecord(
        external_id=_text(customer, "id", required=True),
        customer_type="C" if company else "P",
        first_name=_text(customer, "firstname"),
        last_name=_text(customer, "lastname"),
        company=company,
        org_no=_text(customer, "taxvat"),
        email=_text(customer, "email"),
        phone=billing_record.phone if billing_record else "",
        erp_customer_no=_custom_attribute(customer, erp_number_attribute),
        billing=billing_record,
        delivery=parse_address(shipping, "shipping address"),
        updated_at=parse_time(customer.get("updated_at")),
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


# Products, stock and prices, and the portal's documents, live in their own modules; callers
# use them through this one.
from .mapping_catalogue import (  # noqa: E402
    DISABLED,
    ENABLED,
    VISIBLE_EVERYWHERE,
    base_price_refusals,
    base_prices_payload,
    parse_product,
    product_payload,
    source_items_payload,
    stock_item_payload,
)
from .mapping_documents import DOCUMENT_COMMENT, document_body, document_comment  # noqa: E402

__all__ = [
    "DISABLED",
    "DOCUMENT_COMMENT",
    "ENABLED",
    "VISIBLE_EVERYWHERE",
    "base_price_refusals",
    "base_prices_payload",
    "document_body",
    "document_comment",
    "parse_product",
    "product_payload",
    "source_items_payload",
    "stock_item_payload",
]
