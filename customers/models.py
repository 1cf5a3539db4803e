"""Customers mirrored from the shops, and the conflicts an accountant resolves."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CustomerType(models.TextChoices):
    COMPANY = "C", _("Company")
    PRIVATE = "P", _("Private person")


class Customer(models.Model):
    """A buyer as the shop knows them, plus the ERP number once matched (V3, S3).

    Addresses are kept flat (billing_*, delivery_*): one of each per customer
    is what every shop and ERP here exchanges.
    """

    shop = models.ForeignKey(
        "connectors.Connection", on_delete=models.PROTECT, related_name="customers", null=True, blank=True
    )
    customer_type = models.CharField(max_length=1, choices=CustomerType.choices, default=CustomerType.PRIVATE)
    is_guest = models.BooleanField(default=False, help_text=_("Bought without a shop account."))
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company = models.CharField(max_length=200, blank=True)
    org_no = models.CharField(_("organisation number"), max_length=40, blank=True)
    language = models.CharField(max_length=10, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True)
    fax = models.CharField(max_length=40, blank=True)
    mobile = models.CharField(max_length=40, blank=True)
    erp_customer_no = models.CharField(
        _("ERP customer number"),
        max_length=60,
        blank=True,
        db_index=True,
        help_text=_("Set on the shop card or once matched/created in the ERP."),
    )
    one_time = models.BooleanField(default=False, help_text=_("Sent as a one-time customer."))
    billing_street = models.CharField(max_length=200, blank=True)
    billing_postcode = models.CharField(max_length=20, blank=True)
    billing_city = models.CharField(max_length=100, blank=True)
    billing_country = models.CharField(max_length=2, blank=True)
    delivery_street = models.CharField(max_length=200, blank=True)
    delivery_postcode = models.CharField(max_length=20, blank=True)
    delivery_city = models.CharField(max_length=100, blank=True)
    delivery_country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            # A returning guest is one customer (R4): same shop, e-mail and name. Enforced here
            # too, so two workers importing the same guest at once cannot make two.
            models.UniqueConstraint(
                "shop",
                Lower("email"),
                "first_name",
                "last_name",
                condition=models.Q(is_guest=True),
                name="uniq_guest_per_shop",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email or f"Customer {self.pk}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def display_name(self) -> str:
        """Company name for a company; first + last name for a private person (S7)."""
        if self.customer_type == CustomerType.COMPANY and self.company:
            return self.company
        return self.full_name


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    RESOLVED = "resolved", _("Resolved")


class Resolution(models.TextChoices):
    ADD_NEW = "add_new", _("Added as a new customer")
    MERGE = "merge", _("Merged with the similar customer")
    ONE_TIME = "one_time", _("Sent as a one-time customer")


class DecisionRefused(Exception):
    """A conflict decision that cannot be applied, with what the accountant can do instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class CustomerConflict(models.Model):
    """A buyer the engine could not match on its own under the *ask* policy (C1, C2, C4).

    ``candidates`` holds the similar ERP customers found (number, name,
    e-mail, org. no.); orders of the customer wait in state ``conflict``
    until an accountant picks a resolution.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="conflicts")
    erp = models.ForeignKey("connectors.Connection", on_delete=models.CASCADE, related_name="customer_conflicts")
    status = models.CharField(max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.OPEN)
    reason = models.TextField(blank=True)
    candidates = models.JSONField(default=list, blank=True)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    merged_with_no = models.CharField(max_length=60, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open question per customer and ERP: the order list shows one button.
            models.UniqueConstraint(
                fields=["customer", "erp"], condition=models.Q(status="open"), name="uniq_open_conflict"
            ),
        ]
        permissions = [("resolve_conflict", "Can resolve a customer conflict")]

    def __str__(self) -> str:
        return f"{self.customer} ({self.get_status_display()})"

    @property
    def similar_no(self) -> str:
        """The ERP number of the single similar customer, or '' when none or several."""
        return self.candidates[0].get("number", "") if len(self.candidates) == 1 else ""

    def merge_target(self, wanted: str = "") -> str:
        """The ERP number to merge with: ``wanted`` if it is one of the candidates, else the single
        candidate. Refused when there is none to choose, or a choice is needed and none was made."""
        numbers = [str(c.get("number", "")) for c in self.candidates]
        if wanted and wanted in numbers:
            return wanted
        if wanted:
            raise DecisionRefused(
                _("%(number)s is not one of the similar customers.") % {"number": wanted},
                _("Choose one of the customers shown on the conflict page."),
            )
        if len(numbers) == 1:
            return numbers[0]
        if not numbers:
            raise DecisionRefused(
                _("There is no similar customer to merge with."), _("Choose 'add new' or 'one-time'.")
            )
        raise DecisionRefused(
            _("Several customers are similar."), _("Pick the one to merge with on the conflict page.")
        )

    def mark_resolved(self, *, resolution: str, user: object | None, merged_with_no: str = "") -> None:
        """Record the decision; the caller saves and releases waiting orders."""
        self.status = ConflictStatus.RESOLVED
        self.resolution = resolution
        self.merged_with_no = merged_with_no
        self.resolved_by = user  # type: ignore[assignment]
        self.resolved_at = timezone.now()
