"""Engine services: building connectors, the transfer life cycle, resend, watchdog.

A transfer's life (DESIGN.md "Transfers"):

    transfer_claim        pending/retry_wait/unknown -> sending (conditional UPDATE)
    handler               does the remote work, returns the remote id
    transfer_finish       sending -> sent | retry_wait | unknown | needs_attention | conflict,
                          with the attempt row, in one short transaction
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from . import registry
from .base import ConnectionSettings, Connector, RateLimiter
from .exceptions import AmbiguousError, ConnectorError, MappingError, PermanentError, RetryableError
from .models import (
    AttemptOutcome,
    Connection,
    ErrorSource,
    RateWindow,
    Transfer,
    TransferAttempt,
    TransferKind,
    TransferState,
)
from .selectors import CLAIMABLE, transfers_stuck

logger = logging.getLogger("connectors.engine")


class ConflictPending(Exception):
    """The order waits for an accountant's decision on its customer (C1, C2, C4)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- connectors -------------------------------------------------------------


class DbRateLimiter(RateLimiter):
    """At most ``per_second`` calls per second to one connection, across all workers.

    The counter is one row per (connection, second), bumped with a conditional
    F() UPDATE, so processes on one database share it without a lock server.
    """

    def __init__(self, connection_id: int, per_second: int) -> None:
        self.connection_id = connection_id
        self.per_second = per_second

    def acquire(self) -> None:
        while True:
            second = int(time.time())
            bumped = RateWindow.objects.filter(
                connection_id=self.connection_id, second=second, count__lt=self.per_second
            ).update(count=F("count") + 1)
            if bumped:
                return
            try:
                with transaction.atomic():
                    RateWindow.objects.create(connection_id=self.connection_id, second=second, count=1)
                RateWindow.objects.filter(connection_id=self.connection_id, second__lt=second - 60).delete()
                return
            except IntegrityError:
                # The window exists and is full: wait for the next second.
                time.sleep(max(0.0, second + 1 - time.time()))


def connector_for(connection: Connection) -> Connector:
    """The platform connector for a connection, with the shared rate limiter."""
    cls = registry.get(connection.platform)
    per_second = int(connection.parameters.get("max_calls_per_second") or 0)
    limiter = DbRateLimiter(connection.pk, per_second) if per_second else RateLimiter()
    return cls(
        ConnectionSettings(
            name=connection.name,
            base_url=connection.base_url,
            parameters=dict(connection.parameters),
            credentials=dict(connection.credentials),
            limiter=limiter,
        )
    )


# --- enqueueing ---------------------------------------------------------------


def enqueue(func: str, *args: object) -> None:
    """Queue a django-q2 task once the current transaction commits."""
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(func, *args))


# Documents created once in the remote system: never sent again once sent.
ONE_SHOT_KINDS = frozenset({TransferKind.SALES_ORDER, TransferKind.CUSTOMER})


def transfer_ensure(*, connection: Connection, obj: models.Model, kind: str) -> Transfer:
    """The transfer of ``obj`` to ``connection``, created pending if new.

    A repeating kind (stock, price, status) that was sent goes back to pending.
    A sales order or customer that was sent stays sent: it exists remotely.
    """
    ct = ContentType.objects.get_for_model(obj)
    transfer, created = Transfer.objects.get_or_create(
        connection=connection, content_type=ct, object_id=obj.pk, kind=kind
    )
    if not created and transfer.state == TransferState.SENT and kind not in ONE_SHOT_KINDS:
        transfer.move_to(TransferState.PENDING, next_attempt_at=timezone.now(), tries=0)
        transfer.save(update_fields=["state", "next_attempt_at", "tries", "updated_at"])
    return transfer


# --- claiming and finishing -------------------------------------------------


def transfer_claim(*, transfer_id: int, now: dt.datetime | None = None) -> Transfer | None:
    """Move a due transfer to 'sending' for this worker; None if another worker has it.

    One conditional UPDATE: of two workers racing for a row, exactly one sees
    rowcount 1. Works the same on SQLite and PostgreSQL.
    """
    now = now or timezone.now()
    claimed = Transfer.objects.filter(pk=transfer_id, state__in=CLAIMABLE, next_attempt_at__lte=now).update(
        state=TransferState.SENDING, claimed_at=now, tries=F("tries") + 1, updated_at=now
    )
    if not claimed:
        return None
    return Transfer.objects.select_related("connection").get(pk=transfer_id)


@dataclass
class AttemptLog:
    """What one attempt did, filled in by the handler as it goes."""

    started: float = field(default_factory=time.monotonic)
    started_at: dt.datetime = field(default_factory=timezone.now)
    request_excerpt: str = ""
    response_excerpt: str = ""
    http_status: int | None = None


