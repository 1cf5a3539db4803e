"""Vendre (Sweden) payloads <-> records. Pure functions.

Vendre's API reference is not public. What is known [C] comes from a public import
client (``vendre-import-script``: ``src/api/vendre-client.js`` and its transformers):
``https://<shop>/API/1/<resource>`` for ``products``, ``categories`` and ``customers``;
header ``X-Authorization: <api key>`` and ``Accept: application/json``; paging by
``page_size`` and ``offset`` with answers ``{"list": [...], "remaining": n}``; ``ids=1,2``;
product fields ``id, sku, price`` (excl. VAT), ``price_special, tax_class_id, stock,
stock_status, is_active``/``status, show, category_ids``, names per language
(``{"sv": …, "en": …}``); customer fields read under either of two names
(``email``/``email_address``, ``first_name``/``name_first``, ``address_street``/``street`` …).
[R] order status 3 usually means "completed" (a third party's notes).

**Everything else is our assumption [A], and all of it is in the block below**: a user with
Vendre's API reference corrects this block (and the parse/build functions under it that
read the same names) and nothing else. Where the public client reads a field under two
names, both are read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from connectors import parsing
from connectors.records import (
    AddressRecord,
    CustomerRecord,
    DiscountRecord,
    OrderLineRecord,
    OrderRecord,
    ProductRecord,
)

# ==== Vendre's API as assumed: correct here with Vendre's reference ===========================
API_ROOT = "API/1/"  # [C] appended to the shop's address
AUTH_HEADER = "X-Authorization"  # [C]
PAGE_SIZE_PARAM, OFFSET_PARAM, PAGE_SIZE = "page_size", "offset", 250  # [C]
LIST_KEY, REMAINING_KEY = "list", "remaining"  # [C]
ORDERS, PRODUCTS, CUSTOMERS = "orders", "products", "customers"  # [C] products, customers; [A] orders
UPDATED_SINCE_PARAM = "updated_from"  # [A] also filtered on our side by UPDATED_FIELD, should it be ignored
UPDATED_FIELD, CREATED_FIELD = "updated", "created"  # [A] "YYYY-MM-DD HH:MM:SS", the shop's local time
SKU_PARAM = "sku"  # [A] a filter on one SKU; the answer is checked on our side too
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # [A]
# Order status codes [A], but 3 = completed [R]. Statuses are named in the integration's settings.
STATUS_NAMES = {1: "new", 2: "processing", 3: "completed", 4: "cancelled"}
# Order fields [A]: number, status, created/updated, currency, language, customer (id and an
# embedded card), addresses, payment and shipping with their "external module identifier"
# (the seed: payment and shipping codes come from it), rows, discount codes, totals incl. VAT.
ORDER_NUMBER_FIELD = "order_number"
ORDER_ROWS_FIELD = "rows"  # each: id, product_id, sku, name, quantity, price (excl. VAT), vat_percent
ORDER_DISCOUNTS_FIELD = "discount_codes"  # each: code, type ("percent" | "amount"), value (amount incl. VAT)
ORDER_TOTAL_FIELD = "total"  # incl. VAT
ORDER_COMMENT_FIELD, ORDER_REFERENCE_FIELD = "comment", "customer_reference"
ORDER_ERP_COMMENT_FIELD = "admin_comment"  # where the ERP's order number is kept and shown (S9)
NOTIFY_FIELD = "notify_customer"  # sent false with every status change (S11: no e-mail from the shop)
# Product fields beyond the public client's [A] (S4, S5).
PRODUCT_FIELDS = {
    "ean": "ean",
    "weight": "weight",
    "purchase_price": "purchase_price",
    "manufacturer_article_no": "manufacturer_sku",
    "notes": "notes",
    "reorder_point": "reorder_point",
}
# Customer fields beyond the public client's [A] (S3).
CUSTOMER_ORG_NO_FIELD, CUSTOMER_FAX_FIELD, CUSTOMER_LANGUAGE_FIELD = "org_no", "fax", "language"
CUSTOMER_ERP_NO_FIELD = "erp_customer_number"  # a customer's number in the ERP, when the shop keeps one (V3)
# Default VAT classes of a Swedish shop [A]; a connection sets its own with ``tax_classes``.
TAX_CLASSES = {"1": "25", "2": "12", "3": "6", "4": "0"}
# ================================================================================================


def parse_time(value: Any, what: str) -> dt.datetime | None:
    return parsing.timestamp(value, what, formats=(TIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"))


def format_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime(TIME_FORMAT)


def localized(value: Any, what: str) -> str:
    """A name as a plain string or per language (Swedish first, then English, then any)."""
    if isinstance(value, Mapping):
        for lang in ("sv", "en"):
            if value.get(lang):
                return parsing.text(value[lang], what)
        return next((parsing.text(v, what) for v in value.values() if v), "")
    return parsing.text(value, what)


def _either(data: Mapping[str, Any], *names: str) -> Any:
    """The first of the field's names that is set (the public client reads several)."""
    return next((data[n] for n in names if data.get(n) not in (None, "")), None)


