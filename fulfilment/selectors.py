"""What can be shipped, what is promised, what to buy (R1, R5, R6). Reads only.

Stock figures per product and warehouse:

    physical   what the ERP says is on the shelf (the stock cycle writes it)
    reserved   open orders' lines not yet invoiced, of the shops drawing from the warehouse
    free       physical - reserved
    incoming   open purchase lines (ordered - received)
    minimum    set per product and warehouse
    to buy     minimum - free - incoming, never below 0

Reserved and incoming are computed by one aggregate query each, never stored,
so they are right however many orders are invoiced or imported at once (the
alternative, F() counters, drifts the moment one path forgets to update them).

An order draws from the warehouse its shop's integration names (R2; blank:
"MAIN"). Fulfillable orders are allotted the physical stock oldest first;
an order one line short is not fulfillable and takes nothing, so a younger
order that can be shipped in full still is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, NullIf

from documents.models import InvoiceLine, InvoiceState
from inventory.models import Product, ProductSupplier, PurchaseOrderLine, StockLevel
from orders.models import Order, OrderLine, OrderState

ZERO = Decimal("0")
OPEN = (OrderState.PENDING, OrderState.PROCESSING)
DEFAULT_WAREHOUSE = "MAIN"
QTY = DecimalField(max_digits=14, decimal_places=3)


def open_lines() -> QuerySet[OrderLine]:
    """Stock lines of open orders with what is not yet invoiced (``remaining``) and the warehouse
    their shop draws from (``warehouse_code``)."""
    invoiced = (
        InvoiceLine.objects.filter(order_line=OuterRef("pk"))
        .exclude(invoice__state=InvoiceState.DRAFT)
        .order_by()
        .values("order_line")
        .annotate(q=Sum("quantity"))
        .values("q")
    )
    return (
        OrderLine.objects.filter(order__state__in=OPEN, product__isnull=False, is_service=False)
        .annotate(
            remaining=F("quantity") - Coalesce(Subquery(invoiced, output_field=QTY), Value(ZERO), output_field=QTY),
            # A shop without an integration, or one naming no warehouse, draws from MAIN.
            warehouse_code=Coalesce(
                NullIf(F("order__shop__integration__warehouse_code"), Value("")), Value(DEFAULT_WAREHOUSE)
            ),
        )
        .filter(remaining__gt=0)
    )


def reserved() -> dict[tuple[int, str], Decimal]:
    """(product id, warehouse code) -> quantity promised to open orders, in one query (R1)."""
    rows = open_lines().values("product_id", "warehouse_code").annotate(total=Sum("remaining")).order_by()
    return {(row["product_id"], row["warehouse_code"]): row["total"] for row in rows}


def incoming() -> dict[tuple[int, str], Decimal]:
    """(product id, warehouse code) -> ordered from suppliers and not yet received, in one query."""
    rows = (
        PurchaseOrderLine.objects.filter(received__lt=F("quantity"))
        .values("product_id", "purchase_order__warehouse__code")
        .annotate(total=Sum(F("quantity") - F("received")))
        .order_by()
    )
    return {(row["product_id"], row["purchase_order__warehouse__code"]): row["total"] for row in rows}


def with_default_supplier(queryset: QuerySet, product_field: str = "product") -> QuerySet:
    """Annotate the product's default supplier name and supplier article number."""
    default = ProductSupplier.objects.filter(product=OuterRef(product_field), is_default=True)
    return queryset.annotate(
        supplier_name=Subquery(default.values("supplier__name")[:1]),
        supplier_article_no=Subquery(default.values("supplier_article_no")[:1]),
    )


@dataclass(frozen=True)
class StockRow:
    product_id: int
    sku: str
    name: str
    warehouse: str
    location: str
    physical: Decimal
    reserved: Decimal
    free: Decimal
    minimum: Decimal
    incoming: Decimal
    to_purchase: Decimal
    supplier: str
    supplier_article_no: str


def stock_report(*, warehouse: str = "", supplier: str = "", only_to_purchase: bool = False) -> list[StockRow]:
    """Per product and warehouse: physical, reserved, free, minimum, incoming, to buy, default supplier
    (R6). Three queries however many products."""
    levels = with_default_supplier(StockLevel.objects.select_related("product", "warehouse"))
    if warehouse:
        levels = levels.filter(warehouse__code=warehouse)
    if supplier:
        levels = levels.filter(
            product__supplier_links__is_default=True, product__supplier_links__supplier__code=supplier
        )
    promised, ordered = reserved(), incoming()
    rows = []
    for level in levels.order_by("warehouse__code", "product__sku"):
        key = (level.product_id, level.warehouse.code)
        held, coming = promised.get(key, ZERO), ordered.get(key, ZERO)
        free = level.physical - held
        buy = StockLevel.to_purchase(free=free, incoming=coming, minimum=level.minimum)
        if only_to_purchase and not buy:
            continue
        rows.append(
            StockRow(
                product_id=level.product_id,
                sku=level.product.sku,
                name=level.product.name,
                warehouse=level.warehouse.code,
                location=level.location,
                physical=level.physical,
                reserved=held,
                free=free,
                minimum=level.minimum,
                incoming=coming,
                to_purchase=buy,
                supplier=level.supplier_name or "",
                supplier_article_no=level.supplier_article_no or "",
            )
        )
    return rows


