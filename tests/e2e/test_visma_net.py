"""Orders reach the Visma.net emulator over real HTTP, exactly once, whatever fails (seed 000)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from connectors.emulation import Fault
from connectors.flows.cycles import connection_test
from connectors.models import AuthState, Transfer, TransferState
from connectors.records import CustomerRecord, OrderLineRecord
from orders.models import Order
from tests.engine import order_transfer, process_due, sync

pytestmark = pytest.mark.django_db

GUEST = CustomerRecord(first_name="Ödön", last_name="Kovács", email="odon@example.hu", is_guest=True)


def retry_now(number: str) -> None:
    Transfer.objects.filter(pk=order_transfer(number).pk).update(next_attempt_at=timezone.now())
    process_due()


def test_v1_order_becomes_a_visma_sales_order_with_lines_and_freight(visma_world):
    visma = visma_world.visma
    placed = visma_world.place(shipping_excl_vat=Decimal("79.20"), shipping_vat_rate=Decimal("25"))
    sync(visma_world)
    [stored] = visma.orders_with_ref(placed.number)
    assert stored["customer"]["number"] == "10001"
    assert [(li["inventory"]["number"], li["quantity"], li["unitPrice"]) for li in stored["lines"]] == [
        ("ITEM-1", 2.0, 400.0),
        ("FRAKT", 1.0, 79.2),
    ]
    assert Decimal(str(stored["orderTotal"])) == placed.grand_total
    order = Order.objects.get(number=placed.number)
    assert order.erp_order_no == stored["orderNo"]  # V4: from the Location header
    assert order_transfer(placed.number).state == TransferState.SENT


def test_v2_v3_product_without_reference_and_guest_use_the_defaults(visma_world):
    visma_world.integration.guest_policy = "default"
    visma_world.integration.save()
    line = OrderLineRecord(
        sku="NYHET", name="Ny vare", quantity=Decimal("1"), unit_price_excl_vat=Decimal("10"), vat_rate=Decimal("25")
    )
    placed = visma_world.place(lines=(line,), customer=GUEST)
    sync(visma_world)
    [stored] = visma_world.visma.orders_with_ref(placed.number)
    assert stored["customer"]["number"] == "WEB"
    assert stored["lines"][0]["inventory"]["number"] == "ANNEN"
    assert stored["shippingContact"]["attention"] == {"value": "Åse Ødegård"}  # name still on the order


SKJERF = OrderLineRecord(
    sku="SKJ-1",
    reference="FINNES-IKKE",
    name="Skjerf",
    quantity=Decimal("1"),
    unit_price_excl_vat=Decimal("10"),
    vat_rate=Decimal("25"),
)


def test_v2_an_item_the_erp_does_not_know_goes_as_the_default_item_keeping_name_sku_and_price(visma_world):
    placed = visma_world.place(lines=(SKJERF,))
    sync(visma_world)
    [stored] = visma_world.visma.orders_with_ref(placed.number)
    [line] = stored["lines"]
    assert line["inventory"]["number"] == "ANNEN"
    assert line["description"] == "Skjerf (SKU SKJ-1, not in the ERP as FINNES-IKKE)"
    assert line["unitPrice"] == 10.0


def test_v5_with_stop_an_unknown_item_needs_attention_before_anything_is_sent(visma_world):
    visma_world.integration.unknown_item_policy = "stop"
    visma_world.integration.save()
    placed = visma_world.place(lines=(SKJERF,))
    sync(visma_world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert "'FINNES-IKKE', which the ERP does not know; the integration is set to stop" in transfer.last_error
    assert "Create item 'FINNES-IKKE' in the ERP" in transfer.last_hint
    assert visma_world.visma.calls["POST /v1/salesorder"] == 0


def test_v5_an_item_refused_by_visma_after_all_keeps_visma_words_and_a_hint(visma_world):
    # The ERP knew the item when it was checked, then refused it (deleted in between).
    from connectors.services import erp_item_known

    erp_item_known(connection_id=visma_world.erp.pk, erp=_visma(visma_world), number="ITEM-1")
    del visma_world.visma.state.items["ITEM-1"]
    placed = visma_world.place()
    sync(visma_world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert "Inventory item 'ITEM-1' not found." in transfer.last_error  # verbatim from Visma
    assert "'Genser, blå, M'" in transfer.last_hint and "default item is 'ANNEN'" in transfer.last_hint


def _visma(world):
    from connectors.services import connector_for

    return connector_for(world.erp)


def test_unknown_customer_number_points_at_the_default_customer(visma_world):
    placed = visma_world.place(customer=CustomerRecord(external_id="5", first_name="A", erp_customer_no="77777"))
    sync(visma_world)
    transfer = order_transfer(placed.number)
    assert "Customer '77777' not found." in transfer.last_error
    assert "default customer 'WEB'" in transfer.last_hint


def test_latency_below_the_timeout_still_sends_once(visma_world):
    visma_world.visma.inject(Fault("latency", path="salesorder", delay=0.3))
    placed = visma_world.place()
    sync(visma_world)
    assert len(visma_world.visma.orders_with_ref(placed.number)) == 1


@pytest.mark.parametrize(
    "fault",
    [
        Fault("timeout_after_store", path="salesorder", delay=2.0),
        Fault("drop_after_store", path="salesorder"),
        Fault("drop", path="salesorder"),
        Fault("error", path="salesorder", status=500),
        Fault("error", path="salesorder", status=503),
    ],
)
def test_each_fault_ends_with_exactly_one_sales_order(visma_world, fault):
    visma_world.visma.inject(fault)
    placed = visma_world.place()
    sync(visma_world)
    first = order_transfer(placed.number)
    assert first.state in (TransferState.UNKNOWN, TransferState.RETRY_WAIT)
    retry_now(placed.number)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.SENT
    [stored] = visma_world.visma.orders_with_ref(placed.number)
    assert Order.objects.get(number=placed.number).erp_order_no == stored["orderNo"]


def test_429_waits_for_retry_after(visma_world):
    visma_world.visma.inject(Fault("rate_limit", method="POST", path="salesorder", delay=90))
    placed = visma_world.place()
    sync(visma_world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.RETRY_WAIT
    assert transfer.next_attempt_at >= timezone.now() + dt.timedelta(seconds=85)
    assert transfer.attempts.get().http_status == 429


def test_an_exhausted_rate_limit_window_stops_calls_before_a_429(visma_world):
    visma_world.visma.rate_limit = 3  # one call checks the item, two create orders
    placed = [visma_world.place() for _ in range(3)]
    sync(visma_world)
    states = [order_transfer(p.number).state for p in placed]
    assert states == [TransferState.SENT, TransferState.SENT, TransferState.RETRY_WAIT]
    assert visma_world.visma.calls["POST /v1/salesorder"] == 2  # the third never hit Visma (no 429 burned)
    assert "rate limit" in order_transfer(placed[2].number).last_error


def test_an_expired_token_is_renewed_on_401(visma_world):
    first = visma_world.place()
    sync(visma_world)
    visma_world.visma.expire_tokens()
    second = visma_world.place()
    sync(visma_world)
    assert order_transfer(second.number).state == TransferState.SENT
    assert visma_world.visma.calls["POST /connect/token"] == 2
    assert len(visma_world.visma.orders_with_ref(first.number) + visma_world.visma.orders_with_ref(second.number)) == 2


def test_wrong_credentials_make_orders_wait_behind_the_connection_and_resume_once_fixed(visma_world):
    erp, visma = visma_world.erp, visma_world.visma
    good = dict(erp.credentials)
    erp.credentials = {**good, "client_secret": "wrong-secret-123"}
    erp.save()
    first = visma_world.place()
    sync(visma_world)
    transfer = order_transfer(first.number)
    assert (transfer.state, transfer.error_source, transfer.tries) == (TransferState.RETRY_WAIT, "credentials", 0)
    assert "refused the credentials" in transfer.last_error and "Test connection" in transfer.last_hint
    erp.refresh_from_db()
    assert erp.auth_state == AuthState.NEEDS_CREDENTIALS and "invalid_client" in erp.auth_error
    attempt = transfer.attempts.get()
    assert "wrong-secret-123" not in attempt.response_excerpt + attempt.error + transfer.last_error + erp.auth_error

    # More orders arrive: they wait too, without a call each to Visma.
    later = [visma_world.place() for _ in range(3)]
    token_calls = visma.calls["POST /connect/token"]
    sync(visma_world)
    assert visma.calls["POST /connect/token"] == token_calls
    assert {order_transfer(p.number).state for p in later} == {TransferState.PENDING}

    # Still wrong: the test says so and nothing resumes.
    assert connection_test(connection=erp).status == "failed"
    assert process_due() == []
    # Corrected: the test succeeds and every waiting order goes through by itself.
    erp.credentials = good
    erp.save()
    assert connection_test(connection=erp).status == "ok"
    erp.refresh_from_db()
    assert erp.auth_state == AuthState.OK
    process_due()
    assert {order_transfer(p.number).state for p in [first, *later]} == {TransferState.SENT}
    assert all(len(visma.orders_with_ref(p.number)) == 1 for p in [first, *later])


def test_a_wrong_secret_fails_the_test_even_while_a_token_for_the_right_one_is_cached(visma_world):
    erp = visma_world.erp
    assert connection_test(connection=erp).status == "ok"  # a token is now cached
    erp.credentials = {**erp.credentials, "client_secret": "not-the-secret"}
    erp.save()
    run = connection_test(connection=erp)
    assert run.status == "failed" and "refused the credentials" in run.error


def test_inventory_id_switch_sends_the_older_field(visma_world):
    erp = visma_world.erp
    erp.parameters = {**erp.parameters, "use_inventory_id": True}
    erp.save()
    placed = visma_world.place()
    sync(visma_world)
    [(_, _, body)] = [r for r in visma_world.visma.requests if r[:2] == ("POST", "/v1/salesorder")]
    assert body["lines"][0]["inventoryId"] == {"value": "ITEM-1"}
    assert len(visma_world.visma.orders_with_ref(placed.number)) == 1


def test_c1_new_customer_is_created_in_visma(visma_world):
    placed = visma_world.place(customer=GUEST)
    sync(visma_world)
    [stored] = visma_world.visma.orders_with_ref(placed.number)
    created = visma_world.visma.state.customers[stored["customer"]["number"]]
    assert created["name"] == "Ödön Kovács"
    assert created["mainContact"]["email"] == "odon@example.hu"


def test_connection_test_reports_success_and_bad_credentials(visma_world):
    assert connection_test(connection=visma_world.erp).status == "ok"
    visma_world.erp.credentials = {"client_id": "x", "client_secret": "y", "tenant_id": "z"}
    visma_world.erp.save()
    run = connection_test(connection=visma_world.erp)
    assert run.status == "failed" and "credentials" in run.error


def test_unknown_outcome_then_a_lookup_answering_503_then_exactly_one_visma_order(visma_world):
    visma = visma_world.visma
    visma.inject(Fault("timeout_after_store", path="/v1/salesorder$", delay=2.0))
    placed = visma_world.place()
    sync(visma_world)
    assert order_transfer(placed.number).state == TransferState.UNKNOWN
    visma.inject(Fault("error", method="GET", path="/v1/salesorder$", status=503))
    retry_now(placed.number)
    transfer = order_transfer(placed.number)
    assert (transfer.state, transfer.needs_lookup) == (TransferState.RETRY_WAIT, True)
    retry_now(placed.number)
    assert order_transfer(placed.number).state == TransferState.SENT
    assert len(visma.orders_with_ref(placed.number)) == 1
    assert visma.calls["POST /v1/salesorder"] == 1


def test_gave_up_after_an_unknown_outcome_then_resend_gives_exactly_one_visma_order(visma_world, settings):
    from connectors.transfers import transfer_resend

    settings.TRANSFER_MAX_TRIES = 1
    visma = visma_world.visma
    visma.inject(Fault("drop_after_store", path="/v1/salesorder$"))
    placed = visma_world.place()
    sync(visma_world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.NEEDS_ATTENTION and "Gave up" in transfer.last_hint
    visma.inject(Fault("rate_limit", method="GET", path="/v1/salesorder$", delay=1))
    transfer_resend(transfer_ids=[transfer.pk])
    process_due()  # the lookup is refused (429): nothing is created, the outcome stays unsettled
    transfer.refresh_from_db()
    # A rate limit is no failure of the order: it waits for the window (its Retry-After), try given back.
    assert (transfer.state, transfer.needs_lookup, transfer.tries) == (TransferState.RETRY_WAIT, True, 0)
    assert (transfer.next_attempt_at - timezone.now()).total_seconds() <= 1
    transfer_resend(transfer_ids=[transfer.pk])
    process_due()
    assert order_transfer(placed.number).state == TransferState.SENT
    assert len(visma.orders_with_ref(placed.number)) == 1
    assert visma.calls["POST /v1/salesorder"] == 1


def test_no_remote_write_for_an_order_that_fails_its_checks_not_even_its_new_customer(visma_world):
    visma_world.integration.policy_no_similar = "add_new"
    visma_world.integration.save()
    placed = visma_world.place(customer=GUEST, grand_total=Decimal("1.00"))  # totals disagree
    sync(visma_world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.NEEDS_ATTENTION and "differs from the computed total" in transfer.last_error
    writes = [(method, path) for method, path, _ in visma_world.visma.requests if method != "GET"]
    assert writes == [("POST", "/connect/token")]  # a token, and nothing created: no customer, no order
