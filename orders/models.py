"""Shop orders mirrored in the portal: header, lines, addresses, discount codes."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")


class OrderState(models.TextChoices):
    """Where an order is in its processing (M1, M5), apart from the shop's own status text."""

    PENDING = "pending", _("Pending (awaiting payment)")
    PROCESSING = "processing", _("Processing")
    COMPLETE = "complete", _("Complete")
    CANCELED = "canceled", _("Canceled")
    CLOSED = "closed", _("Closed (refunded)")


class OrderRefused(Exception):
    """A step the order's state does not allow, with what a person can do instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class Order(models.Model):
    """A shop order as last read from the shop (S7, R4).

    ``erp_order_no`` is filled the moment the ERP returns it (V4, S9); the
    transfer itself is tracked by ``connectors.Transfer``.
    """

    shop = models.ForeignKey("connectors.Connection", on_delete=models.PROTECT, related_name="orders")
    # Indexed alone too: the order list finds a number, or its beginning, among a million orders.
    number = models.CharField(_("shop order number"), max_length=60, db_index=True)
    shop_status = models.CharField(max_length=40, db_index=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="orders", null=True, blank=True
    )
    shop_code = models.CharField(max_length=60, blank=True, help_text=_("Store or shop view the order came from."))
    currency = models.CharField(max_length=3, default="NOK")
    language = models.CharField(max_length=10, blank=True)
    placed_at = models.DateTimeField(db_index=True)
    shop_updated_at = models.DateTimeField(null=True, blank=True)
    payment_method = models.CharField(max_length=60, blank=True)
    shipping_method = models.CharField(max_length=60, blank=True)
    payment_reference = models.CharField(max_length=120, blank=True, help_text=_("e.g. Klarna / DIBS reference"))
    customer_comment = models.TextField(blank=True)
    internal_comment = models.TextField(blank=True)
    customer_reference = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    shipping_excl_vat = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    shipping_vat_rate = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    shipping_incl_vat = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    discount_after_vat = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=ZERO,
        help_text=_("A discount the shop took off after VAT that belongs to no line."),
    )
    grand_total = models.DecimalField(
        max_digits=14, decimal_places=2, default=ZERO, help_text=_("Total incl. VAT as the shop states it.")
    )
    erp_order_no = models.CharField(_("ERP order number"), max_length=60, blank=True, db_index=True)
    erp_status = models.CharField(_("ERP order status"), max_length=40, blank=True)
    state = models.CharField(
        _("processing state"),
        max_length=12,
        choices=OrderState.choices,
        default=OrderState.PENDING,
        db_index=True,
        help_text=_("Pending or processing from the payment method; complete when all is invoiced and shipped."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        permissions = [("cancel_order", "Can cancel an order")]
        constraints = [models.UniqueConstraint(fields=["shop", "number"], name="uniq_order_number_per_shop")]
        # The order list's search by e-mail (case-insensitive, as typed).
        indexes = [models.Index(Upper("email"), name="order_email_upper_idx")]

    def __str__(self) -> str:
        return self.number

    def set_status(self, status: str) -> bool:
        """Record a new shop status; return whether it changed. The caller saves."""
        if status == self.shop_status:
            return False
        self.shop_status = status
        return True

    def move_to(self, state: str, *, by=None, note: str = "") -> bool:
        """Change the processing state and record who, when, from and to; return whether it changed.

        Saves the order's state and the history row (callers run it in their transaction).
        """
        if state == self.state:
            return False
        OrderStateChange.objects.create(order=self, from_state=self.state, to_state=state, by=by, note=note)
        self.state = state
        self.save(update_fields=["state", "updated_at"])
        return True

    def cancel(self, *, by=None) -> None:
        """Cancel the order; refused once anything was invoiced (invoicing makes it permanent, M1, M2)."""
        if self.state == OrderState.CANCELED:
            return
        if self.state in (OrderState.COMPLETE, OrderState.CLOSED) or self.invoices.exclude(state="draft").exists():
            raise OrderRefused(
                _("Order %(number)s is invoiced and can no longer be canceled.") % {"number": self.number},
                _("Make a credit note for the paid invoice instead."),
            )
        self.invoices.filter(state="draft").delete()
        self.move_to(OrderState.CANCELED, by=by)

    def set_erp_order_no(self, number: str) -> None:
        """Bind the ERP's number; refuses to overwrite a different one (V4)."""
        if self.erp_order_no and self.erp_order_no != number:
            raise ValueError(
                f"Order {self.number} is already ERP order {self.erp_order_no}; refusing to rebind to {number}."
            )
        self.erp_order_no = number


