"""Connections to external systems, the rules of each shop->ERP pair, and the
bookkeeping that makes every transfer exactly-once: bindings, transfers and
their attempts, cursors and runs."""

from .connections import (
    AuthState,
    Connection,
    CustomerPolicy,
    GuestPolicy,
    Integration,
    RatePacer,
    Role,
    UnknownItemPolicy,
)
from .sync import ExternalRef, ImportProblem, RunStatus, ShopCode, ShopCodeKind, SyncCursor, SyncRun, WebhookDelivery
from .transfers import (
    AttemptOutcome,
    ErrorSource,
    IllegalTransition,
    Transfer,
    TransferAttempt,
    TransferKind,
    TransferState,
)

__all__ = [
    "AttemptOutcome",
    "AuthState",
    "Connection",
    "CustomerPolicy",
    "ErrorSource",
    "ExternalRef",
    "GuestPolicy",
    "IllegalTransition",
    "ImportProblem",
    "Integration",
    "RatePacer",
    "Role",
    "RunStatus",
    "ShopCode",
    "ShopCodeKind",
    "SyncCursor",
    "SyncRun",
    "Transfer",
    "TransferAttempt",
    "TransferKind",
    "TransferState",
    "UnknownItemPolicy",
    "WebhookDelivery",
]
