"""Portal documents -> Magento invoice, shipment and credit memo bodies. Pure functions."""

from __future__ import annotations

from typing import Any

from connectors.records import (
    ShopDocumentRecord,
)

DOCUMENT_COMMENT = "Sync Portal {number}"


def document_comment(number: str) -> str:
    """The comment that carries the portal's number on a Magento invoice, shipment or credit memo.

    Magento's document create calls take no external reference; their comment is
    the one free field that can be read back (``GET /V1/invoices/{id}/comments``),
    so it is how a document whose answer was lost is found again.
    """
    return DOCUMENT_COMMENT.format(number=number)


def document_body(document: ShopDocumentRecord) -> dict[str, Any]:
    """The body of ``POST /V1/order/{id}/invoice|ship|refund`` (or ``/V1/invoice/{id}/refund``).

    Items name the order's own item ids. ``appendComment`` is false: the comment is
    stored on the document, not e-mailed. For a credit memo the freight is always
    stated: without ``shipping_amount`` Magento refunds all the shipping not yet
    refunded, which is not what a credit note for one line means.
    """
    body: dict[str, Any] = {
        "items": [{"order_item_id": int(line_id), "qty": float(qty)} for line_id, qty in document.lines],
        "notify": document.notify,
        "appendComment": False,
        "comment": {"comment": document_comment(document.number), "is_visible_on_front": 0},
    }
    if document.kind == "invoice":
        body["capture"] = document.capture
    elif document.kind == "shipment":
        body["tracks"] = [
            {"track_number": number, "title": title, "carrier_code": code} for number, title, code in document.tracks
        ]
    elif document.kind == "credit_note":
        body["arguments"] = {
            "shipping_amount": float(document.shipping_amount),
            "adjustment_positive": 0,
            "adjustment_negative": 0,
        }
        if document.invoice_id:
            body["isOnline"] = document.online
    return body
