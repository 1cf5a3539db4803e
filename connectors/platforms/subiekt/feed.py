"""The Subiekt bridge's listings and event feed (Koda Plus bridge contract 1.1.0) as the portal's
records: stock and products from their snapshot pages, order statuses, shipments and invoices from
the feed's events. Pure functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any, TypeVar

from connectors.records import ErpInvoiceRecord, ErpOrderStatusRecord, ErpShipmentRecord, ItemRecord, StockRecord

from .mapping import document_key, parse_time

_Doc = TypeVar("_Doc", ErpShipmentRecord, ErpInvoiceRecord)


def stock_page(body: Any, *, field: str) -> tuple[list[StockRecord], str | None]:
    """(one quantity per product symbol, the next cursor) of a StockPage. ``field``: "quantity"
    (physical, the contract's advice when the shop keeps its own reservations) or "available"
    (less the reservations of ZK documents)."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise ValueError("no items list")
    records = []
    for item in body["items"]:
        if isinstance(item, dict) and item.get("symbol") and item.get(field) is not None:
            records.append(StockRecord(sku=str(item["symbol"]), quantity=Decimal(str(item[field]))))
    cursor = body.get("next_cursor")
    return records, (str(cursor) if cursor else None)


def products_page(body: Any, *, level: str) -> tuple[list[ItemRecord], str | None]:
    """(the products, the next cursor) of a ProductsPage; the price is the net of ``level`` (the
    first price level the page lists when none is set). A product without a price in it has
    none (its price is left as it is)."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise ValueError("no items list")
    levels = [lv.get("symbol") for lv in body.get("price_levels") or [] if isinstance(lv, dict)]
    chosen = level or (levels[0] if levels else "")
    records = []
    for item in body["items"]:
        if not isinstance(item, dict) or not item.get("symbol"):
            continue
        price = next(
            (p for p in item.get("prices") or [] if isinstance(p, dict) and p.get("level") == chosen),
            None,
        )
        records.append(
            ItemRecord(
                number=str(item["symbol"]),
                description=str(item.get("name") or item["symbol"]),
                price_excl_vat=Decimal(str(price["net"])) if price and price.get("net") is not None else None,
                active=bool(item.get("active", True)),
                ean=str(item.get("ean") or ""),
                weight=Decimal(str(item["weight_kg"])) if item.get("weight_kg") is not None else None,
                vat_rate=Decimal(str(item["vat_rate"])) if item.get("vat_rate") is not None else None,
                vat_code=str(item.get("vat_symbol") or ""),
                is_service=item.get("kind") == "service",
            )
        )
    cursor = body.get("next_cursor")
    return records, (str(cursor) if cursor else None)


def status_of_event(event: dict[str, Any]) -> ErpOrderStatusRecord | None:
    """An order's ERP status from one feed event: the kind of the document that appeared (``ZK``,
    ``WZ``, ``FS``, ``PA``) or ``canceled``; None for other events."""
    data = event.get("data") if isinstance(event, dict) else None
    if not isinstance(data, dict):
        return None
    document = data.get("document")
    if not isinstance(document, dict) or not data.get("order_id") or not document.get("number"):
        return None
    kind = event.get("type")
    if kind == "document.canceled" or document.get("status") == "canceled":
        status = "canceled"
    elif kind == "document.issued":
        status = str(document.get("kind") or "").upper()
    else:
        return None
    number = str(document["number"]) if status == "ZK" else ""
    return ErpOrderStatusRecord(
        number=number,
        external_order_no=str(data["order_id"]),
        status=status,
        updated_at=parse_time(event.get("occurred_at")),
    )


def _issued(
    event: Any, kinds: tuple[str, ...], types: tuple[str, ...] = ("document.issued",)
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(data, document) of a ``document.issued`` event (or one of ``types``) for an order, of one of
    ``kinds``."""
    if not isinstance(event, dict) or event.get("type") not in types:
        return None
    data = event.get("data")
    if not isinstance(data, dict) or not data.get("order_id"):
        return None
    document = data.get("document")
    if not isinstance(document, dict) or str(document.get("kind", "")).upper() not in kinds:
        return None
    return (data, document) if document.get("number") else None


def _related_zk(document: dict[str, Any]) -> str:
    for related in document.get("related") or []:
        if isinstance(related, dict) and str(related.get("kind", "")).upper() == "ZK":
            return str(related.get("number") or "")
    return ""


def shipment_of_event(event: Any) -> ErpShipmentRecord | None:
    """A WZ issued for an order as the portal's shipment of the whole order (no lines: the
    contract's WZ releases the whole ZK)."""
    return _document_record(event, ("WZ",), ErpShipmentRecord)


def invoice_of_event(event: Any) -> ErpInvoiceRecord | None:
    """An FS or PA issued for an order as the portal's invoice of the whole order (one sales
    document per order, the contract says); a ``document.updated`` (1.1) brings its KSeF number
    (capability ``documents.ksef``), which Subiekt gets after sending the e-invoice."""
    record = _document_record(event, ("FS", "PA"), ErpInvoiceRecord, types=("document.issued", "document.updated"))
    if record is None:
        return None
    ksef = event["data"]["document"].get("ksef_number")
    return replace(record, e_invoice_number=str(ksef)) if isinstance(ksef, str) and ksef.strip() else record


def _document_record(
    event: Any, kinds: tuple[str, ...], record: type[_Doc], *, types: tuple[str, ...] = ("document.issued",)
) -> _Doc | None:
    issued = _issued(event, kinds, types)
    if issued is None:
        return None
    data, document = issued
    return record(
        external_id=document_key(document),
        number=str(document["number"]),
        order_reference=str(data["order_id"]),
        sales_order_no=_related_zk(document),
        lines=(),
        updated_at=event_time(event),
    )


def stock_event_symbols(event: Any) -> set[str] | None:
    """The product symbols a ``stock.changed`` event names, or None when it names none (the contract
    makes ``symbols`` optional: then the whole stock is to be read)."""
    data = event.get("data") if isinstance(event, dict) else None
    symbols = data.get("symbols") if isinstance(data, dict) else None
    if not isinstance(symbols, list) or not symbols:
        return None
    return {str(symbol) for symbol in symbols if symbol}


def event_time(event: Any) -> dt.datetime | None:
    return parse_time(event.get("occurred_at")) if isinstance(event, dict) else None
