"""django-q2 entry points: load by id, call a service. Nothing else lives here."""

from __future__ import annotations

from django.conf import settings
from django_q.tasks import async_task

from .flows.cycles import connection_cycle, connection_test
from .models import Connection
from .pulls import runs_watchdog
from .selectors import connections_due, transfers_due
from .transfers import transfer_process, transfers_watchdog


def tick() -> dict[str, int]:
    """Every minute: watchdogs, then enqueue due connection cycles and due transfers (P3, R1)."""
    stuck = transfers_watchdog()
    runs_watchdog()
    cycles = connections_due()
    for connection in cycles:
        async_task("connectors.tasks.run_cycle", connection.pk, q_options={"group": "cycles"})
    due = list(transfers_due(limit=settings.TRANSFER_TICK_BATCH))
    for transfer_id in due:
        async_task("connectors.tasks.process_transfer", transfer_id, q_options={"group": "transfers"})
    return {"watchdog": stuck, "cycles": len(cycles), "transfers": len(due)}


def run_cycle(connection_id: int) -> list[str]:
    connection = Connection.objects.get(pk=connection_id)
    return [f"{run.kind}:{run.status}" for run in connection_cycle(connection=connection)]


def process_transfer(transfer_id: int) -> str | None:
    return transfer_process(transfer_id=transfer_id)


def test_connection(connection_id: int) -> str:
    run = connection_test(connection=Connection.objects.get(pk=connection_id))
    return run.status


def resolve_conflict(conflict_id: int, resolution: str, user_id: int | None) -> list[int]:
    from django.contrib.auth import get_user_model

    from customers.models import CustomerConflict

    from .flows.customers import conflict_resolve

    user = get_user_model().objects.filter(pk=user_id).first() if user_id is not None else None
    return conflict_resolve(conflict=CustomerConflict.objects.get(pk=conflict_id), resolution=resolution, user=user)
