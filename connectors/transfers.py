"""The transfer life cycle: exactly-once effect for every outbound document.

    transfer_ensure       the row for (connection, object, kind), pending when new
    transfer_claim        pending/retry_wait/unknown -> sending (one conditional UPDATE)
    transfer_lookup       settle an earlier attempt that may have reached the remote side
    remote_create         wraps the one call that may create something remotely
    transfer_finish       sending -> sent | retry_wait | unknown | needs_attention | conflict,
                          with its attempt row, in one short transaction
    transfer_fail         the error's type decides the state, the backoff and the hint

The rule that cannot be bypassed: ``needs_lookup`` is set, persisted, before
every create call, and only two things clear it: a create that returned a
valid remote id, and a lookup that *finished* and found nothing. A failed
lookup keeps it, a resend keeps it, a retryable error keeps it unless the
request surely never reached the remote side. ``remote_create`` refuses to
run while the flag is set, so no handler can create without looking first.

A claim is a lease: ``claimed_at`` identifies it. Every write of a worker is
conditional on still holding it, so a worker the watchdog judged dead cannot
overwrite what a newer attempt decided.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import AmbiguousError, AuthError, ConnectorError, MappingError, PermanentError, RetryableError
from .models import (
    AttemptOutcome,
    AuthState,
    Connection,
    ErrorSource,
    Transfer,
    TransferAttempt,
    TransferKind,
    TransferState,
)
from .selectors import CLAIMABLE, transfers_stuck
from .services import connection_mark_needs_credentials, enqueue

logger = logging.getLogger("connectors.engine")


class ConflictPending(Exception):
    """The order waits for an accountant's decision on its customer (C1, C2, C4)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LeaseLost(Exception):
    """This worker's claim was taken over (the watchdog judged it stuck): stop, write nothing."""


class LookupRequired(Exception):
    """A create was attempted while an earlier outcome is unsettled: a bug in a handler."""


# Documents created once in the remote system: never sent again once sent. (A customer
# or product transfer is sent again when its card changes: an update, its create long done.)
ONE_SHOT_KINDS = frozenset({TransferKind.SALES_ORDER})


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


def transfer_queue(*, connection: Connection, obj: models.Model, kind: str) -> Transfer:
    """Ensure the transfer (``transfer_ensure``) and queue it for a worker once this
    transaction commits, when it is due to go; return it."""
    transfer = transfer_ensure(connection=connection, obj=obj, kind=kind)
    if transfer.state == TransferState.PENDING:
        enqueue("connectors.tasks.process_transfer", transfer.pk)
    return transfer


# --- claiming ---------------------------------------------------------------------


def transfer_claim(*, transfer_id: int, now: dt.datetime | None = None) -> Transfer | None:
    """Move a due transfer to 'sending' for this worker; None if another worker has it
    or its connection waits for credentials.

    One conditional UPDATE: of two workers racing for a row, exactly one sees
    rowcount 1. Works the same on SQLite and PostgreSQL.
    """
    now = now or timezone.now()
    claimed = Transfer.objects.filter(
        pk=transfer_id,
        state__in=CLAIMABLE,
        next_attempt_at__lte=now,
        connection__auth_state=AuthState.OK,
    ).update(state=TransferState.SENDING, claimed_at=now, tries=F("tries") + 1, updated_at=now)
    if not claimed:
        return None
    return Transfer.objects.select_related("connection").get(pk=transfer_id)


def _lease(transfer: Transfer) -> QuerySet[Transfer]:
    """The transfer's row, only while this worker's claim still holds."""
    return Transfer.objects.filter(pk=transfer.pk, state=TransferState.SENDING, claimed_at=transfer.claimed_at)


# --- the lookup rule --------------------------------------------------------------


def transfer_lookup(transfer: Transfer, *, lookup: Callable[[], str | None], always: bool = False) -> str | None:
    """Settle an earlier attempt whose outcome may have reached the remote side.

    Returns the remote id the lookup found, or None. Nothing to settle: None
    without a call, unless ``always`` (the kinds that match an existing remote
    record before any first create, e.g. an item by its number). Only a lookup
    that finished and found nothing clears ``needs_lookup``; when ``lookup``
    raises, the flag stays set.
    """
    if not transfer.needs_lookup and not always:
        return None
    found = lookup()
    if found:
        return found
    if transfer.needs_lookup:
        if not _lease(transfer).update(needs_lookup=False):
            raise LeaseLost
        transfer.needs_lookup = False
    return None


@contextmanager
def remote_create(transfer: Transfer) -> Iterator[None]:
    """Wrap the one call that may create a document remotely.

    Before the call: persist that the document may exist (and renew the lease,
    so the watchdog's timeout counts from here). After a retryable error that
    surely never reached the remote side, the flag is cleared again; after
    anything else it stays, and the next attempt looks the document up.
    """
    if transfer.needs_lookup:
        raise LookupRequired(f"Transfer {transfer.pk}: create attempted before its lookup finished")
    now = timezone.now()
    if not _lease(transfer).update(needs_lookup=True, claimed_at=now):
        raise LeaseLost
    transfer.needs_lookup, transfer.claimed_at = True, now
    try:
        yield
    except RetryableError as exc:
        if not exc.reached_remote and _lease(transfer).update(needs_lookup=False):
            transfer.needs_lookup = False
        raise


