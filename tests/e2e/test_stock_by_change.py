"""Stock read by change (R7, S10, at scale): where the ERP tells which items' stock moved (Visma.net's
inventory list filtered on its availability stamp), a cycle reads only those; a daily reconcile reads
every item."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.flows.catalogue import shop_pull_products
from connectors.flows.stock import erp_sync_stock
from connectors.models import SyncCursor, Transfer, TransferKind, TransferState
from connectors.platforms.visma_net.connector import LIST_READ_OVER
from inventory.models import Product

pytestmark = pytest.mark.django_db


def summaries(visma) -> int:
    return sum(n for name, n in visma.calls.items() if name.startswith("GET /v1/inventorysummary"))


def an_hour_ago() -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000")


def test_r7_after_a_first_full_read_a_cycle_reads_only_the_items_whose_stock_moved(demo, visma, settings):
    shop_pull_products(connection=demo.shop)
    stocked = Product.objects.filter(shop=demo.shop, is_service=False, status="active").count()
    assert stocked <= LIST_READ_OVER  # a few items: read one by one the first time
    for number in list(visma.state.items):  # the seeded stock: long booked
        visma.state.availability_modified[number] = an_hour_ago()

    first = erp_sync_stock(connection=demo.erp)
    assert first.status == "ok" and summaries(visma) == stocked  # the first time: every item
    visma.calls.clear()

    visma.set_stock("LUE-01", "MAIN", 17)
    erp_sync_stock(connection=demo.erp)
    # One read of the items whose availability changed, their quantities with it: no item read.
    assert visma.calls["GET /v1/inventory"] == 1 and summaries(visma) == 0
    lue = Product.objects.get(shop=demo.shop, sku="LUE-01")
    assert lue.stock_levels.get(warehouse__code="MAIN").physical == 17
    pushed = Transfer.objects.filter(kind=TransferKind.STOCK, object_id=lue.pk, state=TransferState.PENDING)
    assert pushed.count() == 1

    visma.calls.clear()
    erp_sync_stock(connection=demo.erp)  # the same change, still within the cursor's buffer: read again, unchanged
    assert visma.calls["GET /v1/inventory"] == 1 and pushed.count() == 1
    visma.state.availability_modified["LUE-01"] = an_hour_ago()
    visma.calls.clear()
    erp_sync_stock(connection=demo.erp)  # nothing moved since
    assert visma.calls["GET /v1/inventory"] == 1 and summaries(visma) == 0

    # A day later the reconcile reads every item again.
    SyncCursor.objects.filter(connection=demo.erp, stream="stock_full").update(
        value=dt.datetime.now(dt.UTC) - dt.timedelta(hours=settings.STOCK_FULL_READ_HOURS + 1)
    )
    visma.calls.clear()
    erp_sync_stock(connection=demo.erp)
    assert summaries(visma) == stocked


@pytest.mark.parametrize("shape", ["plain", "object", "on_hand_only"])
def test_r7_a_reconcile_of_many_items_pages_through_the_inventory_list_not_one_call_each(demo, visma, shape):
    visma.warehouse_details = shape
    numbers = [f"BULK-{n:03d}" for n in range(250)]
    for n, number in enumerate(numbers):
        visma.add_item(number, number, "10")
        visma.set_stock(number, "MAIN", n % 7)
        Product.objects.create(shop=demo.shop, sku=number, reference=number, name=number)

    run = erp_sync_stock(connection=demo.erp)
    assert run.status == "ok", run.error
    assert summaries(visma) == 0
    pages = -(-len(visma.state.items) // 100)  # 100 items a page (the emulator's maxPageSize)
    assert visma.calls["GET /v1/inventory"] == pages
    levels = dict(Product.objects.filter(shop=demo.shop, sku__in=numbers).values_list("sku", "stock_levels__physical"))
    assert all(levels[number] == n % 7 for n, number in enumerate(numbers))
