"""The order pipeline end to end against the fake shop and fake ERP (V, S7, S8, C, R4)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.flows.customers import conflict_resolve
from connectors.models import CustomerPolicy, ErrorSource, ExternalRef, GuestPolicy, TransferState
from connectors.records import CustomerRecord, DiscountRecord, OrderLineRecord
from customers.models import ConflictStatus, CustomerConflict, Resolution
from orders.models import Order
from tests.engine import order_transfer, sync

pytestmark = pytest.mark.django_db

GUEST = CustomerRecord(first_name="Ödön", last_name="Kovács", email="odon@example.hu", is_guest=True)


def only_order(world, number):
    [stored] = world.erp_state.orders_for(number)
    return stored


def test_v1_order_at_a_transfer_status_becomes_one_sales_order_with_the_shop_lines(world):
    placed = world.place()
    sync(world)
    stored = only_order(world, placed.number)
    goods = stored.record.lines[0]
    assert (goods.item_no, goods.description, goods.quantity, goods.unit_price) == (
        "ITEM-1",
        "Genser, blå, M",
        Decimal("2"),
        Decimal("400.00"),
    )
    assert order_transfer(placed.number).state == TransferState.SENT


def test_v1_order_at_another_status_is_not_sent(world):
    placed = world.place(status="pending_payment")
    sync(world)
    assert world.erp_state.orders_for(placed.number) == []
    assert Order.objects.get(number=placed.number).erp_order_no == ""


def test_v1_order_is_sent_once_it_reaches_the_transfer_status_later(world):
    placed = world.place(status="pending_payment")
    sync(world)
    from dataclasses import replace

    from django.utils import timezone

    world.shop_state.orders[placed.external_id] = replace(placed, status="processing", updated_at=timezone.now())
    sync(world)
    assert len(world.erp_state.orders_for(placed.number)) == 1


def test_v2_product_without_reference_falls_back_to_the_default_item(world):
    line = OrderLineRecord(
        sku="UNKNOWN-SKU",
        name="Strikkelue",
        quantity=Decimal("1"),
        unit_price_excl_vat=Decimal("99.00"),
        vat_rate=Decimal("25"),
    )
    placed = world.place(lines=(line,))
    sync(world)
    assert only_order(world, placed.number).record.lines[0].item_no == "OTHER"


def test_v2_line_without_reference_matches_the_erp_item_by_product_code(world):
    world.add_item("LUE-RØD")
    line = OrderLineRecord(
        sku="LUE-RØD", name="Lue", quantity=Decimal("1"), unit_price_excl_vat=Decimal("99.00"), vat_rate=Decimal("25")
    )
    placed = world.place(lines=(line,))
    sync(world)
    assert only_order(world, placed.number).record.lines[0].item_no == "LUE-RØD"


def test_v2_freight_becomes_a_line_with_the_shipping_item(world):
    placed = world.place(shipping_excl_vat=Decimal("79.20"), shipping_vat_rate=Decimal("25"))
    sync(world)
    freight = only_order(world, placed.number).record.lines[-1]
    assert (freight.item_no, freight.unit_price, freight.vat_code) == ("FREIGHT", Decimal("79.20"), "HIGH")


def test_r4_service_is_matched_by_name(world):
    world.integration.service_item_map = {"Gaveinnpakning": "ITEM-3"}
    world.integration.save()
    line = OrderLineRecord(
        sku="",
        name="Gaveinnpakning",
        quantity=Decimal("1"),
        is_service=True,
        unit_price_excl_vat=Decimal("40.00"),
        vat_rate=Decimal("25"),
    )
    placed = world.place(lines=(line,))
    sync(world)
    assert only_order(world, placed.number).record.lines[0].item_no == "ITEM-3"


def test_v5_product_without_reference_and_no_default_item_needs_attention_with_a_hint(world):
    world.integration.default_item_no = ""
    world.integration.save()
    line = OrderLineRecord(
        sku="NOREF", name="Votter", quantity=Decimal("1"), unit_price_excl_vat=Decimal("50"), vat_rate=Decimal("25")
    )
    placed = world.place(lines=(line,))
    sync(world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert transfer.error_source == ErrorSource.VALIDATION
    assert "Votter" in transfer.last_error and "no default item" in transfer.last_error
    assert "default item number" in transfer.last_hint
    assert world.erp_state.calls["create_sales_order"] == 0  # nothing half-sent


def test_v5_freight_without_shipping_item_needs_attention(world):
    world.integration.shipping_item_no = ""
    world.integration.save()
    placed = world.place(shipping_excl_vat=Decimal("50"), shipping_vat_rate=Decimal("25"))
    sync(world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert "shipping item" in transfer.last_error
    assert world.erp_state.calls["create_sales_order"] == 0


def test_c5_missing_payment_method_mapping_blocks_the_order_with_a_hint(world):
    placed = world.place(payment_method="vipps")
    sync(world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert "'vipps'" in transfer.last_error
    assert "payment method map" in transfer.last_hint
    # Checked before any remote write; reads (does the item exist?) are allowed, so every
    # problem of the order is reported at once.
    assert set(world.erp_state.calls) <= {"find_item"}


def test_r4_vat_rate_without_an_erp_code_blocks_the_order(world):
    line = OrderLineRecord(
        sku="BOK",
        reference="ITEM-2",
        name="Bok",
        quantity=Decimal("1"),
        unit_price_excl_vat=Decimal("100"),
        vat_rate=Decimal("6"),
    )
    placed = world.place(lines=(line,))
    sync(world)
    transfer = order_transfer(placed.number)
    assert "VAT 6%" in transfer.last_error


def test_v5_erp_refusal_is_kept_verbatim(world):
    placed = world.place(customer=CustomerRecord(external_id="77", first_name="X", erp_customer_no="99999"))
    sync(world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert transfer.error_source == ErrorSource.SYNC
    assert transfer.last_error == "Customer 99999 not found"
    assert transfer.attempts.get().http_status == 400


def test_v3_erp_number_on_the_customer_card_is_used(world):
    placed = world.place()
    sync(world)
    assert only_order(world, placed.number).record.customer_no == "10001"


def test_v3_guest_under_default_policy_goes_to_the_default_customer_with_name_and_address(world):
    world.integration.guest_policy = GuestPolicy.DEFAULT
    world.integration.save()
    placed = world.place(customer=GUEST)
    sync(world)
    stored = only_order(world, placed.number).record
    assert stored.customer_no == "WEB"
    assert stored.customer_name == "Ödön Kovács"
    assert stored.delivery.city == "Oslo"


def test_v3_no_customer_number_and_no_default_needs_attention(world):
    world.integration.guest_policy = GuestPolicy.DEFAULT
    world.integration.default_customer_no = ""
    world.integration.save()
    placed = world.place(customer=GUEST)
    sync(world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert "no default customer" in transfer.last_error


def test_c3_guest_as_one_time_customer(world):
    world.integration.guest_policy = GuestPolicy.ONE_TIME
    world.integration.save()
    placed = world.place(customer=GUEST)
    sync(world)
    stored = only_order(world, placed.number).record
    assert (stored.customer_no, stored.one_time) == ("WEB", True)


def test_r4_guest_is_matched_by_name_and_email(world):
    world.add_erp_customer("20077", "Ödön Kovács", "odon@example.hu")
    placed = world.place(customer=GUEST)
    sync(world)
    assert only_order(world, placed.number).record.customer_no == "20077"
    assert world.erp_state.calls["create_customer"] == 0


def test_c1_no_similar_customer_and_add_new_creates_and_binds_the_customer(world):
    world.integration.policy_no_similar = CustomerPolicy.ADD_NEW
    world.integration.save()
    first = world.place(customer=GUEST)
    second = world.place(customer=GUEST)
    sync(world)
    number = only_order(world, first.number).record.customer_no
    assert world.erp_state.customers[number].email == "odon@example.hu"
    assert only_order(world, second.number).record.customer_no == number  # bound once, reused
    assert world.erp_state.calls["create_customer"] == 1


def test_c1_no_similar_customer_and_ask_makes_the_order_wait(world):
    world.integration.policy_no_similar = CustomerPolicy.ASK
    world.integration.save()
    placed = world.place(customer=GUEST)
    sync(world)
    assert order_transfer(placed.number).state == TransferState.CONFLICT
    conflict = CustomerConflict.objects.get()
    assert (conflict.status, conflict.candidates) == (ConflictStatus.OPEN, [])
    assert world.erp_state.orders_for(placed.number) == []


def test_c2_one_similar_customer_and_merge_uses_it(world):
    world.integration.policy_one_similar = CustomerPolicy.MERGE
    world.integration.save()
    world.add_erp_customer("30003", "Ödön Kovács Kft.", "odon@example.hu")  # same e-mail, other name
    placed = world.place(customer=GUEST)
    sync(world)
    assert only_order(world, placed.number).record.customer_no == "30003"


def test_c2_one_similar_customer_and_ask_records_the_candidate(world):
    world.add_erp_customer("30003", "Ödön Kovács Kft.", "odon@example.hu")
    placed = world.place(customer=GUEST)
    sync(world)
    assert order_transfer(placed.number).state == TransferState.CONFLICT
    assert CustomerConflict.objects.get().similar_no == "30003"


@pytest.mark.parametrize(
    ("resolution", "expect_customer"),
    [(Resolution.MERGE, "30003"), (Resolution.ONE_TIME, "WEB"), (Resolution.ADD_NEW, "new")],
)
def test_c4_resolving_a_conflict_releases_the_waiting_order(world, resolution, expect_customer):
    world.add_erp_customer("30003", "Ödön Kovács Kft.", "odon@example.hu")
    placed = world.place(customer=GUEST)
    sync(world)
    conflict = CustomerConflict.objects.get()
    released = conflict_resolve(conflict=conflict, resolution=resolution, user=None)
    assert released == [order_transfer(placed.number).pk]
    sync(world)
    stored = only_order(world, placed.number).record
    if expect_customer == "new":
        assert stored.customer_no not in {"30003", "WEB", "10001"}
        assert world.erp_state.calls["create_customer"] == 1
    else:
        assert stored.customer_no == expect_customer
    assert order_transfer(placed.number).state == TransferState.SENT


def test_s7_order_fields_reach_the_erp(world):
    world.integration.erp_shop_id = "NETTBUTIKK-1"
    world.integration.numbering_series = "WEB"
    world.integration.save()
    placed = world.place()
    sync(world)
    stored = only_order(world, placed.number).record
    assert stored.external_order_no == placed.number
    assert stored.public_comment == f"{placed.number} Ring på døra"
    assert stored.internal_comment.startswith(placed.number)
    assert (stored.payment_method_code, stored.shipping_method_code) == ("KL", "POST")
    assert (stored.payment_reference, stored.customer_reference) == ("KL-778899", "PO-17")
    assert (stored.shop_id, stored.numbering_series, stored.currency) == ("NETTBUTIKK-1", "WEB", "NOK")
    assert stored.delivery.street == "Storgata 1"


def test_s8_percentage_discount_is_spread_over_the_lines(world):
    lines = (
        OrderLineRecord(
            sku="A",
            reference="ITEM-1",
            name="A",
            quantity=Decimal("1"),
            unit_price_excl_vat=Decimal("200"),
            vat_rate=Decimal("25"),
        ),
        OrderLineRecord(
            sku="B",
            reference="ITEM-2",
            name="B",
            quantity=Decimal("3"),
            unit_price_excl_vat=Decimal("100"),
            vat_rate=Decimal("15"),
        ),
    )
    placed = world.place(lines=lines, discounts=(DiscountRecord("SOMMER10", "percent", Decimal("10")),))
    sync(world)
    stored = only_order(world, placed.number)
    assert [line.discount_percent for line in stored.record.lines] == [Decimal("10"), Decimal("10")]
    assert stored.total == placed.grand_total


def test_s8_fixed_discount_becomes_its_own_line(world):
    placed = world.place(discounts=(DiscountRecord("GAVEKORT", "fixed", Decimal("100.00")),))
    sync(world)
    stored = only_order(world, placed.number)
    discount_lines = [line for line in stored.record.lines if line.unit_price < 0]
    assert [line.item_no for line in discount_lines] == ["OTHER"]
    assert discount_lines[0].unit_price == Decimal("-80.00")  # 100 incl. 25 % VAT
    assert stored.total == placed.grand_total == Decimal("900.00")


def test_v4_erp_number_is_stored_and_written_back_to_the_shop(world):
    placed = world.place()
    sync(world)  # sends the order, then the write-back is due
    sync(world)
    order = Order.objects.get(number=placed.number)
    stored = only_order(world, placed.number)
    assert order.erp_order_no == stored.number
    assert (placed.external_id, None, f"ERP order {stored.number}") in world.shop_state.comments


def test_external_ids_are_bound_at_import(world):
    placed = world.place()
    sync(world)
    order = Order.objects.get(number=placed.number)
    assert (
        ExternalRef.objects.get(connection=world.shop, object_id=order.pk, content_type__model="order").external_id
        == placed.external_id
    )


def test_c2_two_shop_customers_may_be_bound_to_the_same_erp_customer(world):
    from connectors.flows.customers import customer_bind
    from connectors.models import ExternalRef
    from customers.models import Customer

    a = Customer.objects.create(shop=world.shop, first_name="Kari", email="kari@example.no")
    b = Customer.objects.create(shop=world.shop, first_name="Kari", email="kari@example.no", is_guest=True)
    customer_bind(customer=a, erp=world.erp, number="10001")
    customer_bind(customer=b, erp=world.erp, number="10001")  # merged with the same ERP customer
    assert ExternalRef.objects.filter(connection=world.erp, external_id="10001").count() == 2


def test_v5_a_total_that_disagrees_stops_the_order_with_a_breakdown_per_rate_and_per_line(world):
    from connectors.records import OrderLineRecord as Line

    lines = (
        Line(sku="A", reference="ITEM-1", name="Genser", quantity=Decimal("2"),
             unit_price_excl_vat=Decimal("400"), vat_rate=Decimal("25"), shop_total_incl_vat=Decimal("1000.00")),
        Line(sku="B", reference="ITEM-2", name="Kakao", quantity=Decimal("1"),
             unit_price_excl_vat=Decimal("100"), vat_rate=Decimal("15"), shop_total_incl_vat=Decimal("100.00")),
    )  # fmt: skip
    placed = world.place(lines=lines, grand_total=Decimal("1100.00"))
    sync(world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert "The shop's total 1100.00 differs from the computed total 1115.00 by -15.00 NOK." in transfer.last_error
    assert "per VAT rate: 15 %: 100.00 / 115.00; 25 %: 1000.00 / 1000.00" in transfer.last_hint
    assert "Per line: 'Genser' 1000.00 / 1000.00; 'Kakao' 100.00 / 115.00" in transfer.last_hint
    assert world.erp_state.calls["create_sales_order"] == 0
