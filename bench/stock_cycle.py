"""Benchmark: what one stock cycle costs when 1 % of a large catalogue changed.

    .venv/bin/python bench/stock_cycle.py [SKUS] [CHANGED_PERCENT]   (BENCH_DATABASE_URL optional)

A Visma.net emulator (the ERP) holds SKUS items with stock in warehouse MAIN; a ShopRenter emulator
(the shop, stock in ``/batch`` calls of up to 200) has the same products, mirrored in the portal.
A first cycle reads every item (the reconcile: the inventory list with its warehouse details, 100
items a page). Then CHANGED_PERCENT (default 1) of the items get a new quantity in the ERP, and one
more cycle runs: its ERP reads (the items whose availability changed since the last read, with their
quantities) and its shop writes (batch calls) are counted. Ends with one line of figures.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from decimal import Decimal

from _env import fresh_database, setup  # noqa: E402

DATABASE = setup()


from connectors.flows.batches import batch_push  # noqa: E402
from connectors.flows.stock import erp_sync_stock  # noqa: E402
from connectors.models import Connection, Integration, Transfer, TransferKind, TransferState  # noqa: E402
from connectors.platforms.shoprenter.emulator import ShopRenterEmulator  # noqa: E402
from connectors.platforms.visma_net.emulator import VismaEmulator  # noqa: E402
from inventory.models import Product  # noqa: E402


def erp_reads(visma: VismaEmulator) -> int:
    return sum(n for name, n in visma.calls.items() if name.startswith("GET ") and "token" not in name)


def main(skus: int, percent: float) -> None:
    fresh_database()
    visma = VismaEmulator().start()
    shoprenter = ShopRenterEmulator(rate_per_second=1000).start()
    numbers = [f"SKU-{n:06d}" for n in range(skus)]
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S.000")
    for n, number in enumerate(numbers):  # a catalogue whose items and stock were booked long ago
        visma.add_item(number, f"Vare {n}", "100")["lastModifiedDateTime"] = long_ago
        visma.state.stock[(number, "MAIN")] = Decimal(n % 50)
        shoprenter.add_product(number, f"Vare {n}", "100", stock=n % 50)
    shop = Connection.objects.create(
        name="Bench ShopRenter", role="shop", platform="shoprenter", base_url=shoprenter.base_url,
        parameters={"token_url": shoprenter.token_url, "stock_slots": {"MAIN": "stock1"}},
        credentials={"client_id": shoprenter.client_id, "client_secret": shoprenter.client_secret},
    )  # fmt: skip
    erp = Connection.objects.create(
        name="Bench Visma", role="erp", platform="visma_net", base_url=visma.base_url,
        parameters={"token_url": visma.token_url}, credentials=visma.credentials,
    )  # fmt: skip
    Integration.objects.create(shop=shop, erp=erp, warehouse_code="MAIN")
    Product.objects.bulk_create(
        Product(shop=shop, sku=number, reference=number, name=f"Vare {n}") for n, number in enumerate(numbers)
    )

    started = time.perf_counter()
    erp_sync_stock(connection=erp)  # the first read: every item (the reconcile)
    batch_push(connection=shop)
    first_seconds = time.perf_counter() - started
    first_reads = erp_reads(visma)
    Transfer.objects.filter(kind=TransferKind.STOCK).update(state=TransferState.SENT)

    changed = numbers[:: max(1, round(100 / percent))]
    for number in changed:
        visma.set_stock(number, "MAIN", 1000)
    visma.calls.clear()
    shoprenter.calls.clear()
    started = time.perf_counter()
    run = erp_sync_stock(connection=erp)
    batch_push(connection=shop)
    seconds = time.perf_counter() - started
    reads = erp_reads(visma)
    writes = sum(n for name, n in shoprenter.calls.items() if name.startswith(("POST", "PUT")) and "token" not in name)
    sent = Transfer.objects.filter(kind=TransferKind.STOCK, state=TransferState.SENT).count()
    right = sum(1 for number in changed if shoprenter.state.products[number]["stock1"] == "1000")
    visma.stop()
    shoprenter.stop()
    if run.error:
        print(f"the stock run failed: {run.error}")
    print(
        f"skus={skus} changed={len(changed)} first_cycle_erp_reads={first_reads} first_cycle_s={first_seconds:.0f} "
        f"erp_reads={reads} shop_writes={writes} shop_batch_limit=200 stock_right_in_shop={right} "
        f"transfers_sent={sent} cycle_s={seconds:.1f}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, float(sys.argv[2]) if len(sys.argv) > 2 else 1.0)
