"""Order documents made in the portal: invoices, shipments (packing slips) and credit notes (M2-M4, R1, R3).

Quantities are per order line: a document never takes more than what is left
of a line (ordered minus already on documents of its kind). Numbers come from
a numbering series per shop and kind, taken in the same transaction that
issues the document, so a rolled-back issue gives its number back and two
issues at once never get the same one (R2).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderLine

ZERO = Decimal("0")
CENT = Decimal("0.01")


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    SHIPMENT = "shipment", _("Shipment")


DEFAULT_PREFIX = {DocumentKind.INVOICE: "INV-", DocumentKind.CREDIT_NOTE: "CN-", DocumentKind.SHIPMENT: "SH-"}


class NumberSeries(models.Model):
    """The next number of one kind of document of one shop (R2): no gaps, no repeats."""

    shop = models.ForeignKey("connectors.Connection", on_delete=models.PROTECT, related_name="number_series")
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    prefix = models.CharField(max_length=20, blank=True, help_text=_("Written before the number, e.g. 'INV-2026-'."))
    next_number = models.PositiveIntegerField(default=1)
    digits = models.PositiveSmallIntegerField(default=5, help_text=_("Numbers are padded with zeros to this width."))

    class Meta:
        verbose_name_plural = _("number series")
        constraints = [models.UniqueConstraint(fields=["shop", "kind"], name="uniq_series_per_shop_kind")]

    def __str__(self) -> str:
        return f"{self.shop} {self.get_kind_display()}: {self.prefix}{self.next_number:0{self.digits}d}"

    @classmethod
    def take(cls, *, shop_id: int, kind: str) -> str:
        """The next number, taken under a row lock: call inside the transaction that uses it."""
        cls.objects.get_or_create(shop_id=shop_id, kind=kind, defaults={"prefix": DEFAULT_PREFIX[DocumentKind(kind)]})
        series = cls.objects.select_for_update().get(shop_id=shop_id, kind=kind)
        number = f"{series.prefix}{series.next_number:0{series.digits}d}"
        series.next_number += 1
        series.save(update_fields=["next_number"])
        return number


class InvoiceState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PAID = "paid", _("Paid")


class Invoice(models.Model):
    """An invoice for chosen lines and quantities of one order (M2); several per order.

    Draft until issued; issuing gives it its number and makes it read-only;
    paid once the payment is captured or settled.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices")
    shop = models.ForeignKey("connectors.Connection", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40, blank=True, db_index=True)
    state = models.CharField(max_length=8, choices=InvoiceState.choices, default=InvoiceState.DRAFT, db_index=True)
    currency = models.CharField(max_length=3)
    net_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    vat_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    gross_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    created_at = models.DateTimeField(default=timezone.now)
    issued_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    e_invoice_number = models.CharField(
        _("e-invoice number"),
        max_length=64,
        blank=True,
        help_text=_(
            "The number the tax authority's e-invoicing system gave this invoice (KSeF in Poland), as the ERP "
            "reports it; empty until it has one."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "number"], condition=~Q(number=""), name="uniq_invoice_number_per_shop"
            )
        ]

    def __str__(self) -> str:
        return self.number or _("Draft invoice %(pk)s") % {"pk": self.pk}

    @property
    def is_open(self) -> bool:
        return self.state == InvoiceState.DRAFT

    def credited(self) -> Decimal:
        """Gross amount already credited on this invoice."""
        return self.credit_notes.aggregate(total=Sum("gross_total"))["total"] or ZERO


class DocumentLine(models.Model):
    """A line of a document with money: quantity of an order line (or none: freight, discount) and amounts."""

    order_line = models.ForeignKey(OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=255)
    sku = models.CharField(max_length=100, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    net_amount = models.DecimalField(max_digits=14, decimal_places=2)
    vat_amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        abstract = True
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    is_freight = models.BooleanField(default=False)


class RefundMode(models.TextChoices):
    ONLINE = "online", _("Refunded online through the payment provider")
    OFFLINE = "offline", _("Offline refund (recorded)")


class CreditNote(models.Model):
    """A credit note on a paid invoice, for chosen lines and quantities (M4)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    shop = models.ForeignKey("connectors.Connection", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40, db_index=True)
    currency = models.CharField(max_length=3)
    refund_mode = models.CharField(max_length=8, choices=RefundMode.choices, default=RefundMode.OFFLINE)
    refund_reference = models.CharField(max_length=120, blank=True)
    net_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    vat_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    gross_total = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    issued_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["invoice", "pk"]
        constraints = [models.UniqueConstraint(fields=["shop", "number"], name="uniq_credit_note_number_per_shop")]

    def __str__(self) -> str:
        return self.number

    @property
    def order(self) -> Order:
        return self.invoice.order


class CreditNoteLine(DocumentLine):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    invoice_line = models.ForeignKey(InvoiceLine, on_delete=models.PROTECT, related_name="credited_by")


class Shipment(models.Model):
    """A shipment of chosen lines and quantities with its packing slip (M3); several per order."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    shop = models.ForeignKey("connectors.Connection", on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=40, db_index=True)
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(
        max_length=120,
        blank=True,
        help_text=_("The carrier's consignment number; filled in by the booking when a carrier books the shipment."),
    )
    tracking_url = models.URLField(max_length=500, blank=True)
    label_url = models.URLField(max_length=500, blank=True, editable=False)
    label_pdf = models.BinaryField(blank=True, editable=False)
    notify_buyer = models.BooleanField(
        default=False, help_text=_("E-mail the buyer when the shipment is on its way (after its booking, if any).")
    )
    shipped_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["shop", "number"], name="uniq_shipment_number_per_shop")]

    def __str__(self) -> str:
        return self.number


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line.name}"
