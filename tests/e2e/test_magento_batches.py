"""Magento stock and prices sent in its array calls (MSI source-items, base-prices), each product settled
from its own result (R7)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.flows.batches import batch_push
from connectors.models import Transfer, TransferKind, TransferState
from connectors.platforms.magento.mapping import base_price_refusals
from connectors.transfers import transfer_ensure
from inventory.models import Product, StockLevel, Warehouse

pytestmark = pytest.mark.django_db


def _changed_products(integration, magento, count: int) -> list[Product]:
    warehouse = Warehouse.objects.get_or_create(code=integration.warehouse_code, defaults={"name": "Main"})[0]
    products = []
    for i in range(count):
        sku = f"BATCH-{i:03d}"
        magento.add_product(sku, f"Vare {i}", "100", qty=1)
        product = Product.objects.create(shop=integration.shop, sku=sku, name=f"Vare {i}", price_excl_vat=Decimal(150))
        StockLevel.objects.create(product=product, warehouse=warehouse, physical=Decimal(7))
        transfer_ensure(connection=integration.shop, obj=product, kind=TransferKind.STOCK)
        transfer_ensure(connection=integration.shop, obj=product, kind=TransferKind.PRICE)
        products.append(product)
    return products


def test_r7_msi_stock_and_prices_of_45_products_go_in_three_calls_each(demo, magento):
    demo.shop.parameters = {**demo.shop.parameters, "stock_api": "msi", "source_code": "default"}
    demo.shop.save()
    _changed_products(demo, magento, 45)
    counts = batch_push(connection=demo.shop)
    assert (counts["claimed"], counts["sent"], counts["failed"]) == (90, 90, 0)
    assert magento.calls["POST /rest/default/V1/inventory/source-items"] == 3  # 20 + 20 + 5
    assert magento.calls["POST /rest/default/V1/products/base-prices"] == 3
    assert not any(key.startswith(("PUT", "GET")) and "stockItems" in key for key in magento.calls)
    assert magento.state.source_items[("BATCH-044", "default")] == Decimal(7)
    assert magento.state.products["BATCH-044"].price == Decimal(150)
    assert Transfer.objects.filter(kind__in=["stock", "price"], state=TransferState.SENT).count() == 90


def test_r7_a_price_magento_refuses_needs_attention_alone_while_the_others_are_saved(demo, magento):
    products = _changed_products(demo, magento, 5)
    del magento.state.products["BATCH-002"]  # deleted in the shop since it was mirrored
    Transfer.objects.filter(object_id=products[2].pk, kind=TransferKind.STOCK).delete()  # only its price is due
    counts = batch_push(connection=demo.shop)
    assert counts["sent"] == 8 and counts["failed"] == 1
    refused = Transfer.objects.get(object_id=products[2].pk, kind=TransferKind.PRICE)
    assert refused.state == TransferState.NEEDS_ATTENTION
    assert "Invalid attribute SKU = BATCH-002." in refused.last_error
    assert magento.calls["POST /rest/default/V1/products/base-prices"] == 1
    assert all(magento.state.products[p.sku].price == Decimal(150) for p in products if p.sku != "BATCH-002")


def test_r7_a_batch_call_that_times_out_is_retried_for_each_of_its_products(demo, magento):
    from connectors.emulation import Fault

    _changed_products(demo, magento, 3)
    magento.faults.append(Fault(path="/products/base-prices", kind="error", status=503))
    counts = batch_push(connection=demo.shop)
    assert counts["sent"] == 3 and counts["failed"] == 3  # legacy stock went; the prices wait
    waiting = Transfer.objects.filter(kind=TransferKind.PRICE)
    assert {t.state for t in waiting} == {TransferState.RETRY_WAIT}
    Transfer.objects.filter(kind=TransferKind.PRICE).update(next_attempt_at="2000-01-01T00:00:00Z")
    assert batch_push(connection=demo.shop)["sent"] == 3


def test_magento_base_price_answers_name_the_refused_skus():
    # The answer of Magento's own api-functional test (BasePriceStorageTest) and of a documented
    # integration guide: placeholders filled from the parameters, in order; no row index.
    answer = [
        {"message": "Invalid attribute %fieldName = %fieldValue.", "parameters": ["SKU", "not_existing_sku"]},
        {"message": "Invalid attribute %fieldName = %fieldValue.", "parameters": ["Price", "-9999"]},
        {"message": "Requested store is not found. Row ID: SKU = OTHER-1, Store ID: 7", "parameters": [None, "7"]},
    ]
    refused = base_price_refusals(answer, ["not_existing_sku", "OTHER-1", "FINE"])
    assert refused["not_existing_sku"] == "Invalid attribute SKU = not_existing_sku."
    assert refused["OTHER-1"].startswith("Requested store is not found. Row ID: SKU = OTHER-1")
    # The price failure names no SKU: it is laid on every SKU of the call rather than lost.
    assert refused["FINE"] == "Invalid attribute Price = -9999."
    assert base_price_refusals([], ["A"]) == {}
