"""Writing what the shops send into the mirror: orders, their customers, products.

Each upsert is all or nothing and binds the remote id at once; an unchanged
record (same content fingerprint) is skipped.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from customers.models import Customer
from inventory.models import Product, ProductAlias
from orders.models import Order, OrderAddress, OrderDiscount, OrderLine, OrderState

from ..bindings import bind, bound, ct
from ..models import (
    Connection,
    ExternalRef,
)
from ..parsing import BadValue
from ..records import (
    AddressRecord,
    CustomerRecord,
    OrderRecord,
)
from .backoffice import backoffice_integration

logger = logging.getLogger("connectors.engine")


def fingerprint(record) -> str:
    """A stable hash of a record's content (frozen dataclasses have a deterministic repr)."""
    return hashlib.sha256(repr(record).encode()).hexdigest()


def _address_fields(prefix: str, address: AddressRecord | None) -> dict[str, str]:
    if address is None:
        return {}
    return {
        f"{prefix}_street": address.street,
        f"{prefix}_postcode": address.postcode,
        f"{prefix}_city": address.city,
        f"{prefix}_country": address.country,
    }


def customer_upsert(*, shop: Connection, record: CustomerRecord) -> Customer:
    """The mirror's customer for a shop customer record (registered by id, guests by e-mail + name)."""
    fields = {
        "shop": shop,
        "customer_type": record.customer_type or "P",
        "is_guest": record.is_guest,
        "first_name": record.first_name,
        "last_name": record.last_name,
        "company": record.company,
        "org_no": record.org_no,
        "language": record.language,
        "email": record.email,
        "phone": record.phone,
        "fax": record.fax,
        "mobile": record.mobile,
        "erp_customer_no": record.erp_customer_no,
        **_address_fields("billing", record.billing),
        **_address_fields("delivery", record.delivery),
    }
    if record.external_id and not record.is_guest:
        customer, _ref = bound(shop, Customer, record.external_id)
    else:
        # A returning guest is the same person when e-mail and name agree (R4),
        # so an accountant's decision about them applies to the next order too.
        customer = Customer.objects.filter(
            shop=shop,
            is_guest=True,
            email__iexact=record.email,
            first_name=record.first_name,
            last_name=record.last_name,
        ).first()
    if customer is None:
        try:
            with transaction.atomic():
                customer = Customer.objects.create(**fields)
        except IntegrityError:
            if not record.is_guest:
                raise
            # Another worker imported the same guest a moment ago: that is this customer.
            customer = Customer.objects.get(
                shop=shop,
                is_guest=True,
                email__iexact=record.email,
                first_name=record.first_name,
                last_name=record.last_name,
            )
    if any(getattr(customer, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(customer, name, value)
        customer.save()
    if record.external_id and not record.is_guest:
        bind(shop, customer, record.external_id, record.updated_at)
    return customer


@dataclass(frozen=True)
class UpsertResult:
    order: Order
    changed: bool
    created: bool = False


def order_upsert(*, shop: Connection, record: OrderRecord) -> UpsertResult:
    """Write one shop order into the mirror, all or nothing; skip it when up to date."""
    digest = fingerprint(record)
    with transaction.atomic():
        order, ref = bound(shop, Order, record.external_id)
        # Shops stamp updated_at to the second, so two changes in one second share a
        # stamp: skip on identical content, or on a stamp older than what we hold.
        if order is not None and ref is not None:
            stale = record.updated_at and ref.remote_updated_at and record.updated_at < ref.remote_updated_at
            if ref.fingerprint == digest or stale:
                return UpsertResult(order, changed=False)
        customer = customer_upsert(shop=shop, record=record.customer)
        header = {
            "shop": shop,
            "number": record.number,
            "shop_status": record.status,
            "customer": customer,
            "currency": record.currency,
            "shop_code": record.shop_code,
            "language": record.language,
            "placed_at": record.placed_at,
            "shop_updated_at": record.updated_at,
            "payment_method": record.payment_method,
            "shipping_method": record.shipping_method,
            "payment_reference": record.payment_reference,
            "customer_comment": record.customer_comment,
            "customer_reference": record.customer_reference,
            "email": record.email or record.customer.email,
            "shipping_excl_vat": record.shipping_excl_vat,
            "shipping_vat_rate": record.shipping_vat_rate,
            "shipping_incl_vat": record.shipping_incl_vat,
            "discount_after_vat": record.discount_after_vat,
            "grand_total": record.grand_total,
        }
        if order is None:
            # The shop's order number is unique per shop: an order imported
            # before its binding existed is the same order, unless another
            # shop record is bound to it (a number used twice).
            order = Order.objects.filter(shop=shop, number=record.number).first()
            other = (
                ExternalRef.objects.filter(connection=shop, content_type=ct(Order), object_id=order.pk).first()
                if order is not None
                else None
            )
            if other is not None and other.external_id != record.external_id:
                raise BadValue(
                    _("Order number %(number)s is already used by another order of this shop (id %(other)s).")
                    % {"number": record.number, "other": other.external_id},
                    hint=_("Give the order its own number in the shop; it is imported by the next sync."),
                )
        created = order is None
        if order is None:
            authorised = record.payment_method in (shop.authorised_payment_methods or [])
            order = Order.objects.create(**header, state=OrderState.PROCESSING if authorised else OrderState.PENDING)
        else:
            for name, value in header.items():
                setattr(order, name, value)
            order.save()
            if order.invoices.exists() or order.shipments.exists():
                # Documents were made from these lines: they stay as they were (an invoiced
                # order is permanent); the header and status still follow the shop.
                bind(shop, order, record.external_id, record.updated_at, digest)
                return UpsertResult(order, changed=True)
            order.lines.all().delete()
            order.addresses.all().delete()
            order.discounts.all().delete()
        skus = [li.sku for li in record.lines]
        products = {p.sku: p for p in Product.objects.filter(shop=shop, sku__in=skus)}
        # A SKU renamed since the order was placed still names the same product.
        for alias in ProductAlias.objects.filter(product__shop=shop, kind="sku", value__in=set(skus) - set(products)):
            products[alias.value] = alias.product
        if set(skus) - set(products) and backoffice_integration(shop_id=shop.pk) is not None:
            products.update(_catalogue_from_lines(shop, [li for li in record.lines if li.sku not in products]))
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                position=i,
                shop_line_id=line.external_id,
                product=products.get(line.sku),
                sku=line.sku,
                reference=line.reference,
                name=line.name,
                is_service=line.is_service,
                quantity=line.quantity,
                unit_price_excl_vat=line.unit_price_excl_vat,
                vat_rate=line.vat_rate,
                discount_amount=line.discount_amount,
                discount_percent=line.discount_percent,
                discount_reduces_vat=line.discount_reduces_vat,
                row_total_excl_vat=line.row_total_excl_vat,
                shop_total_incl_vat=line.shop_total_incl_vat,
            )
            for i, line in enumerate(record.lines)
        )
        OrderAddress.objects.bulk_create(
            OrderAddress(order=order, kind=kind, **vars(address))
            for kind, address in (("billing", record.billing), ("delivery", record.delivery))
            if address is not None
        )
        OrderDiscount.objects.bulk_create(
            OrderDiscount(order=order, code=d.code, kind=d.kind, value=d.value, per_line=d.per_line)
            for d in record.discounts
        )
        bind(shop, order, record.external_id, record.updated_at, digest)
    return UpsertResult(order, changed=True, created=created)


def _catalogue_from_lines(shop: Connection, lines: list) -> dict[str, Product]:
    """Products new to a shop whose back office is the portal come into its catalogue with the
    order that sold them (its data as the order line gives it), so the order document and the
    stock can name them; the product pull fills in the rest."""
    made: dict[str, Product] = {}
    for line in lines:
        if line.sku and not line.is_service and line.sku not in made:
            made[line.sku] = Product.objects.get_or_create(
                shop=shop, sku=line.sku,
                defaults={"name": line.name, "price_excl_vat": line.unit_price_excl_vat, "vat_rate": line.vat_rate,
                          "reference": line.reference},
            )[0]  # fmt: skip
    return made
