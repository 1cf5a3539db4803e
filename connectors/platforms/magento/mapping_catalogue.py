"""Magento products, stock and prices <-> records. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from connectors import parsing
from connectors.records import (
    PriceRecord,
    ProductRecord,
    StockRecord,
)

from .mapping import _custom_attribute, _dec, _text, parse_time


def parse_product(product: Mapping[str, Any], *, sku_is_item_number: bool) -> ProductRecord:
    """A catalog product (``GET /V1/products``): the purchase price is the ``cost`` attribute,
    the notes the ``description``, the reorder point the stock item's ``notify_stock_qty``."""
    product = parsing.mapping(product, "product")
    sku = _text(product, "sku", required=True)
    stock_item = parsing.mapping(
        parsing.mapping(product.get("extension_attributes"), "extension_attributes").get("stock_item"), "stock_item"
    )
    cost = _custom_attribute(product, "cost")
    notify = stock_item.get("notify_stock_qty")
    return ProductRecord(
        external_id=_text(product, "id", required=True),
        sku=sku,
        name=_text(product, "name"),
        price_excl_vat=_dec(product.get("price"), "price"),
        reference=sku if sku_is_item_number else "",
        is_service=product.get("type_id") == "virtual",
        active=product.get("status", 1) in (1, "1"),
        weight=_dec(product.get("weight"), "weight") if product.get("weight") not in (None, "") else None,
        purchase_price=_dec(cost, "cost") if cost else None,
        notes=_custom_attribute(product, "description"),
        reorder_point=_dec(notify, "notify_stock_qty") if notify not in (None, "") else None,
        updated_at=parse_time(product.get("updated_at")),
        raw=parsing.excerpt(product),
    )


# Magento's product status codes (Magento\Catalog\Model\Product\Attribute\Source\Status).
ENABLED, DISABLED = 1, 2
VISIBLE_EVERYWHERE = 4  # visibility "Catalog, Search"


def product_payload(record: ProductRecord, *, fields: frozenset[str] | None = None, product_id: str = "") -> dict:
    """``{"product": …}`` for POST /V1/products (all of it) or PUT /V1/products/{sku} (``fields``).

    A new product gets what S5 asks: stock 0, listed (visible in catalog and
    search), its status per setting, its category. Where Adobe's docs say
    nothing the choice is ours: the attribute set is the default one (4), a
    product is "simple" (a service: "virtual").
    """
    every = fields is None
    fields = fields or frozenset()
    body: dict[str, Any] = {"sku": record.sku}
    if product_id:
        body["id"] = int(product_id)  # with the id, a PUT may carry a new sku: the product is renamed
    if every:
        body.update(
            attribute_set_id=4,
            type_id="virtual" if record.is_service else "simple",
            visibility=VISIBLE_EVERYWHERE if record.listed else 1,
        )
    if every or "name" in fields:
        body["name"] = record.name
    if every or "price_excl_vat" in fields:
        body["price"] = float(record.price_excl_vat)
    if every or "active" in fields:
        body["status"] = ENABLED if record.active else DISABLED
    if (every or "weight" in fields) and record.weight is not None:
        body["weight"] = float(record.weight)
    custom = []
    if (every or "purchase_price" in fields) and record.purchase_price is not None:
        custom.append({"attribute_code": "cost", "value": str(record.purchase_price)})
    if (every or "notes" in fields) and record.notes:
        custom.append({"attribute_code": "description", "value": record.notes})
    if custom:
        body["custom_attributes"] = custom
    stock_item: dict[str, Any] = {}
    if every:
        quantity = record.stock or Decimal("0")
        stock_item.update(qty=float(quantity), is_in_stock=quantity > 0)
    if (every or "reorder_point" in fields) and record.reorder_point is not None:
        stock_item["notify_stock_qty"] = float(record.reorder_point)
    extension: dict[str, Any] = {}
    if stock_item:
        extension["stock_item"] = stock_item
    if every and record.category:
        extension["category_links"] = [{"position": 0, "category_id": record.category}]
    if extension:
        body["extension_attributes"] = extension
    return {"product": body}


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


def base_price_refusals(answer: list[Any], skus: list[str]) -> dict[str, str]:
    """The refused SKUs of a ``POST /V1/products/base-prices`` answer: SKU -> Magento's message.

    Magento answers 200 with a list of ``{"message": "Invalid attribute %fieldName =
    %fieldValue.", "parameters": ["SKU", "X1"]}`` (the placeholders filled in order from
    the parameters; valid items of the same call are saved). The answer names no row
    index, so the SKU is recognised among the parameters or as "SKU = X" in the text; a
    failure naming none of the sent SKUs is laid on all of them, to be looked at.
    """
    refused: dict[str, str] = {}
    unnamed: list[str] = []
    sent = set(skus)
    for failure in answer:
        if not isinstance(failure, dict):
            continue
        parameters = failure.get("parameters") or []
        if isinstance(parameters, dict):
            parameters = list(parameters.values())
        values = ["" if v is None else str(v) for v in parameters]
        text = _fill_placeholders(str(failure.get("message", "")), values)
        named = [v for v in values if v in sent] or re.findall(r"SKU = ([^,\s]+?)(?=[,.]?(?:\s|$))", text)
        named = [sku for sku in named if sku in sent]
        for sku in named:
            refused.setdefault(sku, text)
        if not named:
            unnamed.append(text)
    for text in unnamed:  # a SKU's own failure is the more telling one
        for sku in skus:
            refused.setdefault(sku, text)
    return refused


def _fill_placeholders(message: str, values: list[str]) -> str:
    """Magento's ``%name`` placeholders replaced in order by the answer's parameters."""
    remaining = iter(values)
    return re.sub(r"%\w+", lambda match: next(remaining, match.group(0)), message)
