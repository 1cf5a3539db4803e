"""Stock arithmetic of the portal's warehouses."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, DecimalField, F, Value, When

from .models import StockLevel


@transaction.atomic
def stock_levels_adjust(*, deltas: Mapping[tuple[int, int], Decimal]) -> list[int]:
    """Add ``deltas`` ((product id, warehouse id) -> quantity, negative to take) to the physical
    stock in one UPDATE, rows locked in pk order so that concurrent adjustments queue up instead of
    deadlocking or losing one another's figures. Missing stock levels start at 0. Returns the
    product ids whose stock changed."""
    deltas = {key: delta for key, delta in deltas.items() if delta}
    if not deltas:
        return []
    StockLevel.objects.bulk_create([StockLevel(product_id=p, warehouse_id=w) for p, w in deltas], ignore_conflicts=True)
    rows = list(
        StockLevel.objects.select_for_update()
        .filter(product_id__in={p for p, _w in deltas}, warehouse_id__in={w for _p, w in deltas})
        .order_by("pk")
        .values_list("pk", "product_id", "warehouse_id")
    )
    by_pk = {pk: deltas[(p, w)] for pk, p, w in rows if (p, w) in deltas}
    StockLevel.objects.filter(pk__in=by_pk).update(
        physical=F("physical")
        + Case(
            *(When(pk=pk, then=Value(delta)) for pk, delta in by_pk.items()),
            default=Value(Decimal(0)),
            output_field=DecimalField(max_digits=14, decimal_places=3),
        )
    )
    return sorted({p for p, _w in deltas})
