"""Subiekt nexo through a bridge speaking the Koda Plus bridge contract 1.1.0: pure functions
between the portal's records and the contract's payloads.

The contract (MIT) is ``contract/openapi.yaml`` of the Subiekt nexo plugin in
``Koda-Plus/medusa-integrations`` (``packages/medusa-plugin-subiekt-nexo``), with its examples.
What it fixes and what it leaves open, as read:

- Money: JSON numbers in major units of ``currency_code`` (lowercase ISO 4217), gross (VAT
  included), already after discounts; tax rates in percent (``23``).
- An order line: ``quantity`` a whole number (minimum 1); ``unit_price_gross`` the gross unit price
  after discounts rounded to 4 decimals (``total_gross / quantity``); ``discount_gross`` what was
  taken off the line; ``totals.items_gross`` the sum of the lines' ``total_gross``.
- ``display_id`` is an integer (the order number customers see); ``order_id`` (at most 64
  characters) is the key a bridge makes the ZK idempotent by.
- ``buyer`` is sent only with a NIP that passed its checksum; ``create_if_missing`` asks the bridge
  to create a missing contractor (it searches by NIP first).
- Not in the contract: a payment *form* (the bridge maps payments its own way from ``payment``),
  numbering series or document definitions (the bridge's configuration: a missing one comes back
  as ``not_configured`` or ``subiekt_rejected``), contractor search, the shape of ``details`` in an
  error (so an unmatched line is recognised by any of its SKU, EAN or line id found anywhere in it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.records import (
    AddressRecord,
    SalesOrderLineRecord,
    SalesOrderRecord,
)

CONTRACT_VERSION = "1.1.0"
SIGNATURE_HEADER = "X-Koda-Signature"
TOLERANCE = 300  # seconds a signature's timestamp may be off the receiver's clock
CENT = Decimal("0.01")
PRICE = Decimal("0.0001")
HUNDRED = Decimal("100")
# The payment forms a shop's payment method is mapped to (Subiekt's gotówka, przelew, karta,
# kredyt kupiecki), optionally with days to pay: "transfer:14", "credit:30".
PAYMENT_FORMS = ("cash", "transfer", "card", "credit")
# The capabilities of a 1.0 bridge, which does not list them (contract, "Capabilities").
CAPABILITIES_1_0 = frozenset({"orders", "fulfillments", "stock", "events"})


# --- signing ------------------------------------------------------------------------------------


def signature(*, secret: str, timestamp: int, method: str, target: str, body: bytes) -> str:
    """The ``X-Koda-Signature`` value: ``t=<unix seconds>,v1=<hex HMAC-SHA256>`` over
    ``<t>.<METHOD>.<path and query>.<raw body>`` keyed with the shared secret."""
    message = f"{timestamp}.{method.upper()}.{target}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signature_valid(*, header: str, secret: str, method: str, target: str, body: bytes, now: float) -> bool:
    """Whether ``header`` signs this request with ``secret``, at most ``TOLERANCE`` seconds from
    ``now`` (the contract: constant-time comparison, several ``v1`` allowed, unknown schemes
    ignored)."""
    stamp, given = "", []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t":
            stamp = value
        elif key == "v1" and re.fullmatch(r"[0-9a-fA-F]{64}", value):
            given.append(value.lower())
    if not secret or not stamp.isdigit() or not given or abs(now - int(stamp)) > TOLERANCE:
        return False
    expected = signature(secret=secret, timestamp=int(stamp), method=method, target=target, body=body)
    digest = expected.rsplit("=", 1)[1]
    return any(hmac.compare_digest(digest, candidate) for candidate in given)


# --- orders ---------------------------------------------------------------------------------------


def payment_form(code: str) -> tuple[str, int | None] | None:
    """("transfer", 14) for "transfer:14", ("card", None) for "card"; None for anything else."""
    form, _sep, days = code.strip().lower().partition(":")
    if form not in PAYMENT_FORMS or (days and not days.strip().isdigit()):
        return None
    return form, int(days) if days.strip() else None


def display_id(number: str) -> int:
    """The contract's integer order number: the digits of the shop's number (its last run of
    them), 0 when it has none; the full number travels as ``order_id`` and in the note."""
    runs = re.findall(r"\d+", number)
    return int(runs[-1][-15:]) if runs else 0


def order_payload(order: SalesOrderRecord) -> dict[str, Any]:
    """The contract's ``Order`` for a sales order the pipeline built (net lines, VAT per rate)."""
    lines, shipping = gross_lines(order)
    items_gross = sum((line["total_gross"] for line in lines), Decimal("0"))
    discount_gross = sum((line["discount_gross"] for line in lines), Decimal("0"))
    shipping_gross = shipping["price_gross"] if shipping else Decimal("0")
    taxed: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        taxed[line["tax_rate"]] += line["total_gross"]
    if shipping:
        taxed[shipping["tax_rate"]] += shipping_gross
    tax_total = sum((_q2(gross - gross / (1 + rate / HUNDRED)) for rate, gross in taxed.items()), Decimal("0"))
    total = items_gross + shipping_gross
    billing = order.billing or order.delivery
    return _json(
        {
            "order_id": order.external_order_no,
            "display_id": display_id(order.external_order_no),
            "currency_code": order.currency.lower(),
            "placed_at": _iso(order.placed_at)
            or dt.datetime.combine(order.order_date, dt.time(), dt.UTC).isoformat().replace("+00:00", "Z"),
            "email": order.email or None,
            "customer": {
                "id": None,
                "first_name": order.customer_first_name or None,
                "last_name": order.customer_last_name or None,
                "company_name": order.customer_company or None,
                "phone": (billing.phone if billing else "") or None,
            },
            "billing_address": _address(billing),
            "shipping_address": _address(order.delivery or billing),
            "invoice": {
                "requested": bool(order.org_no),
                "tax_id": order.org_no or None,
                "company_name": order.customer_company or None,
            },
            "buyer": _buyer(order, billing),
            "lines": [{**line, "quantity": int(line["quantity"])} for line in lines],
            "shipping": shipping,
            "payment": _payment(order, total),
            "totals": {
                "items_gross": items_gross,
                "shipping_gross": shipping_gross,
                "discount_gross": discount_gross,
                "tax_total": tax_total,
                "total_gross": total,
            },
            "note": order.public_comment or None,
            "metadata": {"internal_note": order.internal_comment} if order.internal_comment else {},
        }
    )


