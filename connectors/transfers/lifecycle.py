"""A transfer from its row to its claim, lookup, create and run (see the package's rule)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db import transaction as db_transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import (
    AuthError,
    DuplicateDocument,
    LeaseLost,
    LookupRequired,
    PermanentError,
    RetryableError,
)
from ..models import (
    AuthState,
    Connection,
    ErrorSource,
    Transfer,
    TransferKind,
    TransferState,
)
from ..selectors import CLAIMABLE
from ..services import enqueue
from .outcomes import AttemptLog, transfer_fail, transfer_finish

logger = logging.getLogger("connectors.engine")

# Documents created once in the remote system: never sent again once sent. (A customer
# or product transfer is sent again when its card changes: an update, its create long done.)
ONE_SHOT_KINDS = frozenset(
    {
        TransferKind.SALES_ORDER,
        TransferKind.INVOICE,
        TransferKind.SHIPMENT,
        TransferKind.CREDIT_NOTE,
        TransferKind.REFUND,
        TransferKind.CARRIER_BOOKING,
    }
)


def transfer_ensure(*, connection: Connection, obj: models.Model, kind: str, likely_new: bool = False) -> Transfer:
    """The transfer of ``obj`` to ``connection``, created pending if new.

    A repeating kind (stock, price, status) that was sent goes back to pending.
    A sales order or customer that was sent stays sent: it exists remotely.
    ``likely_new``: try the INSERT first (one statement when it is new; outside a transaction only,
    where a refused INSERT harms nothing).
    """
    ct = ContentType.objects.get_for_model(obj)
    if likely_new and not db_transaction.get_connection().in_atomic_block:
        try:
            return Transfer.objects.create(connection=connection, content_type=ct, object_id=obj.pk, kind=kind)
        except IntegrityError:
            pass  # it exists: read it below
    transfer, created = Transfer.objects.get_or_create(
        connection=connection, content_type=ct, object_id=obj.pk, kind=kind
    )
    if not created and transfer.state == TransferState.SENT and kind not in ONE_SHOT_KINDS:
        transfer.move_to(TransferState.PENDING, next_attempt_at=timezone.now(), tries=0)
        transfer.save(update_fields=["state", "next_attempt_at", "tries", "updated_at"])
    return transfer


def transfer_queue(
    *,
    connection: Connection,
    obj: models.Model,
    kind: str,
    task: bool = True,
    follow: bool = False,
    likely_new: bool = False,
) -> Transfer:
    """Ensure the transfer (``transfer_ensure``) and queue it for a worker once this
    transaction commits, when it is due to go; return it. ``task=False``: leave it due for
    a batch run (``flows.batches``) instead of a task of its own. ``follow``: a document that
    follows the one being sent (the ERP's number written back to the shop): this worker sends it
    right after, without a task of its own (should the worker die first, the tick queues it)."""
    transfer = transfer_ensure(connection=connection, obj=obj, kind=kind, likely_new=likely_new)
    if transfer.state == TransferState.PENDING and follow:
        transaction.on_commit(lambda: _follow_ups.append(transfer.pk))
    elif transfer.state == TransferState.PENDING and task:
        enqueue("connectors.tasks.process_transfer", transfer.pk)
    return transfer


# Transfers this process sends right after the one it is sending (``transfer_queue(follow=True)``).
_follow_ups: list[int] = []


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
def remote_create(transfer: Transfer, *, guarded: bool = False) -> Iterator[None]:
    """Wrap the one call that may create a document remotely.

    ``guarded``: the remote system itself refuses (or merges) a repeat of this create by a key the
    request carries (``ErpConnector.guarded_creates``), so a repeat is safe with an outcome still
    unsettled: the remote side's own check is the lookup, done atomically with the create. Its
    refusal of a repeat is a ``DuplicateDocument``, which settles the transfer.

    Before the call: persist that the document may exist (and renew the lease,
    so the watchdog's timeout counts from here). After a retryable error that
    surely never reached the remote side, or a definite refusal (HTTP 400 or
    422: the remote side read the request and created nothing), the flag is
    cleared again; after anything else it stays, and the next attempt looks
    the document up.
    """
    if transfer.needs_lookup and not guarded:
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
    except PermanentError as exc:
        refused = (exc.http_status in DEFINITE_REFUSALS or exc.refused) and not isinstance(
            exc, AuthError | DuplicateDocument
        )
        if refused and _lease(transfer).update(needs_lookup=False):
            transfer.needs_lookup = False
        raise


# A create answered with these statuses was read and refused: nothing was made.
DEFINITE_REFUSALS = frozenset({400, 422})


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
    while _follow_ups:
        transfer_process(transfer_id=_follow_ups.pop(0))
    return transfer.state


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
