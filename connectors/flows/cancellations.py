"""Cancellations (M1): an order canceled in the portal is canceled in its ERP too, where the ERP
allows it, through its own transfer (exactly once, retried, visible on the order)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from orders.models import Order, OrderState

from ..base import Capability
from ..models import AttemptOutcome, Transfer, TransferKind
from ..services import erp_connector
from ..transfers import AttemptLog, handles, remote_create, transfer_queue


def order_cancel_in_erp(*, order: Order) -> Transfer | None:
    """Queue the ERP's cancellation of a canceled order that reached the ERP, when the ERP can
    cancel (its transfer, so a refusal shows on the order with its hint). Call after commit."""
    integration = getattr(order.shop, "integration", None)
    if order.state != OrderState.CANCELED or not order.erp_order_no or integration is None:
        return None
    if not integration.erp.can(Capability.CANCEL_ORDERS):
        return None
    return transfer_queue(connection=integration.erp, obj=order, kind=TransferKind.ORDER_CANCEL)


@handles(TransferKind.ORDER_CANCEL)
def order_cancel_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Cancel one order in the ERP. The ERP's cancel is idempotent (a second one answers "already
    canceled"), so a repeat after a lost answer is its own lookup."""
    order = Order.objects.select_related("shop").get(pk=transfer.object_id)
    erp = erp_connector(transfer.connection)
    reason = _("Order %(number)s canceled in the portal") % {"number": order.number}
    with remote_create(transfer, guarded=True):
        note = erp.cancel_sales_order(order.erp_order_no, external_order_no=order.number, reason=reason)
    log.request_excerpt = f"cancel {order.erp_order_no}: {note}"[:500]
    return AttemptOutcome.SENT, order.erp_order_no
