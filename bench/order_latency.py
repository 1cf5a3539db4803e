"""Benchmark: how long a shop order takes to become an ERP order when the shop is only polled.

    .venv/bin/python bench/order_latency.py [ORDERS] [EVERY_SECONDS] [SEED]   (BENCH_DATABASE_URL optional)

Real parts on loopback: a Magento emulator (no webhooks: Magento has none the portal uses, so the
orders are read by polling) and a Visma.net emulator in this process; the schedules installed as
``manage.py install_schedules`` installs them (the minute tick and the order-read schedule half a
minute after it) and a real ``qcluster`` with the default workers runs them. The shop's orders are read
every ``order_interval`` seconds (60, the default) and its heavy cycle runs every 5 minutes as usual.

ORDERS orders (default 40) are placed at random moments, on average one every EVERY_SECONDS
(default 6), drawn from a seeded random source (SEED, printed) so that they fall anywhere in the
schedule's minute. Latency = from the order's placing in the shop to the sales order's creation in
the ERP. Ends with one line of figures.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _env import fresh_database, setup
from _env import p95 as percentile_95  # noqa: E402

DATABASE = setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from connectors.flows.orders_in import shop_pull_orders  # noqa: E402
from connectors.models import Connection  # noqa: E402
from connectors.platforms.magento.emulator import MagentoEmulator  # noqa: E402
from connectors.platforms.magento.emulator import seed_demo as seed_magento  # noqa: E402
from connectors.platforms.visma_net.emulator import VismaEmulator  # noqa: E402
from connectors.platforms.visma_net.emulator import seed_demo as seed_visma  # noqa: E402
from sync_portal.demo import configure_demo  # noqa: E402
from tests.processes import QCluster  # noqa: E402


def main(count: int, every: float, seed: int) -> None:
    fresh_database()
    call_command("install_schedules", verbosity=0)
    magento = MagentoEmulator().start()
    customers = seed_magento(magento)
    visma = VismaEmulator().start()
    seed_visma(visma)
    integration = configure_demo(magento=magento, visma=visma)
    Connection.objects.update(order_interval=60, sync_interval=5, last_cycle_at=timezone.now())
    shop_pull_orders(connection=integration.shop)  # the demo's own orders out of the way: the cursor starts now
    Connection.objects.update(last_order_pull_at=timezone.now())
    made_before = {o["customerRefNo"] for o in visma.state.orders.values()}
    log = Path(tempfile.gettempdir()) / "bench-order-latency-qcluster.log"
    cluster = QCluster(workers=int(os.environ.get("Q_WORKERS", "4")), log=log).start()
    draw = random.Random(seed)
    placed: dict[str, float] = {}
    latencies: list[float] = []

    def arrivals() -> None:
        now = time.monotonic()
        with visma.lock:
            refs = [o["customerRefNo"] for o in visma.state.orders.values()]
        for ref in refs:
            if ref in placed and ref not in made_before:
                latencies.append(now - placed.pop(ref))
                made_before.add(ref)

    try:
        time.sleep(draw.uniform(0, 60))  # start anywhere in the schedule's minute
        for _ in range(count):
            order = magento.place_order(items=[("LUE-01", 1)], customer_id=customers["registered_with_erp"])
            placed[order["increment_id"]] = time.monotonic()
            next_at = time.monotonic() + draw.expovariate(1 / every)
            while time.monotonic() < next_at:
                arrivals()
                time.sleep(0.1)
        deadline = time.monotonic() + 240
        while placed and time.monotonic() < deadline:
            arrivals()
            time.sleep(0.1)
    finally:
        cluster.stop()
        visma.stop()
        magento.stop()
    if not latencies:
        raise SystemExit(f"no order reached the ERP; see {log}")
    latencies.sort()
    p95 = percentile_95(latencies)
    print(
        f"orders={count} every_s={every} seed={seed} arrived={len(latencies)} lost={len(placed)} "
        f"order_interval_s=60 latency_p50_s={statistics.median(latencies):.1f} latency_p95_s={p95:.1f} "
        f"latency_max_s={latencies[-1]:.1f} database={DATABASE}"
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 40,
        float(sys.argv[2]) if len(sys.argv) > 2 else 6.0,
        int(sys.argv[3]) if len(sys.argv) > 3 else random.randrange(1000),
    )
