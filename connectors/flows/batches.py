"""Stock and price transfers sent together in the platform's batch call, each settled on its own.

Recipe: stock and price transfers stay one per product (each with its state
and attempts); for a shop whose platform has a batch call, a worker claims the
due ones of that shop, reads each product's current figure, sends them in one
call (the platform splits it at its own limit), and finishes each transfer
from its own sub-result: done, retry later (429, 5xx) or needs attention.
Stock and price are absolute figures: sending one twice changes nothing, so a
lost answer is simply sent again.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import Product, StockLevel

from ..base import Capability
from ..exceptions import batch_item_error
from ..models import AttemptOutcome, Connection, Integration, Transfer, TransferKind, TransferState
from ..records import PriceRecord, StockRecord
from ..selectors import CLAIMABLE
from ..services import enqueue, shop_connector
from ..transfers import AttemptLog, transfer_claim, transfer_fail, transfer_finish

logger = logging.getLogger("connectors.engine")

BATCH_KINDS = (TransferKind.STOCK, TransferKind.PRICE)
MAX_PER_RUN = 2000  # transfers claimed by one run; the platform cuts them into its own batches


def batchable(connection: Connection, kind: str) -> bool:
    """Whether this transfer is sent in the shop's batch call rather than on its own."""
    return kind in BATCH_KINDS and connection.can(Capability.BATCH_PUSH)


_last_enqueued: dict[int, float] = {}


def batch_enqueue(*, connection: Connection) -> None:
    """Queue one batch run for the shop once this transaction commits; at most one a second per
    process (a run takes every due transfer; the minute's tick catches anything left)."""
    now = time.monotonic()
    if now - _last_enqueued.get(connection.pk, -10.0) < 1.0:
        return
    _last_enqueued[connection.pk] = now
    enqueue("connectors.tasks.push_batch", connection.pk)


def batch_push(*, connection: Connection) -> Counter[str]:
    """Send every due stock and price transfer of ``connection`` in its batch call; return counts."""
    now = timezone.now()
    due = list(
        Transfer.objects.filter(
            Q(connection=connection, kind__in=BATCH_KINDS, state__in=CLAIMABLE, next_attempt_at__lte=now)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:MAX_PER_RUN]
    )
    claimed = [t for t in (transfer_claim(transfer_id=pk, now=now) for pk in due) if t is not None]
    counts: Counter[str] = Counter(claimed=len(claimed))
    if not claimed:
        return counts
    products = Product.objects.in_bulk([t.object_id for t in claimed])
    integration = Integration.objects.filter(shop=connection).first()
    warehouse = (integration.warehouse_code if integration else "") or "MAIN"
    physical = dict(
        StockLevel.objects.filter(product_id__in=products, warehouse__code=warehouse).values_list(
            "product_id", "physical"
        )
    )
    stock, prices = [], []
    figures: dict[int, str] = {}  # transfer -> the figure it sends, for its log and remote id
    for transfer in claimed:
        product = products[transfer.object_id]
        if transfer.kind == TransferKind.STOCK:
            quantity = physical.get(product.pk, Decimal(0))
            stock.append(StockRecord(sku=product.sku, quantity=quantity, warehouse=warehouse))
            figures[transfer.pk] = f"{product.sku}={quantity}"
        else:
            prices.append(PriceRecord(sku=product.sku, price_excl_vat=product.price_excl_vat))
            figures[transfer.pk] = f"{product.sku}={product.price_excl_vat}"
    logs = {t.pk: AttemptLog() for t in claimed}
    try:
        outcome = shop_connector(connection).push_stock_and_prices(stock=stock, prices=prices)
    except Exception as call_error:  # the batch call itself failed: every transfer in it learns why
        for transfer in claimed:
            transfer_fail(transfer, logs[transfer.pk], call_error)
        counts["failed"] += len(claimed)
        return counts
    for transfer in claimed:
        product = products[transfer.object_id]
        log = logs[transfer.pk]
        missing = (0, _("The batch answer named no result for this product."))
        status, error = outcome.get((transfer.kind, product.sku), missing)
        figure = figures[transfer.pk]
        log.request_excerpt, log.http_status = figure, status or None
        if not error:
            transfer_finish(
                transfer, log, state=TransferState.SENT, outcome=AttemptOutcome.SENT, remote_id=figure,
                needs_lookup=False, next_attempt_at=timezone.now(),
            )  # fmt: skip
            counts["sent"] += 1
            continue
        refusal = batch_item_error(subject=str(connection), sku=product.sku, status=status, error=error)
        transfer_fail(transfer, log, refusal)
        counts["failed"] += 1
    return counts
