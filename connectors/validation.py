"""What every record must satisfy before the engine stores it (the mapping boundary).

Checked for every platform, after its mapping and before any write: text
fits the column it goes to (limits are read from the model fields, so they
cannot drift), holds no NUL byte (PostgreSQL refuses them), numbers fit their
columns, currencies are ISO 4217 codes, dates are plausible. A record that
fails is set aside as an import problem; nothing of it is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal

from babel.numbers import is_currency
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from inventory.models import Product, StockLevel
from orders.models import Order, OrderAddress, OrderDiscount, OrderLine

from .models import ExternalRef
from .parsing import BadValue
from .records import AddressRecord, CustomerRecord, OrderRecord, ProductRecord, StockRecord

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _limit(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length  # type: ignore[union-attr,return-value]


def _digits(model: type[models.Model], name: str) -> Decimal:
    """The first value that no longer fits a DecimalField (10 ** integer digits)."""
    field = model._meta.get_field(name)
    return Decimal(10) ** (field.max_digits - field.decimal_places)  # type: ignore[union-attr]


def _texts(record: object, fields: Mapping[str, tuple[type[models.Model], str]], where: str) -> Iterator[str]:
    for attr, (model, column) in fields.items():
        value = getattr(record, attr)
        if not value:
            continue
        if "\x00" in value:
            yield _("%(where)s%(field)s contains a NUL character.") % {"where": where, "field": attr}
        limit = _limit(model, column)
        if len(value) > limit:
            yield _("%(where)s%(field)s is %(length)d characters long; at most %(limit)d fit.") % {
                "where": where,
                "field": attr,
                "length": len(value),
                "limit": limit,
            }


def _number(value: Decimal, *, what: str, below: Decimal, low: Decimal | None = None) -> Iterator[str]:
    if abs(value) >= below or (low is not None and value < low):
        yield _("%(field)s is out of range: %(value)s") % {"field": what, "value": value}


ADDRESS_TEXT = {
    name: (OrderAddress, name)
    for name in ("first_name", "last_name", "company", "street", "postcode", "city", "country", "email", "phone")
}
CUSTOMER_TEXT = {
    "external_id": (ExternalRef, "external_id"),
    "first_name": (Customer, "first_name"),
    "last_name": (Customer, "last_name"),
    "company": (Customer, "company"),
    "org_no": (Customer, "org_no"),
    "language": (Customer, "language"),
    "email": (Customer, "email"),
    "phone": (Customer, "phone"),
    "fax": (Customer, "fax"),
    "mobile": (Customer, "mobile"),
    "erp_customer_no": (Customer, "erp_customer_no"),
}
ORDER_TEXT = {
    "external_id": (ExternalRef, "external_id"),
    "number": (Order, "number"),
    "status": (Order, "shop_status"),
    "currency": (Order, "currency"),
    "language": (Order, "language"),
    "payment_method": (Order, "payment_method"),
    "shipping_method": (Order, "shipping_method"),
    "payment_reference": (Order, "payment_reference"),
    "customer_reference": (Order, "customer_reference"),
    "email": (Order, "email"),
    "shop_code": (Order, "shop_code"),
}
LINE_TEXT = {name: (OrderLine, name) for name in ("sku", "name", "reference")}
PRODUCT_TEXT = {
    "external_id": (ExternalRef, "external_id"),
    "sku": (Product, "sku"),
    "name": (Product, "name"),
    "reference": (Product, "reference"),
    "ean": (Product, "ean"),
}


def _address(address: AddressRecord | None, where: str) -> Iterator[str]:
    if address is not None:
        yield from _texts(address, ADDRESS_TEXT, where)


def _customer(customer: CustomerRecord, where: str) -> Iterator[str]:
    yield from _texts(customer, CUSTOMER_TEXT, where)
    yield from _address(customer.billing, where + _("billing address: "))
    yield from _address(customer.delivery, where + _("delivery address: "))


def _plausible(when: dt.datetime | None, what: str, *, required: bool) -> Iterator[str]:
    if when is None:
        if required:
            yield _("%(field)s is missing.") % {"field": what}
        return
    if when.tzinfo is None or not EARLIEST <= when <= timezone.now() + dt.timedelta(days=1):
        yield _("%(field)s is not a plausible date: %(value)s") % {"field": what, "value": when.isoformat()}


def order_problems(record: OrderRecord) -> list[str]:
    """Everything wrong with an order record, in words a back-office person understands."""
    problems: list[str] = []
    if not record.external_id.strip():
        problems.append(_("The order has no id in the shop."))
    if not record.number.strip():
        problems.append(_("The order has no order number."))
    problems += _texts(record, ORDER_TEXT, "")
    currency = record.currency
    if not (len(currency) == 3 and currency.isalpha() and currency.isupper() and is_currency(currency)):
        problems.append(_("Currency %(code)r is not an ISO 4217 currency code.") % {"code": currency})
    problems += _plausible(record.placed_at, "placed_at", required=True)
    problems += _plausible(record.updated_at, "updated_at", required=False)
    if record.customer_comment and "\x00" in record.customer_comment:
        problems.append(_("customer_comment contains a NUL character."))
    total_below = _digits(Order, "grand_total")
    rate_below = Decimal("100.0001")
    problems += _number(record.grand_total, what="grand_total", below=total_below)
    problems += _number(record.shipping_excl_vat, what="shipping_excl_vat", below=total_below)
    problems += _number(record.shipping_vat_rate, what="shipping_vat_rate", below=rate_below, low=Decimal("0"))
    problems += _number(record.discount_after_vat, what="discount_after_vat", below=total_below)
    if record.shipping_incl_vat is not None:
        problems += _number(record.shipping_incl_vat, what="shipping_incl_vat", below=total_below)
    problems += _customer(record.customer, _("customer: "))
    problems += _address(record.billing, _("billing address: "))
    problems += _address(record.delivery, _("delivery address: "))
    for position, line in enumerate(record.lines, start=1):
        where = _("line %(n)d: ") % {"n": position}
        problems += _texts(line, LINE_TEXT, where)
        problems += _number(line.quantity, what=where + "quantity", below=_digits(OrderLine, "quantity"))
        if line.quantity <= 0:
            problems.append(
                _("%(where)squantity must be more than zero: %(value)s") % {"where": where, "value": line.quantity}
            )
        problems += _number(
            line.unit_price_excl_vat, what=where + "price", below=_digits(OrderLine, "unit_price_excl_vat")
        )
        problems += _number(line.vat_rate, what=where + "VAT rate", below=rate_below, low=Decimal("0"))
        problems += _number(line.discount_amount, what=where + "discount", below=_digits(OrderLine, "discount_amount"))
    for discount in record.discounts:
        problems += _texts(discount, {"code": (OrderDiscount, "code")}, _("discount: "))
        problems += _number(discount.value, what=_("discount value"), below=_digits(OrderDiscount, "value"))
    return problems


def product_problems(record: ProductRecord) -> list[str]:
    """Everything wrong with a product record."""
    problems: list[str] = []
    if not record.sku.strip():
        problems.append(_("The product has no SKU."))
    problems += _texts(record, PRODUCT_TEXT, "")
    problems += _number(record.price_excl_vat, what="price", below=_digits(Product, "price_excl_vat"))
    problems += _number(record.vat_rate, what="VAT rate", below=Decimal("100.0001"), low=Decimal("0"))
    if record.weight is not None:
        problems += _number(record.weight, what="weight", below=_digits(Product, "weight"), low=Decimal("0"))
    problems += _plausible(record.updated_at, "updated_at", required=False)
    return problems


def check_order(record: OrderRecord) -> None:
    """Raise BadValue naming every problem of an order record."""
    _raise(order_problems(record), _("Correct the order in the shop; it is imported again by the next sync."))


def check_product(record: ProductRecord) -> None:
    """Raise BadValue naming every problem of a product record."""
    _raise(product_problems(record), _("Correct the product in the shop; it is imported again by the next sync."))


def _raise(problems: Iterable[str], hint: str) -> None:
    problems = list(problems)
    if problems:
        raise BadValue(" ".join(problems), hint=hint)


def check_stock(record: StockRecord) -> None:
    """Raise BadValue when a stock figure cannot be stored."""
    problems = list(_number(record.quantity, what="quantity", below=_digits(StockLevel, "physical")))
    _raise(problems, _("Correct the item's stock in the ERP; it is read again by the next sync."))


def check_customer(record: CustomerRecord) -> None:
    """Raise BadValue when a customer card cannot be stored."""
    problems = list(_customer(record, ""))
    if not record.external_id.strip():
        problems.insert(0, _("The customer has no id in the shop."))
    _raise(problems, _("Correct the customer in the shop; it is imported again by the next sync."))
