"""A ShopRenter shop whose back office is the portal itself (seed 003: Okos-Ügyvitel has no API):
orders become the portal's numbered order documents, invoices take stock, stock goes to the shop (R1-R7)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.bindings import binding_of
from connectors.flows.batches import batch_push
from connectors.flows.cycles import connection_cycle
from connectors.models import Connection, Integration, Transfer, TransferKind, TransferState
from connectors.platforms.shoprenter.mapping import resource_id
from documents.services import invoice_create, shipment_create
from inventory.models import Product, StockLevel, Warehouse
from orders.models import Order
from tests.e2e.conftest import shoprenter_shop
from tests.engine import process_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def backoffice(db, shoprenter):
    portal = Connection.objects.create(name="Back office", role="erp", platform="portal", base_url="http://portal/")
    shop = shoprenter_shop(shoprenter)
    return Integration.objects.create(
        shop=shop, erp=portal, transfer_statuses=["Függőben"], numbering_series="SR1-", warehouse_code="MAIN",
        policy_no_similar="add_new", status_map={"complete": "Teljesítve", "processing": "Feldolgozás alatt"},
    )  # fmt: skip


def _stock(product_sku: str, quantity: str) -> None:
    warehouse = Warehouse.objects.get_or_create(code="MAIN", defaults={"name": "Main"})[0]
    product = Product.objects.get(sku=product_sku)
    level, _ = StockLevel.objects.get_or_create(product=product, warehouse=warehouse)
    level.physical = Decimal(quantity)
    level.save()  # as a person does in the stock level's page


def test_r1_r2_an_order_becomes_the_portals_numbered_order_document_with_its_buyer_in_the_register(
    backoffice, shoprenter
):
    placed = shoprenter.place_order(items=[("LUE-01", 2)], customer_id=None, email="anna@example.hu")
    connection_cycle(connection=backoffice.shop)
    process_due()
    order = Order.objects.get(shop=backoffice.shop, number=placed["innerId"])
    assert order.erp_order_no == f"SR1-{placed['innerId']}"  # the shop's own series
    assert binding_of(backoffice.erp, order.customer).external_id == f"K{order.customer.pk}"  # the portal's register
    transfer = Transfer.objects.get(kind=TransferKind.SALES_ORDER, object_id=order.pk)
    assert transfer.state == TransferState.SENT and transfer.attempts.count() == 1
    # A second order of the same buyer is bound to the same card (guests by name and e-mail).
    again = shoprenter.place_order(items=[("BOK-01", 1)], customer_id=None, email="anna@example.hu")
    connection_cycle(connection=backoffice.shop)
    process_due()
    second = Order.objects.get(number=again["innerId"])
    assert binding_of(backoffice.erp, second.customer).external_id == f"K{order.customer.pk}"


def test_r7_an_invoice_takes_the_goods_from_the_warehouse_and_the_new_stock_goes_to_shoprenter(backoffice, shoprenter):
    placed = shoprenter.place_order(items=[("LUE-01", 2), ("SJAL-01", 1)], customer_id=None)
    connection_cycle(connection=backoffice.shop)
    process_due()
    _stock("LUE-01", "20")
    _stock("SJAL-01", "6")
    assert batch_push(connection=backoffice.shop)["sent"] == 2  # the corrected figures went first
    assert shoprenter.state.products["LUE-01"]["stock1"] == "20"
    calls_before = shoprenter.calls["POST /api/batch"]

    invoice_create(order=Order.objects.get(number=placed["innerId"]))
    levels = dict(StockLevel.objects.values_list("product__sku", "physical"))
    assert (levels["LUE-01"], levels["SJAL-01"]) == (Decimal(18), Decimal(5))
    assert batch_push(connection=backoffice.shop)["sent"] == 2
    assert shoprenter.calls["POST /api/batch"] == calls_before + 1  # both in one /batch call
    assert (shoprenter.state.products["LUE-01"]["stock1"], shoprenter.state.products["SJAL-01"]["stock1"]) == (
        "18",
        "5",
    )


def test_s11_the_portal_completing_an_order_moves_its_shoprenter_status(backoffice, shoprenter):
    placed = shoprenter.place_order(items=[("LUE-01", 1)], customer_id=None)
    connection_cycle(connection=backoffice.shop)
    process_due()
    invoice_create(order=Order.objects.get(number=placed["innerId"]))
    shipment_create(order=Order.objects.get(number=placed["innerId"]))
    order = Order.objects.get(number=placed["innerId"])
    assert order.state == "complete"  # invoiced and shipped
    connection_cycle(connection=backoffice.erp)  # the back office's statuses, read like an ERP's
    process_due()
    status_id = shoprenter.state.orders[int(placed["innerId"])]["orderStatus"]["href"].rsplit("/", 1)[1]
    assert status_id == resource_id("orderStatus", "order_status_id", 3)  # Teljesítve


def test_r2_two_shops_on_one_back_office_number_their_orders_apart(backoffice, shoprenter):
    import itertools

    from connectors.platforms.shoprenter.emulator import ShopRenterEmulator, seed_demo

    second = ShopRenterEmulator(shop="gyorshop").start()
    second._ids = itertools.count(1001)  # the same shop order numbers as the first shop
    try:
        seed_demo(second)
        other = Integration.objects.create(
            shop=shoprenter_shop(second, name="ShopRenter Győr"), erp=backoffice.erp, transfer_statuses=["Függőben"],
            numbering_series="SR2-", warehouse_code="GYR", policy_no_similar="add_new",
        )  # fmt: skip
        first = shoprenter.place_order(items=[("LUE-01", 1)], customer_id=None)
        same = second.place_order(items=[("LUE-01", 1)], customer_id=None)
        assert first["innerId"] == same["innerId"]
        for integration in (backoffice, other):
            connection_cycle(connection=integration.shop)
        process_due()
        numbers = sorted(Order.objects.values_list("erp_order_no", flat=True))
        assert numbers == [f"SR1-{first['innerId']}", f"SR2-{same['innerId']}"]
    finally:
        second.stop()


def test_a_stock_level_of_a_shop_with_an_external_erp_is_not_pushed_from_the_portal(db, shoprenter, visma):
    from sync_portal.demo import configure_demo

    class _Magento:
        base_url, token = "http://127.0.0.1:9/rest/default/V1/", "unused"

    erp = configure_demo(magento=_Magento(), visma=visma).erp
    shop = shoprenter_shop(shoprenter)
    Integration.objects.create(shop=shop, erp=erp, warehouse_code="MAIN")
    Product.objects.create(shop=shop, sku="LUE-01", name="Sapka", price_excl_vat=Decimal(1))
    _stock("LUE-01", "3")
    assert not Transfer.objects.filter(kind=TransferKind.STOCK).exists()  # the ERP's figure rules


def test_r4_a_product_new_to_the_portal_comes_into_its_catalogue_with_the_order_that_sold_it(backoffice, shoprenter):
    shoprenter.add_product("UJ-01", "Új termék", "3000", stock=4)
    placed = shoprenter.place_order(items=[("UJ-01", 1)], customer_id=None)
    from connectors.flows.orders_in import shop_pull_orders

    shop_pull_orders(connection=backoffice.shop)  # no product pull ran: the order brings it
    process_due()
    product = Product.objects.get(shop=backoffice.shop, sku="UJ-01")
    assert (product.name, product.price_excl_vat) == ("Új termék", Decimal("3000"))
    assert Order.objects.get(number=placed["innerId"]).erp_order_no == f"SR1-{placed['innerId']}"
