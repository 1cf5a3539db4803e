"""Connections to external systems, the rules of each shop->ERP pair, and the
bookkeeping that makes every transfer exactly-once: bindings, transfers and
their attempts, cursors and runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sync_portal.fields import EncryptedJSONField


class Role(models.TextChoices):
    SHOP = "shop", _("Web shop")
    ERP = "erp", _("ERP")
    PAYMENT = "payment", _("Payment provider")
    CARRIER = "carrier", _("Carrier")


class AuthState(models.TextChoices):
    OK = "ok", _("Working")
    NEEDS_CREDENTIALS = "needs_credentials", _("Needs credentials")


class Connection(models.Model):
    """One external system — a web shop or an ERP — and how to reach it.

    ``credentials`` is encrypted at rest and never shown back: the admin and
    the API only say whether it is set. ``auth_state`` says whether the remote
    system last accepted them: while it refuses them, the connection's
    transfers wait instead of failing one by one, and resume by themselves
    once a test succeeds.
    """

    name = models.CharField(max_length=100, unique=True)
    role = models.CharField(max_length=8, choices=Role.choices)
    platform = models.CharField(max_length=40, help_text=_("Platform key from the connector registry, e.g. 'magento'."))
    base_url = models.URLField(max_length=300)
    parameters = models.JSONField(default=dict, blank=True, help_text=_("Platform options that are not secret."))
    credentials = EncryptedJSONField(default=dict, blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    sync_interval = models.PositiveIntegerField(default=5, help_text=_("Minutes between automatic sync cycles."))
    document_header = models.TextField(
        blank=True,
        help_text=_(
            "Shops: the seller as printed at the top of invoices, packing slips and credit notes (name, address, "
            "organisation number, bank account). Empty: the connection's name."
        ),
    )
    authorised_payment_methods = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "Shops: payment methods whose orders arrive paid or authorised (card, Klarna …): their new orders "
            "start as Processing; the others as Pending until their first invoice."
        ),
    )
    last_cycle_at = models.DateTimeField(null=True, blank=True, editable=False)
    cycle_lease_until = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("A cycle is running until then (one at a time).")
    )
    auth_state = models.CharField(
        _("credentials"), max_length=20, choices=AuthState.choices, default=AuthState.OK, editable=False
    )
    auth_error = models.TextField(_("credentials error"), blank=True, editable=False)
    auth_hint = models.TextField(blank=True, editable=False)
    auth_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("sync_connection", "Can start a sync cycle now"),
            ("test_connection", "Can test a connection"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials)

    def is_cycle_due(self, now: dt.datetime) -> bool:
        """Whether the interval since the last cycle has passed."""
        if not self.enabled:
            return False
        if self.last_cycle_at is None:
            return True
        return now >= self.last_cycle_at + dt.timedelta(minutes=self.sync_interval)


class CustomerPolicy(models.TextChoices):
    ASK = "ask", _("Ask (order waits for an accountant)")
    ADD_NEW = "add_new", _("Add a new customer")
    MERGE = "merge", _("Merge with the similar customer")
    DEFAULT = "default", _("Use the default customer")


class GuestPolicy(models.TextChoices):
    REGULAR = "regular", _("Regular customer record")
    ONE_TIME = "one_time", _("One-time customer")
    DEFAULT = "default", _("Use the default customer")


class UnknownItemPolicy(models.TextChoices):
    DEFAULT_ITEM = "default_item", _("Send the line as the default item")
    STOP = "stop", _("Stop the order until the item exists")


class Integration(models.Model):
    """The rules of one shop->ERP pair (P5): what is sent when, and how.

    One shop sends its orders to exactly one ERP; one ERP may serve several
    shops (R2), each with its own numbering series and shop id.
    """

    shop = models.OneToOneField(
        Connection,
        on_delete=models.PROTECT,
        related_name="integration",
        limit_choices_to={"role": Role.SHOP},
    )
    erp = models.ForeignKey(
        Connection,
        on_delete=models.PROTECT,
        related_name="integrations_as_erp",
        limit_choices_to={"role": Role.ERP},
    )
    enabled = models.BooleanField(default=True)
    transfer_statuses = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Shop statuses at which an order is sent to the ERP."),
    )
    default_item_no = models.CharField(
        max_length=60,
        blank=True,
        help_text=_("ERP item for products without a reference, e.g. 'Other item, not linked'."),
    )
    shipping_item_no = models.CharField(max_length=60, blank=True, help_text=_("ERP item for the freight line."))
    discount_item_no = models.CharField(
        max_length=60, blank=True, help_text=_("ERP item for fixed-amount discount lines; empty: default item.")
    )
    rounding_item_no = models.CharField(
        max_length=60, blank=True, help_text=_("ERP item for a cent of rounding; empty: default item.")
    )
    service_item_map = models.JSONField(
        default=dict, blank=True, help_text=_("Service name -> ERP item number: services match by name.")
    )
    default_customer_no = models.CharField(
        max_length=60,
        blank=True,
        help_text=_("ERP customer for buyers without a number, e.g. 'Web customer, not linked'."),
    )
    policy_no_similar = models.CharField(
        max_length=12,
        choices=CustomerPolicy.choices,
        default=CustomerPolicy.ADD_NEW,
        help_text=_("When no similar ERP customer exists."),
    )
    policy_one_similar = models.CharField(
        max_length=12,
        choices=CustomerPolicy.choices,
        default=CustomerPolicy.ASK,
        help_text=_("When exactly one similar ERP customer exists."),
    )
    guest_policy = models.CharField(
        max_length=12,
        choices=GuestPolicy.choices,
        default=GuestPolicy.REGULAR,
        help_text=_("Buyers without a shop account."),
    )
    status_map = models.JSONField(default=dict, blank=True, help_text=_("ERP order status -> shop status."))
    payment_method_map = models.JSONField(default=dict, blank=True, help_text=_("Shop payment method -> ERP code."))
    shipping_method_map = models.JSONField(default=dict, blank=True, help_text=_("Shop shipping method -> ERP code."))
    vat_map = models.JSONField(default=dict, blank=True, help_text=_("VAT rate in percent -> ERP VAT code."))
    warehouse_code = models.CharField(
        max_length=30, blank=True, help_text=_("ERP warehouse orders draw from; stock read from it.")
    )
    numbering_series = models.CharField(
        max_length=30, blank=True, help_text=_("ERP order numbering series of this shop.")
    )
    erp_shop_id = models.CharField(
        max_length=30, blank=True, help_text=_("Identifies this shop on a shared ERP account.")
    )
    order_comment_to_internal_note = models.BooleanField(
        default=False,
        help_text=_("Also put the buyer's order comment into the ERP order's internal note, after the order number."),
    )
    erp_sends_confirmation = models.BooleanField(
        default=False, help_text=_("Whether the ERP e-mails the order confirmation.")
    )
    shop_email = models.EmailField(blank=True, help_text=_("The shop's own e-mail address, sent with each order."))
    unknown_item_policy = models.CharField(
        max_length=14,
        choices=UnknownItemPolicy.choices,
        default=UnknownItemPolicy.DEFAULT_ITEM,
        help_text=_(
            "A line whose item number the ERP does not know: sent as the default item (keeping the shop's name, "
            "SKU and price in its text) when one is set, or the order stops with a hint."
        ),
    )
    products_to_erp = models.BooleanField(
        default=False,
        help_text=_(
            "Create ERP items for the shop's new products and send the shop's product changes (name, price "
            "excl. VAT, VAT, EAN, weight, purchase price, a changed article number) to them."
        ),
    )
    products_to_shop = models.BooleanField(
        default=False,
        help_text=_(
            "Create shop products for new ERP items and send the ERP's item changes, renamed article numbers "
            "and deletions (the product becomes inactive) to the shop. Prices go to the shop either way."
        ),
    )
    customers_to_erp = models.BooleanField(
        default=False,
        help_text=_(
            "Download the shop's registered customers and create or update them in the ERP as they appear, "
            "not only when they order."
        ),
    )
    new_product_active = models.BooleanField(
        default=False, help_text=_("Whether a product created in the shop from the ERP is active at once.")
    )
    new_product_category = models.CharField(
        max_length=60, blank=True, help_text=_("Shop category id of products created from the ERP.")
    )
    send_stock_on_create = models.BooleanField(
        default=False, help_text=_("Send the shop's stock with a new ERP item (only when it is created).")
    )
    erp_keeps_suppliers = models.BooleanField(
        default=False,
        help_text=_("The ERP keeps suppliers and computes the purchase price: the shop's is not sent."),
    )
    field_masters = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            'Which side may change which product field: {"name": "shop" | "erp" | "both", ...}; unlisted '
            "fields: both (the latest change wins)."
        ),
    )
    documents_source = models.CharField(
        max_length=8,
        choices=[("portal", _("In the portal")), ("erp", _("In the ERP"))],
        default="portal",
        help_text=_(
            "Where invoices and shipments are made. In the ERP: invoices the ERP posts (paid when it says so) "
            "and shipments it completes (with their tracking number) come back to the portal and are recorded "
            "in the shop."
        ),
    )
    update_erp_customers = models.BooleanField(
        default=True,
        help_text=_(
            "Send a customer's changed shop card to the ERP customer it is bound to, before their next order "
            "(force update). Never for the default customer."
        ),
    )

    def __str__(self) -> str:
        return f"{self.shop} → {self.erp}"

    def clean(self) -> None:
        if self.shop_id is not None and self.shop.role != Role.SHOP:
            raise ValidationError({"shop": _("Choose a shop connection.")})
        if self.erp_id is not None and self.erp.role != Role.ERP:
            raise ValidationError({"erp": _("Choose an ERP connection.")})
        if self.documents_source == "erp" and self.erp_id is not None:
            from . import registry
            from .base import Capability

            capabilities = registry.get(self.erp.platform).capabilities
            if not {Capability.INVOICES, Capability.SHIPMENTS} & capabilities:
                raise ValidationError(
                    {
                        "documents_source": _(
                            "%(erp)s does not send its invoices or shipments to the portal: make them in the portal."
                        )
                        % {"erp": self.erp}
                    }
                )


class ExternalRef(models.Model):
    """Binds a local object to its id in one external system.

    Unique per (connection, entity, external id): an import that sees the same
    remote object twice updates one row, never creates a second.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="refs")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, verbose_name=_("entity"))
    object_id = models.PositiveBigIntegerField()
    obj = GenericForeignKey("content_type", "object_id")
    external_id = models.CharField(max_length=120)
    remote_updated_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Remote 'last modified' when last imported: skip if unchanged.")
    )
    fingerprint = models.CharField(
        max_length=64, blank=True, help_text=_("Hash of the remote data last imported: skip it when unchanged.")
    )
    synced = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            "The field values last exchanged with the remote side (read from it or written to it): only "
            "what differs from them is sent, and a value coming back unchanged is no news (no echoes)."
        ),
    )
    shared = models.BooleanField(
        default=False,
        help_text=_("Several local objects may point at this remote one: shop customers merged with one ERP customer."),
    )
    bound_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # An imported remote object is one local object; a shared binding (many shop
            # customers -> one ERP customer) is the one exception.
            models.UniqueConstraint(
                fields=["connection", "content_type", "external_id"],
                condition=models.Q(shared=False),
                name="uniq_ref_external_id",
            ),
            models.UniqueConstraint(fields=["connection", "content_type", "object_id"], name="uniq_ref_local_object"),
        ]
        verbose_name = _("external reference")

    def __str__(self) -> str:
        return f"{self.connection}: {self.content_type.model} {self.external_id}"


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


