"""REST API of the engine (P4): transfers with attempts, runs, connection health; resend and sync now."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, Subquery
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from sync_portal.api import ID_REGEX, MAX_ID, requires

from .models import Connection, ImportProblem, SyncRun, Transfer, TransferAttempt, TransferKind, TransferState
from .services import connection_sync_now
from .transfers import transfer_resend


class QueryFilters(serializers.Serializer):
    """Validates list filters, so a bad value is a 400 naming the field, never a 500."""

    state = serializers.ChoiceField(choices=TransferState.choices, required=False)
    kind = serializers.ChoiceField(choices=TransferKind.choices, required=False)
    connection = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    status = serializers.CharField(required=False, max_length=20)


def filters_of(request: Request, *names: str) -> dict:
    data = {k: v for k, v in request.query_params.items() if k in names}
    validated = QueryFilters(data=data)
    validated.is_valid(raise_exception=True)
    return validated.validated_data


class TransferAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = TransferAttempt
        fields = ["number", "started_at", "duration_ms", "outcome", "http_status", "error", "hint"]


class TransferSerializer(serializers.ModelSerializer):
    object_type = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "connection",
            "kind",
            "object_type",
            "object_id",
            "state",
            "tries",
            "next_attempt_at",
            "remote_id",
            "error_source",
            "last_error",
            "last_hint",
            "created_at",
            "updated_at",
            "sent_at",
        ]


class TransferDetailSerializer(TransferSerializer):
    attempts = TransferAttemptSerializer(many=True, read_only=True)

    class Meta(TransferSerializer.Meta):
        fields = [*TransferSerializer.Meta.fields, "attempts"]


ACCEPTED = inline_serializer("Accepted", {"queued": serializers.ListField(child=serializers.IntegerField())})
REFUSED = inline_serializer("ActionRefused", {"detail": serializers.CharField()})


@extend_schema(
    parameters=[
        OpenApiParameter("state", str, enum=TransferState.values),
        OpenApiParameter("kind", str, enum=TransferKind.values),
        OpenApiParameter("connection", int),
    ]
)
class TransferViewSet(viewsets.ReadOnlyModelViewSet):
    """Every outbound document and its state; the detail lists its attempts."""

    lookup_value_regex = ID_REGEX

    queryset = Transfer.objects.select_related("content_type").order_by("-updated_at", "-pk")

    def get_queryset(self):
        queryset = super().get_queryset()
        params = filters_of(self.request, "state", "kind", "connection")
        if "state" in params:
            queryset = queryset.filter(state=params["state"])
        if "kind" in params:
            queryset = queryset.filter(kind=params["kind"])
        if "connection" in params:
            queryset = queryset.filter(connection_id=params["connection"])
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("attempts")
        return queryset

    def get_serializer_class(self):
        return TransferDetailSerializer if self.action == "retrieve" else TransferSerializer

    @extend_schema(request=None, responses={202: ACCEPTED, 409: REFUSED})
    @action(detail=True, methods=["post"], permission_classes=[requires("connectors.resend_transfer")])
    def resend(self, request: Request, pk: str | None = None) -> Response:
        """Put the transfer back to pending and queue it (V5)."""
        transfer = self.get_object()
        result = transfer_resend(transfer_ids=[transfer.pk])
        if result.refused:
            return Response({"detail": f"Not resent: it {result.refused[0][1]}."}, status=status.HTTP_409_CONFLICT)
        return Response({"queued": result.queued}, status=status.HTTP_202_ACCEPTED)


class SyncRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRun
        fields = ["id", "connection", "kind", "status", "started_at", "finished_at", "stats", "error"]


@extend_schema(parameters=[OpenApiParameter("connection", int), OpenApiParameter("status", str)])
class SyncRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Sync cycles and their counts, newest first."""

    lookup_value_regex = ID_REGEX

    queryset = SyncRun.objects.order_by("-started_at", "-pk")
    serializer_class = SyncRunSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        params = filters_of(self.request, "connection", "status")
        if "connection" in params:
            queryset = queryset.filter(connection_id=params["connection"])
        if "status" in params:
            queryset = queryset.filter(status=params["status"])
        return queryset


