"""Refunds <-> Nexi Checkout payloads. Pure functions.

Amounts are integers in the currency's minor unit (NOK 125.00 -> 12500); a tax
rate is percent × 100 (25 % -> 2500), as the Payment API documents them.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import get_currency_precision

from connectors.records import RefundRecord


def minor(amount: Decimal, currency: str) -> int:
    """An amount in the currency's minor unit."""
    scale = Decimal(10) ** get_currency_precision(currency)
    return int((amount * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def refund_body(refund: RefundRecord) -> dict[str, Any]:
    """``POST /v1/payments/{paymentId}/refunds``: the amount and, always, the items it is for
    (required for a partial refund; sent for a full one too, so a lookup can recognise it)."""
    items = []
    for line in refund.lines:
        net = minor(line.net_amount, refund.currency)
        tax = minor(line.vat_amount, refund.currency)
        quantity = float(line.quantity)
        items.append(
            {
                "reference": line.reference[:128],
                "name": line.name[:128],
                "quantity": quantity,
                "unit": "pcs",
                "unitPrice": round(net / quantity) if quantity else net,
                "taxRate": int(line.vat_rate * 100),
                "taxAmount": tax,
                "grossTotalAmount": net + tax,
                "netTotalAmount": net,
            }
        )
    return {"amount": minor(refund.amount, refund.currency), "orderItems": items, "myReference": refund.reference[:36]}


def matching_refund(payment: dict[str, Any], refund: RefundRecord, *, taken: set[str]) -> str | None:
    """The refund of ``GET /v1/payments/{id}`` that is this one: same amount and the same items
    (by reference and quantity), not failed or cancelled, not already another credit note's.

    The payment's refund list carries no merchant reference (``myReference`` is
    not echoed there), so amount and items are what identify a refund.
    """
    wanted_amount = minor(refund.amount, refund.currency)
    wanted_items = Counter((line.reference[:128], float(line.quantity)) for line in refund.lines)
    for row in (payment.get("payment") or {}).get("refunds") or []:
        if str(row.get("refundId")) in taken or row.get("state") in ("Failed", "Cancelled", "Expired"):
            continue
        items = Counter((str(i.get("reference")), float(i.get("quantity") or 0)) for i in row.get("orderItems") or [])
        if int(row.get("amount") or 0) == wanted_amount and items == wanted_items:
            return str(row["refundId"])
    return None
