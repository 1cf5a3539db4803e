"""REST API of customer conflicts (P4, C4): list them, resolve one."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from connectors.services import enqueue
from sync_portal.api import ID_REGEX, requires

from .models import ConflictStatus, CustomerConflict, Resolution


class ConflictSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.display_name", read_only=True)
    customer_email = serializers.CharField(source="customer.email", read_only=True)

    class Meta:
        model = CustomerConflict
        fields = [
            "id",
            "customer",
            "customer_name",
            "customer_email",
            "erp",
            "status",
            "reason",
            "candidates",
            "resolution",
            "merged_with_no",
            "created_at",
            "resolved_at",
        ]


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=Resolution.choices)


class ConflictViewSet(viewsets.ReadOnlyModelViewSet):
    """Buyers waiting for an accountant's decision (C1, C2, C4)."""

    lookup_value_regex = ID_REGEX

    queryset = CustomerConflict.objects.select_related("customer").order_by("-created_at", "-pk")
    serializer_class = ConflictSerializer

    @extend_schema(
        request=ResolveSerializer,
        responses={
            202: inline_serializer("ConflictQueued", {"queued": serializers.IntegerField()}),
            409: inline_serializer("ConflictRefused", {"detail": serializers.CharField()}),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[requires("customers.resolve_conflict")])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """Queue the decision (add new / merge / one-time); the waiting orders are then sent."""
        conflict = self.get_object()
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        resolution = body.validated_data["resolution"]
        if conflict.status != ConflictStatus.OPEN:
            return Response({"detail": "This conflict is already resolved."}, status=status.HTTP_409_CONFLICT)
        if resolution == Resolution.MERGE and not conflict.similar_no:
            return Response(
                {"detail": "Merge needs exactly one similar customer; choose add_new or one_time."},
                status=status.HTTP_409_CONFLICT,
            )
        enqueue("connectors.tasks.resolve_conflict", conflict.pk, resolution, request.user.pk)
        return Response({"queued": conflict.pk}, status=status.HTTP_202_ACCEPTED)
