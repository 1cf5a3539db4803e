"""Documents the ERP issues when the portal asks, each through its own transfer (exactly once):

- invoices on request (M2, R1 "an invoice in one click"): for an ERP that issues an order's sales
  document itself (Subiekt's FS, or PA for a private buyer); the document then comes back as the
  order's invoice with the ERP's documents;
- the goods released (M3): an order shipped in the portal has the ERP issue its goods-out note
  (Subiekt's WZ), so the ERP's stock goes down with the parcel that left.
"""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext as _

from documents.models import Shipment, ShipmentLine
from documents.services import shippable
from documents.signals import document_made
from orders.models import Order

from ..base import Capability
from ..bindings import bind, erp_binding
from ..exceptions import RetryableError
from ..models import AttemptOutcome, Transfer, TransferKind
from ..services import erp_connector
from ..transfers import AttemptLog, handles, remote_create, transfer_queue


def orders_sales_document_queue(*, order_ids: list[int]) -> int:
    """Queue the ERP's sales document for each order already in an ERP that issues them; returns
    how many were queued (the others have no ERP order yet or an ERP that cannot)."""
    queued = 0
    for order in (
        Order.objects.filter(pk__in=order_ids).exclude(erp_order_no="").select_related("shop__integration__erp")
    ):
        erp = order.shop.integration.erp
        if erp.can(Capability.SALES_DOCUMENTS):
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


@receiver(document_made)
def goods_release_queue(sender, *, document, made_in_erp: bool = False, **_kwargs) -> Transfer | None:
    """Queue the ERP's goods release for a shipment made in the portal, when the ERP releases goods
    on request. Only the shipment that leaves nothing more to ship asks: the ERPs that do this
    release a whole order at once (Subiekt's contract 1.x), so an earlier partial parcel must not
    take the rest out of the ERP's stock. A shipment the ERP made itself needs nothing."""
    if not isinstance(document, Shipment) or made_in_erp:
        return None
    integration = getattr(document.order.shop, "integration", None)
    if integration is None:
        return None
    if not integration.erp.can(Capability.RELEASE_GOODS):
        return None
    if any(quantity > 0 for quantity in shippable(document.order).values()):
        return None
    return transfer_queue(connection=integration.erp, obj=document, kind=TransferKind.ERP_GOODS_RELEASE)


@handles(TransferKind.ERP_GOODS_RELEASE)
def goods_release_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Have the ERP release the goods of the order this shipment completed, and bind the ERP's
    document to the shipment, so reading it back from the ERP makes no second shipment. The ERP
    releases once per order, so asking again after a lost answer gives the same document."""
    shipment = Shipment.objects.select_related("order").get(pk=transfer.object_id)
    order = shipment.order
    if not order.erp_order_no:
        raise RetryableError(
            _("Order %(number)s is not in the ERP yet.") % {"number": order.number},
            hint=_("The goods are released in the ERP once the order is there."),
            reached_remote=False,
        )
    shipped: dict[str, int] = {}
    for line in ShipmentLine.objects.filter(shipment__order=order).select_related("order_line"):
        # The line ids the order went to the ERP with (pipeline); whole units only, as the ERP counts.
        key = line.order_line.shop_line_id or str(line.order_line.pk)
        shipped[key] = shipped.get(key, 0) + int(line.quantity)
    erp = erp_connector(transfer.connection)
    note = _("Shipment %(shipment)s of web shop order %(number)s") % {
        "shipment": shipment.number,
        "number": order.number,
    }
    with remote_create(transfer, guarded=True):
        key, number = erp.release_goods(
            order.number, shipment_no=shipment.number, lines=tuple(shipped.items()), note=note
        )
    bind(transfer.connection, shipment, key, None)
    log.request_excerpt = f"goods of {order.number} released: {number}"
    return AttemptOutcome.SENT, number
