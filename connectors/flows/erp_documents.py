"""Invoices issued in the ERP on request (M2, R1 "an invoice in one click"): for an ERP that issues
an order's sales document itself (Subiekt's FS, or PA for a private buyer), the portal asks for it
through a transfer; the document then comes back as the order's invoice with the ERP's documents."""

from __future__ import annotations

from django.utils.translation import gettext as _

from orders.models import Order

from ..base import Capability
from ..bindings import erp_binding
from ..models import AttemptOutcome, Transfer, TransferKind
from ..services import erp_connector
from ..transfers import AttemptLog, handles, remote_create, transfer_queue


def orders_sales_document_queue(*, order_ids: list[int]) -> int:
    """Queue the ERP's sales document for each order already in an ERP that issues them; returns
    how many were queued (the others have no ERP order yet or an ERP that cannot)."""
    from .. import registry

    queued = 0
    for order in (
        Order.objects.filter(pk__in=order_ids).exclude(erp_order_no="").select_related("shop__integration__erp")
    ):
        erp = order.shop.integration.erp
        if Capability.SALES_DOCUMENTS in registry.get(erp.platform).capabilities:
            transfer_queue(connection=erp, obj=order, kind=TransferKind.ERP_SALES_DOCUMENT)
            queued += 1
    return queued


@handles(TransferKind.ERP_SALES_DOCUMENT)
def sales_document_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Ask the ERP for the order's invoice (its buyer is one of the ERP's customers: a company by
    its tax id) or receipt (the order went to the ERP's retail buyer). The ERP issues one per
    order, so asking again after a lost answer gives the same document."""
    order = Order.objects.select_related("customer").get(pk=transfer.object_id)
    receipt = order.customer is None or not erp_binding(order.customer, transfer.connection)
    erp = erp_connector(transfer.connection)
    note = _("Web shop order %(number)s") % {"number": order.number}
    with remote_create(transfer, guarded=True):
        number = erp.issue_sales_document(order.number, receipt=receipt, display_note=note)
    log.request_excerpt = f"{'receipt' if receipt else 'invoice'} for {order.number}"
    return AttemptOutcome.SENT, number