# --- fulfilment (R5) -------------------------------------------------------------------


@dataclass
class Allotment:
    """One open order's fate: fulfillable or not, and what it lacks per product."""

    order_id: int
    fulfillable: bool
    short: dict[int, Decimal] = field(default_factory=dict)  # product id -> quantity missing


def fulfilment_candidates() -> QuerySet[Order]:
    """Open orders with nothing invoiced yet (R5)."""
    return Order.objects.filter(state__in=OPEN).exclude(invoices__state__in=[InvoiceState.ISSUED, InvoiceState.PAID])


def allot() -> dict[int, Allotment]:
    """Allot the physical stock to the open, not yet invoiced orders, oldest first (R5).

    Two queries, whatever the number of orders and products: the candidate orders' stock lines
    in age order, each with the physical stock of its product in its warehouse, and the candidate
    orders in age order (an order of services only takes no stock). An order takes its lines only
    when all of them can be served.
    """
    candidates = fulfilment_candidates()
    physical = StockLevel.objects.filter(
        product_id=OuterRef("product_id"), warehouse__code=OuterRef("warehouse_code")
    ).values("physical")[:1]
    lines = list(
        open_lines()
        .filter(order__in=candidates)
        .annotate(physical=Subquery(physical, output_field=QTY))
        .order_by("order__placed_at", "order_id", "pk")
        .values("order_id", "product_id", "warehouse_code", "remaining", "physical")
    )
    stock: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    by_order: dict[int, list[dict]] = defaultdict(list)
    for line in lines:
        key = (line["product_id"], line["warehouse_code"])
        if key not in stock:  # each line repeats its product's stock: read it once, then it is used up
            # The stock level's own scale (SQLite hands a subquery's decimal back unscaled).
            stock[key] = (line["physical"] or ZERO).quantize(Decimal("0.001"))
        by_order[line["order_id"]].append(line)
    result: dict[int, Allotment] = {}
    for order_id in candidates.order_by("placed_at", "pk").values_list("pk", flat=True):
        need: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        for line in by_order.get(order_id, []):
            need[(line["product_id"], line["warehouse_code"])] += line["remaining"]
        short = {key[0]: qty - stock[key] for key, qty in need.items() if qty > stock[key]}
        if not short:
            for key, qty in need.items():
                stock[key] -= qty
        result[order_id] = Allotment(order_id=order_id, fulfillable=not short, short=short)
    return result


@dataclass(frozen=True)
class PackingLine:
    sku: str
    name: str
    location: str
    quantity: Decimal


def packing_summary(order_ids: list[int]) -> list[PackingLine]:
    """Which products and how many to pick for these orders, with their bin when known (R5)."""
    totals = (
        open_lines()
        .filter(order_id__in=order_ids)
        .values("product_id", "product__sku", "product__name", "warehouse_code")
        .annotate(total=Sum("remaining"))
        .order_by("product__sku")
    )
    bins = dict(
        ((pid, code), loc)
        for pid, code, loc in StockLevel.objects.filter(
            product_id__in=[row["product_id"] for row in totals]
        ).values_list("product_id", "warehouse__code", "location")
    )
    return [
        PackingLine(
            sku=row["product__sku"],
            name=row["product__name"],
            location=bins.get((row["product_id"], row["warehouse_code"]), ""),
            quantity=row["total"],
        )
        for row in totals
    ]


@dataclass(frozen=True)
class PurchaseLine:
    sku: str
    name: str
    shortfall: Decimal
    supplier: str
    supplier_article_no: str


def purchase_list(order_ids: list[int]) -> list[PurchaseLine]:
    """What the chosen unfulfillable orders lack, per product, with the default supplier (R5)."""
    allotment = allot()
    missing: dict[int, Decimal] = defaultdict(Decimal)
    for order_id in order_ids:
        for product_id, qty in getattr(allotment.get(order_id), "short", {}).items():
            missing[product_id] += qty
    products = with_default_supplier(Product.objects.filter(pk__in=missing), product_field="pk")
    return [
        PurchaseLine(
            sku=p.sku,
            name=p.name,
            shortfall=missing[p.pk],
            supplier=p.supplier_name or "",
            supplier_article_no=p.supplier_article_no or "",
        )
        for p in products.order_by("sku")
    ]


def csv_safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula: text starting with = + - @ tab or CR gets a '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