def _flag(value: Any) -> bool:
    return value is True or value in (1, "1", "true", "True")


def vat_rate_of(tax_class: Any, tax_classes: Mapping[str, str]) -> Decimal:
    key = str(tax_class) if tax_class not in (None, "") else ""
    if key not in tax_classes:
        raise parsing.BadValue(
            f"tax_class_id {tax_class!r} is not one of the connection's VAT classes {sorted(tax_classes)}.",
            hint="Add the VAT class to the connection's tax_classes parameter (class id -> VAT %).",
        )
    return Decimal(tax_classes[key])


def tax_class_of(rate: Decimal, tax_classes: Mapping[str, str]) -> str:
    for key, value in tax_classes.items():
        if Decimal(value) == Decimal(rate):
            return key
    return ""


# --- customers ------------------------------------------------------------------------------------


def parse_address(data: Any, what: str) -> AddressRecord | None:
    data = parsing.mapping(data, what)
    if not data:
        return None
    lines = (
        _either(data, "street", "address_street", "address1"),
        _either(data, "street2", "address_street2", "address2"),
    )
    street = " ".join(parsing.text(line, what) for line in lines if line)
    return AddressRecord(
        first_name=parsing.text(_either(data, "first_name", "name_first"), what),
        last_name=parsing.text(_either(data, "last_name", "name_last"), what),
        company=parsing.text(data.get("company"), what),
        street=street,
        postcode=parsing.text(_either(data, "postcode", "zip", "postal_code", "address_postcode"), what),
        city=parsing.text(_either(data, "city", "address_city"), what),
        country=parsing.text(_either(data, "country_code", "address_country_code_alpha2"), what).upper(),
        email=parsing.text(_either(data, "email", "email_address"), what),
        phone=parsing.text(_either(data, "phone", "phone_default"), what),
    )


def parse_customer(data: Mapping[str, Any], *, guest: bool = False) -> CustomerRecord:
    """A customer card (S3): address fields at the card's top level, the delivery address under
    ``delivery_address`` [A] (else the same)."""
    what = "customer"
    billing = parse_address(data, what)
    delivery = parse_address(data.get("delivery_address"), "customer delivery_address") or billing
    company = parsing.text(data.get("company"), what)
    return CustomerRecord(
        external_id="" if guest else parsing.text(data.get("id"), "customer id", required=True),
        customer_type="C" if company else "P",
        first_name=parsing.text(_either(data, "first_name", "name_first"), what),
        last_name=parsing.text(_either(data, "last_name", "name_last"), what),
        company=company,
        org_no=parsing.text(data.get(CUSTOMER_ORG_NO_FIELD), what),
        language=parsing.text(data.get(CUSTOMER_LANGUAGE_FIELD), what),
        email=parsing.text(_either(data, "email", "email_address"), what),
        phone=parsing.text(_either(data, "phone", "phone_default"), what),
        fax=parsing.text(data.get(CUSTOMER_FAX_FIELD), what),
        mobile=parsing.text(data.get("phone_mobile"), what),
        erp_customer_no=parsing.text(data.get(CUSTOMER_ERP_NO_FIELD), what),
        is_guest=guest,
        billing=billing,
        delivery=delivery,
        updated_at=parse_time(data.get(UPDATED_FIELD), "customer updated"),
    )


# --- orders --------------------------------------------------------------------------------------------


def status_name(code: Any) -> str:
    try:
        return STATUS_NAMES.get(int(code), str(code))
    except (TypeError, ValueError):
        return str(code)


