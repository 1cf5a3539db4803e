"""Magento emulator -> real django-q2 workers (a qcluster process) -> Visma.net emulator (P3)."""

from __future__ import annotations

import pytest

from connectors.models import Transfer, TransferKind, TransferState
from connectors.services import connection_sync_now
from orders.models import Order
from tests.processes import QCluster, wait_for


@pytest.fixture
def qcluster():
    cluster = QCluster(workers=2).start()
    yield cluster.process
    cluster.stop(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_orders_flow_through_real_workers_exactly_once(demo, magento, visma, qcluster):
    customers = demo.customers
    placed = [
        magento.place_order(items=[("GENSER-BLA", 1), ("LUE-01", 2)], customer_id=customers["registered_with_erp"]),
        magento.place_order(items=[("BOK-01", 1)], customer_id=customers["company_with_erp"]),
        magento.place_order(items=[("SJOKOLADE", 2)], customer_id=customers["registered_without_erp"]),
        magento.place_order(items=[("NY-VARE-9", 1)], customer_id=customers["registered_with_erp"]),
    ]
    connection_sync_now(connection_id=demo.shop.pk)  # only enqueues; the workers do the rest

    def settled() -> bool:
        states = list(Transfer.objects.filter(kind=TransferKind.SALES_ORDER).values_list("state", flat=True))
        return len(states) == 4 and all(s in (TransferState.SENT, TransferState.NEEDS_ATTENTION) for s in states)

    assert wait_for(settled), qcluster.stderr.read1().decode()[-2000:] if qcluster.poll() is not None else "timeout"
    for order in placed[:3]:
        [stored] = visma.orders_with_ref(order["increment_id"])
        assert Order.objects.get(number=order["increment_id"]).erp_order_no == stored["orderNo"]
    assert visma.orders_with_ref(placed[3]["increment_id"]) == []
    assert visma.calls["POST /v1/salesorder"] == 3  # the unknown item is caught before sending
    # The write-back comments follow, through the same workers.
    assert wait_for(lambda: all(magento.state.orders[o["entity_id"]]["status_histories"] for o in placed[:3]))