def gross_lines(order: SalesOrderRecord) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The order's item lines in gross after discounts, and its shipping block.

    The pipeline's discount lines (a fixed discount per VAT rate, one taken off after VAT) are
    spread over the items of their VAT rate in proportion to their gross (the contract has no
    discount line: amounts are after discounts); a rounding line, and the cents that per-line
    rounding leaves, go to the largest line, so the lines and the shipping add up to the ERP total
    the pipeline checked against the shop's.
    """
    items = [line for line in order.lines if line.kind == "item"]
    shipping_lines = [line for line in order.lines if line.kind == "shipping"]
    taken = [line for line in order.lines if line.kind == "discount"]
    rows = [_row(line) for line in items]
    for discount in taken:
        off = -_gross(discount.amount, discount.vat_rate)
        same = [row for row in rows if row["tax_rate"] == discount.vat_rate] or rows
        base = sum((row["total_gross"] for row in same), Decimal("0"))
        shares = [_q2(off * row["total_gross"] / base) if base else Decimal("0") for row in same[:-1]]
        shares.append(off - sum(shares, Decimal("0")))
        for row, share in zip(same, shares, strict=True):
            row["total_gross"] -= share
            row["discount_gross"] += share
    shipping: dict[str, Any] | None = None
    shipping_gross = sum((_gross(s.amount, s.vat_rate) for s in shipping_lines), Decimal("0"))
    if shipping_lines:
        shipping = {
            "name": shipping_lines[0].description or None,
            "option_id": None,
            "price_gross": shipping_gross,
            "tax_rate": shipping_lines[0].vat_rate,
            "pickup_point": None,
        }
    if rows:
        target = order.total_incl_vat - shipping_gross
        largest = max(rows, key=lambda row: row["total_gross"])
        largest["total_gross"] += target - sum((row["total_gross"] for row in rows), Decimal("0"))
    for row in rows:
        row["unit_price_gross"] = (row["total_gross"] / row["quantity"]).quantize(PRICE, ROUND_HALF_UP)
    return rows, shipping


def _row(line: SalesOrderLineRecord) -> dict[str, Any]:
    before = _gross(line.unit_price * line.quantity, line.vat_rate)
    after = _gross(line.amount, line.vat_rate)
    return {
        "line_id": line.line_id or line.item_no,
        "sku": line.item_no or line.sku or None,
        "ean": line.ean or None,
        "title": line.description or None,
        "product_title": line.description or None,
        "variant_title": None,
        "quantity": line.quantity,
        "unit_price_gross": Decimal("0"),
        "total_gross": after,
        "discount_gross": before - after,
        "tax_rate": line.vat_rate,
    }


def _buyer(order: SalesOrderRecord, billing: AddressRecord | None) -> dict[str, Any] | None:
    """The contractor block: only with a NIP (the portal checked its checksum); none sends the
    order to the bridge's retail buyer."""
    if not order.customer_no:
        return None
    return {
        "nip": order.customer_no,
        "company_name": order.customer_company or order.customer_name or None,
        "address": _address(billing),
        "email": order.email or None,
        "phone": (billing.phone if billing else "") or None,
        "create_if_missing": order.create_customer,
    }


