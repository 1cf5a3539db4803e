"""Two shops on one ERP, each with its own numbering series and warehouse, end to end (P5, R2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.flows.cycles import connection_cycle
from connectors.models import Connection, Integration
from connectors.platforms.magento.emulator import MagentoEmulator
from connectors.platforms.magento.emulator import seed_demo as seed_magento
from documents.services import invoice_create
from fulfilment.selectors import reserved
from inventory.models import Product
from orders.models import Order
from tests.engine import process_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def bergen_shop():
    emulator = MagentoEmulator().start()
    emulator.state.next_increment = 500_000_001  # the second shop's own order numbers
    yield emulator
    emulator.stop()


@pytest.fixture
def two_shops(demo, magento, visma, bergen_shop):
    demo.numbering_series, demo.warehouse_code = "SO", "MAIN"
    demo.save()
    customers = seed_magento(bergen_shop)
    shop = Connection.objects.create(
        name="Bergen shop",
        role="shop",
        platform="magento",
        base_url=bergen_shop.base_url,
        parameters=demo.shop.parameters,
        credentials={"token": bergen_shop.token},
    )
    bergen = Integration.objects.get(pk=demo.pk)
    bergen.pk, bergen.shop = None, shop
    bergen.numbering_series, bergen.warehouse_code = "WO", "BGO"
    bergen.save()
    bergen.customers = customers
    visma.state.order_types.add("WO")
    visma.set_stock("LUE-01", "MAIN", 7)
    visma.set_stock("LUE-01", "BGO", 3)
    return demo, bergen


def test_p5_r2_each_shop_orders_into_its_own_series_and_gets_the_stock_of_its_own_warehouse(
    two_shops, magento, bergen_shop, visma
):
    oslo, bergen = two_shops
    placed_oslo = magento.place_order(items=[("LUE-01", 1)], customer_id=oslo.customers["registered_with_erp"])
    placed_bergen = bergen_shop.place_order(items=[("LUE-01", 2)], customer_id=bergen.customers["registered_with_erp"])
    for connection in (oslo.shop, bergen.shop, oslo.erp):
        connection_cycle(connection=connection)
        process_due()
    [so] = visma.orders_with_ref(placed_oslo["increment_id"])
    [wo] = visma.orders_with_ref(placed_bergen["increment_id"])
    assert (so["orderType"], wo["orderType"]) == ("SO", "WO")
    assert magento.state.products["LUE-01"].qty == Decimal("7")  # Oslo's shop: the MAIN warehouse
    assert bergen_shop.state.products["LUE-01"].qty == Decimal("3")  # Bergen's: its own
    lue_oslo = Product.objects.get(shop=oslo.shop, sku="LUE-01")
    lue_bergen = Product.objects.get(shop=bergen.shop, sku="LUE-01")
    held = reserved()
    assert (held[(lue_oslo.pk, "MAIN")], held[(lue_bergen.pk, "BGO")]) == (Decimal("1"), Decimal("2"))
    # Each shop's documents are numbered in its own series.
    first_oslo = invoice_create(order=Order.objects.get(number=placed_oslo["increment_id"]))
    first_bergen = invoice_create(order=Order.objects.get(number=placed_bergen["increment_id"]))
    assert first_oslo.number == first_bergen.number == "INV-00001"
    assert first_oslo.shop_id != first_bergen.shop_id
