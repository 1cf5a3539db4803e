"""The catalogue both ways between the Magento and Visma.net emulators (S1, S2, S4-S7, S12, R7)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.emulation import Fault
from connectors.flows.cycles import connection_cycle
from connectors.models import Transfer, TransferKind, TransferState
from connectors.platforms.magento.emulator import _now
from inventory.models import Product
from orders.models import Order
from tests.engine import process_due

pytestmark = pytest.mark.django_db


def cycle(connection) -> None:
    connection_cycle(connection=connection)
    process_due()


def writes(emulator, *, prefix: str) -> int:
    return sum(n for key, n in emulator.calls.items() if key.split()[0] in ("POST", "PUT") and prefix in key)


@pytest.fixture
def both_ways(demo, magento, visma):
    demo.products_to_erp = True
    demo.products_to_shop = True
    demo.new_product_category = "12"
    demo.save()
    demo.erp.parameters = {**demo.erp.parameters, "read_timeout": 1}
    demo.erp.save()
    cycle(demo.shop)  # the shop's catalogue mirrored, then found or created in Visma
    cycle(demo.erp)  # Visma's items read back: bound by their internal id
    return demo


def test_s1_s4_a_product_created_in_magento_is_created_in_visma_with_its_fields(both_ways, magento, visma):
    product = magento.add_product("NY-GENSER", "Ny genser", "499", qty=3)
    product.weight = Decimal("0.8")
    cycle(both_ways.shop)
    item = visma.state.items["NY-GENSER"]
    assert (item["description"], item["defaultPrice"], item["status"]) == ("Ny genser", 499.0, "Active")
    assert item["vatCode"]["id"] == "HIGH" and item["packaging"]["baseItemWeight"] == 0.8
    creates = visma.calls["POST /v1/inventory"]
    cycle(both_ways.shop)
    cycle(both_ways.erp)
    assert visma.calls["POST /v1/inventory"] == creates  # once
    [(_, _, body)] = [r for r in visma.requests if r[:2] == ("POST", "/v1/inventory") and "NY-GENSER" in str(r[2])]
    # S12: no price lists, variant relations or suppliers go to the ERP.
    assert not {"priceClass", "supplierDetails", "parentRecord", "attributeLines"} & set(body)


def test_s5_an_item_created_in_visma_appears_in_magento_with_the_s5_defaults(both_ways, magento, visma):
    visma.add_item("ERP-NY-1", "Ny vare fra ERP", "250")
    visma.set_item("ERP-NY-1", note="Kommer i tre farger")
    cycle(both_ways.erp)
    product = magento.state.products["ERP-NY-1"]
    assert (product.name, product.price, product.qty) == ("Ny vare fra ERP", Decimal("250"), Decimal("0"))
    assert product.status == 2  # status per setting: new products wait disabled
    assert product.visibility == 4  # listed
    assert product.category_ids == ["12"]  # category per setting
    assert product.description == "Kommer i tre farger"  # notes
    mirror = Product.objects.get(shop=both_ways.shop, sku="ERP-NY-1")
    assert mirror.reference == "ERP-NY-1"


def test_s2_a_renamed_item_number_renames_the_magento_product_and_an_older_order_still_resolves(
    both_ways, magento, visma
):
    older = magento.place_order(items=[("LUE-01", 1)], customer_id=both_ways.customers["registered_with_erp"])
    visma.rename_item("LUE-01", "LUE-01-V2")
    cycle(both_ways.erp)
    assert "LUE-01-V2" in magento.state.products and "LUE-01" not in magento.state.products
    mirror = Product.objects.get(shop=both_ways.shop, sku="LUE-01-V2")
    assert mirror.reference == "LUE-01-V2" and mirror.aliases.filter(value="LUE-01").exists()
    cycle(both_ways.shop)  # the order placed before the rename arrives now, naming LUE-01
    order = Order.objects.get(number=older["increment_id"])
    assert order.lines.get().product == mirror
    [stored] = visma.orders_with_ref(older["increment_id"])
    assert stored["lines"][0]["inventory"]["number"] == "LUE-01-V2"


def test_s1_a_sku_renamed_in_magento_renames_the_visma_item(both_ways, magento, visma):
    product = magento.state.products.pop("SJOKOLADE")
    product.sku = "SJOKOLADE-70"
    product.updated_at = _now()
    magento.state.products["SJOKOLADE-70"] = product
    cycle(both_ways.shop)
    assert "SJOKOLADE-70" in visma.state.items and "SJOKOLADE" not in visma.state.items
    assert visma.calls["POST /v1/inventory/action/changeInventoryNbr/{id}"] == 1


def test_s5_an_item_retired_in_visma_makes_the_magento_product_inactive(both_ways, magento, visma):
    visma.set_item("BOK-01", status="Marked for deletion")
    cycle(both_ways.erp)
    assert magento.state.products["BOK-01"].status == 2
    assert Product.objects.get(shop=both_ways.shop, sku="BOK-01").status == "inactive"


def test_no_echo_a_change_in_magento_is_written_once_to_visma_and_never_back(both_ways, magento, visma):
    shop_writes, erp_writes = writes(magento, prefix="/products"), writes(visma, prefix="/inventory")
    magento.state.products["LUE-01"].name = "Strikkelue – ny modell"
    magento.state.products["LUE-01"].updated_at = _now()
    cycle(both_ways.shop)
    cycle(both_ways.erp)
    cycle(both_ways.shop)
    assert visma.state.items["LUE-01"]["description"] == "Strikkelue – ny modell"
    assert writes(visma, prefix="/inventory") == erp_writes + 1
    assert writes(magento, prefix="/products") == shop_writes


def test_no_echo_a_change_in_visma_is_written_once_to_magento_and_never_back(both_ways, magento, visma):
    shop_writes, erp_writes = writes(magento, prefix="/products"), writes(visma, prefix="/inventory")
    visma.set_item("VOTTER-01", description="Votter i ull")
    cycle(both_ways.erp)
    cycle(both_ways.shop)
    cycle(both_ways.erp)
    assert magento.state.products["VOTTER-01"].name == "Votter i ull"
    assert writes(magento, prefix="/products") == shop_writes + 1
    assert writes(visma, prefix="/inventory") == erp_writes


def test_r7_a_price_changed_in_visma_goes_to_magento_once_through_base_prices(both_ways, magento, visma):
    visma.set_price("LUE-01", "219.00")
    cycle(both_ways.erp)
    cycle(both_ways.shop)
    assert magento.state.products["LUE-01"].price == Decimal("219")
    assert magento.calls["POST /rest/default/V1/products/base-prices"] == 1
    assert visma.state.items["LUE-01"]["defaultPrice"] == 219.0  # not echoed back as a change


def test_a_visma_item_create_whose_answer_was_lost_makes_exactly_one_item(both_ways, magento, visma):
    visma.inject(Fault("timeout_after_store", method="POST", path="/v1/inventory$", delay=2.0))
    magento.add_product("NY-LUE", "Ny lue", "150", qty=1)
    cycle(both_ways.shop)
    product = Product.objects.get(shop=both_ways.shop, sku="NY-LUE")
    transfer = Transfer.objects.get(kind=TransferKind.PRODUCT, object_id=product.pk, connection=both_ways.erp)
    assert (transfer.state, transfer.needs_lookup) == (TransferState.UNKNOWN, True)
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=transfer.created_at)
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    posts = [b for m, p, b in visma.requests if (m, p) == ("POST", "/v1/inventory") and "NY-LUE" in str(b)]
    assert len(posts) == 1  # the one whose answer was lost, then found by its number
    assert visma.state.items["NY-LUE"]["description"] == "Ny lue"


def test_a_magento_product_create_whose_answer_was_lost_makes_exactly_one_product(both_ways, magento, visma):
    magento.inject(Fault("drop_after_store", method="POST", path="/V1/products$"))
    visma.add_item("ERP-NY-2", "Enda en vare", "75")
    cycle(both_ways.erp)
    product = Product.objects.get(shop=both_ways.shop, sku="ERP-NY-2")
    transfer = Transfer.objects.get(kind=TransferKind.PRODUCT, object_id=product.pk, connection=both_ways.shop)
    assert transfer.state == TransferState.UNKNOWN
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=transfer.created_at)
    process_due()
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.SENT
    posts = [b for m, p, b in magento.requests if (m, p[-12:]) == ("POST", "/V1/products") and "ERP-NY-2" in str(b)]
    assert len(posts) == 1
    assert magento.state.products["ERP-NY-2"].name == "Enda en vare"


def test_s6_variants_are_independent_products_in_visma(both_ways, magento, visma):
    parent = magento.add_product("KJOLE", "Kjole", "900", type_id="configurable")
    magento.add_product("KJOLE-S", "Kjole – S", "900", parent_sku=parent.sku)
    magento.add_product("KJOLE-M", "Kjole – M", "900", parent_sku=parent.sku)
    cycle(both_ways.shop)
    assert {"KJOLE-S", "KJOLE-M"} <= set(visma.state.items)
    bodies = [b for m, p, b in visma.requests if (m, p) == ("POST", "/v1/inventory") and "KJOLE-" in str(b)]
    assert all("parent" not in str(body).lower() for body in bodies)  # the relation is not synced


def test_s7_a_new_buyer_and_a_new_product_are_sent_before_the_order(both_ways, magento, visma):
    both_ways.policy_no_similar = "add_new"
    both_ways.save()
    magento.add_product("NYHET", "Nyhet", "120", qty=5)
    buyer = magento.add_customer("Nina", "Nyberg", "nina@example.no")
    placed = magento.place_order(items=[("NYHET", 1)], customer_id=buyer)
    visma.requests.clear()
    connection_cycle(connection=both_ways.shop)  # products, then orders: both queued
    order = Order.objects.get(number=placed["increment_id"])
    from connectors.transfers import transfer_process

    transfer_process(transfer_id=Transfer.objects.get(kind=TransferKind.SALES_ORDER, object_id=order.pk).pk)
    posts = [p for m, p, _ in visma.requests if m == "POST" and p != "/connect/token"]
    assert posts.index("/v1/customer") < posts.index("/v1/inventory") < posts.index("/v1/salesorder")
    assert len(visma.orders_with_ref(placed["increment_id"])) == 1


def test_s1_a_first_import_costs_the_same_few_statements_per_product_at_any_size(magento):
    """A new product is looked up (binding, SKU or number, former names) and inserted with its binding:
    a constant number of statements each, so a 100 000-product catalogue costs no more per product."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from connectors.flows.catalogue import shop_pull_products
    from connectors.models import Connection

    counts = []
    for first, size in ((0, 10), (10, 30)):
        for n in range(first, size):
            magento.add_product(f"BULK-{n:03d}", f"Vare {n}", "100")
        shop = Connection.objects.create(  # a first import each time: its own cursor, nothing bound
            name=f"Magento {size}", role="shop", platform="magento", base_url=magento.base_url,
            credentials={"token": magento.token},
        )  # fmt: skip
        with CaptureQueriesContext(db) as queries:
            shop_pull_products(connection=shop)
        assert Product.objects.filter(shop=shop, sku__startswith="BULK-").count() == size
        counts.append(len(queries))
    # per product: the record's savepoint and its release, 3 lookups, 2 inserts
    assert (counts[1] - counts[0]) / 20 <= 7, counts  # 12 before the direct insert of a new binding