class SyncCursor(models.Model):
    """How far one stream of one connection has been imported.

    Moved only after a page was stored successfully; an import starts from
    the cursor minus a buffer, so late-arriving rows are not skipped.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="cursors")
    stream = models.CharField(max_length=30)
    value = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "stream"], name="uniq_cursor")]

    def __str__(self) -> str:
        return f"{self.connection} {self.stream} @ {self.value}"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    OK = "ok", _("OK")
    FAILED = "failed", _("Failed")


class SyncRun(models.Model):
    """One sync cycle (or one step of it) for one connection, with counts."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=30)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.connection} {self.kind} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    def finish(self, *, status: str, error: str = "", stats: Mapping[str, object] | None = None) -> None:
        """Close the run with its outcome and counts, and save."""
        self.status = status
        self.error = error
        self.stats = {**self.stats, **(stats or {})}
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "stats", "finished_at"])


class RateWindow(models.Model):
    """Calls made to one connection in one second, shared by every worker process."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    second = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "second"], name="uniq_rate_window")]

    def __str__(self) -> str:
        return f"{self.connection_id}@{self.second}: {self.count}"


class ImportProblem(models.Model):
    """A remote record that could not be imported, set aside where people see it.

    One row per (connection, stream, key): the key is the record's id in the
    remote system, or a hash of its raw data when it had none. Seen again with
    the same fault, the row counts it; imported successfully later, it is
    marked resolved. The pull goes on with the other records either way.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="import_problems")
    stream = models.CharField(max_length=30)
    key = models.CharField(max_length=130)
    external_id = models.CharField(_("id in the remote system"), max_length=120, blank=True)
    label = models.CharField(max_length=200, blank=True)
    error = models.TextField()
    hint = models.TextField(blank=True)
    excerpt = models.TextField(_("what arrived"), blank=True)
    times_seen = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [models.UniqueConstraint(fields=["connection", "stream", "key"], name="uniq_import_problem")]
        verbose_name = _("import problem")

    def __str__(self) -> str:
        return f"{self.connection}: {self.label or self.external_id or self.key}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class ShopCodeKind(models.TextChoices):
    PAYMENT = "payment", _("Payment method")
    SHIPPING = "shipping", _("Shipping method")
    COUPON = "coupon", _("Discount code")


class ShopCode(models.Model):
    """A payment method, shipping method or discount code a shop uses (R4).

    Collected from the shop's orders (and its coupon list where the platform has
    one), so the integrator sees every code the maps must cover.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="codes")
    kind = models.CharField(max_length=10, choices=ShopCodeKind.choices)
    code = models.CharField(max_length=120)
    title = models.CharField(max_length=200, blank=True)
    times_seen = models.PositiveIntegerField(default=0, help_text=_("Orders that used it."))
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["connection", "kind", "code"]
        constraints = [models.UniqueConstraint(fields=["connection", "kind", "code"], name="uniq_shop_code")]
        verbose_name = _("payment / shipping method or discount code")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


class WebhookDelivery(models.Model):
    """One webhook a shop sent (by the hash of its body): a repeated delivery is recognised and
    not acted on twice."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="webhook_deliveries")
    key = models.CharField(max_length=64)
    event = models.CharField(max_length=60, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "key"], name="uniq_webhook_delivery")]

    def __str__(self) -> str:
        return f"{self.connection_id}: {self.event} {self.key[:12]}"
