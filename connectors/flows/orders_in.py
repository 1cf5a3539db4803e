"""Orders in (R1, S1, V1): pull the shop's changed orders and queue those at a transfer status."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from orders.models import Order

from .. import validation
from ..base import ShopConnector
from ..models import (
    Connection,
    Integration,
    SyncRun,
    Transfer,
    TransferKind,
)
from ..pulls import pull_stream
from ..records import (
    OrderRecord,
)
from ..services import (
    connector_for,
)
from ..transfers import (
    transfer_queue,
)
from .mirror import order_upsert

logger = logging.getLogger("connectors.engine")


def order_mark_for_transfer(*, order: Order, integration: Integration) -> Transfer | None:
    """Create the sales-order transfer when the order reached a transfer status (V1)."""
    if not integration.enabled or order.shop_status not in integration.transfer_statuses:
        return None
    return transfer_queue(connection=integration.erp, obj=order, kind=TransferKind.SALES_ORDER)


# --- cycles ---------------------------------------------------------------------


def shop_pull_orders(*, connection: Connection) -> SyncRun:
    """Import orders changed since the cursor; queue the ones due for transfer (R1, S1)."""
    integration = Integration.objects.filter(shop=connection).select_related("erp").first()
    shop: ShopConnector = connector_for(connection)  # type: ignore[assignment]

    def store(record: OrderRecord) -> tuple[bool, bool]:
        result = order_upsert(shop=connection, record=record)
        queued = integration is not None and order_mark_for_transfer(order=result.order, integration=integration)
        return result.changed, bool(queued)

    return pull_stream(
        connection=connection,
        stream="orders",
        pull=shop.pull_orders,
        store=store,
        stamp=lambda r: r.updated_at or r.placed_at,
        check=validation.check_order,
        label=lambda r: _("order %(number)s") % {"number": r.number},
    )
