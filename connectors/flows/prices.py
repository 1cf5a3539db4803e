"""Prices (R7): sale prices changed in the ERP pushed to the shops selling the item."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from inventory.models import Product

from ..base import ErpConnector, ShopConnector
from ..models import (
    AttemptOutcome,
    Connection,
    Integration,
    SyncRun,
    Transfer,
    TransferKind,
)
from ..pulls import pull_stream
from ..records import (
    ItemRecord,
    PriceRecord,
)
from ..services import (
    connector_for,
)
from ..transfers import (
    AttemptLog,
    handles,
    transfer_queue,
)

logger = logging.getLogger("connectors.engine")


def erp_pull_prices(*, connection: Connection) -> SyncRun:
    """Items changed in the ERP since the cursor: a new sale price goes to each shop
    selling the item, and only when it differs from the mirror (R7, S5)."""
    erp: ErpConnector = connector_for(connection)  # type: ignore[assignment]
    shops = [i.shop for i in Integration.objects.filter(erp=connection, enabled=True).select_related("shop")]

    def store(item: ItemRecord) -> tuple[bool, bool]:
        if item.price_excl_vat is None:
            return False, False
        changed = False
        for product in Product.objects.filter(shop__in=shops).filter(Q(reference=item.number) | Q(sku=item.number)):
            if product.price_excl_vat == item.price_excl_vat:
                continue
            with transaction.atomic():
                Product.objects.filter(pk=product.pk).update(price_excl_vat=item.price_excl_vat)
                transfer_queue(connection=product.shop, obj=product, kind=TransferKind.PRICE)
            changed = True
        return changed, changed

    return pull_stream(
        connection=connection,
        stream="items",
        pull=erp.changed_items,
        store=store,
        stamp=lambda r: r.updated_at,
        key=lambda r: r.number,
        label=lambda r: _("item %(number)s") % {"number": r.number},
    )


@handles(TransferKind.PRICE)
def price_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Push a product's current sale price (excl. VAT) to the shop (R7); read at send time."""
    product = Product.objects.get(pk=transfer.object_id)
    shop: ShopConnector = connector_for(transfer.connection)  # type: ignore[assignment]
    shop.push_prices([PriceRecord(sku=product.sku, price_excl_vat=product.price_excl_vat)])
    log.request_excerpt = f"{product.sku}={product.price_excl_vat}"
    return AttemptOutcome.SENT, log.request_excerpt
