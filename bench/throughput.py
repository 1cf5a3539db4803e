"""Benchmark: orders per second through real workers into an ERP that allows 10 requests a second.

    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/throughput.py [ORDERS] [WORKERS]

In this process: a Magento emulator (the shop, ORDERS orders of a registered buyer with an ERP
number, two known items and freight) and a Visma.net emulator answering each request after
100 ms, allowing 10 requests in a fixed one-second window that starts when it first counts (as
Visma's own windows do, not on whole seconds). The orders are pulled into the portal, and a real
``manage.py qcluster`` with WORKERS workers (default 4, the default of ``Q_WORKERS``) sends them
and then their status to the shop: the orders are pulled (and their transfers queued) before the workers
start, and the clock runs from the first attempt to the last order made in the ERP.

Figures: orders/s; the ERP calls per second as a share of the limit (the ceiling); calls per
order; 429 answers; SQL statements per order in every process during the run (the workers,
django-q's own and the broker's, by the workers' own database role; PostgreSQL's internal
foreign-key checks not counted; from pg_stat_statements when the server loads it, so start
PostgreSQL with ``shared_preload_libraries=pg_stat_statements``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("BENCH_DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set BENCH_DATABASE_URL=postgres://… (a database this benchmark may empty).")
os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync_portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.models import OrmQ  # noqa: E402

from connectors.emulation import RandomFaults, Reply, Request  # noqa: E402
from connectors.flows.orders_in import shop_pull_orders  # noqa: E402
from connectors.models import Connection, Transfer, TransferAttempt, TransferKind, TransferState  # noqa: E402
from connectors.platforms.magento.emulator import MagentoEmulator  # noqa: E402
from connectors.platforms.magento.emulator import seed_demo as seed_magento  # noqa: E402
from connectors.platforms.visma_net.emulator import VismaEmulator  # noqa: E402
from connectors.platforms.visma_net.emulator import seed_demo as seed_visma  # noqa: E402
from sync_portal.demo import configure_demo  # noqa: E402
from tests.processes import QCluster  # noqa: E402

LIMIT_PER_SECOND = 10
LATENCY = 0.1


class CountingVisma(VismaEmulator):
    """The Visma.net emulator, counting the requests it refused with 429."""

    refused = 0

    def before(self, request: Request) -> Reply | None:
        reply = super().before(request)
        if reply is not None and reply.status == 429:
            with self.lock:
                self.refused += 1
        return reply


WORKER_ROLE = "bench_worker"


def statements() -> int | None:
    """Statements the workers sent to this database so far (pg_stat_statements, by the workers' own
    database role; PostgreSQL's internal foreign-key checks left out), or None without it."""
    with connection.cursor() as cursor:
        try:
            cursor.execute(
                "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
                "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND userid = (SELECT oid FROM pg_roles WHERE rolname = %s) "
                "AND query NOT LIKE '%%FOR KEY SHARE OF x%%'",
                [WORKER_ROLE],
            )
        except Exception:
            return None
        return int(cursor.fetchone()[0])


def worker_database_url() -> str:
    """The benchmark's database as the workers' own role (created here), so their statements are
    told apart from this process's."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [WORKER_ROLE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {WORKER_ROLE} LOGIN SUPERUSER")
    s = connection.settings_dict
    return f"postgres://{WORKER_ROLE}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def main(count: int, workers: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("install_schedules", verbosity=0)
    with connection.cursor() as cursor:
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        except Exception:
            pass
    magento = MagentoEmulator().start()
    customers = seed_magento(magento)
    for _ in range(count):
        magento.place_order(items=[("GENSER-BLA", 1), ("LUE-01", 2)], customer_id=customers["registered_with_erp"])
    visma = CountingVisma(rate_limit=LIMIT_PER_SECOND, rate_window=1).start()
    seed_visma(visma)
    integration = configure_demo(magento=magento, visma=visma)
    # No cycles meanwhile: only the orders and their statuses go.
    Connection.objects.update(sync_interval=10_000, order_interval=0, last_cycle_at=timezone.now())
    erp = integration.erp
    erp.parameters = {**erp.parameters, "max_calls_per_second": LIMIT_PER_SECOND}
    erp.save()
    visma.random_faults = RandomFaults(seed=1, rates={"latency": 1.0}, methods=("GET", "POST", "PUT"), delay=LATENCY)
    shop_pull_orders(connection=integration.shop)  # every order's transfer queued before the workers start
    queued = OrmQ.objects.count()
    with connection.cursor() as cursor:
        try:
            cursor.execute("SELECT pg_stat_statements_reset()")
        except Exception:
            pass
    before = statements()
    started = time.time()
    log = Path(tempfile.gettempdir()) / "bench-throughput-qcluster.log"
    cluster = QCluster(workers=workers, env={"DATABASE_URL": worker_database_url()}, log=log).start()
    try:
        orders = Transfer.objects.filter(kind=TransferKind.SALES_ORDER)
        statuses = Transfer.objects.filter(kind=TransferKind.ORDER_STATUS)
        deadline = started + max(120, count)
        while time.time() < deadline:
            sent = orders.filter(state=TransferState.SENT).count()
            done = statuses.filter(state=TransferState.SENT).count()
            if sent == count and done == count:
                break
            time.sleep(0.5)
    finally:
        cluster.stop()
    after = statements()
    visma.stop()
    magento.stop()
    sent = orders.filter(state=TransferState.SENT).count()
    # From the first attempt (the workers up) to the last order made in the ERP.
    first = TransferAttempt.objects.filter(transfer__kind=TransferKind.SALES_ORDER).aggregate(at=Min("started_at"))
    last = orders.filter(state=TransferState.SENT).aggregate(at=Max("sent_at"))
    seconds = (last["at"] - first["at"]).total_seconds() if last["at"] else float("nan")
    calls = sum(n for name, n in visma.calls.items() if "token" not in name)
    per_second = calls / seconds
    sql = f"{(after - before) / max(sent, 1):.1f}" if before is not None and after is not None else "n/a"
    print(
        f"orders={count} workers={workers} queued={queued} sent={sent} seconds={seconds:.1f} "
        f"orders_per_s={sent / seconds:.2f} erp_calls={calls} calls_per_order={calls / max(sent, 1):.3f} "
        f"ceiling_share={per_second / LIMIT_PER_SECOND:.2f} http_429={visma.refused} sql_per_order={sql} "
        f"latency_ms={LATENCY * 1000:.0f} limit_per_s={LIMIT_PER_SECOND}"
    )
    if sent < count:
        print(f"only {sent} of {count} orders reached the ERP in time; see {cluster.log}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300, int(sys.argv[2]) if len(sys.argv) > 2 else 4)
