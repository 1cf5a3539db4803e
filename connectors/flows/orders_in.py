"""Orders in (R1, S1, V1): pull the shop's changed orders and queue those at a transfer status."""

from __future__ import annotations

import logging

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order

from .. import validation
from ..models import (
    Connection,
    Integration,
    ShopCode,
    ShopCodeKind,
    SyncRun,
    Transfer,
    TransferKind,
)
from ..pulls import pull_stream, run_guarded
from ..records import (
    OrderRecord,
)
from ..services import (
    shop_connector,
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


def shop_codes_seen(*, shop: Connection, record: OrderRecord) -> None:
    """Count the payment method, shipping method and discount codes a new order used (R4)."""
    seen = [(ShopCodeKind.PAYMENT, record.payment_method), (ShopCodeKind.SHIPPING, record.shipping_method)]
    seen += [(ShopCodeKind.COUPON, d.code) for d in record.discounts]
    now = timezone.now()
    for kind, code in seen:
        if not code:
            continue
        updated = ShopCode.objects.filter(connection=shop, kind=kind, code=code[:120]).update(
            times_seen=F("times_seen") + 1, last_seen_at=now
        )
        if not updated:
            ShopCode.objects.get_or_create(
                connection=shop, kind=kind, code=code[:120], defaults={"times_seen": 1, "last_seen_at": now}
            )


def shop_pull_codes(*, connection: Connection) -> SyncRun:
    """The shop's own list of discount codes, where its platform has one (R4)."""
    shop = shop_connector(connection)

    def body(counts) -> None:
        for code, title in shop.pull_discount_codes():
            counts["seen"] += 1
            _obj, created = ShopCode.objects.update_or_create(
                connection=connection, kind=ShopCodeKind.COUPON, code=code[:120], defaults={"title": title[:200]}
            )
            counts["changed"] += created

    return run_guarded(connection=connection, kind="codes", body=body)


# --- cycles ---------------------------------------------------------------------


def shop_pull_orders(*, connection: Connection) -> SyncRun:
    """Import orders changed since the cursor; queue the ones due for transfer (R1, S1)."""
    integration = Integration.objects.filter(shop=connection).select_related("erp").first()
    shop = shop_connector(connection)

    def store(record: OrderRecord) -> tuple[bool, bool]:
        result = order_upsert(shop=connection, record=record)
        if result.created:
            shop_codes_seen(shop=connection, record=record)
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