def backoff_seconds(tries: int, *, retry_after: float | None = None) -> float:
    """Capped exponential backoff with jitter; never sooner than Retry-After."""
    base = settings.TRANSFER_BACKOFF_BASE * (2 ** max(0, tries - 1))
    delay = min(settings.TRANSFER_BACKOFF_CAP, base) * random.uniform(0.5, 1.0)
    return max(delay, retry_after or 0.0)


def transfer_finish(
    transfer: Transfer,
    log: AttemptLog,
    *,
    state: str,
    outcome: str,
    error: str = "",
    hint: str = "",
    source: str = ErrorSource.NONE,
    **changes: object,
) -> Transfer:
    """Leave 'sending' and log the attempt, in one short transaction."""
    now = timezone.now()
    with transaction.atomic():
        transfer.move_to(state, last_error=error, last_hint=hint, error_source=source, **changes)
        if state == TransferState.SENT:
            transfer.sent_at = now
        transfer.save()
        TransferAttempt.objects.create(
            transfer=transfer,
            # Not ``tries``: a repeating transfer (stock, status) starts its tries afresh.
            number=TransferAttempt.objects.filter(transfer=transfer).count() + 1,
            started_at=log.started_at,
            duration_ms=int((time.monotonic() - log.started) * 1000),
            outcome=outcome,
            http_status=log.http_status,
            request_excerpt=log.request_excerpt[:4000],
            response_excerpt=log.response_excerpt[:4000],
            error=error,
            hint=hint,
        )
    return transfer


Handler = Callable[[Transfer, AttemptLog], tuple[str, str]]
HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that performs one kind of transfer.

    A handler returns (outcome, remote id) and raises the connector's typed
    errors, MappingError or ConflictPending.
    """

    def wrap(func: Handler) -> Handler:
        HANDLERS[kind] = func
        return func

    return wrap


def transfer_process(*, transfer_id: int) -> str | None:
    """Claim one transfer and perform it; return its new state (None: not claimed)."""
    transfer = transfer_claim(transfer_id=transfer_id)
    if transfer is None:
        return None
    log = AttemptLog()
    try:
        outcome, remote_id = HANDLERS[transfer.kind](transfer, log)
    except Exception as exc:
        transfer_fail(transfer, log, exc)
    else:
        transfer_finish(
            transfer,
            log,
            state=TransferState.SENT,
            outcome=outcome,
            remote_id=remote_id,
            needs_lookup=False,
            next_attempt_at=timezone.now(),
        )
    return transfer.state


def transfer_fail(transfer: Transfer, log: AttemptLog, exc: Exception) -> Transfer:
    """Leave 'sending' after an error; the error's type decides state, backoff and lookup."""
    max_tries = settings.TRANSFER_MAX_TRIES
    if isinstance(exc, ConnectorError):
        _log_http(log, exc)
    if isinstance(exc, MappingError):
        return transfer_finish(
            transfer,
            log,
            state=TransferState.NEEDS_ATTENTION,
            outcome=AttemptOutcome.INVALID,
            error=str(exc),
            hint=exc.hint,
            source=ErrorSource.VALIDATION,
            needs_lookup=False,
        )
    if isinstance(exc, ConflictPending):
        return transfer_finish(
            transfer,
            log,
            state=TransferState.CONFLICT,
            outcome=AttemptOutcome.CONFLICT,
            error=exc.message,
            hint="An accountant decides in Customers › Customer conflicts (C4).",
            source=ErrorSource.VALIDATION,
            needs_lookup=False,
        )
    if isinstance(exc, RetryableError):
        if transfer.tries >= max_tries:
            return transfer_finish(
                transfer,
                log,
                state=TransferState.NEEDS_ATTENTION,
                outcome=AttemptOutcome.RETRY,
                error=exc.message,
                source=ErrorSource.SYNC,
                needs_lookup=False,
                hint=f"Gave up after {transfer.tries} tries. "
                + (exc.hint or "The remote system kept failing; check it is up, then resend."),
            )
        delay = backoff_seconds(transfer.tries, retry_after=exc.retry_after)
        return transfer_finish(
            transfer,
            log,
            state=TransferState.RETRY_WAIT,
            outcome=AttemptOutcome.RETRY,
            error=exc.message,
            hint=exc.hint or "Temporary; retried automatically.",
            source=ErrorSource.SYNC,
            needs_lookup=False,
            next_attempt_at=timezone.now() + dt.timedelta(seconds=delay),
        )
    if isinstance(exc, AmbiguousError):
        # The document may exist: the next attempt looks it up before creating.
        return transfer_finish(
            transfer,
            log,
            state=TransferState.NEEDS_ATTENTION if transfer.tries >= max_tries else TransferState.UNKNOWN,
            outcome=AttemptOutcome.UNKNOWN,
            error=exc.message,
            hint=exc.hint,
            source=ErrorSource.SYNC,
            needs_lookup=True,
            next_attempt_at=timezone.now() + dt.timedelta(seconds=backoff_seconds(transfer.tries)),
        )
    if isinstance(exc, PermanentError):
        return transfer_finish(
            transfer,
            log,
            state=TransferState.NEEDS_ATTENTION,
            outcome=AttemptOutcome.FAILED,
            error=exc.message,
            hint=exc.hint,
            source=ErrorSource.SYNC,
            needs_lookup=False,
        )
    # Our own bug: keep the row safe and visible, and look the document up before any resend.
    logger.error("Transfer %s failed unexpectedly", transfer.pk, exc_info=exc)
    return transfer_finish(
        transfer,
        log,
        state=TransferState.NEEDS_ATTENTION,
        outcome=AttemptOutcome.UNKNOWN,
        error=f"Internal error: {type(exc).__name__}: {exc}",
        hint="A bug in the portal; the document is looked up before any resend. Report it to the integrator.",
        source=ErrorSource.SYNC,
        needs_lookup=True,
    )


