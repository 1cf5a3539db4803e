"""Magento emulator -> engine -> a real Tryton 8.2 server on loopback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from connectors.emulation import Fault
from connectors.flows.cycles import connection_cycle
from connectors.flows.orders_in import shop_pull_orders
from connectors.models import Transfer, TransferState
from connectors.platforms.tryton.connector import TrytonConnector
from orders.models import Order
from tests.engine import order_transfer, process_due

pytestmark = pytest.mark.django_db


def sales_with_reference(connector: TrytonConnector, reference: str) -> list[dict]:
    return connector.client.call(
        "sale.sale",
        "search_read",
        [("reference", "=", reference)],
        0,
        None,
        None,
        ["number", "state", "total_amount", "party", "lines"],
    )


def test_magento_order_becomes_a_confirmed_tryton_sale_with_party_lines_and_total(flow, magento):
    placed = magento.place_order(
        items=[("LUE-01", 2), ("BOK-01", 1)], customer_id=flow.customers["registered_with_erp"]
    )
    shop_pull_orders(connection=flow.shop)
    process_due()
    [sale] = sales_with_reference(flow.tryton, placed["increment_id"])
    assert sale["state"] in ("confirmed", "processing")
    assert sale["total_amount"] == Decimal(str(placed["grand_total"]))
    [party] = flow.tryton.client.call("party.party", "read", [sale["party"]], ["code"])
    assert party["code"] == flow.party_code
    lines = flow.tryton.client.call("sale.line", "read", sale["lines"], ["product.code", "quantity", "unit_price"])
    assert sorted((li["product."]["code"], li["quantity"], li["unit_price"]) for li in lines) == [
        ("BOK-01", 1.0, Decimal("299")),
        ("FRAKT", 1.0, Decimal("79")),
        ("LUE-01", 2.0, Decimal("199")),
    ]
    assert Order.objects.get(number=placed["increment_id"]).erp_order_no == sale["number"]


def test_a_repeat_after_a_lost_answer_makes_no_second_sale(flow, magento):
    flow.proxy.inject(Fault("drop_after_store", path="/rpc/", body="sale.sale.create"))
    placed = magento.place_order(items=[("LUE-01", 1)], customer_id=flow.customers["registered_with_erp"])
    shop_pull_orders(connection=flow.shop)
    process_due()
    transfer = order_transfer(placed["increment_id"])
    assert transfer.state == TransferState.UNKNOWN
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=timezone.now())
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    [sale] = sales_with_reference(flow.tryton, placed["increment_id"])
    assert sale["state"] in ("confirmed", "processing")  # the lookup finished its workflow
    assert transfer.remote_id == sale["number"]


def test_a_product_missing_in_tryton_falls_back_to_the_default_item(flow, magento):
    placed = magento.place_order(items=[("NY-VARE-9", 1)], customer_id=flow.customers["registered_with_erp"])
    shop_pull_orders(connection=flow.shop)
    process_due()
    [sale] = sales_with_reference(flow.tryton, placed["increment_id"])
    lines = flow.tryton.client.call("sale.line", "read", sale["lines"], ["product.code"])
    assert sorted(li["product."]["code"] for li in lines) == ["ANNEN", "FRAKT"]


def test_without_a_default_item_a_missing_product_needs_attention_with_a_hint(flow, magento):
    flow.default_item_no = ""
    flow.save()
    placed = magento.place_order(items=[("NY-VARE-9", 1)], customer_id=flow.customers["registered_with_erp"])
    shop_pull_orders(connection=flow.shop)
    process_due()
    transfer = order_transfer(placed["increment_id"])
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert "NY-VARE-9" in transfer.last_error and "default item" in transfer.last_hint
    assert sales_with_reference(flow.tryton, placed["increment_id"]) == []


def test_stock_changed_in_tryton_reaches_the_shop(flow, magento, tryton):
    connection_cycle(connection=flow.shop)  # products mirrored
    client = flow.tryton.client
    [product] = client.call(
        "product.product",
        "search_read",
        [("code", "=", "LUE-01")],
        0,
        1,
        None,
        ["id", "default_uom", "quantity"],
        context={"locations": client.call("stock.location", "search", [("code", "=", "WH")], 0, 1, None)},
    )
    supplier = client.call("stock.location", "search", [("type", "=", "supplier")], 0, 1, None)[0]
    storage = client.call("stock.location", "search", [("code", "=", "STO")], 0, 1, None)[0]
    [move] = client.call(
        "stock.move",
        "create",
        [
            {
                "product": product["id"],
                "unit": product["default_uom"],
                "quantity": 5.0,
                "from_location": supplier,
                "to_location": storage,
                "unit_price": Decimal("50"),
                "currency": 1,
                "company": tryton.ids["company"],
                "effective_date": dt.date.today(),
            }
        ],
        writes=True,
    )
    client.call("stock.move", "do", [move], writes=True)
    expected = Decimal(str(product["quantity"])) + 5

    connection_cycle(connection=flow.erp)
    process_due()
    assert magento.stock_of("LUE-01") == expected


def test_s11_tryton_sale_state_is_mapped_to_the_shop_status(flow, magento):
    flow.status_map = {"processing": "complete", "confirmed": "complete"}
    flow.save()
    placed = magento.place_order(items=[("LUE-01", 1)], customer_id=flow.customers["registered_with_erp"])
    shop_pull_orders(connection=flow.shop)
    process_due()
    connection_cycle(connection=flow.erp)
    process_due()
    order = Order.objects.get(number=placed["increment_id"])
    assert order.erp_status in ("processing", "confirmed")
    assert magento.state.orders[placed["entity_id"]]["status"] == "complete"
    assert magento.state.orders[placed["entity_id"]]["status_histories"][-1]["is_customer_notified"] == 0


def test_r7_a_list_price_changed_in_tryton_reaches_the_shop(flow, magento):
    connection_cycle(connection=flow.shop)
    client = flow.tryton.client
    [template] = client.call("product.template", "search", [("code", "=", "VOTTER-01")], 0, 1, None) or [None]
    if template is None:
        [template] = client.call(
            "product.template",
            "create",
            [
                {
                    "name": "Votter",
                    "code": "VOTTER-01",
                    "type": "goods",
                    "default_uom": flow.tryton_ids["unit"],
                    "sale_uom": flow.tryton_ids["unit"],
                    "salable": True,
                    "list_price": Decimal("159"),
                    "account_category": flow.tryton_ids["account_category"],
                    "products": [["create", [{"suffix_code": ""}]]],
                }
            ],
            writes=True,
        )
    connection_cycle(connection=flow.erp)
    process_due()
    client.call("product.template", "write", [template], {"list_price": Decimal("149.50")}, writes=True)
    connection_cycle(connection=flow.erp)
    process_due()
    from connectors.models import SyncRun

    runs = list(SyncRun.objects.filter(connection=flow.erp).values_list("kind", "status", "stats", "error"))
    assert magento.state.products["VOTTER-01"].price == Decimal("149.50"), runs
