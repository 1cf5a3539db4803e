"""Reads that matter to the engine."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from .models import AuthState, Connection, Transfer, TransferState

CLAIMABLE = (TransferState.PENDING, TransferState.RETRY_WAIT, TransferState.UNKNOWN)


def transfers_due(*, now: dt.datetime | None = None, limit: int = 500) -> QuerySet[Transfer, int]:
    """Transfers a worker may claim now, oldest due first, on enabled connections whose
    credentials are not refused (those wait behind their connection)."""
    now = now or timezone.now()
    return (
        Transfer.objects.filter(
            state__in=CLAIMABLE,
            next_attempt_at__lte=now,
            connection__enabled=True,
            connection__auth_state=AuthState.OK,
        )
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


def with_transfer(queryset: QuerySet, *, kind: str) -> QuerySet:
    """Add transfer_id/state/error/hint/source of ``kind`` to each row (one SQL query in all)."""
    transfers = Transfer.objects.filter(
        content_type=ContentType.objects.get_for_model(queryset.model), object_id=OuterRef("pk"), kind=kind
    )

    def field(name: str) -> Subquery:
        return Subquery(transfers.values(name)[:1])

    return queryset.annotate(
        transfer_id=field("pk"),
        transfer_state=field("state"),
        transfer_error=field("last_error"),
        transfer_hint=field("last_hint"),
        transfer_source=field("error_source"),
    )
