"""Stock (R7, S10): read from the ERP, pushed to the shop only when it changed."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import Product, ProductStatus, StockLevel, Warehouse

from .. import validation
from ..base import ErpConnector
from ..models import (
    AttemptOutcome,
    Connection,
    Integration,
    SyncCursor,
    SyncRun,
    Transfer,
    TransferKind,
)
from ..pulls import CURSOR_BUFFER, import_one, run_guarded, run_progress
from ..records import (
    StockRecord,
)
from ..services import (
    connection_cycle_heartbeat,
    erp_connector,
    shop_connector,
)
from ..transfers import (
    AttemptLog,
    handles,
    transfer_queue,
)
from .batches import batch_enqueue, batchable

logger = logging.getLogger("connectors.engine")


def erp_sync_stock(*, connection: Connection) -> SyncRun:
    """Read the stock of the mirrored products of the shops this ERP serves; queue a push of the
    products whose quantity changed, and only those (R7, S10).

    Where the ERP tells which items' stock moved since the last read (``stock_changed``: its stock
    documents or moves), only those are read: a cycle costs a few reads plus one per moved item,
    not one per product. Every ``STOCK_FULL_READ_HOURS`` (and the first time) every product is
    read, a reconcile that catches what no document showed.
    """
    erp = erp_connector(connection)
    started = timezone.now()
    moved_since = SyncCursor.objects.filter(connection=connection, stream="stock_moves").first()
    full_since = SyncCursor.objects.filter(connection=connection, stream="stock_full").first()
    reconcile = dt.timedelta(hours=settings.STOCK_FULL_READ_HOURS)

    def body(counts: Counter[str]) -> None:
        moved: set[str] | None = None
        recent_full = full_since is not None and full_since.value and started - full_since.value < reconcile
        if moved_since is not None and moved_since.value and recent_full:
            moved = erp.stock_changed(moved_since.value - CURSOR_BUFFER)
            counts["moved"] = len(moved) if moved is not None else 0
        for integration in Integration.objects.filter(erp=connection, enabled=True).select_related("shop"):
            _stock_of_shop(erp=erp, connection=connection, integration=integration, counts=counts, only=moved)
        SyncCursor.objects.update_or_create(connection=connection, stream="stock_moves", defaults={"value": started})
        if moved is None:
            SyncCursor.objects.update_or_create(connection=connection, stream="stock_full", defaults={"value": started})

    return run_guarded(connection=connection, kind="stock", body=body)


def _stock_of_shop(
    *,
    erp: ErpConnector,
    connection: Connection,
    integration: Integration,
    counts: Counter[str],
    only: set[str] | None = None,
) -> None:
    code = integration.warehouse_code or "MAIN"
    warehouse, _created = Warehouse.objects.get_or_create(code=code, defaults={"name": code})
    products = {
        (p.reference or p.sku): p
        for p in Product.objects.filter(shop=integration.shop, status=ProductStatus.ACTIVE, is_service=False)
    }
    levels = {
        lv.product_id: lv.physical
        for lv in StockLevel.objects.filter(warehouse=warehouse, product__in=products.values())
    }

    def store(record: StockRecord) -> tuple[bool, bool]:
        product = products.get(record.sku)
        if product is None or levels.get(product.pk) == record.quantity:
            return False, False
        StockLevel.objects.update_or_create(
            product=product, warehouse=warehouse, defaults={"physical": record.quantity}
        )
        transfer_queue(connection=integration.shop, obj=product, kind=TransferKind.STOCK, task=not batched)
        return True, True

    batched = batchable(integration.shop, TransferKind.STOCK)
    wanted = sorted(products) if only is None else sorted(set(products) & only)
    counts["total"] += len(wanted)  # the dashboard shows how far the read has come
    if not wanted:
        return  # nothing moved (or nothing to read): no call at all, not an "everything" read
    for record in erp.stock(integration.warehouse_code, items=wanted):
        connection_cycle_heartbeat(connection_id=connection.pk)
        counts["read"] += 1
        run_progress(counts)
        import_one(
            connection,
            "stock",
            record,
            store=store,
            check=validation.check_stock,
            key=lambda r: r.sku,
            label=lambda r: _("stock of %(sku)s") % {"sku": r.sku},
            counts=counts,
        )
    if batched and counts["changed"]:
        batch_enqueue(connection=integration.shop)


@handles(TransferKind.STOCK)
def stock_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Push a product's current main-warehouse quantity to the shop (R7, S10); read at send time."""
    product = Product.objects.select_related("shop__integration").get(pk=transfer.object_id)
    integration = Integration.objects.get(shop_id=product.shop_id)
    code = integration.warehouse_code or "MAIN"
    level = StockLevel.objects.filter(product=product, warehouse__code=code).first()
    quantity = level.physical if level else Decimal("0")
    shop = shop_connector(transfer.connection)
    shop.push_stock([StockRecord(sku=product.sku, quantity=quantity, warehouse=code)])
    log.request_excerpt = f"{product.sku}={quantity}"
    return AttemptOutcome.SENT, f"{product.sku}={quantity}"
