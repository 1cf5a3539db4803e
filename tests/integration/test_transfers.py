"""Transfers: exactly-once effect, retries, unknown outcomes, resend, watchdog (DESIGN "Transfers")."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from connectors.models import AttemptOutcome, Transfer, TransferKind, TransferState
from connectors.services import transfer_claim, transfer_process, transfer_resend, transfers_watchdog
from connectors.sync import shop_pull_orders
from orders.models import Order
from tests.engine import order_transfer, process_due, sync

pytestmark = pytest.mark.django_db


def make_due(transfer: Transfer) -> None:
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=timezone.now())


def test_create_that_times_out_after_the_erp_stored_it_ends_with_one_order_and_sent(world):
    placed = world.place()
    world.erp_state.faults.append("timeout_after_store")
    sync(world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.UNKNOWN and transfer.needs_lookup
    make_due(transfer)
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    assert len(world.erp_state.orders_for(placed.number)) == 1
    assert world.erp_state.calls["create_sales_order"] == 1  # looked up, never re-created
    assert [a.outcome for a in transfer.attempts.all()] == [AttemptOutcome.UNKNOWN, AttemptOutcome.FOUND]
    assert Order.objects.get(number=placed.number).erp_order_no == transfer.remote_id


def test_dropped_connection_before_the_erp_stored_it_creates_on_the_next_attempt(world):
    placed = world.place()
    world.erp_state.faults.append("drop_before_store")
    sync(world)
    make_due(order_transfer(placed.number))
    process_due()
    assert order_transfer(placed.number).state == TransferState.SENT
    assert world.erp_state.calls["find_sales_order"] == 1
    assert len(world.erp_state.orders_for(placed.number)) == 1


def test_a_503_waits_with_backoff_and_then_succeeds(world):
    placed = world.place()
    world.erp_state.faults.append("503")
    before = timezone.now()
    sync(world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.RETRY_WAIT
    # First retry waits between half and the whole base backoff (jitter).
    assert before + dt.timedelta(seconds=14) <= transfer.next_attempt_at <= timezone.now() + dt.timedelta(seconds=31)
    assert not transfer.needs_lookup  # nothing reached the ERP: no lookup needed
    assert process_due() == []  # not due yet
    make_due(transfer)
    process_due()
    assert order_transfer(placed.number).state == TransferState.SENT
    assert world.erp_state.calls["find_sales_order"] == 0


def test_retry_after_from_a_429_is_honoured(world):
    placed = world.place()
    world.erp_state.faults.append("429")
    sync(world)
    transfer = order_transfer(placed.number)
    assert transfer.next_attempt_at >= timezone.now() + dt.timedelta(seconds=115)


@override_settings(TRANSFER_MAX_TRIES=3)
def test_after_max_tries_the_transfer_needs_attention(world):
    placed = world.place()
    world.erp_state.faults.extend(["503"] * 5)
    sync(world)
    for _ in range(2):
        make_due(order_transfer(placed.number))
        process_due()
    transfer = order_transfer(placed.number)
    assert (transfer.state, transfer.tries) == (TransferState.NEEDS_ATTENTION, 3)
    assert "Gave up after 3 tries" in transfer.last_hint
    assert transfer.attempts.count() == 3


def test_a_retry_reads_the_shop_order_afresh(world):
    placed = world.place()
    world.erp_state.faults.append("503")
    sync(world)
    # The buyer changed the quantity in the shop in the meantime; no new pull ran.
    new_line = replace(placed.lines[0], quantity=Decimal("3"))
    world.shop_state.orders[placed.external_id] = replace(
        placed, lines=(new_line,), grand_total=Decimal("1500.00"), updated_at=timezone.now()
    )
    make_due(order_transfer(placed.number))
    process_due()
    [stored] = world.erp_state.orders_for(placed.number)
    assert stored.record.lines[0].quantity == Decimal("3")
    assert world.shop_state.calls["fetch_order"] == 1


def test_resend_puts_a_failed_transfer_back_and_a_new_attempt_follows(world):
    world.integration.payment_method_map = {}
    world.integration.save()
    placed = world.place()
    sync(world)
    transfer = order_transfer(placed.number)
    assert transfer.state == TransferState.NEEDS_ATTENTION
    world.integration.payment_method_map = {"klarna": "KL"}
    world.integration.save()
    result = transfer_resend(transfer_ids=[transfer.pk])
    assert result.queued == [transfer.pk]
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    assert transfer.attempts.count() == 2


def test_resend_of_a_sent_sales_order_is_refused(world):
    placed = world.place()
    sync(world)
    transfer = order_transfer(placed.number)
    result = transfer_resend(transfer_ids=[transfer.pk])
    assert result.queued == []
    assert "already transferred" in result.refused[0][1]
    assert len(world.erp_state.orders_for(placed.number)) == 1


def test_two_claims_of_one_transfer_only_one_wins(world):
    placed = world.place()
    shop_pull_orders(connection=world.shop)
    transfer = order_transfer(placed.number)
    assert transfer_claim(transfer_id=transfer.pk) is not None
    assert transfer_claim(transfer_id=transfer.pk) is None
    assert transfer_process(transfer_id=transfer.pk) is None  # already sending elsewhere


def test_watchdog_moves_a_transfer_stuck_in_sending_to_unknown_and_it_is_looked_up(world):
    placed = world.place()
    shop_pull_orders(connection=world.shop)
    transfer = order_transfer(placed.number)
    assert transfer_claim(transfer_id=transfer.pk) is not None  # then the worker dies
    assert transfers_watchdog() == 0  # not stuck yet
    Transfer.objects.filter(pk=transfer.pk).update(claimed_at=timezone.now() - dt.timedelta(hours=1))
    assert transfers_watchdog() == 1
    transfer.refresh_from_db()
    assert (transfer.state, transfer.needs_lookup) == (TransferState.UNKNOWN, True)
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    assert world.erp_state.calls["find_sales_order"] == 1


def test_every_attempt_is_logged_with_what_was_sent(world):
    placed = world.place()
    sync(world)
    attempt = order_transfer(placed.number).attempts.get()
    assert attempt.outcome == AttemptOutcome.SENT
    assert "customer=10001" in attempt.request_excerpt and placed.number in attempt.request_excerpt
    assert attempt.number == 1


def test_happy_path_makes_one_erp_call_per_order(world):
    for _ in range(5):
        world.place()
    sync(world)
    assert sum(world.erp_state.calls.values()) == 5
    assert Transfer.objects.filter(kind=TransferKind.SALES_ORDER, state=TransferState.SENT).count() == 5
