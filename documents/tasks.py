"""django-q2 entry points for documents: load by id, call a service. Nothing else lives here."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model

from orders.models import Order, OrderRefused

from .mail import document_email
from .models import CreditNote, Invoice, Shipment
from .services import invoice_create, shipment_create

logger = logging.getLogger("documents")
MODELS = {"invoice": Invoice, "shipment": Shipment, "credit_note": CreditNote}


def _user(user_id: int | None):
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def invoice_orders(order_ids: list[int], user_id: int | None = None, email: bool = False) -> dict[str, int]:
    """Group invoicing (R3): invoice the rest of each order; one refusal never stops the others."""
    done = refused = 0
    for order in Order.objects.filter(pk__in=order_ids).order_by("pk"):
        try:
            invoice = invoice_create(order=order, user=_user(user_id))
            if email:
                document_email(document=invoice)
            done += 1
        except OrderRefused as exc:
            refused += 1
            logger.warning("Order %s not invoiced: %s", order.number, exc.message)
    return {"invoiced": done, "refused": refused}


def ship_orders(order_ids: list[int], user_id: int | None = None, email: bool = True) -> dict[str, int]:
    """Ship the rest of each order with its packing slip (M3); the buyer gets the on-its-way mail."""
    done = refused = 0
    for order in Order.objects.filter(pk__in=order_ids).order_by("pk"):
        try:
            # The "on its way" mail follows the carrier's booking when there is one (engine).
            shipment_create(order=order, user=_user(user_id), notify_buyer=email)
            done += 1
        except OrderRefused as exc:
            refused += 1
            logger.warning("Order %s not shipped: %s", order.number, exc.message)
    return {"shipped": done, "refused": refused}


def email_documents(kind: str, ids: list[int]) -> dict[str, int]:
    """Group e-mailing (R3): each document to its buyer with its PDF."""
    sent = refused = 0
    for document in MODELS[kind].objects.filter(pk__in=ids).order_by("pk"):
        try:
            document_email(document=document)
            sent += 1
        except OrderRefused as exc:
            refused += 1
            logger.warning("%s not e-mailed: %s", document, exc.message)
    return {"sent": sent, "refused": refused}
