"""Benchmark: SQL queries and time per page of the order list (admin and REST API) as the data grows.

    .venv/bin/python bench/queries_per_page.py [ORDERS]

Prints, for 1 000-order steps up to ORDERS (default 3 000), the queries and
milliseconds of one admin changelist page (200 rows) and one API page (200 rows).
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

from django.contrib.auth.models import User  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from connectors.models import Connection, Transfer, TransferState  # noqa: E402
from orders.models import Order, OrderLine  # noqa: E402
from sync_portal.models import UserAPIKey  # noqa: E402

STATES = [TransferState.SENT, TransferState.NEEDS_ATTENTION, TransferState.PENDING, TransferState.CONFLICT]


def add_orders(shop: Connection, erp: Connection, start: int, count: int) -> None:
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(shop=shop, number=f"N{i:07d}", shop_status="processing", placed_at=now, grand_total=Decimal("100"))
        for i in range(start, start + count)
    )
    OrderLine.objects.bulk_create(
        OrderLine(order=o, sku="S", name="Vare", quantity=1, unit_price_excl_vat=80, vat_rate=25) for o in orders
    )
    ct = ContentType.objects.get_for_model(Order)
    Transfer.objects.bulk_create(
        Transfer(
            connection=erp,
            kind="sales_order",
            content_type=ct,
            object_id=o.pk,
            state=STATES[i % 4],
            last_error="Item X not found" if i % 4 == 1 else "",
        )
        for i, o in enumerate(orders)
    )


def measure(client: Client, url: str, **headers: str) -> tuple[int, float]:
    client.get(url, **headers)  # warm caches (permissions, content types)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url, **headers)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.status_code
    return len(queries), elapsed


def main(total: int) -> None:
    call_command("migrate", verbosity=0)
    shop = Connection.objects.create(name="Shop", role="shop", platform="magento", base_url="http://127.0.0.1:9/")
    erp = Connection.objects.create(name="ERP", role="erp", platform="visma_net", base_url="http://127.0.0.1:9/")
    admin = User.objects.create_superuser("bench", password="x")
    _, key = UserAPIKey.objects.create_key(name="bench", user=admin)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)
    api = Client(HTTP_HOST="127.0.0.1")
    print(f"{'orders':>7} {'admin queries':>14} {'admin ms':>9} {'api queries':>12} {'api ms':>7}")
    done = 0
    while done < total:
        add_orders(shop, erp, done, 1000)
        done += 1000
        admin_q, admin_ms = measure(client, "/admin/orders/order/")
        api_q, api_ms = measure(api, "/api/orders/?page_size=200", HTTP_AUTHORIZATION=f"Api-Key {key}")
        print(f"{done:>7} {admin_q:>14} {admin_ms:>9.0f} {api_q:>12} {api_ms:>7.0f}")
    print(f"orders={done} admin_queries={admin_q} admin_ms={admin_ms:.0f} api_queries={api_q} api_ms={api_ms:.0f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
