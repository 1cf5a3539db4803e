"""Statuses (S2, S11, V4, S9): ERP order statuses mapped back to the shop, and the ERP number written back."""

from __future__ import annotations

import logging

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from orders.models import Order

from ..bindings import ct
from ..models import (
    AttemptOutcome,
    Connection,
    ExternalRef,
    SyncRun,
    Transfer,
    TransferKind,
)
from ..pulls import pull_stream
from ..records import (
    ErpOrderStatusRecord,
)
from ..services import (
    erp_connector,
    shop_connector,
)
from ..transfers import (
    AttemptLog,
    handles,
    remote_create,
    transfer_lookup,
    transfer_queue,
)
from .orders_out import order_number_reported

logger = logging.getLogger("connectors.engine")


def erp_pull_statuses(*, connection: Connection) -> SyncRun:
    """Read ERP order statuses changed since the cursor; queue a status push where the
    mapped shop status differs (S2, S11)."""
    erp = erp_connector(connection)

    def store(record: ErpOrderStatusRecord) -> tuple[bool, bool]:
        orders = Order.objects.select_related("shop__integration").filter(shop__integration__erp=connection)
        if record.number:
            order = orders.filter(erp_order_no=record.number).first()
        else:  # a document of the order other than the order itself (Subiekt's WZ, FS): by the shop's number
            order = orders.filter(number=record.external_order_no).exclude(erp_order_no="").first()
        if order is None and record.external_order_no and record.number:
            order = order_number_reported(
                erp=connection, external_order_no=record.external_order_no, number=record.number
            )
        if order is None or order.erp_status == record.status:
            return False, False
        order.erp_status = record.status
        order.save(update_fields=["erp_status", "updated_at"])
        wanted = order.shop.integration.status_map.get(record.status)
        if not wanted or wanted == order.shop_status:
            return True, False
        transfer_queue(connection=order.shop, obj=order, kind=TransferKind.ORDER_STATUS)
        return True, True

    return pull_stream(
        connection=connection,
        stream="order_statuses",
        pull=erp.order_statuses,
        store=store,
        stamp=lambda r: r.updated_at,
        key=lambda r: r.number,
        label=lambda r: _("ERP order %(number)s") % {"number": r.number},
    )


@handles(TransferKind.ORDER_STATUS)
def order_status_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Write the ERP order number (and the mapped status, S11) back to the shop (V4, S9)."""
    # The order with its shop, integration and its id in the shop, in one query.
    order = (
        Order.objects.select_related("shop__integration")
        .annotate(
            shop_external_id=Subquery(
                ExternalRef.objects.filter(
                    connection=OuterRef("shop"), content_type=ct(Order), object_id=OuterRef("pk")
                ).values("external_id")[:1]
            )
        )
        .get(pk=transfer.object_id)
    )
    external_id: str = order.shop_external_id
    if external_id is None:
        raise ExternalRef.DoesNotExist(f"Order {order.number} is not bound to its shop {order.shop}.")
    shop = shop_connector(order.shop)
    wanted = order.shop.integration.status_map.get(order.erp_status) if order.erp_status else None
    comment = f"ERP order {order.erp_order_no}" if order.erp_order_no else ""
    if wanted:
        comment = f"{comment} ({order.erp_status})".strip()
    # A status comment is created in the shop: a lost answer is settled by reading the order's history.
    already = transfer_lookup(
        transfer,
        lookup=lambda: comment if shop.order_status_pushed(external_id, status=wanted, comment=comment) else None,
    )
    if not already:
        with remote_create(transfer):
            shop.push_order_status(external_id, status=wanted, comment=comment)
    if wanted:
        Order.objects.filter(pk=order.pk).update(shop_status=wanted)
    return AttemptOutcome.SENT, order.erp_order_no
