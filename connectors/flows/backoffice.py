"""The portal as a shop's back office (seed 003): its invoices take stock, its stock goes to the shop.

A shop paired with the "Portal back office" platform has no ERP outside the
portal. Its orders become the portal's order documents (``platforms.portal``);
what an ERP's stock cycle would report is instead known here at the moment it
happens. Recipe:

1. An invoice made in the portal takes its lines' quantities from the shop's
   warehouse (open, uninvoiced lines are what is reserved, so free stock does
   not move twice).
2. Any change of a stock level in that warehouse (a person correcting it, goods
   received, an invoice) queues the product's stock push to the shop, sent in
   the shop's batch call where it has one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from decimal import Decimal

from django.db.models.signals import post_save
from django.dispatch import receiver

from documents.models import Invoice
from documents.signals import document_made
from inventory.models import Product, StockLevel, Warehouse
from inventory.services import stock_levels_adjust

from ..models import Connection, Integration, TransferKind
from ..transfers import transfer_queue
from .batches import batch_enqueue, batchable

logger = logging.getLogger("connectors.engine")

PLATFORM = "portal"  # connectors.platforms.portal.connector.PortalBackOffice.key


def backoffice_integration(*, shop_id: int) -> Integration | None:
    """The shop's integration when the portal is its back office, else None."""
    return Integration.objects.filter(shop_id=shop_id, erp__platform=PLATFORM).select_related("shop").first()


@receiver(document_made)
def backoffice_invoice_takes_stock(sender, *, document, **_kwargs) -> list[int]:
    """An invoice of a back-office shop takes its goods from the shop's warehouse; the stock of
    each product it touched goes to the shop. Runs in the invoice's transaction."""
    if not isinstance(document, Invoice):
        return []
    integration = backoffice_integration(shop_id=document.order.shop_id)
    if integration is None:
        return []
    code = integration.warehouse_code or "MAIN"
    warehouse = Warehouse.objects.get_or_create(code=code, defaults={"name": code})[0]
    deltas: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for line in document.lines.select_related("order_line__product"):
        order_line = line.order_line
        if order_line is None or order_line.product is None or order_line.is_service or order_line.product.is_service:
            continue
        deltas[(order_line.product.pk, warehouse.pk)] -= line.quantity
    changed = stock_levels_adjust(deltas=deltas)
    backoffice_queue_stock(shop=integration.shop, product_ids=changed)
    return changed


@receiver(post_save, sender=StockLevel)
def backoffice_stock_level_saved(sender, *, instance: StockLevel, **_kwargs) -> None:
    """A stock level saved by a person (or any code that saves the row) in a back-office shop's
    warehouse: its new figure goes to the shop."""
    # One query for any saved level (the ERP's stock cycle saves many): the warehouse's code is
    # matched in SQL rather than loaded.
    code = Warehouse.objects.filter(pk=instance.warehouse_id).values("code")
    integration = (
        Integration.objects.filter(shop__products=instance.product_id, erp__platform=PLATFORM, warehouse_code__in=code)
        .select_related("shop")
        .first()
    )
    if integration is not None:
        backoffice_queue_stock(shop=integration.shop, product_ids=[instance.product_id])


def backoffice_queue_stock(*, shop: Connection, product_ids: list[int]) -> int:
    """Queue the stock push of these products to the shop (batched where the shop has a batch call)."""
    batched = batchable(shop, TransferKind.STOCK)
    products = list(Product.objects.filter(pk__in=product_ids, shop=shop, is_service=False))
    for product in products:
        transfer_queue(connection=shop, obj=product, kind=TransferKind.STOCK, task=not batched)
    if batched and products:
        batch_enqueue(connection=shop)
    logger.info("%s: stock of %d product(s) queued from the back office", shop, len(products))
    return len(products)