def status_code(name: str) -> int:
    """The numeric status for a name of STATUS_NAMES or a number given as text."""
    for code, known in STATUS_NAMES.items():
        if known == name:
            return code
    if name.isdigit():
        return int(name)
    raise parsing.BadValue(f"'{name}' is not a Vendre order status ({', '.join(STATUS_NAMES.values())}).")


def parse_order(data: Mapping[str, Any], *, sku_is_item_number: bool = True) -> OrderRecord:
    """An order (S1, S7): rows with price excl. VAT and VAT %, discount codes, freight, totals."""
    number = parsing.text(data.get(ORDER_NUMBER_FIELD) or data.get("id"), "order number", required=True)
    card = parsing.mapping(data.get("customer"), "customer")
    guest = not data.get("customer_id")
    customer_data = dict(card) or {}
    billing = parse_address(data.get("billing_address"), "billing_address")
    delivery = parse_address(data.get("shipping_address"), "shipping_address") or billing
    if not customer_data and billing is not None:
        customer_data = {
            "first_name": billing.first_name, "last_name": billing.last_name, "company": billing.company,
            "email": billing.email, "phone": billing.phone,
        }  # fmt: skip
    if not guest:
        customer_data.setdefault("id", data.get("customer_id"))
    customer_data.setdefault("email", data.get("email"))
    customer = parse_customer(customer_data, guest=guest)
    if billing is not None:
        customer = CustomerRecord(**{**customer.__dict__, "billing": billing, "delivery": delivery or billing})
    lines = tuple(
        _line(row, n, sku_is_item_number=sku_is_item_number)
        for n, row in enumerate(parsing.array(data.get(ORDER_ROWS_FIELD), "rows", required=True), start=1)
    )
    payment = parsing.mapping(data.get("payment"), "payment")
    shipping = parsing.mapping(data.get("shipping"), "shipping")
    shipping_net = parsing.decimal(shipping.get("price"), "shipping price")
    shipping_rate = parsing.decimal(shipping.get("vat_percent"), "shipping vat_percent")
    return OrderRecord(
        external_id=parsing.text(data.get("id"), "order id", required=True),
        number=number,
        status=status_name(data.get("status")),
        placed_at=parse_time(data.get(CREATED_FIELD), "order created") or dt.datetime.now(dt.UTC),
        updated_at=parse_time(data.get(UPDATED_FIELD), "order updated"),
        customer=customer,
        lines=lines,
        currency=parsing.text(data.get("currency"), "currency") or "SEK",
        language=parsing.text(data.get("language"), "language"),
        payment_method=parsing.text(_either(payment, "external_id", "name"), "payment external_id"),
        shipping_method=parsing.text(_either(shipping, "external_id", "name"), "shipping external_id"),
        payment_reference=parsing.text(payment.get("reference"), "payment reference"),
        customer_comment=parsing.text(data.get(ORDER_COMMENT_FIELD), "comment"),
        customer_reference=parsing.text(data.get(ORDER_REFERENCE_FIELD), "customer_reference"),
        email=parsing.text(data.get("email"), "email") or customer.email,
        billing=billing,
        delivery=delivery,
        discounts=tuple(_discount(d) for d in parsing.array(data.get(ORDER_DISCOUNTS_FIELD), "discount_codes")),
        shipping_excl_vat=shipping_net,
        shipping_vat_rate=shipping_rate,
        shipping_incl_vat=(shipping_net * (1 + shipping_rate / 100)).quantize(Decimal("0.01")),
        grand_total=parsing.decimal(data.get(ORDER_TOTAL_FIELD), "total", default=None),
        shop_code=parsing.text(data.get("shop_id"), "shop_id"),
        raw=parsing.excerpt(data),
    )


def _line(row: Any, n: int, *, sku_is_item_number: bool) -> OrderLineRecord:
    what = f"row {n}"
    row = parsing.mapping(row, what)
    sku = parsing.text(row.get("sku"), f"{what} sku")
    quantity = parsing.decimal(row.get("quantity"), f"{what} quantity", default=None)
    price = parsing.decimal(row.get("price"), f"{what} price", default=None)
    rate = parsing.decimal(row.get("vat_percent"), f"{what} vat_percent", default=None)
    return OrderLineRecord(
        sku=sku,
        name=localized(row.get("name"), f"{what} name") or sku,
        quantity=quantity,
        unit_price_excl_vat=price,
        vat_rate=rate,
        reference=sku if sku_is_item_number else "",
        shop_total_incl_vat=(quantity * price * (1 + rate / 100)).quantize(Decimal("0.01")),
        external_id=parsing.text(row.get("id"), f"{what} id"),
    )


