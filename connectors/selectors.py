"""Reads that matter to the engine."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from .models import AuthState, Connection, Transfer, TransferState

CLAIMABLE = (TransferState.PENDING, TransferState.RETRY_WAIT, TransferState.UNKNOWN)


def transfers_due(*, now: dt.datetime | None = None, limit: int = 500) -> QuerySet[Transfer, int]:
    """Transfers a worker may claim now, oldest due first, on enabled connections whose
    credentials are not refused (those wait behind their connection)."""
    now = now or timezone.now()
    return (
        Transfer.objects.filter(
            state__in=CLAIMABLE,
            next_attempt_at__lte=now,
            connection__enabled=True,
            connection__auth_state=AuthState.OK,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def transfers_stuck(*, timeout_seconds: int, now: dt.datetime | None = None) -> QuerySet[Transfer]:
    """Transfers left in 'sending' longer than the timeout: their worker died or hung."""
    now = now or timezone.now()
    return Transfer.objects.filter(
        state=TransferState.SENDING, claimed_at__lt=now - dt.timedelta(seconds=timeout_seconds)
    )


def order_pulls_due(*, now: dt.datetime | None = None) -> list[Connection]:
    """Enabled shops whose own order read is due (``Connection.order_interval``)."""
    from .base import Capability

    now = now or timezone.now()
    return [
        c
        for c in Connection.objects.filter(role="shop", enabled=True, order_interval__gt=0)
        if c.is_order_pull_due(now) and c.can(Capability.PULL_ORDERS)
    ]


def connections_due(*, now: dt.datetime | None = None) -> list[Connection]:
    """Enabled connections whose sync interval has passed (R1)."""
    now = now or timezone.now()
    return [c for c in Connection.objects.filter(enabled=True) if c.is_cycle_due(now)]


def with_transfer(queryset: QuerySet, *, kind: str) -> QuerySet:
    """Add transfer_id/state/error/hint/source of ``kind`` to each row (one SQL query in all)."""
    transfers = Transfer.objects.filter(
        content_type=ContentType.objects.get_for_model(queryset.model), object_id=OuterRef("pk"), kind=kind
    )

    def field(name: str) -> Subquery:
        return Subquery(transfers.values(name)[:1])

    return queryset.annotate(
        transfer_id=field("pk"),
        transfer_state=field("state"),
        transfer_error=field("last_error"),
        transfer_hint=field("last_hint"),
        transfer_source=field("error_source"),
    )


def content_type_of(model) -> Subquery:
    """The content type id of ``model`` as a subquery: PostgreSQL reads it once per query (an
    InitPlan), no content-type lookup is needed in Python, and indexes on (content type, object)
    still apply."""
    meta = model._meta
    return Subquery(ContentType.objects.filter(app_label=meta.app_label, model=meta.model_name).values("pk")[:1])


def transfer_state_is(model, *, kind: str, state: str) -> Exists | Any:
    """Rows of ``model`` whose transfer of ``kind`` is in ``state`` ("none": that have none), as a
    filter through the transfers' index rather than a subquery evaluated per row."""
    transfers = Transfer.objects.filter(content_type_id=content_type_of(model), object_id=OuterRef("pk"), kind=kind)
    if state == "none":
        return ~Exists(transfers)
    return Exists(transfers.filter(state=state))


def with_document_states(queryset: QuerySet) -> QuerySet:
    """Add to each order: how many invoices and shipments it has, and whether any document's
    transfer to the shop (or a shipment's booking) needs attention, is unknown or still waits
    (M2-M4). A fixed number of subqueries, each driven from the order's own documents (by their
    index on the order) to their transfers (by the transfers' index on their object): the list
    costs the same SQL, and about the same time, however many orders and transfers there are."""
    from django.db.models import BooleanField, Count, ExpressionWrapper, IntegerField

    from documents.models import CreditNote, Invoice, Shipment

    def count(model, field: str = "order") -> Subquery:
        rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field)
        return Subquery(rows.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField())

    def documents_in(states: tuple[str, ...]) -> ExpressionWrapper:
        found: Any = None
        for model, field in ((Invoice, "order"), (Shipment, "order"), (CreditNote, "invoice__order")):
            transfers = Transfer.objects.filter(
                content_type_id=content_type_of(model), object_id=OuterRef("pk"), state__in=states
            )
            term = Exists(model.objects.filter(**{field: OuterRef("pk")}).filter(Exists(transfers)))
            found = term if found is None else found | term
        return ExpressionWrapper(found, output_field=BooleanField())

    return queryset.annotate(
        n_invoices=count(Invoice),
        n_shipments=count(Shipment),
        documents_failing=documents_in((TransferState.NEEDS_ATTENTION,)),
        documents_unknown=documents_in((TransferState.UNKNOWN,)),
        documents_waiting=documents_in((TransferState.PENDING, TransferState.RETRY_WAIT, TransferState.SENDING)),
    )


def connection_serving(*, role: str, parameter: str, value: str) -> Connection | None:
    """The first enabled connection of ``role`` whose ``parameters[parameter]`` lists ``value``
    (the carrier of a shipping method, the payment provider of a payment method)."""
    if not value:
        return None
    for connection in Connection.objects.filter(role=role, enabled=True).order_by("pk"):
        if value in (connection.parameters or {}).get(parameter, []):
            return connection
    return None


def transfers_of_order(order_id: int) -> list[Transfer]:
    """Every transfer about one order: its sales order and status pushes, and those of its invoices,
    shipments and credit notes (to the shop, the carrier, the payment provider), oldest first."""
    from django.db.models import Q

    from documents.models import CreditNote, Invoice, Shipment
    from orders.models import Order

    about = Q(content_type=ContentType.objects.get_for_model(Order), object_id=order_id)
    for model, field in ((Invoice, "order_id"), (Shipment, "order_id"), (CreditNote, "invoice__order_id")):
        ids = model.objects.filter(**{field: order_id}).values("pk")
        about |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    return list(
        Transfer.objects.filter(about).select_related("connection", "content_type").order_by("created_at", "pk")
    )


_SHOPS: tuple[float, list[tuple[int, str]], list[str]] | None = None
SHOP_CHOICES_SECONDS = 60


def shop_choices() -> tuple[list[tuple[int, str]], list[str]]:
    """The shop connections (id, name) and the shop statuses the integrations name (their transfer
    statuses and status map), for the order list's filters. Kept a minute in the process: the list
    of a million orders asks no DISTINCT of them, and a new shop or status shows within a minute."""
    global _SHOPS
    import time

    from .models import Integration

    now = time.monotonic()
    if _SHOPS is None or now - _SHOPS[0] > SHOP_CHOICES_SECONDS:
        shops: list[tuple[int, str]] = []
        statuses: set[str] = set()
        for connection in Connection.objects.filter(role="shop").order_by("name"):
            shops.append((connection.pk, connection.name))
        for integration in Integration.objects.all():
            statuses.update(str(s) for s in integration.transfer_statuses or [])
            statuses.update(str(s) for s in (integration.status_map or {}).values())
        _SHOPS = (now, shops, sorted(statuses))
    return _SHOPS[1], _SHOPS[2]


def shop_choices_forget() -> None:
    global _SHOPS
    _SHOPS = None
