"""Fulfilment and stock: reserved, fulfillable orders, packing summary, purchase list, stock report (R1, R2, R5, R6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from documents.services import invoice_create
from fulfilment.selectors import allot, csv_safe, packing_summary, purchase_list, reserved, stock_report
from inventory.models import ProductSupplier, PurchaseOrder, PurchaseOrderLine, StockLevel, Supplier, Warehouse
from tests.factories import IntegrationFactory, OrderFactory, OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return IntegrationFactory(warehouse_code="OSL").shop


@pytest.fixture
def lue(shop):
    product = ProductFactory(shop=shop, sku="LUE-01", name="Lue")
    warehouse = Warehouse.objects.create(code="OSL", name="Oslo")
    StockLevel.objects.create(product=product, warehouse=warehouse, physical=Decimal("5"), location="A-12")
    supplier = Supplier.objects.create(code="STRIKK", name="Strikkeriet AS")
    ProductSupplier.objects.create(product=product, supplier=supplier, supplier_article_no="S-991", is_default=True)
    return product


def order_of(shop, product, qty: str, *, minutes_ago: int, **kw):
    order = OrderFactory(shop=shop, placed_at=timezone.now() - dt.timedelta(minutes=minutes_ago), **kw)
    OrderLineFactory(order=order, product=product, sku=product.sku, quantity=Decimal(qty))
    return order


def test_r5_three_open_orders_competing_for_five_units_are_served_oldest_first(shop, lue):
    oldest = order_of(shop, lue, "2", minutes_ago=30)
    middle = order_of(shop, lue, "4", minutes_ago=20)  # 3 left: one short, not fulfillable, takes nothing
    youngest = order_of(shop, lue, "3", minutes_ago=10)  # 3 left: fulfillable
    allotment = allot()
    assert [allotment[o.pk].fulfillable for o in (oldest, middle, youngest)] == [True, False, True]
    assert allotment[middle.pk].short == {lue.pk: Decimal("1")}
    [line] = purchase_list([middle.pk])
    assert (line.sku, line.shortfall, line.supplier, line.supplier_article_no) == (
        "LUE-01",
        Decimal("1"),
        "Strikkeriet AS",
        "S-991",
    )
    [pick] = packing_summary([oldest.pk, youngest.pk])
    assert (pick.sku, pick.quantity, pick.location) == ("LUE-01", Decimal("5"), "A-12")


def test_r5_an_order_one_line_short_is_not_fulfillable(shop, lue):
    other = ProductFactory(shop=shop, sku="BOK-01")  # no stock at all
    order = order_of(shop, lue, "1", minutes_ago=5)
    OrderLineFactory(order=order, product=other, sku="BOK-01", quantity=Decimal("1"))
    assert allot()[order.pk].fulfillable is False


def test_r1_reserved_is_what_open_orders_have_not_yet_had_invoiced(shop, lue):
    first = order_of(shop, lue, "3", minutes_ago=10)
    order_of(shop, lue, "1", minutes_ago=5)
    canceled = order_of(shop, lue, "4", minutes_ago=1)
    canceled.cancel()
    assert reserved() == {(lue.pk, "OSL"): Decimal("4")}
    line = first.lines.get()
    invoice_create(order=first, quantities={line.pk: Decimal("2")})
    assert reserved() == {(lue.pk, "OSL"): Decimal("2")}
    assert first.pk not in allot()  # invoiced: no longer waiting to be fulfilled


def test_r6_the_stock_report_shows_every_figure_and_what_to_buy_with_the_supplier(shop, lue):
    level = StockLevel.objects.get(product=lue)
    level.minimum = Decimal("10")
    level.save()
    order_of(shop, lue, "3", minutes_ago=5)
    po = PurchaseOrder.objects.create(supplier=Supplier.objects.get(), warehouse=level.warehouse, number="PO-1")
    PurchaseOrderLine.objects.create(purchase_order=po, product=lue, quantity=Decimal("4"), received=Decimal("1"))
    [row] = stock_report()
    assert (row.physical, row.reserved, row.free, row.minimum, row.incoming, row.to_purchase) == (
        Decimal("5"),
        Decimal("3"),
        Decimal("2"),
        Decimal("10"),
        Decimal("3"),
        Decimal("5"),
    )
    assert (row.supplier, row.supplier_article_no, row.location) == ("Strikkeriet AS", "S-991", "A-12")
    assert stock_report(only_to_purchase=True) == [row]
    assert stock_report(warehouse="NOPE") == []


def test_r2_each_shop_reserves_in_the_warehouse_its_integration_names(lue):
    bergen = IntegrationFactory(warehouse_code="BGO").shop
    product = ProductFactory(shop=bergen, sku="LUE-01")
    order_of(bergen, product, "2", minutes_ago=3)
    order_of(lue.shop, lue, "1", minutes_ago=3)
    assert reserved() == {(product.pk, "BGO"): Decimal("2"), (lue.pk, "OSL"): Decimal("1")}


@pytest.mark.parametrize(
    "cell,shown",
    [('=HYPERLINK("x")', "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM", "'@SUM"),
     ("\tx", "'\tx"), ("\rx", "'\rx"), ("Lue", "Lue"), ("", "")],
)  # fmt: skip
def test_r6_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_escaped(cell, shown):
    assert csv_safe(cell) == shown


def test_r6_the_stock_report_costs_the_same_queries_for_20_or_200_products(shop, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    warehouse = Warehouse.objects.create(code="OSL", name="Oslo")

    def make(n: int) -> None:
        for _ in range(n):
            product = ProductFactory(shop=shop)
            StockLevel.objects.create(product=product, warehouse=warehouse, physical=Decimal("1"))
            order_of(shop, product, "1", minutes_ago=1)

    make(20)
    with CaptureQueriesContext(connection) as small:
        stock_report()
        allot()
    make(180)
    with CaptureQueriesContext(connection) as large:
        rows = stock_report()
        allotment = allot()
    assert len(rows) == 200 and len(allotment) == 200
    assert len(small) == len(large) == 5  # report: levels, reserved, incoming; allotment: lines with stock, orders


# --- the admin -------------------------------------------------------------------------


@pytest.fixture
def back_office(client):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("bo", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Back office"))
    client.force_login(user)
    return user


def test_r5_the_order_list_marks_fulfillable_orders_filters_them_and_prints_a_packing_summary(
    client, back_office, shop, lue
):
    oldest = order_of(shop, lue, "2", minutes_ago=30)
    short = order_of(shop, lue, "4", minutes_ago=20)
    page = client.get("/admin/orders/order/?fulfillable=yes").content.decode()
    assert oldest.number in page and short.number not in page
    assert "Fulfillable from stock" in page
    summary = client.post(
        "/admin/orders/order/", {"action": "packing_summary", "_selected_action": [oldest.pk]}
    ).content.decode()
    assert "LUE-01" in summary and "A-12" in summary


def test_r5_the_purchase_list_downloads_as_csv_with_the_supplier(client, back_office, shop, lue):
    short = order_of(shop, lue, "7", minutes_ago=20)
    page = client.post("/admin/orders/order/", {"action": "purchase_list", "_selected_action": [short.pk]})
    assert "Strikkeriet AS" in page.content.decode()
    csv = client.post(
        "/admin/orders/order/", {"action": "purchase_list", "_selected_action": [short.pk], "format": "csv"}
    )
    assert csv["Content-Type"].startswith("text/csv")
    assert "LUE-01,Lue,2.000,Strikkeriet AS,S-991" in csv.content.decode("utf-8-sig")


def test_r6_the_stock_report_page_and_its_csv_escape_a_formula_in_a_product_name(client, back_office, shop, lue):
    lue.name = "=cmd|' /C calc'!A0"
    lue.save()
    page = client.get("/admin/inventory/stocklevel/report/?warehouse=OSL")
    assert page.status_code == 200 and "LUE-01" in page.content.decode()
    csv = client.get("/admin/inventory/stocklevel/report/?format=csv").content.decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in csv
