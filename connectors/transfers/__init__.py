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

from ..exceptions import ConflictPending, LeaseLost, LookupRequired
from .lifecycle import (
    HANDLERS,
    ONE_SHOT_KINDS,
    handles,
    remote_create,
    transfer_claim,
    transfer_ensure,
    transfer_lookup,
    transfer_process,
    transfer_queue,
    transfer_run_now,
)
from .outcomes import AttemptLog, backoff_seconds, transfer_fail, transfer_finish
from .repair import ResendResult, transfer_confirm_not_made, transfer_resend, transfers_watchdog

__all__ = [
    "HANDLERS",
    "ONE_SHOT_KINDS",
    "AttemptLog",
    "ConflictPending",
    "LeaseLost",
    "LookupRequired",
    "ResendResult",
    "backoff_seconds",
    "handles",
    "remote_create",
    "transfer_claim",
    "transfer_confirm_not_made",
    "transfer_ensure",
    "transfer_fail",
    "transfer_finish",
    "transfer_lookup",
    "transfer_process",
    "transfer_queue",
    "transfer_resend",
    "transfer_run_now",
    "transfers_watchdog",
]