class ConnectionHealthSerializer(serializers.ModelSerializer):
    """A connection's health. Credentials are never part of it."""

    last_run_kind = serializers.CharField(read_only=True, allow_null=True)
    last_run_status = serializers.CharField(read_only=True, allow_null=True)
    last_run_at = serializers.DateTimeField(read_only=True, allow_null=True)
    last_run_error = serializers.CharField(read_only=True, allow_null=True)
    last_error = serializers.CharField(read_only=True, allow_null=True)
    transfers = serializers.SerializerMethodField()

    class Meta:
        model = Connection
        fields = [
            "id",
            "name",
            "role",
            "platform",
            "base_url",
            "enabled",
            "sync_interval",
            "last_cycle_at",
            "last_run_kind",
            "last_run_status",
            "last_run_at",
            "last_run_error",
            "last_error",
            "auth_state",
            "auth_error",
            "auth_hint",
            "auth_checked_at",
            "open_import_problems",
            "transfers",
        ]

    open_import_problems = serializers.IntegerField(read_only=True)

    def get_transfers(self, obj: Connection) -> dict[str, int]:
        return {state: getattr(obj, f"n_{state}") for state in TransferState.values}


class ConnectionViewSet(viewsets.ReadOnlyModelViewSet):
    """Connections with their last run, transfer counts per state and last error."""

    lookup_value_regex = ID_REGEX

    serializer_class = ConnectionHealthSerializer

    def get_queryset(self):
        runs = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-started_at", "-pk")
        failed = Transfer.objects.filter(connection=OuterRef("pk")).exclude(last_error="").order_by("-updated_at")
        counts = {
            f"n_{state}": Count("transfers", filter=Q(transfers__state=state), distinct=True)
            for state in TransferState.values
        }
        return Connection.objects.order_by("name").annotate(
            last_run_kind=Subquery(runs.values("kind")[:1]),
            last_run_status=Subquery(runs.values("status")[:1]),
            last_run_at=Subquery(runs.values("started_at")[:1]),
            last_run_error=Subquery(runs.values("error")[:1]),
            last_error=Subquery(failed.values("last_error")[:1]),
            open_import_problems=Subquery(
                ImportProblem.objects.filter(connection=OuterRef("pk"), resolved_at__isnull=True)
                .values("connection")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            **counts,
        )

    @extend_schema(request=None, responses={202: ACCEPTED})
    @action(detail=True, methods=["post"], permission_classes=[requires("connectors.sync_connection")])
    def sync(self, request: Request, pk: str | None = None) -> Response:
        """Queue a sync cycle of this connection now (R1)."""
        connection = self.get_object()
        connection_sync_now(connection_id=connection.pk)
        return Response({"queued": [connection.pk]}, status=status.HTTP_202_ACCEPTED)


class ImportProblemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportProblem
        fields = [
            "id",
            "connection",
            "stream",
            "external_id",
            "label",
            "error",
            "hint",
            "excerpt",
            "times_seen",
            "first_seen_at",
            "last_seen_at",
            "resolved_at",
        ]


class ProblemFilters(serializers.Serializer):
    connection = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    open = serializers.BooleanField(required=False)


@extend_schema(parameters=[OpenApiParameter("connection", int), OpenApiParameter("open", bool)])
class ImportProblemViewSet(viewsets.ReadOnlyModelViewSet):
    """Records a pull set aside: the error, the hint and what arrived; newest first."""

    lookup_value_regex = ID_REGEX
    serializer_class = ImportProblemSerializer
    queryset = ImportProblem.objects.order_by("-last_seen_at", "-pk")

    def get_queryset(self):
        validated = ProblemFilters(
            data={k: v for k, v in self.request.query_params.items() if k in ("connection", "open")}
        )
        validated.is_valid(raise_exception=True)
        params = validated.validated_data
        queryset = super().get_queryset()
        if "connection" in params:
            queryset = queryset.filter(connection_id=params["connection"])
        if "open" in params:
            queryset = queryset.filter(resolved_at__isnull=params["open"])
        return queryset
