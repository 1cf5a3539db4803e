"""Benchmark: the admin order list and /api/orders/ at a million orders, on PostgreSQL.

    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/orders_at_scale.py [ORDERS]

BENCH_DATABASE_URL names a database that is emptied and migrated (PostgreSQL: the figures
concern its planner and indexes). ORDERS (default 1 000 000) orders are written with SQL
(``generate_series``), as a shop of some years would have them: 99.8 % complete and sent, the
rest open and waiting, needing attention, in conflict; a customer per ten orders. Then, through
Django's test client as a logged-in person and an API key, each view is read twice and the
second reading measured: the queries, whether any is a COUNT(*) of a whole table, and the ms.

Ends with one line of ``key=value`` figures.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("BENCH_DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set BENCH_DATABASE_URL=postgres://… (a database this benchmark may empty).")
os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
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

from connectors.models import Connection  # noqa: E402
from orders.models import Order  # noqa: E402
from sync_portal.models import UserAPIKey  # noqa: E402

FULL_COUNT = re.compile(r'SELECT COUNT\(\*\) AS "__count" FROM "[a-z_]+"\s*$', re.I)


def fill(total: int) -> None:
    """Orders, their customers, lines of the open ones and their sales-order transfers, by SQL."""
    shop = Connection.objects.create(name="Shop", role="shop", platform="magento", base_url="http://127.0.0.1:9/")
    erp = Connection.objects.create(name="ERP", role="erp", platform="visma_net", base_url="http://127.0.0.1:9/")
    order_ct = ContentType.objects.get_for_model(Order).pk
    customers = max(1, total // 10)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO customers_customer (shop_id, customer_type, first_name, last_name, company,
                   org_no, language, email, phone, fax, mobile, erp_customer_no, is_guest, one_time,
                   billing_street, billing_postcode, billing_city, billing_country, delivery_street,
                   delivery_postcode, delivery_city, delivery_country, created_at, updated_at)
               SELECT %s, 'P', 'Kari' || (i %% 997), 'Nordmann' || i, '', '', 'nb',
                   'kunde' || i || '@example.no', '', '', '', '', false, false, 'Gata 1', '0150', 'Oslo', 'NO',
                   'Gata 1', '0150', 'Oslo', 'NO', now(), now()
               FROM generate_series(1, %s) AS i""",
            [shop.pk, customers],
        )
        cursor.execute("SELECT min(id) FROM customers_customer")
        first_customer = cursor.fetchone()[0]
        cursor.execute(
            """INSERT INTO orders_order (shop_id, number, shop_status, customer_id, shop_code, currency, language,
                   placed_at, payment_method, shipping_method, payment_reference, customer_comment,
                   internal_comment, customer_reference, email, shipping_excl_vat, shipping_vat_rate,
                   discount_after_vat, grand_total, erp_order_no, erp_status, state, created_at, updated_at)
               SELECT %s, '1' || lpad(i::text, 8, '0'),
                   CASE WHEN i > %s - 2000 THEN 'processing' ELSE 'complete' END,
                   %s + (i %% %s), '', 'NOK', 'nb', now() - ((%s - i) || ' minutes')::interval,
                   'klarna', 'flatrate', '', '', '', '', 'kunde' || (i %% %s) || '@example.no', 79, 25, 0, 499,
                   CASE WHEN i > %s - 2000 THEN '' ELSE 'SO' || i END, '',
                   CASE WHEN i > %s - 2000 THEN 'processing' ELSE 'complete' END, now(), now()
               FROM generate_series(1, %s) AS i""",
            [shop.pk, total, first_customer, customers, total, customers, total, total, total],
        )
        cursor.execute(
            """INSERT INTO connectors_transfer (connection_id, content_type_id, object_id, kind, state, tries,
                   attempts_made, next_attempt_at, needs_lookup, remote_id, last_error, last_hint, error_source,
                   created_at, updated_at)
               SELECT %s, %s, o.id, 'sales_order',
                   CASE WHEN o.state = 'complete' THEN 'sent'
                        WHEN o.id %% 4 = 0 THEN 'needs_attention' WHEN o.id %% 4 = 1 THEN 'pending'
                        WHEN o.id %% 4 = 2 THEN 'conflict' ELSE 'retry_wait' END,
                   1, 1, now(), false, o.erp_order_no,
                   CASE WHEN o.state <> 'complete' AND o.id %% 4 = 0 THEN 'Item X not found' ELSE '' END, '',
                   CASE WHEN o.state <> 'complete' AND o.id %% 4 = 0 THEN 'validation' ELSE '' END, now(), now()
               FROM orders_order o""",
            [erp.pk, order_ct],
        )
        cursor.execute(
            """INSERT INTO orders_orderline (order_id, position, sku, reference, name, quantity,
                   unit_price_excl_vat, vat_rate, discount_amount, discount_percent, discount_reduces_vat,
                   is_service, shop_line_id)
               SELECT o.id, 1, 'SKU-' || (o.id % 50), '', 'Vare', 1, 399.2, 25, 0, 0, true, false, ''
               FROM orders_order o WHERE o.state = 'processing'"""
        )
        cursor.execute("ANALYZE")


def measure(client: Client, url: str, **headers: str) -> tuple[int, int, float]:
    client.get(url, **headers)  # warm: permissions, content types, the database's caches
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url, **headers)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    full = sum(1 for q in queries.captured_queries if FULL_COUNT.search(q["sql"]))
    return len(queries), full, elapsed


def main(total: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    fill(total)
    print(f"{total} orders written in {time.perf_counter() - started:.0f} s", flush=True)
    person = User.objects.create_superuser("bench", password="x")
    _, key = UserAPIKey.objects.create_key(name="bench", user=person)
    admin = Client(HTTP_HOST="127.0.0.1")
    admin.force_login(person)
    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Api-Key {key}")
    number = Order.objects.order_by("pk").values_list("number", flat=True)[total // 2]
    views = {
        "admin_page": (admin, "/admin/orders/order/"),
        "admin_state": (admin, "/admin/orders/order/?transfer_state=needs_attention"),
        "admin_search": (admin, f"/admin/orders/order/?q={number}"),
        "api_page": (api, "/api/orders/?page_size=200"),
        "api_state": (api, "/api/orders/?state=needs_attention&page_size=200"),
        "api_number": (api, f"/api/orders/?number={number}"),
    }
    figures: list[str] = [f"orders={total}"]
    print(f"{'view':<14} {'queries':>8} {'full counts':>12} {'ms':>8}")
    for name, (client, url) in views.items():
        queries, full, ms = measure(client, url)
        print(f"{name:<14} {queries:>8} {full:>12} {ms:>8.0f}", flush=True)
        figures += [f"{name}_queries={queries}", f"{name}_full_counts={full}", f"{name}_ms={ms:.0f}"]
    print(" ".join(figures))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
