"""Stock read by change (R7, S10, at scale): where the ERP tells which items' stock moved (Visma.net's
stock documents), a cycle reads only those; a daily reconcile reads every item."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.flows.catalogue import shop_pull_products
from connectors.flows.stock import erp_sync_stock
from connectors.models import SyncCursor, Transfer, TransferKind, TransferState
from connectors.platforms.visma_net.connector import STOCK_DOCUMENTS
from inventory.models import Product

pytestmark = pytest.mark.django_db


def summaries(visma) -> int:
    return sum(n for name, n in visma.calls.items() if name.startswith("GET /v1/inventorysummary"))


def test_r7_after_a_first_full_read_a_cycle_reads_only_the_items_whose_stock_moved(demo, visma, settings):
    shop_pull_products(connection=demo.shop)
    stocked = Product.objects.filter(shop=demo.shop, is_service=False, status="active").count()
    an_hour_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000")
    for document in visma.state.stock_documents["inventoryadjustment"]:  # the seeded stock: long booked
        document["lastModifiedDateTime"] = an_hour_ago

    first = erp_sync_stock(connection=demo.erp)
    assert first.status == "ok" and summaries(visma) == stocked  # the first time: every item
    visma.calls.clear()

    visma.set_stock("LUE-01", "MAIN", 17)
    erp_sync_stock(connection=demo.erp)
    assert summaries(visma) == 1  # only the item on a stock document since the last read
    for resource in STOCK_DOCUMENTS:  # one read of each kind of stock document
        assert visma.calls[f"GET /v1/{resource}"] == 1
    lue = Product.objects.get(shop=demo.shop, sku="LUE-01")
    assert lue.stock_levels.get(warehouse__code="MAIN").physical == 17
    pushed = Transfer.objects.filter(kind=TransferKind.STOCK, object_id=lue.pk, state=TransferState.PENDING)
    assert pushed.exists()

    visma.calls.clear()
    erp_sync_stock(connection=demo.erp)  # the same document, still within the cursor's buffer: read again
    assert summaries(visma) == 1
    for document in visma.state.stock_documents["inventoryadjustment"]:
        document["lastModifiedDateTime"] = an_hour_ago
    visma.calls.clear()
    erp_sync_stock(connection=demo.erp)  # nothing moved since
    assert summaries(visma) == 0

    # A day later the reconcile reads every item again.
    SyncCursor.objects.filter(connection=demo.erp, stream="stock_full").update(
        value=dt.datetime.now(dt.UTC) - dt.timedelta(hours=settings.STOCK_FULL_READ_HOURS + 1)
    )
    visma.calls.clear()
    erp_sync_stock(connection=demo.erp)
    assert summaries(visma) == stocked