class OrderLine(models.Model):
    """One line of a shop order (S7): quantity, product, name, VAT, price excl. VAT."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    shop_line_id = models.CharField(
        max_length=60, blank=True, help_text=_("The shop's id of this line; documents sent to the shop name it.")
    )
    product = models.ForeignKey(
        "inventory.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="order_lines"
    )
    sku = models.CharField(max_length=100, blank=True)
    reference = models.CharField(
        max_length=100, blank=True, help_text=_("ERP item number from the variant or product.")
    )
    name = models.CharField(max_length=255)
    is_service = models.BooleanField(default=False)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_price_excl_vat = models.DecimalField(max_digits=14, decimal_places=4)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    discount_amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=ZERO, help_text=_("Line discount excl. VAT from the shop.")
    )
    discount_percent = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        default=ZERO,
        help_text=_("The line's discount in percent, as the shop gave it."),
    )
    discount_reduces_vat = models.BooleanField(
        default=True, help_text=_("False when the shop charged VAT on the price before the discount.")
    )
    row_total_excl_vat = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, help_text=_("The shop's net row before discount.")
    )
    shop_total_incl_vat = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text=_("The row as the shop charged it.")
    )

    class Meta:
        ordering = ["order", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"

    def net_amount(self) -> Decimal:
        """The row excl. VAT as sold: the shop's net row (or quantity × price) less the line's discount."""
        gross = (
            self.row_total_excl_vat if self.row_total_excl_vat is not None else self.quantity * self.unit_price_excl_vat
        )
        if self.discount_amount:
            net = gross - self.discount_amount
        else:
            net = gross - gross * self.discount_percent / Decimal(100)
        return net.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class AddressKind(models.TextChoices):
    BILLING = "billing", _("Billing")
    DELIVERY = "delivery", _("Delivery")


class OrderAddress(models.Model):
    """The billing or delivery address as written on the order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(max_length=10, choices=AddressKind.choices)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company = models.CharField(max_length=200, blank=True)
    street = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("order address")
        verbose_name_plural = _("order addresses")
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="uniq_order_address_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.first_name} {self.last_name}, {self.city}"


class DiscountKind(models.TextChoices):
    PERCENT = "percent", _("Percentage")
    FIXED = "fixed", _("Fixed amount")


class OrderDiscount(models.Model):
    """A discount code applied to the order (S8).

    A percentage is spread over the lines; a fixed amount (incl. VAT, as
    shops show it) becomes its own line.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="discounts")
    code = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=DiscountKind.choices)
    value = models.DecimalField(
        max_digits=14, decimal_places=4, help_text=_("Percent for a percentage code; amount incl. VAT for a fixed one.")
    )
    per_line = models.BooleanField(default=False, help_text=_("The lines carry its amounts, as the shop gave them."))

    def __str__(self) -> str:
        return f"{self.code} ({self.value}{'%' if self.kind == DiscountKind.PERCENT else ''})"


class OrderStateChange(models.Model):
    """One change of an order's processing state: who, when, from and to (M1)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=12, choices=OrderState.choices)
    to_state = models.CharField(max_length=12, choices=OrderState.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["order", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"
