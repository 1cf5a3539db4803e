"""Credit notes refunded online through the payment provider that took the payment (M4).

Recipe: a credit note is made with an online refund -> in the same transaction
its refund transfer to the provider handling the order's payment method is
queued (no such provider, or no payment reference: the credit note is refused
with a hint, nothing is written) -> a worker looks the refund up when an
earlier attempt may have reached the provider, else refunds, and keeps the
provider's refund id on the credit note.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver
from django.utils.translation import gettext as _

from documents.models import CreditNote, RefundMode
from documents.signals import document_made
from orders.models import Order, OrderRefused

from ..bindings import bind, ct
from ..models import AttemptOutcome, Connection, ExternalRef, Role, Transfer, TransferKind
from ..records import RefundLineRecord, RefundRecord
from ..selectors import connection_serving
from ..services import payment_connector
from ..transfers import AttemptLog, handles, remote_create, transfer_lookup, transfer_queue

logger = logging.getLogger("connectors.engine")


def refund_provider(order: Order) -> Connection | None:
    """The enabled payment provider connection that handles the order's payment method."""
    return connection_serving(role=Role.PAYMENT, parameter="payment_methods", value=order.payment_method)


@receiver(document_made)
def refund_queue(sender, *, document, **_kwargs) -> Transfer | None:
    """Queue the online refund of a credit note; refuse the credit note when it cannot be refunded online."""
    if not isinstance(document, CreditNote) or document.refund_mode != RefundMode.ONLINE:
        return None
    order = document.invoice.order
    provider = refund_provider(order)
    if provider is None:
        raise OrderRefused(
            _("No payment provider refunds the payment method '%(method)s' online.")
            % {"method": order.payment_method or "—"},
            _("Choose an offline refund, or list the method on a payment provider connection."),
        )
    if not order.payment_reference:
        raise OrderRefused(
            _("Order %(order)s has no payment reference, so its payment cannot be found at %(provider)s.")
            % {"order": order.number, "provider": provider},
            _("Choose an offline refund and refund the payment in the provider's portal."),
        )
    return transfer_queue(connection=provider, obj=document, kind=TransferKind.REFUND)


def refund_record(note: CreditNote) -> RefundRecord:
    order = note.invoice.order
    return RefundRecord(
        payment_id=order.payment_reference,
        currency=note.currency,
        amount=note.gross_total,
        reference=note.number,
        lines=tuple(
            RefundLineRecord(
                reference=line.sku or line.description,
                name=line.description,
                quantity=line.quantity,
                net_amount=line.net_amount,
                vat_amount=line.vat_amount,
                vat_rate=line.vat_rate,
            )
            for line in note.lines.all()
        ),
    )


@handles(TransferKind.REFUND)
def refund_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Refund one credit note exactly once and keep the provider's refund id on it."""
    note = CreditNote.objects.select_related("invoice__order").get(pk=transfer.object_id)
    record = refund_record(note)
    provider = payment_connector(transfer.connection)
    log.request_excerpt = f"refund {record.reference}: {record.amount} {record.currency} on {record.payment_id}"
    taken = set(
        ExternalRef.objects.filter(connection=transfer.connection, content_type=ct(CreditNote))
        .exclude(object_id=note.pk)
        .values_list("external_id", flat=True)
    )
    refund_id = transfer_lookup(transfer, lookup=lambda: provider.find_refund(record, taken=taken))
    outcome = AttemptOutcome.FOUND
    if not refund_id:
        with remote_create(transfer):
            refund_id = provider.refund(record)
        outcome = AttemptOutcome.SENT
    bind(transfer.connection, note, refund_id, None)
    CreditNote.objects.filter(pk=note.pk).update(refund_reference=refund_id)
    return outcome, refund_id
