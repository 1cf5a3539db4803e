"""Documents admin (UI layer): invoices, shipments, credit notes, number series (M2-M4, R2, R3).

Issued documents are read-only: what was sent to a buyer stays as it was.
Each document shows its transfer to the shop (green check, clock, question
mark, red cross that resends). Actions only enqueue work.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from connectors.admin_display import error_cell, report_resend, state_icon
from connectors.bindings import ct
from connectors.models import ErrorSource, Transfer, TransferKind, TransferState
from connectors.selectors import with_transfer
from connectors.services import enqueue
from connectors.transfers import transfer_confirm_not_made, transfer_resend
from orders.models import OrderRefused

from .models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, InvoiceState, NumberSeries, Shipment, ShipmentLine
from .pdf import document_filename, document_pdf
from .services import credit_note_create, invoice_mark_paid


class ReadOnlyLines(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class InvoiceLineInline(ReadOnlyLines):
    model = InvoiceLine
    fields = readonly_fields = ["description", "sku", "quantity", "vat_rate", "net_amount", "vat_amount"]


class ShipmentLineInline(ReadOnlyLines):
    model = ShipmentLine
    fields = readonly_fields = ["order_line", "quantity"]


class CreditNoteLineInline(ReadOnlyLines):
    model = CreditNoteLine
    fields = readonly_fields = ["description", "sku", "quantity", "vat_rate", "net_amount", "vat_amount"]


class DocumentAdmin(admin.ModelAdmin):
    """What the three document admins share: read-only rows, the shop transfer, the PDF, e-mailing."""

    kind = ""
    transfer_kind = ""
    list_per_page = 200
    actions = ["email", "resend"]

    def get_queryset(self, request: HttpRequest):
        return with_transfer(super().get_queryset(request).select_related("order", "shop"), kind=self.transfer_kind)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made from an order (its actions), never typed in

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("connectors.resend_transfer")

    def has_email_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(f"documents.add_{self.model._meta.model_name}")

    def get_urls(self):
        name = f"documents_{self.model._meta.model_name}_pdf"
        return [path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name=name), *super().get_urls()]

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = get_object_or_404(self.get_queryset(request), pk=pk)
        response = HttpResponse(document_pdf(document), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{document_filename(document)}"'
        return response

    @admin.display(description=_("PDF"))
    def pdf(self, obj) -> str:
        url = reverse(f"admin:documents_{self.model._meta.model_name}_pdf", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("PDF"))

    @admin.display(description=_("In the shop"), ordering="transfer_state")
    def shop_transfer(self, obj) -> str:
        return state_icon(obj, resend_url=None)

    @admin.display(description=_("Sync errors"))
    def sync_errors(self, obj) -> str:
        return error_cell(obj, source=ErrorSource.SYNC)

    @admin.action(description=_("E-mail the selected documents to their buyers"), permissions=["email"])
    def email(self, request: HttpRequest, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        enqueue("documents.tasks.email_documents", self.kind, ids)
        self.message_user(request, _("%(n)d documents are being e-mailed.") % {"n": len(ids)}, messages.SUCCESS)

    @admin.action(description=_("Resend the selected documents to the shop"), permissions=["resend"])
    def resend(self, request: HttpRequest, queryset) -> None:
        ids = [d.transfer_id for d in queryset if d.transfer_id is not None]
        report_resend(self, request, transfer_resend(transfer_ids=ids))


@admin.register(Invoice)
class InvoiceAdmin(DocumentAdmin):
    kind, transfer_kind = "invoice", TransferKind.INVOICE
    list_display = [
        "__str__",
        "order",
        "state",
        "gross_total",
        "currency",
        "issued_at",
        "paid_at",
        "emailed_at",
        "shop_transfer",
        "sync_errors",
        "pdf",
    ]
    list_filter = ["state", ("shop", admin.RelatedOnlyFieldListFilter), "issued_at"]
    search_fields = ["number", "order__number"]
    inlines = [InvoiceLineInline]
    actions = ["email", "mark_paid", "credit_in_full", "resend"]
    readonly_fields = [
        "order",
        "shop",
        "number",
        "state",
        "currency",
        "net_total",
        "vat_total",
        "gross_total",
        "issued_at",
        "paid_at",
        "emailed_at",
        "e_invoice_number",
        "created_by",
    ]

    def has_mark_paid_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("documents.change_invoice")

    def has_credit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("documents.add_creditnote")

    @admin.action(description=_("Mark the selected invoices paid"), permissions=["mark_paid"])
    def mark_paid(self, request: HttpRequest, queryset) -> None:
        marked = 0
        for invoice in queryset.exclude(state=InvoiceState.PAID):
            try:
                invoice_mark_paid(invoice=invoice, user=request.user)
                marked += 1
            except OrderRefused as exc:
                self.message_user(request, f"{invoice}: {exc.message} {exc.hint}", messages.ERROR)
        self.message_user(request, _("%(n)d invoices marked paid.") % {"n": marked}, messages.SUCCESS)

    @admin.action(description=_("Credit the selected paid invoices in full"), permissions=["credit"])
    def credit_in_full(self, request: HttpRequest, queryset) -> None:
        for invoice in queryset:
            try:
                note = credit_note_create(invoice=invoice, user=request.user)
                self.message_user(request, _("Credit note %(note)s made.") % {"note": note}, messages.SUCCESS)
            except OrderRefused as exc:
                self.message_user(request, f"{invoice}: {exc.message} {exc.hint}", messages.ERROR)


@admin.register(Shipment)
class ShipmentAdmin(DocumentAdmin):
    """Shipments; while a carrier booking's outcome is unsettled, a person may enter the consignment
    number they found in the carrier's portal (then resend), or confirm that nothing was booked."""

    kind, transfer_kind = "shipment", TransferKind.SHIPMENT
    list_display = [
        "number",
        "order",
        "carrier",
        "tracking_number",
        "booking",
        "shipped_at",
        "emailed_at",
        "shop_transfer",
        "pdf",
        "label",
    ]
    list_filter = [("shop", admin.RelatedOnlyFieldListFilter), "carrier", "shipped_at"]
    search_fields = ["number", "order__number", "tracking_number"]
    inlines = [ShipmentLineInline]
    fields = ["order", "shop", "number", "carrier", "tracking_number", "tracking_url", "shipped_at", "emailed_at"]
    actions = ["email", "resend", "not_booked"]

    def _booking(self, obj) -> Transfer | None:
        return Transfer.objects.filter(
            kind=TransferKind.CARRIER_BOOKING, content_type=ct(Shipment), object_id=obj.pk
        ).first()

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if not request.user.has_perm("documents.add_shipment"):
            return False
        booking = self._booking(obj) if obj is not None else None
        return obj is None or (booking is not None and booking.needs_lookup)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [f for f in self.fields if f != "tracking_number"]

    def has_not_booked_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("documents.add_shipment") and request.user.has_perm("connectors.resend_transfer")

    def get_queryset(self, request: HttpRequest):
        # The booking's state for the whole page in the page's one query (no query per row).
        bookings = Transfer.objects.filter(
            kind=TransferKind.CARRIER_BOOKING, content_type=ct(Shipment), object_id=OuterRef("pk")
        )
        return super().get_queryset(request).annotate(booking_state=Subquery(bookings.values("state")[:1]))

    @admin.display(description=_("Booking"))
    def booking(self, obj) -> str:
        if obj.booking_state is None:
            return "–"
        return state_icon(SimpleNamespace(transfer_state=obj.booking_state), resend_url=None)

    @admin.display(description=_("Label"))
    def label(self, obj) -> str:
        if not obj.label_pdf:
            return ""
        url = reverse("admin:documents_shipment_label", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Label"))

    def get_urls(self):
        label = path("<int:pk>/label/", self.admin_site.admin_view(self.label_view), name="documents_shipment_label")
        return [label, *super().get_urls()]

    def label_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        shipment = get_object_or_404(self.get_queryset(request), pk=pk)
        response = HttpResponse(bytes(shipment.label_pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="label-{shipment.tracking_number}.pdf"'
        return response

    @admin.action(description=_("Resend the selected shipments (their booking first)"), permissions=["resend"])
    def resend(self, request: HttpRequest, queryset) -> None:
        bookings = Transfer.objects.filter(
            kind=TransferKind.CARRIER_BOOKING,
            content_type=ct(Shipment),
            object_id__in=queryset.values_list("pk", flat=True),
        ).exclude(state=TransferState.SENT)
        ids = [*bookings.values_list("pk", flat=True), *(d.transfer_id for d in queryset if d.transfer_id)]
        report_resend(self, request, transfer_resend(transfer_ids=ids))

    @admin.action(
        description=_("Not booked at the carrier: book the selected shipments again"), permissions=["not_booked"]
    )
    def not_booked(self, request: HttpRequest, queryset) -> None:
        ids = list(
            Transfer.objects.filter(
                kind=TransferKind.CARRIER_BOOKING,
                content_type=ct(Shipment),
                object_id__in=queryset.values_list("pk", flat=True),
            ).values_list("pk", flat=True)
        )
        report_resend(self, request, transfer_confirm_not_made(transfer_ids=ids, user=request.user))


@admin.register(CreditNote)
class CreditNoteAdmin(DocumentAdmin):
    kind, transfer_kind = "credit_note", TransferKind.CREDIT_NOTE
    list_display = [
        "number",
        "invoice",
        "refund_mode",
        "gross_total",
        "currency",
        "issued_at",
        "emailed_at",
        "shop_transfer",
        "sync_errors",
        "pdf",
    ]
    list_filter = ["refund_mode", ("shop", admin.RelatedOnlyFieldListFilter), "issued_at"]
    search_fields = ["number", "invoice__number", "invoice__order__number"]
    inlines = [CreditNoteLineInline]
    readonly_fields = [
        "invoice",
        "shop",
        "number",
        "currency",
        "refund_mode",
        "refund_reference",
        "net_total",
        "vat_total",
        "gross_total",
        "issued_at",
        "emailed_at",
        "created_by",
    ]

    def get_queryset(self, request: HttpRequest):
        return with_transfer(
            admin.ModelAdmin.get_queryset(self, request).select_related("invoice__order", "shop"),
            kind=self.transfer_kind,
        )


@admin.register(NumberSeries)
class NumberSeriesAdmin(admin.ModelAdmin):
    list_display = ["shop", "kind", "prefix", "next_number", "digits"]
    list_filter = ["kind"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # Moving the next number of a series in use would leave a gap or repeat a number.
        return ["shop", "kind", "next_number"] if obj is not None and obj.next_number > 1 else []
