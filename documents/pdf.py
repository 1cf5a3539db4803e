"""PDFs of invoices, packing slips and credit notes, from HTML templates with WeasyPrint (M2-M4, R1).

A document is printed in its order's language when the portal speaks it, with
amounts in that locale's format, so a Polish buyer gets "1 234,50 zł".
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from .models import CreditNote, Invoice, Shipment

Document = Invoice | CreditNote | Shipment
LOCALES = {"nb": "nb_NO", "no": "nb_NO", "sv": "sv_SE", "pl": "pl_PL", "hu": "hu_HU", "en": "en_GB"}


def document_language(document: Document) -> str:
    """The order's language when the portal has it, else the portal's default."""
    wanted = (document.order.language or "").split("_")[0].split("-")[0].lower()
    wanted = "nb" if wanted == "no" else wanted
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _money(currency: str, locale: str):
    return lambda value: format_currency(Decimal(value), currency, locale=locale)


def document_html(document: Document) -> str:
    """The document as HTML in its language (also what the PDF is made from)."""
    language = document_language(document)
    locale = LOCALES.get(language, "en_GB")
    order = document.order
    kind = {Invoice: "invoice", CreditNote: "credit_note", Shipment: "packing_slip"}[type(document)]
    currency = order.currency
    money = _money(currency, locale)
    lines = [
        {
            "description": line.description if kind != "packing_slip" else line.order_line.name,
            "sku": line.sku if kind != "packing_slip" else line.order_line.sku,
            "quantity": format_decimal(line.quantity.normalize(), locale=locale),
            "vat_rate": format_decimal(getattr(line, "vat_rate", Decimal(0)).normalize(), locale=locale),
            "net": money(line.net_amount) if kind != "packing_slip" else "",
        }
        for line in document.lines.select_related("order_line")
    ]
    context = {
        "kind": kind,
        "document": document,
        "order": order,
        "seller": order.shop.document_header or order.shop.name,
        "billing": order.addresses.filter(kind="billing").first(),
        "delivery": order.addresses.filter(kind="delivery").first(),
        "lines": lines,
        "totals": None
        if kind == "packing_slip"
        else {
            "net": money(document.net_total),
            "vat": money(document.vat_total),
            "gross": money(document.gross_total),
        },
    }
    with translation.override(language):
        return render_to_string("documents/document.html", context)


def document_pdf(document: Document) -> bytes:
    """The document as a PDF (bytes)."""
    return HTML(string=document_html(document)).write_pdf()


def document_filename(document: Document) -> str:
    return f"{document.number or 'draft'}.pdf".replace("/", "-")
