"""Transfers: every outbound document, its state machine and its attempts."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .connections import Connection


class IllegalTransition(Exception):
    """A Transfer was asked to move to a state its current state cannot reach."""


class TransferKind(models.TextChoices):
    SALES_ORDER = "sales_order", _("Sales order")
    CUSTOMER = "customer", _("Customer")
    PRODUCT = "product", _("Product")
    STOCK = "stock", _("Stock")
    PRICE = "price", _("Price")
    ORDER_STATUS = "order_status", _("Order status")
    INVOICE = "invoice", _("Invoice")
    SHIPMENT = "shipment", _("Shipment")
    CREDIT_NOTE = "credit_note", _("Credit note")
    REFUND = "refund", _("Online refund")
    CARRIER_BOOKING = "carrier_booking", _("Carrier booking")
    ORDER_CANCEL = "order_cancel", _("Order cancellation")
    ERP_SALES_DOCUMENT = "erp_sales_document", _("Invoice or receipt in the ERP")
    ERP_GOODS_RELEASE = "erp_goods_release", _("Goods released in the ERP")


class TransferState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRY_WAIT = "retry_wait", _("Waiting to retry")
    UNKNOWN = "unknown", _("Outcome unknown")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention")
    CONFLICT = "conflict", _("Customer conflict")


class ErrorSource(models.TextChoices):
    NONE = "", _("None")
    VALIDATION = "validation", _("Error (fix a setting or mapping)")
    SYNC = "sync", _("Sync error (reported by the remote system)")
    CREDENTIALS = "credentials", _("Waiting for the connection's credentials")


S = TransferState
# Every move a transfer may make. "sent -> pending" exists for the repeating
# kinds (stock, price, status); the sales-order service never re-creates a
# bound document, it looks it up.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.SENDING, S.NEEDS_ATTENTION, S.CONFLICT}),
    S.SENDING: frozenset({S.SENT, S.RETRY_WAIT, S.UNKNOWN, S.NEEDS_ATTENTION, S.CONFLICT}),
    S.RETRY_WAIT: frozenset({S.SENDING, S.PENDING, S.NEEDS_ATTENTION}),
    S.UNKNOWN: frozenset({S.SENDING, S.PENDING, S.NEEDS_ATTENTION}),
    S.NEEDS_ATTENTION: frozenset({S.PENDING}),
    S.CONFLICT: frozenset({S.PENDING, S.NEEDS_ATTENTION}),
    S.SENT: frozenset({S.PENDING}),
}
del S


class Transfer(models.Model):
    """One outbound document to one connection: the unit of exactly-once.

    Unique per (connection, object, kind). The state machine lives in
    ``ALLOWED_TRANSITIONS``; workers claim a row before sending (see
    ``connectors.services.transfer_claim``) so no two push the same one.
    """

    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="transfers")
    kind = models.CharField(max_length=20, choices=TransferKind.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    obj = GenericForeignKey("content_type", "object_id")
    state = models.CharField(max_length=20, choices=TransferState.choices, default=TransferState.PENDING, db_index=True)
    tries = models.PositiveIntegerField(default=0)
    # How many attempts are logged: the next one's number, kept here so finishing an attempt needs no
    # COUNT (``tries`` starts afresh when a repeating transfer is queued again; this never does).
    attempts_made = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    needs_lookup = models.BooleanField(
        default=False,
        help_text=_("An earlier attempt may have reached the remote system: look it up before creating."),
    )
    remote_id = models.CharField(max_length=120, blank=True, help_text=_("Id of the document in the remote system."))
    error_source = models.CharField(max_length=12, choices=ErrorSource.choices, blank=True, default="")
    last_error = models.TextField(blank=True)
    last_hint = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "content_type", "object_id", "kind"], name="uniq_transfer_per_object"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="transfer_due_idx"),
            # The order list reads each order's transfer by object, whatever the connection.
            models.Index(fields=["content_type", "object_id", "kind"], name="transfer_object_idx"),
        ]
        permissions = [("resend_transfer", "Can resend a transfer")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.object_id} → {self.connection} ({self.state})"

    def subject(self) -> str:
        """What a person calls this transfer: its kind and its object's own name ("Sales order 1042")."""
        obj = self.obj
        return f"{self.get_kind_display()} {obj if obj is not None else f'#{self.object_id}'}"

    def can_move_to(self, state: str) -> bool:
        return state in ALLOWED_TRANSITIONS[self.state]

    def move_to(self, state: str, **changes: Any) -> None:
        """Change state in memory after checking the transition is legal.

        Raises IllegalTransition otherwise; the caller saves.
        """
        if not self.can_move_to(state):
            raise IllegalTransition(f"Transfer {self.pk}: {self.state} -> {state} is not allowed")
        self.state = state
        for name, value in changes.items():
            setattr(self, name, value)


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("Sent")
    FOUND = "found", _("Found already in the remote system")
    RETRY = "retry", _("Temporary failure, will retry")
    UNKNOWN = "unknown", _("No answer: outcome unknown")
    FAILED = "failed", _("Refused by the remote system")
    INVALID = "invalid", _("Not sent: data or mapping missing")
    CONFLICT = "conflict", _("Not sent: customer conflict")
    CONFIRMED_NOT_MADE = "confirmed", _("A person confirmed it was not made")


class TransferAttempt(models.Model):
    """The log of one try of a transfer: what was sent, what came back.

    Written once and never edited (read-only in the admin); secrets are
    removed before the excerpts are stored.
    """

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=12, choices=AttemptOutcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    request_excerpt = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    hint = models.TextField(blank=True)

    class Meta:
        ordering = ["transfer", "number"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "number"], name="uniq_attempt_number"),
        ]

    def __str__(self) -> str:
        return f"{self.transfer_id} try {self.number}: {self.outcome}"
