"""django-q2 entry points: load by id, call a service. Nothing else lives here."""

from __future__ import annotations

import time

from django.conf import settings
from django.utils import timezone
from django_q.tasks import async_task

from .flows.batches import batch_push, batchable
from .flows.cycles import connection_cycle, connection_register_webhooks, connection_test
from .flows.orders_in import shop_pull_orders
from .models import Connection, Transfer, TransferState
from .pulls import runs_watchdog
from .selectors import connections_due, order_pulls_due, transfers_due
from .services import connection_order_pull_claim
from .transfers import transfer_process, transfers_watchdog


def poll_orders() -> int:
    """Twice a minute (and with every tick): queue the order reads of the shops that are due
    (``Connection.order_interval``, a minute by default); return how many were queued."""
    now = timezone.now()
    queued = 0
    for connection in order_pulls_due(now=now):
        if connection_order_pull_claim(connection=connection, now=now):
            async_task("connectors.tasks.pull_orders", connection.pk, q_options={"group": "orders"})
            queued += 1
    return queued


def tick() -> dict[str, int]:
    """Every minute: watchdogs, then enqueue due order reads, connection cycles and due transfers (P3, R1)."""
    stuck = transfers_watchdog()
    runs_watchdog()
    orders = poll_orders()
    cycles = connections_due()
    for connection in cycles:
        async_task("connectors.tasks.run_cycle", connection.pk, q_options={"group": "cycles"})
    due = list(transfers_due(limit=settings.TRANSFER_TICK_BATCH))
    # Stock and prices of a shop with a batch call go in one batch run, the rest one task each.
    connections: dict[int, Connection] = {}
    batches: set[int] = set()
    for transfer in Transfer.objects.filter(pk__in=due).select_related("connection"):
        connections.setdefault(transfer.connection_id, transfer.connection)
        if batchable(connections[transfer.connection_id], transfer.kind):
            batches.add(transfer.connection_id)
        else:
            async_task("connectors.tasks.process_transfer", transfer.pk, q_options={"group": "transfers"})
    for connection_id in batches:
        async_task("connectors.tasks.push_batch", connection_id, q_options={"group": "transfers"})
    return {
        "watchdog": stuck, "orders": orders, "cycles": len(cycles), "transfers": len(due), "batches": len(batches),
    }  # fmt: skip


def pull_orders(connection_id: int) -> str:
    """A shop's orders pulled now (its order interval, or a webhook's nudge): re-read from its API,
    never from the webhook."""
    return shop_pull_orders(connection=Connection.objects.get(pk=connection_id)).status


def run_cycle(connection_id: int) -> list[str]:
    connection = Connection.objects.get(pk=connection_id)
    return [f"{run.kind}:{run.status}" for run in connection_cycle(connection=connection)]


def push_batch(connection_id: int) -> dict[str, int]:
    return dict(batch_push(connection=Connection.objects.get(pk=connection_id)))


def process_transfer(transfer_id: int) -> str | None:
    """Send one transfer. Put off for a few seconds only (a rate limit's Retry-After), it is sent
    again by this task when due, not a minute later by the tick."""
    state = transfer_process(transfer_id=transfer_id)
    for _again in range(3):
        if state != TransferState.RETRY_WAIT:
            break
        due = Transfer.objects.filter(pk=transfer_id).values_list("next_attempt_at", flat=True).first()
        wait = (due - timezone.now()).total_seconds() if due else None
        if wait is None or wait > settings.TRANSFER_SOON_SECONDS:
            break
        time.sleep(max(0.0, wait))
        state = transfer_process(transfer_id=transfer_id)
    return state


def register_webhooks(connection_id: int, portal_url: str) -> str:
    run = connection_register_webhooks(connection=Connection.objects.get(pk=connection_id), portal_url=portal_url)
    return run.status


def test_connection(connection_id: int) -> str:
    run = connection_test(connection=Connection.objects.get(pk=connection_id))
    return run.status


def resolve_conflict(conflict_id: int, resolution: str, user_id: int | None, merge_with: str = "") -> list[int]:
    from django.contrib.auth import get_user_model

    from customers.models import CustomerConflict

    from .flows.customers import conflict_resolve

    user = get_user_model().objects.filter(pk=user_id).first() if user_id is not None else None
    conflict = CustomerConflict.objects.get(pk=conflict_id)
    if conflict.status != "open":
        return []  # decided meanwhile (two accountants, or a repeated click): nothing more to do
    return conflict_resolve(conflict=conflict, resolution=resolution, user=user, merge_with=merge_with)
