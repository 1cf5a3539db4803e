"""REST API of documents (P4): read invoices, shipments and credit notes; make them with their own permissions.

Making a document is a short local transaction, so it answers at once (201 with
the document, or 409 with the reason and a hint); what touches other systems
(recording it in the shop, e-mailing the buyer) is queued.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from connectors.models import TransferKind
from connectors.selectors import with_transfer
from connectors.services import enqueue
from orders.models import Order, OrderRefused
from sync_portal.api import ID_REGEX, MAX_ID, requires

from .models import CreditNote, Invoice, RefundMode, Shipment
from .services import credit_note_create, invoice_create, invoice_mark_paid, shipment_create


class LineSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    description = serializers.CharField(read_only=True)
    sku = serializers.CharField(read_only=True)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, read_only=True)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    net_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    vat_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)


class ShipmentLineSerializer(serializers.Serializer):
    order_line = serializers.IntegerField(source="order_line_id", read_only=True)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, read_only=True)


TRANSFER_FIELDS = ["transfer_state", "transfer_error"]


class InvoiceSerializer(serializers.ModelSerializer):
    lines = LineSerializer(many=True, read_only=True)
    transfer_state = serializers.CharField(read_only=True, allow_null=True)
    transfer_error = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "order",
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
            "lines",
            *TRANSFER_FIELDS,
        ]


class ShipmentSerializer(serializers.ModelSerializer):
    lines = ShipmentLineSerializer(many=True, read_only=True)
    transfer_state = serializers.CharField(read_only=True, allow_null=True)
    transfer_error = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Shipment
        fields = ["id", "order", "number", "carrier", "tracking_number", "shipped_at", "emailed_at", "lines"]
        fields += TRANSFER_FIELDS


class CreditNoteSerializer(serializers.ModelSerializer):
    lines = LineSerializer(many=True, read_only=True)
    transfer_state = serializers.CharField(read_only=True, allow_null=True)
    transfer_error = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "invoice",
            "number",
            "currency",
            "refund_mode",
            "net_total",
            "vat_total",
            "gross_total",
            "issued_at",
            "emailed_at",
            "lines",
            *TRANSFER_FIELDS,
        ]


class QuantitiesField(serializers.DictField):
    """{"<line id>": quantity}; omitted: all that is left."""

    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.DecimalField(max_digits=12, decimal_places=3, min_value=Decimal("0.001")), **kwargs
        )

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        try:
            parsed = {int(key): qty for key, qty in values.items()}
        except ValueError:
            raise serializers.ValidationError("Keys are line ids.") from None
        if any(not 0 < key <= MAX_ID for key in parsed):
            raise serializers.ValidationError("Keys are line ids.")
        return parsed


class InvoiceRequest(serializers.Serializer):
    lines = QuantitiesField(required=False, help_text="order line id -> quantity; omitted: the rest of the order")
    email = serializers.BooleanField(default=False)


class ShipRequest(serializers.Serializer):
    lines = QuantitiesField(required=False, help_text="order line id -> quantity; omitted: all not yet shipped")
    carrier = serializers.CharField(required=False, default="", max_length=60, allow_blank=True)
    tracking_number = serializers.CharField(required=False, default="", max_length=120, allow_blank=True)
    email = serializers.BooleanField(default=True)


class CreditRequest(serializers.Serializer):
    lines = QuantitiesField(required=False, help_text="invoice line id -> quantity; omitted: all not yet credited")
    refund_mode = serializers.ChoiceField(choices=RefundMode.choices, default=RefundMode.OFFLINE)
    refund_reference = serializers.CharField(required=False, default="", max_length=120, allow_blank=True)


REFUSED = inline_serializer("Refused", {"detail": serializers.CharField(), "hint": serializers.CharField()})


def refused(exc: OrderRefused) -> Response:
    return Response({"detail": exc.message, "hint": exc.hint}, status=status.HTTP_409_CONFLICT)


def _email_later(kind: str, document_id: int) -> None:
    enqueue("documents.tasks.email_documents", kind, [document_id])


class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Invoices with their lines and their transfer to the shop (M2)."""

    lookup_value_regex = ID_REGEX
    serializer_class = InvoiceSerializer
    queryset = Invoice.objects.none()

    def get_queryset(self):
        queryset = Invoice.objects.prefetch_related("lines").order_by("-pk")
        return with_transfer(queryset, kind=TransferKind.INVOICE)

    @extend_schema(request=None, responses={200: InvoiceSerializer, 409: REFUSED})
    @action(detail=True, methods=["post"], permission_classes=[requires("documents.change_invoice")])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        """Record that the invoice is paid (M2)."""
        try:
            invoice = invoice_mark_paid(invoice=self.get_object(), user=request.user)
        except OrderRefused as exc:
            return refused(exc)
        return Response(InvoiceSerializer(self.get_queryset().get(pk=invoice.pk)).data)

    @extend_schema(request=CreditRequest, responses={201: CreditNoteSerializer, 409: REFUSED})
    @action(detail=True, methods=["post"], permission_classes=[requires("documents.add_creditnote")])
    def credit(self, request: Request, pk: str | None = None) -> Response:
        """A credit note for chosen lines of a paid invoice (M4); refused (409) for an unpaid one."""
        body = CreditRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            note = credit_note_create(
                invoice=self.get_object(),
                quantities=data.get("lines"),
                refund_mode=data["refund_mode"],
                refund_reference=data["refund_reference"],
                user=request.user,
            )
        except OrderRefused as exc:
            return refused(exc)
        note = with_transfer(CreditNote.objects.filter(pk=note.pk), kind=TransferKind.CREDIT_NOTE).get()
        return Response(CreditNoteSerializer(note).data, status=status.HTTP_201_CREATED)


class ShipmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Shipments with their lines, tracking and transfer to the shop (M3)."""

    lookup_value_regex = ID_REGEX
    serializer_class = ShipmentSerializer
    queryset = Shipment.objects.none()

    def get_queryset(self):
        return with_transfer(Shipment.objects.prefetch_related("lines").order_by("-pk"), kind=TransferKind.SHIPMENT)


class CreditNoteViewSet(viewsets.ReadOnlyModelViewSet):
    """Credit notes with their lines and transfer to the shop (M4)."""

    lookup_value_regex = ID_REGEX
    serializer_class = CreditNoteSerializer
    queryset = CreditNote.objects.none()

    def get_queryset(self):
        queryset = CreditNote.objects.prefetch_related("lines").order_by("-pk")
        return with_transfer(queryset, kind=TransferKind.CREDIT_NOTE)


class OrderDocumentActions:
    """Actions on an order that make documents; mixed into the order endpoint."""

    @extend_schema(request=InvoiceRequest, responses={201: InvoiceSerializer, 409: REFUSED})
    @action(detail=True, methods=["post"], permission_classes=[requires("documents.add_invoice")])
    def invoice(self, request: Request, pk: str | None = None) -> Response:
        """Invoice chosen lines and quantities, or the rest of the order (M2, R1)."""
        body = InvoiceRequest(data=request.data)
        body.is_valid(raise_exception=True)
        order: Order = self.get_object()  # type: ignore[attr-defined]
        try:
            invoice = invoice_create(order=order, quantities=body.validated_data.get("lines"), user=request.user)
        except OrderRefused as exc:
            return refused(exc)
        if body.validated_data["email"]:
            _email_later("invoice", invoice.pk)
        invoice = with_transfer(Invoice.objects.filter(pk=invoice.pk), kind=TransferKind.INVOICE).get()
        return Response(InvoiceSerializer(invoice).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ShipRequest, responses={201: ShipmentSerializer, 409: REFUSED})
    @action(detail=True, methods=["post"], permission_classes=[requires("documents.add_shipment")])
    def ship(self, request: Request, pk: str | None = None) -> Response:
        """Ship chosen lines, or all not yet shipped, with carrier and tracking number (M3)."""
        body = ShipRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        order: Order = self.get_object()  # type: ignore[attr-defined]
        try:
            shipment = shipment_create(
                order=order,
                quantities=data.get("lines"),
                carrier=data["carrier"],
                tracking_number=data["tracking_number"],
                notify_buyer=data["email"],
                user=request.user,
            )
        except OrderRefused as exc:
            return refused(exc)
        shipment = with_transfer(Shipment.objects.filter(pk=shipment.pk), kind=TransferKind.SHIPMENT).get()
        return Response(ShipmentSerializer(shipment).data, status=status.HTTP_201_CREATED)
