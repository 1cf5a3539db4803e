"""Fault soak: exactly one ERP document per shop order under random faults and SIGKILLs.

N orders (``SOAK_ORDERS``, default 300) are placed in the Magento emulator
while two ``qcluster`` processes with two workers each push them to the
Visma.net emulator. Both emulators fail at random per request, drawn from a
seeded source (``SOAK_SEED``, random when unset, always printed): stored then
no answer, a 5xx before or after storing, 429 with Retry-After, a dropped
connection before or after storing, on creates, lookups and token calls
alike. The test kills whole clusters and single workers with SIGKILL and
restarts them. After one reconcile pass without faults it asserts exactly one
ERP sales order per shop order, none lost, none stuck, and prints one line:

    orders=… erp_docs=… duplicates=… lost=… stuck=… seed=…

Run: ``scripts/test.sh -m soak -s`` (``.ci/run`` does, on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from connectors import tasks
from connectors.emulation import RandomFaults
from connectors.flows.orders_in import shop_pull_orders
from connectors.models import Connection, Integration, Role, Transfer, TransferKind, TransferState
from connectors.platforms.magento.emulator import MagentoEmulator
from connectors.platforms.magento.emulator import seed_demo as seed_magento
from connectors.platforms.visma_net.emulator import VismaEmulator
from connectors.platforms.visma_net.emulator import seed_demo as seed_visma
from connectors.pulls import runs_watchdog
from connectors.selectors import CLAIMABLE
from connectors.services import connection_sync_now
from connectors.transfers import transfers_watchdog
from orders.models import Order
from tests.engine import process_due
from tests.processes import QCluster

pytestmark = [pytest.mark.soak, pytest.mark.django_db(transaction=True)]

ORDERS = int(os.environ.get("SOAK_ORDERS", "300"))
SEED = int(os.environ.get("SOAK_SEED") or random.SystemRandom().randrange(1, 2**31))
DEADLINE = float(os.environ.get("SOAK_DEADLINE", "1200"))

# Per request. The ERP side is harsh on purpose: a third of its requests fail somehow.
VISMA_RATES = {
    "timeout_after_store": 0.10,  # stored, then no answer within the client's read timeout
    "error_after_store": 0.04,  # stored, then a 5xx
    "error": 0.06,  # a 5xx without acting
    "rate_limit": 0.05,  # 429 + Retry-After
    "drop": 0.03,  # connection closed before acting
    "drop_after_store": 0.04,  # stored, then the connection closed
}
MAGENTO_RATES = {"error": 0.03, "rate_limit": 0.02, "drop": 0.02, "timeout_after_store": 0.01}
SAFE_SKUS = ["GENSER-BLA", "GENSER-ROD", "LUE-01", "BOK-01", "SJOKOLADE", "GAVE"]
WORKER_ENV = {
    "TRANSFER_BACKOFF_BASE": "0.5",
    "TRANSFER_BACKOFF_CAP": "4",
    # Above the longest attempt (1 s read timeouts, a few pages): a live attempt is never taken over.
    "TRANSFER_SENDING_TIMEOUT": "20",
    "TRANSFER_MAX_TRIES": "1000",
    "CYCLE_LEASE_SECONDS": "15",
}


def configure(magento: MagentoEmulator, visma: VismaEmulator) -> Integration:
    shop = Connection.objects.create(
        name="Soak shop",
        role=Role.SHOP,
        platform="magento",
        base_url=magento.base_url,
        parameters={"read_timeout": 1, "page_size": 100},
        credentials={"token": magento.token},
    )
    erp = Connection.objects.create(
        name="Soak ERP",
        role=Role.ERP,
        platform="visma_net",
        base_url=visma.base_url,
        parameters={"token_url": visma.token_url, "read_timeout": 1},
        credentials=visma.credentials,
        # The ERP's own cycle (stock, statuses) is not what this test is about.
        sync_interval=100_000,
        last_cycle_at=timezone.now(),
    )
    return Integration.objects.create(
        shop=shop,
        erp=erp,
        transfer_statuses=["processing"],
        shipping_item_no="FRAKT",
        discount_item_no="RABATT",
        rounding_item_no="AVRUNDING",
        default_customer_no="WEB",
        service_item_map={"Gaveinnpakning": "GAVE"},
        # New buyers are created in the ERP: customer creates go through the same rule.
        policy_no_similar="add_new",
        policy_one_similar="add_new",
        guest_policy="regular",
        payment_method_map={"klarna_kp": "KLARNA", "checkmo": "FAKTURA"},
        shipping_method_map={"flatrate_flatrate": "POST"},
        vat_map={"25": "HIGH", "15": "MED", "12": "LOW", "0": "ZERO"},
        warehouse_code="MAIN",
    )


def place_orders(magento: MagentoEmulator, customers: list[int], rng: random.Random, done: threading.Event) -> None:
    guests = [("Märta", "Sjöström", "marta@example.se"), ("Łucja", "Wiśniewska", "lucja@example.pl")]
    for n in range(ORDERS):
        items = [(sku, rng.randint(1, 3)) for sku in rng.sample(SAFE_SKUS, rng.randint(1, 3))]
        coupon = rng.choice([None, None, ("HOST10", "by_percent", Decimal("10"))])
        if n % 7 == 3:
            magento.place_order(items=items, guest=rng.choice(guests), coupon=coupon)
        else:
            magento.place_order(items=items, customer_id=rng.choice(customers), coupon=coupon)
        time.sleep(rng.uniform(0.0, 0.25))
    done.set()


def settled() -> bool:
    if Order.objects.count() < ORDERS:
        return False
    open_transfers = Transfer.objects.filter(kind=TransferKind.SALES_ORDER).exclude(state=TransferState.SENT)
    return not open_transfers.exists() and Transfer.objects.filter(kind=TransferKind.SALES_ORDER).count() == ORDERS


def reconcile(integration: Integration) -> None:
    """One pass as the next quiet minutes would make it: watchdogs, a pull, every waiting transfer due."""
    later = timezone.now() + dt.timedelta(hours=1)
    transfers_watchdog(now=later)
    runs_watchdog(now=later)
    shop_pull_orders(connection=integration.shop)
    for _ in range(20):
        Transfer.objects.filter(state__in=CLAIMABLE).update(next_attempt_at=timezone.now())
        if not [state for state in process_due() if state is not None]:
            return


def test_fault_soak_exactly_one_erp_order_per_shop_order(tmp_path, settings):
    # The test process ticks too (watchdog, due transfers): the same settings as the workers.
    for name, value in WORKER_ENV.items():
        setattr(settings, name, type(getattr(settings, name))(value))
    print(f"\nfault soak: orders={ORDERS} seed={SEED}", flush=True)
    rng = random.Random(SEED)
    magento, visma = MagentoEmulator().start(), VismaEmulator().start()
    customers = seed_magento(magento)
    seed_visma(visma)
    integration = configure(magento, visma)
    erp_faults = visma.random_faults = RandomFaults(seed=SEED, rates=VISMA_RATES, delay=2.0)
    magento.random_faults = RandomFaults(seed=SEED + 1, rates=MAGENTO_RATES, delay=2.0)
    clusters = [QCluster(workers=2, env=WORKER_ENV, log=tmp_path / f"qcluster-{i}.log").start() for i in range(2)]
    placing = threading.Event()
    placer = threading.Thread(target=place_orders, args=(magento, list(customers.values()), rng, placing), daemon=True)
    placer.start()
    kills: Counter[str] = Counter()
    started = time.monotonic()
    next_kill = started + rng.uniform(10, 20)
    next_pull = started
    try:
        while time.monotonic() - started < DEADLINE:
            now = time.monotonic()
            if now >= next_pull:  # the shop's short order interval; only enqueues, the workers pull
                connection_sync_now(connection_id=integration.shop_id)
                next_pull = now + 10
            tasks.tick()
            if now >= next_kill and (kills["cluster"] < 3 or kills["worker"] < 3):
                victim = clusters[rng.randrange(len(clusters))]
                if kills["cluster"] <= kills["worker"]:
                    victim.kill()
                    kills["cluster"] += 1
                    time.sleep(rng.uniform(0.5, 2.0))
                    victim.restart()
                elif victim.kill_one_worker() is not None:
                    kills["worker"] += 1
                next_kill = now + rng.uniform(8, 20)
            if placing.is_set() and kills["cluster"] >= 2 and settled():
                break
            time.sleep(2)
        elapsed = time.monotonic() - started
    finally:
        for cluster in clusters:
            cluster.stop()
        visma.random_faults = magento.random_faults = None

    assert placing.is_set(), "the orders were not all placed"
    assert kills["cluster"] >= 2, f"only {kills['cluster']} cluster kills happened"
    reconcile(integration)

    shop_numbers = [o["increment_id"] for o in magento.state.orders.values()]
    erp_refs = Counter(o["customerRefNo"] for o in visma.state.orders.values())
    duplicates = sum(n - 1 for n in erp_refs.values() if n > 1)
    lost = sum(1 for number in shop_numbers if erp_refs[number] == 0)
    stuck = Transfer.objects.filter(kind=TransferKind.SALES_ORDER).exclude(state=TransferState.SENT).count()
    created_customers = Counter(
        c["name"] for c in visma.state.customers.values() if c["number"].isdigit() and int(c["number"]) >= 20001
    )
    customer_duplicates = sum(n - 1 for n in created_customers.values() if n > 1)
    faults = " ".join(f"{kind}={n}" for kind, n in sorted(erp_faults.drawn.items()))
    print(
        f"orders={len(shop_numbers)} erp_docs={sum(erp_refs.values())} duplicates={duplicates} lost={lost} "
        f"stuck={stuck} seed={SEED} customer_duplicates={customer_duplicates} cluster_kills={kills['cluster']} "
        f"worker_kills={kills['worker']} seconds={elapsed:.0f} {faults}",
        flush=True,
    )
    assert len(shop_numbers) == ORDERS
    assert (duplicates, lost, stuck, customer_duplicates) == (0, 0, 0, 0)
    assert Order.objects.exclude(erp_order_no="").count() == ORDERS
    for order in Order.objects.all():
        [stored] = [o for o in visma.state.orders.values() if o["customerRefNo"] == order.number]
        assert order.erp_order_no == stored["orderNo"]
    magento.stop()
    visma.stop()