def _log_http(log: AttemptLog, exc: ConnectorError) -> None:
    log.http_status = exc.http_status
    log.response_excerpt = exc.response_excerpt or log.response_excerpt


def mark_may_be_sent(transfer: Transfer) -> None:
    """Persist, before a create call, that the document may exist after it.

    If the worker dies during the call, the watchdog moves the transfer to
    'unknown' and the next attempt looks it up instead of creating again.
    """
    Transfer.objects.filter(pk=transfer.pk).update(needs_lookup=True)
    transfer.needs_lookup = True


# --- people's actions -------------------------------------------------------

RESENDABLE = (
    TransferState.NEEDS_ATTENTION,
    TransferState.RETRY_WAIT,
    TransferState.UNKNOWN,
    TransferState.CONFLICT,
    TransferState.PENDING,
)


@dataclass(frozen=True)
class ResendResult:
    queued: list[int]
    refused: list[tuple[int, str]]


def transfer_resend(*, transfer_ids: Iterable[int]) -> ResendResult:
    """Put transfers back to 'pending', due now, and enqueue them (V5, P2).

    A sent sales order or customer is refused: it exists in the ERP.
    A transfer being sent right now is refused: its worker finishes it.
    """
    queued: list[int] = []
    refused: list[tuple[int, str]] = []
    now = timezone.now()
    with transaction.atomic():
        for transfer in Transfer.objects.select_for_update().filter(pk__in=list(transfer_ids)).order_by("pk"):
            if transfer.state == TransferState.SENDING:
                refused.append((transfer.pk, "is being sent right now"))
                continue
            if transfer.state == TransferState.SENT and transfer.kind in ONE_SHOT_KINDS:
                refused.append((transfer.pk, f"was already transferred as {transfer.remote_id}"))
                continue
            if transfer.state != TransferState.PENDING:
                transfer.move_to(TransferState.PENDING)
            transfer.next_attempt_at = now
            if transfer.tries >= settings.TRANSFER_MAX_TRIES:
                transfer.tries = 0  # a person asked: give it a fresh set of tries
            transfer.save(update_fields=["state", "next_attempt_at", "tries", "updated_at"])
            enqueue("connectors.tasks.process_transfer", transfer.pk)
            queued.append(transfer.pk)
    return ResendResult(queued=queued, refused=refused)


def transfers_watchdog(*, now: dt.datetime | None = None) -> int:
    """Move transfers stuck in 'sending' to 'unknown' (to be looked up); return how many."""
    moved = 0
    for transfer in transfers_stuck(timeout_seconds=settings.TRANSFER_SENDING_TIMEOUT, now=now):
        log = AttemptLog()
        transfer_finish(
            transfer,
            log,
            state=TransferState.UNKNOWN,
            outcome=AttemptOutcome.UNKNOWN,
            error=f"No result after {settings.TRANSFER_SENDING_TIMEOUT}s in 'sending': the worker stopped.",
            hint="The document is looked up in the remote system before any new attempt.",
            source=ErrorSource.SYNC,
            needs_lookup=True,
            next_attempt_at=timezone.now(),
        )
        moved += 1
    return moved


def connection_sync_now(*, connection_id: int) -> None:
    """Queue a sync cycle for one connection now (admin/API 'sync now')."""
    enqueue("connectors.tasks.run_cycle", connection_id)


def connection_test_enqueue(*, connection_id: int) -> None:
    """Queue a connection test; its outcome is recorded as a SyncRun of kind 'test'."""
    enqueue("connectors.tasks.test_connection", connection_id)
