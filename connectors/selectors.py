"""Reads that matter to the engine."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from .models import Connection, Transfer, TransferState

CLAIMABLE = (TransferState.PENDING, TransferState.RETRY_WAIT, TransferState.UNKNOWN)


def transfers_due(*, now: dt.datetime | None = None, limit: int = 500) -> QuerySet[Transfer]:
    """Transfers a worker may claim now, oldest due first, on enabled connections."""
    now = now or timezone.now()
    return (
        Transfer.objects.filter(state__in=CLAIMABLE, next_attempt_at__lte=now, connection__enabled=True)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def transfers_stuck(*, timeout_seconds: int, now: dt.datetime | None = None) -> QuerySet[Transfer]:
    """Transfers left in 'sending' longer than the timeout: their worker died or hung."""
    now = now or timezone.now()
    return Transfer.objects.filter(
        state=TransferState.SENDING, claimed_at__lt=now - dt.timedelta(seconds=timeout_seconds)
    )


def connections_due(*, now: dt.datetime | None = None) -> list[Connection]:
    """Enabled connections whose sync interval has passed (R1)."""
    now = now or timezone.now()
    return [c for c in Connection.objects.filter(enabled=True) if c.is_cycle_due(now)]
