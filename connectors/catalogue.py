"""Product fields between the mirror, the shop and the ERP (S1, S2, S4, S5, S12). Pure functions.

Every side is described by the same canonical fields, each value a string
(so "640", "640.00" and 640.0 are one value):

    number  sku  name  ean  price_excl_vat  vat_rate  weight  purchase_price
    manufacturer_article_no  notes  reorder_point  active

A binding (ExternalRef) keeps, in ``synced``, the values last exchanged with
its side. Reading a side adopts only the fields *that side* changed since
(and only those it may change: ``Integration.field_masters``); writing a side
sends only the fields whose mirror value it has not seen. So a change made on
one side is written once on the other and never comes back as news.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from inventory.models import Product, ProductStatus

from .records import ItemRecord, ProductRecord

FIELDS = (
    "number",
    "sku",
    "name",
    "ean",
    "price_excl_vat",
    "vat_rate",
    "weight",
    "purchase_price",
    "manufacturer_article_no",
    "notes",
    "reorder_point",
    "active",
)
SHOP, ERP, BOTH = "shop", "erp", "both"
# Never sent to the ERP: the shop's SKU is its own business, and the shop's status is not
# the item's (a product made from the ERP may wait disabled in the shop, S5; S4 sends no
# status). S12's price lists, variant relations and suppliers are never fields at all.
NOT_TO_ERP = frozenset({"sku", "active"})
NOT_TO_SHOP: frozenset[str] = frozenset()


def canon(value: Any) -> str:
    """One spelling per value: decimals without trailing zeros, booleans as 0/1, None as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        return format(number.normalize(), "f") if number else "0"
    return str(value)


def mirror_values(product: Product) -> dict[str, str]:
    """The mirror product as canonical fields."""
    return {
        "number": canon(product.reference or product.sku),
        "sku": canon(product.sku),
        "name": canon(product.name),
        "ean": canon(product.ean),
        "price_excl_vat": canon(product.price_excl_vat),
        "vat_rate": canon(product.vat_rate),
        "weight": canon(product.weight),
        "purchase_price": canon(product.purchase_price),
        "manufacturer_article_no": canon(product.manufacturer_article_no),
        "notes": canon(product.notes),
        "reorder_point": canon(product.reorder_point),
        "active": canon(product.status == ProductStatus.ACTIVE),
    }


def shop_values(record: ProductRecord, fields: Iterable[str]) -> dict[str, str]:
    """What a shop product says, limited to the fields the shop platform carries."""
    values = {
        "number": canon(record.reference),
        "sku": canon(record.sku),
        "name": canon(record.name),
        "ean": canon(record.ean),
        "price_excl_vat": canon(record.price_excl_vat),
        "vat_rate": canon(record.vat_rate),
        "weight": canon(record.weight),
        "purchase_price": canon(record.purchase_price),
        "manufacturer_article_no": canon(record.manufacturer_article_no),
        "notes": canon(record.notes),
        "reorder_point": canon(record.reorder_point),
        "active": canon(record.active),
    }
    if not values["number"]:
        del values["number"]  # the shop does not know the item number: it says nothing about it
    return {f: values[f] for f in fields if f in values}


def erp_values(item: ItemRecord, fields: Iterable[str], *, vat_rates: Mapping[str, str]) -> dict[str, str]:
    """What an ERP item says, limited to the fields the ERP platform carries.

    ``vat_rates`` maps the ERP's VAT codes back to rates (the integration's VAT map reversed).
    """
    rate = item.vat_rate if item.vat_rate is not None else vat_rates.get(item.vat_code)
    values = {
        "number": canon(item.number),
        "name": canon(item.description),
        "ean": canon(item.ean),
        "price_excl_vat": canon(item.price_excl_vat),
        "vat_rate": canon(rate),
        "weight": canon(item.weight),
        "purchase_price": canon(item.purchase_price),
        "manufacturer_article_no": canon(item.manufacturer_article_no),
        "notes": canon(item.notes),
        "reorder_point": canon(item.reorder_point),
        "active": canon(item.active),
    }
    return {f: values[f] for f in fields if f in values}


def may_change(field: str, side: str, masters: Mapping[str, str]) -> bool:
    """Whether ``side`` may change ``field`` (Integration.field_masters; unlisted: both)."""
    return masters.get(field, BOTH) in (side, BOTH)


def adopt(
    *, mirror: Mapping[str, str], incoming: Mapping[str, str], seen: Mapping[str, str], side: str, masters
) -> dict[str, str]:
    """The mirror fields to set from what a side sent: those it changed since ``seen``, may
    change, and that differ from the mirror."""
    return {
        f: value
        for f, value in incoming.items()
        if seen.get(f) != value and may_change(f, side, masters) and mirror.get(f) != value
    }


def outgoing(
    *, mirror: Mapping[str, str], seen: Mapping[str, str], fields: Iterable[str], to: str, masters
) -> dict[str, str]:
    """The mirror fields a side has not seen and may receive: those the *other* side may change."""
    other = SHOP if to == ERP else ERP
    excluded = NOT_TO_ERP if to == ERP else NOT_TO_SHOP
    return {
        f: mirror[f]
        for f in fields
        if f not in excluded and may_change(f, other, masters) and mirror.get(f) != seen.get(f)
    }


def apply(product: Product, changes: Mapping[str, str]) -> None:
    """Set canonical field values on the mirror product (the caller saves)."""
    for field, value in changes.items():
        if field == "number":
            product.reference = value
        elif field == "active":
            product.status = ProductStatus.ACTIVE if value == "1" else ProductStatus.INACTIVE
        elif field in ("price_excl_vat", "vat_rate"):
            setattr(product, field, Decimal(value or "0"))
        elif field in ("weight", "purchase_price", "reorder_point"):
            setattr(product, field, Decimal(value) if value else None)
        else:
            setattr(product, field, value)


def _decimal(value: str) -> Decimal | None:
    return Decimal(value) if value else None


def item_record(product: Product, *, vat_code: str, internal_id: str = "", stock: Decimal | None = None) -> ItemRecord:
    """The ERP item for a mirror product."""
    values = mirror_values(product)
    return ItemRecord(
        number=values["number"],
        description=product.name,
        price_excl_vat=product.price_excl_vat,
        active=product.status == ProductStatus.ACTIVE,
        internal_id=internal_id,
        ean=product.ean,
        weight=product.weight,
        vat_rate=product.vat_rate,
        vat_code=vat_code,
        purchase_price=product.purchase_price,
        manufacturer_article_no=product.manufacturer_article_no,
        notes=product.notes,
        reorder_point=product.reorder_point,
        is_service=product.is_service,
        stock=stock,
    )


def product_record(product: Product, *, external_id: str = "", category: str = "") -> ProductRecord:
    """The shop product for a mirror product."""
    return ProductRecord(
        external_id=external_id,
        sku=product.sku,
        name=product.name,
        price_excl_vat=product.price_excl_vat,
        vat_rate=product.vat_rate,
        reference=product.reference,
        ean=product.ean,
        is_service=product.is_service,
        active=product.status == ProductStatus.ACTIVE,
        weight=product.weight,
        purchase_price=product.purchase_price,
        manufacturer_article_no=product.manufacturer_article_no,
        notes=product.notes,
        reorder_point=product.reorder_point,
        category=category,
    )
