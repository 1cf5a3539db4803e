"""What imports keep: bindings to remote ids, cursors, runs, problems, shop codes, webhook deliveries."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .connections import Connection


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
        # Every lookup by remote id, shared or not: the unique index above covers only unshared
        # rows, so without this one each import read every binding of the connection (100 000
        # products: 15 ms a lookup, growing with the catalogue).
        indexes = [models.Index(fields=["connection", "content_type", "external_id"], name="ref_external_id_idx")]
        verbose_name = _("external reference")

    def __str__(self) -> str:
        return f"{self.connection}: {self.content_type.model} {self.external_id}"


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
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["connection", "key"], name="uniq_webhook_delivery")]

    def __str__(self) -> str:
        return f"{self.connection_id}: {self.event} {self.key[:12]}"