def _payment(order: SalesOrderRecord, total: Decimal) -> dict[str, Any]:
    """The contract's payment: its status from the form the shop's method is mapped to. A card is
    paid when the order is placed; a transfer or trade credit is awaited (with its days);
    cash is paid on delivery. The shop's own method name goes as ``provider_id``."""
    form, days = payment_form(order.payment_method_code) or ("transfer", None)
    if total <= 0:
        status = "not_required"
    elif form == "card" or (form == "transfer" and order.payment_reference and days is None):
        status = "captured"
    elif form == "cash":
        status = "cash_on_delivery"
    else:
        status = "awaiting"
    labels = {
        "cash": "Cash on delivery",
        "card": "Card",
        "transfer": "Bank transfer" + (f", {days} days" if days else ""),
        "credit": "Trade credit" + (f", {days} days" if days else ""),
    }
    return {
        "status": status,
        "provider_id": order.payment_method_code or None,
        "method": labels[form],
        "amount_paid": total if status == "captured" else Decimal("0"),
        "captured_at": _iso(order.placed_at) if status == "captured" else None,
        "due_days": days if form in ("transfer", "credit") else None,
    }


def _address(address: AddressRecord | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return {
        "first_name": address.first_name or None,
        "last_name": address.last_name or None,
        "company": address.company or None,
        "address_1": address.street or None,
        "address_2": None,
        "postal_code": address.postcode or None,
        "city": address.city or None,
        "province": None,
        "country_code": address.country.lower() or None,
        "phone": address.phone or None,
    }


# --- answers --------------------------------------------------------------------------------------


def document_of(body: Any) -> dict[str, Any] | None:
    """The ``document`` of an OrderResult (or FulfillmentResult, SalesDocumentResult) when it has
    a number, else None (an answer that cannot be trusted)."""
    if not isinstance(body, dict) or not isinstance(body.get("document"), dict):
        return None
    document = body["document"]
    return document if isinstance(document.get("number"), str) and document["number"].strip() else None


def document_key(document: dict[str, Any]) -> str:
    """The portal's key for a bridge document: its kind and Subiekt's opaque id, or its number
    when the bridge gives no id (the same key whether the document came in an answer or the feed)."""
    return f"{str(document['kind']).upper()}:{document.get('id') or document['number']}"


def order_document(body: Any) -> str | None:
    """The ZK number in an OrderStatus (``GET /v1/orders/{id}``): the order's first ZK, oldest
    first as the bridge lists them; None when it has none."""
    documents = body.get("documents") if isinstance(body, dict) else None
    if not isinstance(documents, list):
        raise ValueError("no documents list")
    for document in documents:
        if isinstance(document, dict) and str(document.get("kind", "")).upper() == "ZK" and document.get("number"):
            return str(document["number"])
    return None


def error_of(body: Any) -> tuple[str, str, bool | None, Any]:
    """(code, message, retryable, details) of the contract's error body; ("", "", None, None)
    when the body is not one (a proxy's page, say)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), str):
        return "", "", None, None
    retryable = error.get("retryable")
    return (
        error["code"],
        str(error.get("message") or ""),
        retryable if isinstance(retryable, bool) else None,
        error.get("details"),
    )


def unmatched_skus(details: Any, message: str, lines: list[dict[str, Any]]) -> list[str]:
    """The SKUs of the order's lines an ``unmatched_lines`` refusal names: a line counts when its
    SKU, EAN or line id appears anywhere in the error's details or message (the contract does not
    fix the details' shape)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif value is not None:
            found.add(str(value))

    walk(details)
    named = []
    for line in lines:
        keys = [str(line.get(k)) for k in ("sku", "ean", "line_id") if line.get(k)]
        if any(k in found or re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", message) for k in keys):
            named.append(str(line.get("sku") or line.get("ean") or line.get("line_id")))
    return named


# --- helpers --------------------------------------------------------------------------------------


def _gross(net: Decimal, rate: Decimal) -> Decimal:
    return _q2(net * (1 + rate / HUNDRED))


def _q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _json(value: Any) -> Any:
    """Decimals as JSON numbers (floats of at most 4 decimals: exact for these amounts)."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        whole = isinstance(exponent, int) and exponent >= 0
        return int(value) if whole and value == value.to_integral_value() else float(value)
    return value
