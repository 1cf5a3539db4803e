"""Benchmark: how long a ShopRenter order takes to reach the back office through its webhook.

    .venv/bin/python bench/webhook_latency.py [ORDERS] [EVERY_SECONDS]

Real parts on loopback: the ShopRenter emulator calls the portal's web server
(``manage.py runserver``), whose intake queues a pull for a real ``qcluster``
(2 workers, ORM broker); the pull reads the order from the API and the order is
sent to the back office (the portal's own, so the figure is the portal's path,
not an ERP's latency). Latency = from the order's placing in the shop to its
order-document number in the portal. The 5-minute schedule is not involved:
the shop's connection is due only in an hour. Uses a fresh SQLite file unless
BENCH_DATABASE_URL names another database (it is emptied and migrated).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time

from _env import ROOT, free_port, fresh_database, setup  # noqa: E402
from _env import p95 as percentile_95  # noqa: E402

DATABASE = setup()
DATABASE_URL = os.environ["DATABASE_URL"]  # as setup() chose it: the server and the cluster use it too

from django.utils import timezone  # noqa: E402

from connectors.models import Connection, Integration, WebhookDelivery  # noqa: E402
from connectors.platforms.shoprenter.emulator import ShopRenterEmulator, seed_demo  # noqa: E402
from orders.models import Order  # noqa: E402


def main() -> None:
    orders_n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    every = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    fresh_database()
    shop_emulator = ShopRenterEmulator().start()
    seed_demo(shop_emulator)
    for sku in ("LUE-01", "BOK-01", "SJAL-01"):
        shop_emulator.state.products[sku]["stock1"] = "100000"
    port = free_port()
    portal_url = f"http://127.0.0.1:{port}"
    shop = Connection.objects.create(
        name="ShopRenter", role="shop", platform="shoprenter", base_url=shop_emulator.base_url,
        parameters={"token_url": shop_emulator.token_url}, sync_interval=60, last_cycle_at=timezone.now(),
        credentials={"client_id": shop_emulator.client_id, "client_secret": shop_emulator.client_secret},
    )  # fmt: skip
    back_office = Connection.objects.create(
        name="Back office", role="erp", platform="portal", base_url=portal_url, sync_interval=60,
        last_cycle_at=timezone.now(),
    )  # fmt: skip
    Integration.objects.create(
        shop=shop, erp=back_office, transfer_statuses=["Függőben"], numbering_series="SR-", warehouse_code="MAIN",
        policy_no_similar="add_new", policy_one_similar="merge",
    )  # fmt: skip
    from connectors.flows.cycles import connection_register_webhooks
    from connectors.flows.orders_in import shop_pull_orders

    shop_pull_orders(connection=shop)  # the cursor starts now
    connection_register_webhooks(connection=shop, portal_url=portal_url)
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "Q_WORKERS": "2", "LOG_LEVEL": "WARNING"}
    quiet = open(os.environ.get("BENCH_LOG", os.devnull), "ab")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=quiet, stderr=quiet, start_new_session=True,
    )  # fmt: skip
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=quiet, stderr=quiet,
        start_new_session=True,
    )  # fmt: skip
    latencies: list[float] = []
    try:
        deadline = time.monotonic() + 60
        while True:  # the web server is up when it answers
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the portal's web server did not start") from None
                time.sleep(0.2)
        time.sleep(3)  # the cluster's workers start
        pending: dict[str, float] = {}

        def arrivals() -> None:
            done = Order.objects.filter(number__in=pending).exclude(erp_order_no="").values_list("number", flat=True)
            now = time.monotonic()
            for number in done:
                latencies.append(now - pending.pop(number))

        for i in range(orders_n):
            order = shop_emulator.place_order(items=[("LUE-01", 1 + i % 2)], customer_id=None,
                                              email=f"buyer{i % 5}@example.hu")  # fmt: skip
            pending[order["innerId"]] = time.monotonic()
            next_at = time.monotonic() + every
            while time.monotonic() < next_at:
                arrivals()
                time.sleep(0.05)
        deadline = time.monotonic() + 120
        while pending and time.monotonic() < deadline:
            arrivals()
            time.sleep(0.05)
    finally:
        for process in (server, cluster):
            os.killpg(process.pid, 9)
            process.wait()
        shop_emulator.stop()
    if not latencies:
        raise SystemExit(f"no order arrived; webhook calls: {shop_emulator.deliveries[:5]}")
    lost = orders_n - len(latencies)
    latencies.sort()
    p95 = percentile_95(latencies)
    print(
        f"orders={orders_n} every_s={every} arrived={len(latencies)} lost={lost} "
        f"webhooks={WebhookDelivery.objects.count()} "
        f"deliveries_ok={sum(1 for _url, status in shop_emulator.deliveries if status == 202)} "
        f"latency_p50_s={statistics.median(latencies):.2f} latency_p95_s={p95:.2f} latency_max_s={latencies[-1]:.2f} "
        f"database={DATABASE}"
    )


if __name__ == "__main__":
    main()
