"""People's actions on transfers (resend) and the watchdog for stuck ones."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    AttemptOutcome,
    ErrorSource,
    Transfer,
    TransferState,
)
from ..selectors import transfers_stuck
from ..services import enqueue
from .lifecycle import ONE_SHOT_KINDS
from .outcomes import AttemptLog, transfer_finish

logger = logging.getLogger("connectors.engine")

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


def transfer_confirm_not_made(*, transfer_ids: Iterable[int], user) -> ResendResult:
    """A person looked in the remote system and found the document was not made: the lookup is
    finished (by them), so the transfer may create it. Recorded as an attempt with their name.

    For remote systems that offer no lookup (a carrier without a booking search); only transfers
    that wait for attention with an unsettled outcome qualify.
    """
    eligible = list(
        Transfer.objects.filter(
            pk__in=list(transfer_ids),
            needs_lookup=True,
            state__in=(TransferState.NEEDS_ATTENTION, TransferState.UNKNOWN),
        ).values_list("pk", flat=True)
    )
    with transaction.atomic():
        for transfer in Transfer.objects.select_for_update().filter(pk__in=eligible).order_by("pk"):
            Transfer.objects.filter(pk=transfer.pk).update(needs_lookup=False, attempts_made=F("attempts_made") + 1)
            transfer.attempts.create(
                number=transfer.attempts_made + 1,
                outcome=AttemptOutcome.CONFIRMED_NOT_MADE,
                error=_("%(user)s confirmed it was not made in the remote system.") % {"user": user},
            )
    result = transfer_resend(transfer_ids=eligible)
    skipped = [(pk, _("has nothing to settle")) for pk in transfer_ids if pk not in eligible]
    return ResendResult(queued=result.queued, refused=[*result.refused, *skipped])


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
