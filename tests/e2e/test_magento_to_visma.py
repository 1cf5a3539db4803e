"""Magento emulator -> engine -> Visma.net emulator over real sockets (seed 004 + seed 000)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.flows.orders_in import shop_pull_orders
from connectors.models import Transfer, TransferState
from orders.models import Order
from tests.engine import order_transfer, process_due

pytestmark = pytest.mark.django_db


def run(integration) -> None:
    shop_pull_orders(connection=integration.shop)
    process_due()


def test_registered_buyer_with_variant_becomes_a_visma_order_to_the_cent(demo, magento, visma):
    placed = magento.place_order(
        items=[("GENSER-BLA", 2), ("BOK-01", 1), ("SJOKOLADE", 3)],
        customer_id=demo.customers["registered_with_erp"],
        coupon=("HOST10", "by_percent", Decimal("10")),
    )
    run(demo)
    [stored] = visma.orders_with_ref(placed["increment_id"])
    assert stored["customer"]["number"] == "10002"
    assert [li["inventory"]["number"] for li in stored["lines"]] == ["GENSER-BLA", "BOK-01", "SJOKOLADE", "FRAKT"]
    assert [li["discountPercent"] for li in stored["lines"][:3]] == [10.0, 10.0, 10.0]
    assert Decimal(str(stored["orderTotal"])) == Decimal(str(placed["grand_total"]))
    order = Order.objects.get(number=placed["increment_id"])
    assert order.erp_order_no == stored["orderNo"]


def test_fixed_cart_coupon_arrives_as_each_items_own_discount_and_the_totals_agree(demo, magento, visma):
    placed = magento.place_order(
        items=[("LUE-01", 1), ("GAVE", 1)],
        customer_id=demo.customers["company_with_erp"],
        coupon=("GAVEKORT100", "cart_fixed", Decimal("100.00")),
    )
    run(demo)
    [stored] = visma.orders_with_ref(placed["increment_id"])
    by_item = {li["inventory"]["number"]: li for li in stored["lines"]}
    shop = {i["sku"]: Decimal(str(i["discount_amount"])) for i in placed["items"]}
    # Magento spread 100 (excl. VAT) over the two items; each line carries its own share.
    assert Decimal(str(by_item["LUE-01"]["discountAmount"])) == shop["LUE-01"]
    assert Decimal(str(by_item["GAVE"]["discountAmount"])) == shop["GAVE"]
    assert sum(shop.values()) == Decimal("100")
    assert "RABATT" not in by_item  # no order-level line: the shop gave per-item amounts
    assert Decimal(str(stored["orderTotal"])) == Decimal(str(placed["grand_total"]))


def test_erp_number_is_written_back_as_a_status_comment_without_e_mail(demo, magento, visma):
    placed = magento.place_order(items=[("LUE-01", 1)], customer_id=demo.customers["registered_with_erp"])
    run(demo)
    process_due()  # the write-back transfer
    [stored] = visma.orders_with_ref(placed["increment_id"])
    [comment] = magento.state.orders[placed["entity_id"]]["status_histories"]
    assert comment["comment"] == f"ERP order {stored['orderNo']}"
    assert comment["is_customer_notified"] == 0
    assert comment["status"] == "processing"


def test_product_unknown_to_the_erp_and_no_default_item_fails_with_a_hint(demo, magento, visma):
    placed = magento.place_order(items=[("NY-VARE-9", 1)], customer_id=demo.customers["registered_with_erp"])
    run(demo)
    transfer = order_transfer(placed["increment_id"])
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert "'NY-VARE-9', which the ERP does not know; no default item is set" in transfer.last_error
    assert "Create item 'NY-VARE-9' in the ERP" in transfer.last_hint
    assert visma.calls["POST /v1/salesorder"] == 0  # found before sending


def test_guest_under_ask_waits_as_a_conflict(demo, magento, visma):
    placed = magento.place_order(items=[("LUE-01", 1)], guest=("Ödön", "Kovács", "odon@example.hu"))
    run(demo)
    assert order_transfer(placed["increment_id"]).state == TransferState.CONFLICT


def test_pending_payment_is_not_sent_until_processing(demo, magento, visma):
    placed = magento.place_order(
        items=[("LUE-01", 1)], customer_id=demo.customers["registered_with_erp"], status="pending", payment="checkmo"
    )
    run(demo)
    assert not Transfer.objects.filter(kind="sales_order").exists()
    magento.set_order_status(placed["entity_id"], "processing")
    run(demo)
    assert len(visma.orders_with_ref(placed["increment_id"])) == 1


def test_pull_reads_every_page(demo, magento, visma):
    demo.shop.parameters = {**demo.shop.parameters, "page_size": 2}
    demo.shop.save()
    for _ in range(5):
        magento.place_order(items=[("LUE-01", 1)], customer_id=demo.customers["registered_with_erp"])
    run(demo)
    assert Order.objects.count() == 5
    assert magento.calls["GET /rest/default/V1/orders"] == 3


def cycle(connection) -> None:
    from connectors.flows.cycles import connection_cycle

    connection_cycle(connection=connection)
    process_due()


def test_r7_stock_changed_in_visma_reaches_magento_within_one_cycle_and_only_changed_skus_are_sent(
    demo, magento, visma
):
    cycle(demo.shop)  # products mirrored
    cycle(demo.erp)  # first stock read: every stocked product pushed once
    assert magento.stock_of("LUE-01") == Decimal("30")
    puts_before = magento.calls["PUT /rest/default/V1/products/LUE-01/stockItems/{id}"]
    all_puts_before = sum(n for k, n in magento.calls.items() if k.startswith("PUT"))

    visma.set_stock("LUE-01", "MAIN", 17)
    visma.set_stock("LUE-01", "OUTLET", 99)  # S10: only the main warehouse counts
    cycle(demo.erp)

    assert magento.stock_of("LUE-01") == Decimal("17")
    all_puts_after = sum(n for k, n in magento.calls.items() if k.startswith("PUT"))
    assert all_puts_after - all_puts_before == 1  # only the changed SKU
    assert magento.calls["PUT /rest/default/V1/products/LUE-01/stockItems/{id}"] == puts_before + 1


def test_msi_stock_goes_to_source_items(demo, magento, visma):
    demo.shop.parameters = {**demo.shop.parameters, "stock_api": "msi", "source_code": "oslo"}
    demo.shop.save()
    cycle(demo.shop)
    cycle(demo.erp)
    assert magento.state.source_items[("GENSER-BLA", "oslo")] == Decimal("12")


def test_s11_erp_status_change_moves_the_shop_status_without_e_mail(demo, magento, visma):
    placed = magento.place_order(items=[("LUE-01", 1)], customer_id=demo.customers["registered_with_erp"])
    cycle(demo.shop)
    process_due()  # ERP number written back
    [stored] = visma.orders_with_ref(placed["increment_id"])
    visma.set_order_status(stored["orderNo"], "Completed")
    cycle(demo.erp)
    order = magento.state.orders[placed["entity_id"]]
    assert order["status"] == "complete"
    last = order["status_histories"][-1]
    assert (last["status"], last["is_customer_notified"]) == ("complete", 0)
    assert Order.objects.get(number=placed["increment_id"]).erp_status == "Completed"


def test_the_store_code_is_the_shop_id_on_the_erp_order(demo, magento, visma):
    placed = magento.place_order(items=[("LUE-01", 1)], customer_id=demo.customers["registered_with_erp"])
    run(demo)
    [(_, _, body)] = [r for r in visma.requests if r[:2] == ("POST", "/v1/salesorder")]
    assert body["branchNumber"] == {"value": "default"}  # from /rest/default/V1/
    assert len(visma.orders_with_ref(placed["increment_id"])) == 1


def test_r7_a_sale_price_changed_in_visma_reaches_magento_and_only_that_sku(demo, magento, visma):
    cycle(demo.shop)
    cycle(demo.erp)
    assert magento.calls["POST /rest/default/V1/products/base-prices"] == 0  # prices already agree
    visma.set_price("LUE-01", "219.00")
    cycle(demo.erp)
    assert magento.state.products["LUE-01"].price == Decimal("219")
    assert magento.calls["POST /rest/default/V1/products/base-prices"] == 1
    [(_, _, body)] = [r for r in magento.requests if r[1].endswith("/products/base-prices")]
    assert [p["sku"] for p in body["prices"]] == ["LUE-01"]


def test_a_status_comment_whose_answer_was_lost_is_found_in_the_history_and_not_written_twice(demo, magento, visma):
    from connectors.emulation import Fault
    from connectors.models import TransferKind
    from tests.engine import process_due as due

    placed = magento.place_order(items=[("LUE-01", 1)], customer_id=demo.customers["registered_with_erp"])
    magento.inject(Fault("drop_after_store", method="POST", path="/comments$"))
    run(demo)
    due()  # the write-back: stored, but the answer is lost
    status = Transfer.objects.get(kind=TransferKind.ORDER_STATUS)
    assert (status.state, status.needs_lookup) == (TransferState.UNKNOWN, True)
    Transfer.objects.filter(pk=status.pk).update(next_attempt_at=status.created_at)
    due()
    status.refresh_from_db()
    assert status.state == TransferState.SENT
    assert len(magento.state.orders[placed["entity_id"]]["status_histories"]) == 1