# --- finishing ---------------------------------------------------------------------


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


FINISH_FIELDS = ["state", "last_error", "last_hint", "error_source", "sent_at", "updated_at"]


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
    """Leave 'sending' and log the attempt, in one short transaction.

    Only while this worker's claim holds: a claim taken over by the watchdog
    logs its attempt but leaves the state to the newer one.
    """
    with transaction.atomic():
        current = Transfer.objects.select_for_update().get(pk=transfer.pk)
        ours = current.state == TransferState.SENDING and current.claimed_at == transfer.claimed_at
        if ours:
            transfer.move_to(state, last_error=error, last_hint=hint, error_source=source, **changes)
            if state == TransferState.SENT:
                transfer.sent_at = timezone.now()
            transfer.save(update_fields=[*FINISH_FIELDS, *changes])
        else:
            logger.warning("Transfer %s: claim taken over before this attempt finished", transfer.pk)
            error = (error + " " if error else "") + _(
                "(This attempt had been given up as stuck; a newer one decides.)"
            )
        TransferAttempt.objects.create(
            transfer_id=transfer.pk,
            # Not ``tries``: a repeating transfer (stock, status) starts its tries afresh.
            number=TransferAttempt.objects.filter(transfer_id=transfer.pk).count() + 1,
            started_at=log.started_at,
            duration_ms=int((time.monotonic() - log.started) * 1000),
            outcome=outcome,
            http_status=log.http_status,
            request_excerpt=log.request_excerpt[:4000],
            response_excerpt=log.response_excerpt[:4000],
            error=error,
            hint=hint,
        )
    return transfer if ours else current


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
    except LeaseLost:
        logger.warning("Transfer %s: claim taken over mid-attempt; stopping without writing", transfer.pk)
        return None
    except Exception as exc:
        transfer = transfer_fail(transfer, log, exc)
    else:
        transfer = transfer_finish(
            transfer,
            log,
            state=TransferState.SENT,
            outcome=outcome,
            remote_id=remote_id,
            needs_lookup=False,
            next_attempt_at=timezone.now(),
        )
    return transfer.state


GAVE_UP = _("Gave up after %(tries)d tries.")


def transfer_fail(transfer: Transfer, log: AttemptLog, exc: Exception) -> Transfer:
    """Leave 'sending' after an error; the error's type decides state, backoff and hint.

    Never clears ``needs_lookup`` (see the module's rule).
    """
    max_tries = settings.TRANSFER_MAX_TRIES
    now = timezone.now()
    if isinstance(exc, ConnectorError):
        log.http_status = exc.http_status
        log.response_excerpt = exc.response_excerpt or log.response_excerpt
    if isinstance(exc, MappingError):
        return transfer_finish(
            transfer,
            log,
            state=TransferState.NEEDS_ATTENTION,
            outcome=AttemptOutcome.INVALID,
            error=str(exc),
            hint=exc.hint,
            source=ErrorSource.VALIDATION,
        )
    if isinstance(exc, ConflictPending):
        return transfer_finish(
            transfer,
            log,
            state=TransferState.CONFLICT,
            outcome=AttemptOutcome.CONFLICT,
            error=exc.message,
            hint=_("An accountant decides in Customers › Customer conflicts."),
            source=ErrorSource.VALIDATION,
        )
    if isinstance(exc, AuthError):
        return _wait_for_credentials(transfer, log, exc, now=now)
    if isinstance(exc, RetryableError):
        if transfer.tries >= max_tries:
            return transfer_finish(
                transfer,
                log,
                state=TransferState.NEEDS_ATTENTION,
                outcome=AttemptOutcome.RETRY,
                error=exc.message,
                source=ErrorSource.SYNC,
                hint=GAVE_UP % {"tries": transfer.tries}
                + " "
                + (exc.hint or _("The remote system kept failing; check it is up, then resend.")),
            )
        return transfer_finish(
            transfer,
            log,
            state=TransferState.RETRY_WAIT,
            outcome=AttemptOutcome.RETRY,
            error=exc.message,
            hint=exc.hint or _("Temporary; retried automatically."),
            source=ErrorSource.SYNC,
            next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(transfer.tries, retry_after=exc.retry_after)),
        )
    if isinstance(exc, AmbiguousError):
        gave_up = transfer.tries >= max_tries
        return transfer_finish(
            transfer,
            log,
            state=TransferState.NEEDS_ATTENTION if gave_up else TransferState.UNKNOWN,
            outcome=AttemptOutcome.UNKNOWN,
            error=exc.message,
            hint=(GAVE_UP % {"tries": transfer.tries} + " " if gave_up else "")
            + (exc.hint or _("The document may exist; it is looked up before any new attempt.")),
            source=ErrorSource.SYNC,
            next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(transfer.tries)),
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
        )
    # Our own bug: keep the row safe and visible, and look the document up before any resend.
    logger.error("Transfer %s failed unexpectedly", transfer.pk, exc_info=exc)
    return transfer_finish(
        transfer,
        log,
        state=TransferState.NEEDS_ATTENTION,
        outcome=AttemptOutcome.UNKNOWN,
        error=_("Internal error: %(type)s: %(error)s") % {"type": type(exc).__name__, "error": exc},
        hint=_("A bug in the portal; the document is looked up before any resend. Report it to the integrator."),
        source=ErrorSource.SYNC,
        needs_lookup=True,
    )


