"""Benchmark: ERP calls per transferred order on the happy path (known customer and items).

Runs the real engine against the Visma.net emulator over loopback HTTP, on a
fresh SQLite file database, and prints:
  orders, ERP HTTP calls (by endpoint), calls per order, orders/s, SQL queries per order, peak memory.

    .venv/bin/python bench/erp_calls_per_order.py [ORDERS]
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
TMP = tempfile.mkdtemp(prefix="sync-portal-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{TMP}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync_portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from connectors.flows.mirror import order_upsert  # noqa: E402
from connectors.flows.orders_in import order_mark_for_transfer  # noqa: E402
from connectors.models import Connection, Integration, TransferState  # noqa: E402
from connectors.platforms.visma_net.emulator import VismaEmulator, seed_demo  # noqa: E402
from connectors.records import AddressRecord, CustomerRecord, OrderLineRecord, OrderRecord  # noqa: E402
from connectors.selectors import transfers_due  # noqa: E402
from connectors.transfers import transfer_process  # noqa: E402


def main(count: int) -> None:
    call_command("migrate", verbosity=0)
    visma = VismaEmulator().start()
    seed_demo(visma)
    shop = Connection.objects.create(name="Bench shop", role="shop", platform="magento", base_url="http://127.0.0.1:9/")
    erp = Connection.objects.create(
        name="Bench Visma",
        role="erp",
        platform="visma_net",
        base_url=visma.base_url,
        parameters={"token_url": visma.token_url},
        credentials=visma.credentials,
    )
    integration = Integration.objects.create(
        shop=shop,
        erp=erp,
        transfer_statuses=["processing"],
        default_item_no="ANNEN",
        shipping_item_no="FRAKT",
        default_customer_no="WEB",
        payment_method_map={"klarna": "KLARNA"},
        shipping_method_map={"flat": "POST"},
        vat_map={"25": "HIGH", "15": "MED", "12": "LOW", "0": "ZERO"},
    )
    now = timezone.now()
    for i in range(count):
        record = OrderRecord(
            external_id=str(i + 1),
            number=f"B{i + 1:06d}",
            status="processing",
            placed_at=now - dt.timedelta(seconds=i),
            updated_at=now,
            currency="NOK",
            payment_method="klarna",
            shipping_method="flat",
            customer=CustomerRecord(
                external_id="c1", first_name="Åse", last_name="Ødegård", email="ase@example.no", erp_customer_no="10002"
            ),
            lines=(
                OrderLineRecord(
                    sku="G-B",
                    reference="GENSER-BLA",
                    name="Ullgenser blå",
                    quantity=Decimal("1"),
                    unit_price_excl_vat=Decimal("640"),
                    vat_rate=Decimal("25"),
                ),
                OrderLineRecord(
                    sku="L",
                    reference="LUE-01",
                    name="Strikkelue",
                    quantity=Decimal("2"),
                    unit_price_excl_vat=Decimal("199"),
                    vat_rate=Decimal("25"),
                ),
            ),
            shipping_excl_vat=Decimal("79"),
            shipping_vat_rate=Decimal("25"),
            grand_total=Decimal("1396.25"),
            delivery=AddressRecord(
                first_name="Åse", last_name="Ødegård", street="Storgata 1", city="Oslo", country="NO"
            ),
        )
        order_mark_for_transfer(order=order_upsert(shop=shop, record=record).order, integration=integration)

    due = list(transfers_due(limit=count * 2))
    tracemalloc.start()
    reset_queries()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        states = [transfer_process(transfer_id=pk) for pk in due]
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    visma.stop()

    sent = states.count(TransferState.SENT)
    calls = sum(visma.calls.values())
    print(f"orders transferred:        {sent} of {count}")
    print(f"ERP HTTP calls:            {calls}  {dict(visma.calls)}")
    print(f"ERP calls per order:       {calls / max(sent, 1):.3f}")
    print(f"orders per second:         {sent / elapsed:.1f}  ({elapsed:.2f}s, SQLite, one worker)")
    print(f"SQL queries per order:     {len(queries) / max(sent, 1):.1f}")
    print(f"peak Python memory:        {peak / 1024 / 1024:.1f} MiB")
    print(
        f"orders={count} sent={sent} erp_calls={calls} calls_per_order={calls / max(sent, 1):.3f} "
        f"orders_per_s={sent / elapsed:.1f} sql_per_order={len(queries) / max(sent, 1):.1f} "
        f"peak_mib={peak / 1024 / 1024:.1f}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
