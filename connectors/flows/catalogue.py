"""The catalogue (S1, S4-S6): products pulled from the shop into the mirror."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from .. import validation
from ..base import ShopConnector
from ..models import (
    Connection,
    SyncRun,
)
from ..pulls import pull_stream
from ..services import (
    connector_for,
)
from .mirror import product_upsert

logger = logging.getLogger("connectors.engine")


def shop_pull_products(*, connection: Connection) -> SyncRun:
    """Import products changed since the cursor (S1)."""
    shop: ShopConnector = connector_for(connection)  # type: ignore[assignment]
    return pull_stream(
        connection=connection,
        stream="products",
        pull=shop.pull_products,
        store=lambda r: (product_upsert(shop=connection, record=r), False),
        stamp=lambda r: r.updated_at,
        check=validation.check_product,
        label=lambda r: _("product %(sku)s") % {"sku": r.sku},
    )
