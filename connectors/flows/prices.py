"""Prices (R7): the normal sale price pushed to the shop (the ERP items pull queues it: flows.catalogue)."""

from __future__ import annotations

import logging

from inventory.models import Product

from ..models import (
    AttemptOutcome,
    Transfer,
    TransferKind,
)
from ..records import (
    PriceRecord,
)
from ..services import (
    shop_connector,
)
from ..transfers import (
    AttemptLog,
    handles,
)

logger = logging.getLogger("connectors.engine")


@handles(TransferKind.PRICE)
def price_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Push a product's current sale price (excl. VAT) to the shop (R7); read at send time."""
    product = Product.objects.get(pk=transfer.object_id)
    shop = shop_connector(transfer.connection)
    shop.push_prices([PriceRecord(sku=product.sku, price_excl_vat=product.price_excl_vat)])
    log.request_excerpt = f"{product.sku}={product.price_excl_vat}"
    return AttemptOutcome.SENT, log.request_excerpt
