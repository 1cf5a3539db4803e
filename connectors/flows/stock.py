"""Stock (R7, S10): read from the ERP, pushed to the shop only when it changed."""

from __future__ import annotations

import logging
from collections import Counter
from decimal import Decimal

from django.utils.translation import gettext as _

from inventory.models import Product, ProductStatus, StockLevel, Warehouse

from .. import validation
from ..base import ErpConnector
from ..models import (
    AttemptOutcome,
    Connection,
    Integration,
    SyncRun,
    Transfer,
    TransferKind,
)
from ..pulls import import_one, run_guarded, run_progress
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
    """Read stock of every mirrored product of the shops this ERP serves; queue a push of
    the products whose quantity changed, and only those (R7, S10)."""
    erp = erp_connector(connection)

    def body(counts: Counter[str]) -> None:
        for integration in Integration.objects.filter(erp=connection, enabled=True).select_related("shop"):
            _stock_of_shop(erp=erp, connection=connection, integration=integration, counts=counts)

    return run_guarded(connection=connection, kind="stock", body=body)


def _stock_of_shop(
    *, erp: ErpConnector, connection: Connection, integration: Integration, counts: Counter[str]
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
    counts["total"] += len(products)  # the dashboard shows how far the read has come
    for record in erp.stock(integration.warehouse_code, items=sorted(products)):
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