def _wait_for_credentials(transfer: Transfer, log: AttemptLog, exc: AuthError, *, now: dt.datetime) -> Transfer:
    """Credentials refused: the connection, not the document, needs a person.

    The connection is marked; this transfer waits behind it without using up
    a try, and resumes by itself once the connection works again.
    """
    connection_id = exc.connection_id or transfer.connection_id
    connection_mark_needs_credentials(connection_id=connection_id, error=exc.message, hint=exc.hint)
    name = Connection.objects.filter(pk=connection_id).values_list("name", flat=True).first() or ""
    own = connection_id == transfer.connection_id
    return transfer_finish(
        transfer,
        log,
        state=TransferState.RETRY_WAIT,
        outcome=AttemptOutcome.RETRY,
        error=_("%(connection)s refused the credentials: %(error)s") % {"connection": name, "error": exc.message},
        hint=_(
            "Waits for the connection's credentials to be corrected; sent by itself once "
            "'Test connection' succeeds. %(hint)s"
        )
        % {"hint": exc.hint},
        source=ErrorSource.CREDENTIALS,
        tries=max(0, transfer.tries - 1),
        # Held back by the connection's state when it is this transfer's own connection;
        # otherwise (the shop, read on a retry) it asks again in a while.
        next_attempt_at=now if own else now + dt.timedelta(minutes=5),
    )


def transfer_run_now(*, connection: Connection, obj: models.Model, kind: str, what: str, then: str) -> Transfer:
    """Send one prerequisite document now, through its own transfer, and return it sent.

    What an order needs first (its customer, its products, S7) goes through
    the same machinery as anything else: claimed, looked up when unsettled,
    created once. If it is not sent, the order waits: the error raised says
    why (``what`` names the document, ``then`` what waits on it).
    """
    transfer = transfer_ensure(connection=connection, obj=obj, kind=kind)
    if transfer.state == TransferState.SENT:
        return transfer
    if transfer.state in (TransferState.NEEDS_ATTENTION, TransferState.CONFLICT):
        # The dependent document was resent: this one is tried again with it.
        transfer.move_to(TransferState.PENDING)
        transfer.save(update_fields=["state", "updated_at"])
    Transfer.objects.filter(pk=transfer.pk, state__in=CLAIMABLE).update(next_attempt_at=timezone.now())
    if transfer_process(transfer_id=transfer.pk) is None:
        raise RetryableError(
            _("%(what)s is being sent by another worker.") % {"what": what},
            hint=_("Retried automatically in a moment."),
        )
    transfer.refresh_from_db()
    if transfer.state == TransferState.SENT:
        return transfer
    message = _("%(what)s could not be sent to %(connection)s yet: %(error)s") % {
        "what": what,
        "connection": connection,
        "error": transfer.last_error,
    }
    if transfer.error_source == ErrorSource.CREDENTIALS:
        raise AuthError(transfer.last_error, hint=transfer.last_hint)
    if transfer.state == TransferState.NEEDS_ATTENTION:
        raise PermanentError(message, hint=transfer.last_hint)
    raise RetryableError(message, hint=then)


# --- people's actions and the watchdog ---------------------------------------------

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

    A sent sales order or customer is refused: it exists in the ERP. A
    transfer being sent right now is refused: its worker finishes it. An
    unsettled earlier outcome stays unsettled: the resent attempt looks first.
    """
    queued: list[int] = []
    refused: list[tuple[int, str]] = []
    now = timezone.now()
    with transaction.atomic():
        for transfer in Transfer.objects.select_for_update().filter(pk__in=list(transfer_ids)).order_by("pk"):
            if transfer.state == TransferState.SENDING:
                refused.append((transfer.pk, _("is being sent right now")))
                continue
            if transfer.state == TransferState.SENT and transfer.kind in ONE_SHOT_KINDS:
                refused.append((transfer.pk, _("was already transferred as %(id)s") % {"id": transfer.remote_id}))
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
    timeout = settings.TRANSFER_SENDING_TIMEOUT
    for transfer in transfers_stuck(timeout_seconds=timeout, now=now):
        finished = transfer_finish(
            transfer,
            AttemptLog(),
            state=TransferState.UNKNOWN,
            outcome=AttemptOutcome.UNKNOWN,
            error=_("No result after %(seconds)ss in 'sending': the worker stopped.") % {"seconds": timeout},
            hint=_("The document is looked up in the remote system before any new attempt."),
            source=ErrorSource.SYNC,
            needs_lookup=True,
            next_attempt_at=timezone.now(),
        )
        moved += finished.state == TransferState.UNKNOWN
    return moved
