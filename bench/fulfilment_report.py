"""Benchmark: the stock report and the fulfilment allotment at scale.

    .venv/bin/python bench/fulfilment_report.py [PRODUCTS] [LINES]

Builds PRODUCTS products (default 10 000) with a stock level each and LINES open
order lines (default 50 000, five per order) on SQLite, then times one stock
report and one allotment and counts their SQL queries (they must not grow).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='sync-portal-bench-')}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync_portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from connectors.models import Connection  # noqa: E402
from fulfilment.selectors import allot, stock_report  # noqa: E402
from inventory.models import Product, StockLevel, Warehouse  # noqa: E402
from orders.models import Order, OrderLine  # noqa: E402


def main() -> None:
    products_n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    lines_n = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    call_command("migrate", verbosity=0)
    shop = Connection.objects.create(name="Shop", role="shop", platform="magento", base_url="http://127.0.0.1:9/")
    warehouse = Warehouse.objects.create(code="MAIN", name="Main")
    products = Product.objects.bulk_create(
        Product(shop=shop, sku=f"SKU-{i:06d}", name=f"Vare {i}") for i in range(products_n)
    )
    StockLevel.objects.bulk_create(
        StockLevel(product=p, warehouse=warehouse, physical=Decimal(i % 7)) for i, p in enumerate(products)
    )
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(shop=shop, number=f"N{i:07d}", shop_status="processing", placed_at=now, state="processing")
        for i in range(lines_n // 5)
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=orders[i // 5],
            product=products[(i * 7919) % products_n],
            sku="S",
            name="Vare",
            quantity=1 + i % 3,
            unit_price_excl_vat=80,
            vat_rate=25,
        )
        for i in range(lines_n)
    )
    with CaptureQueriesContext(connection) as report_q:
        started = time.perf_counter()
        rows = stock_report()
        report_ms = (time.perf_counter() - started) * 1000
    with CaptureQueriesContext(connection) as allot_q:
        started = time.perf_counter()
        allotment = allot()
        allot_ms = (time.perf_counter() - started) * 1000
    fulfillable = sum(1 for a in allotment.values() if a.fulfillable)
    print(
        f"products={products_n} open_lines={lines_n} report_rows={len(rows)} report_queries={len(report_q)} "
        f"report_ms={report_ms:.0f} orders={len(allotment)} fulfillable={fulfillable} "
        f"allot_queries={len(allot_q)} allot_ms={allot_ms:.0f}"
    )


if __name__ == "__main__":
    main()
