"""Connections (shops, ERPs, carriers, payment providers), their rules and their call budget."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sync_portal.fields import EncryptedJSONField

WEBHOOK_TOKEN = "webhook_token"  # the key of the webhook secret among a connection's credentials
CYCLE_SLACK = dt.timedelta(seconds=15)  # the schedule's tick jitter a due cycle tolerates


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
    order_interval = models.PositiveIntegerField(
        default=60,
        help_text=_(
            "Shops: seconds between reads of the orders changed since the last one, apart from the cycle (so an "
            "order reaches the ERP within a minute or two). 0: orders are read with the cycle only."
        ),
    )
    last_order_pull_at = models.DateTimeField(null=True, blank=True, editable=False)
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

    def can(self, capability: str) -> bool:
        """Whether this connection's platform can do ``capability`` (a class fact of its connector:
        asked without building the connector, so without decrypting its credentials)."""
        from .. import registry

        return capability in registry.get(self.platform).capabilities

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials)

    def webhook_token(self) -> str:
        """The secret in this shop's webhook URL, made and saved on first use. It is kept with the
        credentials (encrypted) and survives new credentials, so registered webhooks keep working."""
        credentials: dict[str, Any] = dict(cast(dict[str, Any], self.credentials or {}))
        if not credentials.get(WEBHOOK_TOKEN):
            credentials[WEBHOOK_TOKEN] = secrets.token_urlsafe(32)
            self.credentials = credentials  # type: ignore[assignment]  # an encrypted JSON field
            self.save(update_fields=["credentials", "updated_at"])
        return str(credentials[WEBHOOK_TOKEN])

    def new_webhook_token(self) -> str:
        """A new secret for this connection's intake URL (the old URL stops working), saved."""
        credentials: dict[str, Any] = dict(cast(dict[str, Any], self.credentials or {}))
        credentials[WEBHOOK_TOKEN] = secrets.token_urlsafe(32)
        self.credentials = credentials  # type: ignore[assignment]  # an encrypted JSON field
        self.save(update_fields=["credentials", "updated_at"])
        return str(credentials[WEBHOOK_TOKEN])

    def replace_credentials(self, new: dict[str, Any]) -> None:
        """Set new credentials (not saved); the webhook secret, which no person types, is kept."""
        token = cast(dict[str, Any], self.credentials or {}).get(WEBHOOK_TOKEN)
        kept = {**new, WEBHOOK_TOKEN: token} if token and WEBHOOK_TOKEN not in new else new
        self.credentials = kept  # type: ignore[assignment]  # an encrypted JSON field

    def is_order_pull_due(self, now: dt.datetime) -> bool:
        """Whether the shop's own order read is due (``order_interval``), with the schedule's slack."""
        if not self.enabled or not self.order_interval:
            return False
        if self.last_order_pull_at is None:
            return True
        return now >= self.last_order_pull_at + dt.timedelta(seconds=self.order_interval) - CYCLE_SLACK

    def is_cycle_due(self, now: dt.datetime) -> bool:
        """Whether the interval since the last cycle has passed, give or take the minute tick's
        jitter: a cycle starts a little after its tick, so without the slack a 1-minute
        interval would be found "59 s ago" by the next tick and run every 2 minutes."""
        if not self.enabled:
            return False
        if self.last_cycle_at is None:
            return True
        return now >= self.last_cycle_at + dt.timedelta(minutes=self.sync_interval) - CYCLE_SLACK


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
            from .. import registry
            from ..base import Capability

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


class RatePacer(models.Model):
    """When the next call to one connection may go, shared by every worker process.

    ``next_at`` (seconds since the epoch) moves on by one interval per call in one atomic UPDATE,
    so calls from any number of workers go out evenly spaced; a rate-limit answer pushes it to
    the end of the remote system's window.
    """

    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="+")
    next_at = models.FloatField(default=0.0)

    def __str__(self) -> str:
        return f"{self.connection_id}: next call at {self.next_at:.3f}"
