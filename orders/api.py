"""REST API of orders with their transfer to the ERP (P4, V4, V5)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets

from connectors.models import TransferKind, TransferState
from connectors.selectors import transfer_state_is, with_transfer
from documents.api import OrderDocumentActions
from sync_portal.api import ID_REGEX, MAX_ID

from .models import Order


class OrderFilters(serializers.Serializer):
    state = serializers.ChoiceField(choices=[*TransferState.choices, ("none", "none")], required=False)
    connection = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    placed_after = serializers.DateTimeField(required=False)
    placed_before = serializers.DateTimeField(required=False)
    number = serializers.CharField(required=False, max_length=60)


class OrderSerializer(serializers.ModelSerializer):
    transfer_state = serializers.CharField(read_only=True, allow_null=True)
    last_error = serializers.CharField(source="transfer_error", read_only=True, allow_null=True)
    hint = serializers.CharField(source="transfer_hint", read_only=True, allow_null=True)
    error_source = serializers.CharField(source="transfer_source", read_only=True, allow_null=True)
    transfer_id = serializers.IntegerField(read_only=True, allow_null=True)
    erp_order_no = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "shop",
            "number",
            "shop_status",
            "placed_at",
            "currency",
            "grand_total",
            "erp_order_no",
            "erp_status",
            "state",
            "transfer_id",
            "transfer_state",
            "error_source",
            "last_error",
            "hint",
        ]

    def get_erp_order_no(self, obj: Order) -> str | None:
        """The ERP number, or null while not yet transferred (V4)."""
        return obj.erp_order_no or None


@extend_schema(
    parameters=[
        OpenApiParameter("state", str, enum=[*TransferState.values, "none"]),
        OpenApiParameter("connection", int, description="shop connection id"),
        OpenApiParameter("placed_after", str, description="ISO 8601 date-time"),
        OpenApiParameter("placed_before", str, description="ISO 8601 date-time"),
        OpenApiParameter("number", str, description="shop order number"),
    ]
)
class OrderViewSet(OrderDocumentActions, viewsets.ReadOnlyModelViewSet):
    """Shop orders with transfer state, ERP number, last error and hint."""

    lookup_value_regex = ID_REGEX

    serializer_class = OrderSerializer
    queryset = Order.objects.none()  # for the permission class; get_queryset builds the real one

    def get_queryset(self):
        filters = OrderFilters(data={k: v for k, v in self.request.query_params.items() if k in OrderFilters().fields})
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        queryset = with_transfer(Order.objects.order_by("-placed_at", "-pk"), kind=TransferKind.SALES_ORDER)
        if "state" in params:
            queryset = queryset.filter(transfer_state_is(Order, kind=TransferKind.SALES_ORDER, state=params["state"]))
        if "connection" in params:
            queryset = queryset.filter(shop_id=params["connection"])
        if "placed_after" in params:
            queryset = queryset.filter(placed_at__gte=params["placed_after"])
        if "placed_before" in params:
            queryset = queryset.filter(placed_at__lt=params["placed_before"])
        if "number" in params:
            queryset = queryset.filter(number=params["number"])
        return queryset