def _discount(data: Any) -> DiscountRecord:
    data = parsing.mapping(data, "discount code")
    kind = parsing.text(data.get("type"), "discount type")
    if kind not in ("percent", "amount"):
        raise parsing.BadValue(f"discount type {kind!r} is neither 'percent' nor 'amount'.")
    return DiscountRecord(
        code=parsing.text(data.get("code"), "discount code"),
        kind="percent" if kind == "percent" else "fixed",
        value=parsing.decimal(data.get("value"), "discount value", default=None),
    )


def order_update_body(*, status: str | None, comment: str) -> dict[str, Any]:
    """``PUT orders/{id}``: the new status without an e-mail to the buyer (S11), the ERP's number
    in the order's admin comment (S9)."""
    body: dict[str, Any] = {NOTIFY_FIELD: False}
    if status:
        body["status"] = status_code(status)
    if comment:
        body[ORDER_ERP_COMMENT_FIELD] = comment
    return body


# --- products ----------------------------------------------------------------------------------------


def parse_product(
    data: Mapping[str, Any], *, tax_classes: Mapping[str, str], sku_is_item_number: bool = True
) -> ProductRecord:
    """A product (S1, S6: a variant is a product of its own)."""
    sku = parsing.text(data.get("sku"), "sku", required=True)

    def optional(field: str) -> Decimal | None:
        value = data.get(PRODUCT_FIELDS[field])
        return None if value in (None, "") else parsing.decimal(value, field)

    active = data.get("is_active", data.get("status"))
    return ProductRecord(
        external_id=parsing.text(data.get("id"), "product id", required=True),
        sku=sku,
        name=localized(data.get("name"), "name") or sku,
        price_excl_vat=parsing.decimal(data.get("price"), "price"),
        vat_rate=vat_rate_of(data.get("tax_class_id"), tax_classes),
        reference=sku if sku_is_item_number else "",
        ean=parsing.text(data.get(PRODUCT_FIELDS["ean"]), "ean"),
        active=True if active is None else _flag(active),
        weight=optional("weight"),
        purchase_price=optional("purchase_price"),
        manufacturer_article_no=parsing.text(data.get(PRODUCT_FIELDS["manufacturer_article_no"]), "manufacturer"),
        notes=parsing.text(data.get(PRODUCT_FIELDS["notes"]), "notes"),
        reorder_point=optional("reorder_point"),
        stock=parsing.decimal(data.get("stock"), "stock", default=None) if data.get("stock") is not None else None,
        listed=_flag(data.get("show", 1)),
        updated_at=parse_time(data.get(UPDATED_FIELD), "product updated"),
        raw=parsing.excerpt(data),
    )


def _money(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


def product_body(
    product: ProductRecord, *, fields: frozenset[str] | None, tax_classes: Mapping[str, str]
) -> dict[str, Any]:
    """A product to create (``fields`` None: S5's fields for a new product) or the changed fields
    of one to update."""
    body: dict[str, Any] = {}

    def wanted(field: str) -> bool:
        return fields is None or field in fields

    if wanted("sku"):
        body["sku"] = product.sku
    if wanted("name"):
        body["name"] = {"sv": product.name}
    if wanted("price_excl_vat"):
        body["price"] = _money(product.price_excl_vat)
    if wanted("vat_rate"):
        body["tax_class_id"] = tax_class_of(product.vat_rate, tax_classes)
    if wanted("ean"):
        body[PRODUCT_FIELDS["ean"]] = product.ean
    for field in ("weight", "purchase_price", "reorder_point"):
        value = getattr(product, field)
        if wanted(field) and value is not None:
            body[PRODUCT_FIELDS[field]] = format(Decimal(value).normalize(), "f")
    for field in ("manufacturer_article_no", "notes"):
        if wanted(field):
            body[PRODUCT_FIELDS[field]] = getattr(product, field)
    if wanted("active"):
        body["is_active"] = 1 if product.active else 0
    if fields is None:
        # S5: a new product has no stock, is listed (its status decides whether it shows) and
        # lands in the category the integration names.
        body["stock"] = int(product.stock or 0)
        body["show"] = 1 if product.listed else 0
        if product.category:
            body["category_ids"] = [int(product.category) if product.category.isdigit() else product.category]
    return body
