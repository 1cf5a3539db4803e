"""E-mailing documents to the buyer with the PDF attached (R1, R3, M3), in the order's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orders.models import OrderRefused

from .models import CreditNote, Invoice, InvoiceState, Shipment
from .pdf import Document, document_filename, document_language, document_pdf


def document_email(*, document: Document, to: str = "") -> None:
    """Send the document to the buyer (or ``to``) with its PDF; remember when.

    Refused with a hint when there is nowhere to send it or the invoice is a draft.
    """
    order = document.order
    recipient = to or order.email or (order.customer.email if order.customer_id else "")
    if not recipient:
        raise OrderRefused(
            _("Order %(order)s has no e-mail address to send %(document)s to.")
            % {"order": order.number, "document": document},
            _("Add the buyer's e-mail address to the order or the customer card."),
        )
    if isinstance(document, Invoice) and document.state == InvoiceState.DRAFT:
        raise OrderRefused(_("A draft invoice is not sent."), _("Issue the invoice first."))
    kind = {Invoice: "invoice", CreditNote: "credit_note", Shipment: "shipment"}[type(document)]
    context = {"document": document, "order": order, "kind": kind, "seller": order.shop.name}
    with translation.override(document_language(document)):
        subject = render_to_string("documents/email_subject.txt", context).strip()
        body = render_to_string("documents/email_body.txt", context)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
    )
    message.attach(document_filename(document), document_pdf(document), "application/pdf")
    message.send()
    with transaction.atomic():
        type(document).objects.filter(pk=document.pk).update(emailed_at=timezone.now())
