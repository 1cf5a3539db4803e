"""How an attempt ends: its log, the state it leaves, the backoff and the hint (see the package's rule)."""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..exceptions import (
    AmbiguousError,
    AuthError,
    ConflictPending,
    ConnectorError,
    MappingError,
    PermanentError,
    RetryableError,
)
from ..models import (
    AttemptOutcome,
    Connection,
    ErrorSource,
    Transfer,
    TransferAttempt,
    TransferState,
)
from ..services import connection_mark_needs_credentials

logger = logging.getLogger("connectors.engine")


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
    """Leave 'sending' and log the attempt.

    Only while this worker's claim holds (one conditional UPDATE): a claim taken over by the
    watchdog logs its attempt but leaves the state to the newer one. The attempt row follows the
    state in its own statement (no transaction around the two: a crash between them loses that
    log row, never the state, which is what the next attempt reads).
    """
    started = transfer.state
    transfer.move_to(state, last_error=error, last_hint=hint, error_source=source, **changes)
    if state == TransferState.SENT:
        transfer.sent_at = timezone.now()
    transfer.updated_at = timezone.now()
    fields = [*FINISH_FIELDS, *changes]
    ours = Transfer.objects.filter(pk=transfer.pk, state=TransferState.SENDING, claimed_at=transfer.claimed_at).update(
        attempts_made=F("attempts_made") + 1, **{name: getattr(transfer, name) for name in fields}
    )
    if ours:
        # Within a claim nothing else counts attempts (a person's confirmation needs another state).
        number = transfer.attempts_made + 1
        transfer.attempts_made = number
        result = transfer
    else:
        transfer.state = started
        Transfer.objects.filter(pk=transfer.pk).update(attempts_made=F("attempts_made") + 1)
        result = Transfer.objects.get(pk=transfer.pk)
        number = result.attempts_made
        logger.warning("Transfer %s: claim taken over before this attempt finished", transfer.pk)
        error = (error + " " if error else "") + _("(This attempt had been given up as stuck; a newer one decides.)")
    TransferAttempt.objects.create(
        transfer_id=transfer.pk,
        # Not ``tries``: a repeating transfer (stock, status) starts its tries afresh.
        number=number,
        started_at=log.started_at,
        duration_ms=int((time.monotonic() - log.started) * 1000),
        outcome=outcome,
        http_status=log.http_status,
        request_excerpt=log.request_excerpt[:4000],
        response_excerpt=log.response_excerpt[:4000],
        error=error,
        hint=hint,
    )
    return result


GAVE_UP = gettext_lazy("Gave up after %(tries)d tries.")


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
    if isinstance(exc, RetryableError) and not exc.reached_remote and exc.retry_after is not None:
        # Rate limited (a 429, or the portal's own pacer): nothing was wrong with the document and
        # nothing happened remotely. It goes again when the window allows, and the try is given back.
        return transfer_finish(
            transfer,
            log,
            state=TransferState.RETRY_WAIT,
            outcome=AttemptOutcome.RETRY,
            error=exc.message,
            hint=exc.hint or _("Temporary; retried automatically."),
            source=ErrorSource.SYNC,
            next_attempt_at=now + dt.timedelta(seconds=exc.retry_after),
            tries=max(0, transfer.tries - 1),
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
