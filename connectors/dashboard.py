"""Selectors behind the sync-health dashboard: per connection how syncing goes, in a few queries.

Per connection: the last finished run and its outcome, a run in progress with
how far it has come, transfers per state, the oldest one still waiting, the
share of failed attempts in the last 24 hours, and attempts per hour (24 h) and
per day (14 days) split into succeeded and failed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from .models import AttemptOutcome, Connection, RunStatus, SyncRun, Transfer, TransferAttempt, TransferState

WAITING = (TransferState.PENDING, TransferState.RETRY_WAIT, TransferState.UNKNOWN, TransferState.SENDING)
FAILED_OUTCOMES = (AttemptOutcome.FAILED, AttemptOutcome.RETRY, AttemptOutcome.UNKNOWN, AttemptOutcome.INVALID)


@dataclass
class Bar:
    """One bar of a chart: when, how many attempts succeeded and failed."""

    label: str
    ok: int = 0
    failed: int = 0


@dataclass
class ConnectionHealth:
    connection: Connection
    last_run: SyncRun | None = None
    running: list[SyncRun] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    oldest_waiting: dt.datetime | None = None
    attempts_24h: int = 0
    failed_24h: int = 0
    hours: list[Bar] = field(default_factory=list)
    days: list[Bar] = field(default_factory=list)

    @property
    def error_rate(self) -> float | None:
        """Failed attempts as a share of all attempts in the last 24 hours; None without attempts."""
        return self.failed_24h / self.attempts_24h if self.attempts_24h else None

    @property
    def state_rows(self) -> list[tuple[str, str, int]]:
        """(state, its name, count), in the order of the state machine."""
        return [
            (state, str(label), self.states[state]) for state, label in TransferState.choices if state in self.states
        ]

    @property
    def needs_attention(self) -> int:
        return self.states.get(TransferState.NEEDS_ATTENTION, 0) + self.states.get(TransferState.CONFLICT, 0)


def connections_health(*, now: dt.datetime | None = None) -> list[ConnectionHealth]:
    """The dashboard's rows, one per enabled connection (shops first)."""
    now = now or timezone.now()
    finished = SyncRun.objects.filter(connection=OuterRef("pk")).exclude(status=RunStatus.RUNNING)
    connections = Connection.objects.filter(enabled=True).annotate(
        last_run_id=Subquery(finished.order_by("-started_at").values("pk")[:1])
    )
    rows = {c.pk: ConnectionHealth(connection=c) for c in connections.order_by("-role", "name")}
    if not rows:
        return []
    for run in SyncRun.objects.filter(connection__in=rows, status=RunStatus.RUNNING).order_by("started_at"):
        rows[run.connection_id].running.append(run)
    last_ids = [row.connection.last_run_id for row in rows.values()]  # type: ignore[attr-defined]
    for run in SyncRun.objects.filter(pk__in=[pk for pk in last_ids if pk is not None]):
        rows[run.connection_id].last_run = run
    for cid, state, n in Transfer.objects.values_list("connection_id", "state").annotate(n=Count("pk")).order_by():
        if cid in rows:
            rows[cid].states[state] = n
    waiting = Transfer.objects.filter(state__in=WAITING).values("connection_id").annotate(oldest=Min("created_at"))
    for item in waiting.order_by():
        if item["connection_id"] in rows:
            rows[item["connection_id"]].oldest_waiting = item["oldest"]
    _charts(rows, now)
    return list(rows.values())


def _attempts_per_slot(since: Q, slot) -> dict[int, dict[Any, tuple[int, int]]]:
    """Connection -> time slot -> (attempts, failed attempts), in one grouped query."""
    per: dict[int, dict[Any, tuple[int, int]]] = defaultdict(dict)
    rows = (
        TransferAttempt.objects.filter(since)
        .annotate(slot=slot)
        .values("transfer__connection_id", "slot")
        .annotate(total=Count("pk"), failed=Count("pk", filter=Q(outcome__in=FAILED_OUTCOMES)))
        .order_by()
    )
    for item in rows:
        per[item["transfer__connection_id"]][item["slot"]] = (item["total"], item["failed"])
    return per


def _charts(rows: dict[int, ConnectionHealth], now: dt.datetime) -> None:
    hour0 = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=23)
    day0 = (now - dt.timedelta(days=13)).date()
    hourly = _attempts_per_slot(Q(started_at__gte=hour0), TruncHour("started_at"))
    daily = _attempts_per_slot(Q(started_at__date__gte=day0), TruncDate("started_at"))
    for cid, row in rows.items():
        for i in range(24):
            hour = hour0 + dt.timedelta(hours=i)
            total, bad = hourly[cid].get(hour, (0, 0))
            row.hours.append(Bar(label=timezone.localtime(hour).strftime("%H:00"), ok=total - bad, failed=bad))
            row.attempts_24h += total
            row.failed_24h += bad
        for i in range(14):
            day = day0 + dt.timedelta(days=i)
            total, bad = daily[cid].get(day, (0, 0))
            row.days.append(Bar(label=day.isoformat(), ok=total - bad, failed=bad))


def runs_in_progress() -> list[dict[str, object]]:
    """Running runs with their counts so far, for the dashboard's live progress."""
    return [
        {
            "id": run.pk,
            "connection": run.connection_id,
            "kind": run.kind,
            "done": int(run.stats.get("seen") or run.stats.get("read") or 0),
            "total": int(run.stats.get("total") or 0),
            "started_at": run.started_at.isoformat(),
        }
        for run in SyncRun.objects.filter(status=RunStatus.RUNNING).order_by("started_at")
    ]
