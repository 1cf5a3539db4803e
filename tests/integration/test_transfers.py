"""Transfers: exactly-once effect, retries, unknown outcomes, resend, watchdog (DESIGN "Transfers")."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from connectors.flows.orders_in import shop_pull_orders
from connectors.models import AttemptOutcome, Transfer, TransferKind, TransferState
from connectors.transfers import transfer_claim, transfer_process, transfer_resend, transfers_watchdog
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


@pytest.mark.parametrize("lookup_fault", ["503", "429"])
def test_unknown_outcome_then_a_failed_lookup_keeps_the_lookup_and_the_next_attempt_finds_the_order(
    world, lookup_fault
):
    placed = world.place()
    world.erp_state.faults.append("timeout_after_store")
    world.erp_state.lookup_faults.append(lookup_fault)
    sync(world)
    make_due(order_transfer(placed.number))
    process_due()  # the lookup fails: nothing may be created
    transfer = order_transfer(placed.number)
    assert (transfer.state, transfer.needs_lookup) == (TransferState.RETRY_WAIT, True)
    assert world.erp_state.calls["create_sales_order"] == 1
    make_due(transfer)
    process_due()  # the lookup finishes and finds the order
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    assert len(world.erp_state.orders_for(placed.number)) == 1
    assert world.erp_state.calls["create_sales_order"] == 1
    assert [a.outcome for a in transfer.attempts.all()] == [
        AttemptOutcome.UNKNOWN,
        AttemptOutcome.RETRY,
        AttemptOutcome.FOUND,
    ]


@override_settings(TRANSFER_MAX_TRIES=1)
def test_gave_up_after_an_unknown_outcome_then_resend_looks_first_and_creates_nothing_twice(world):
    placed = world.place()
    world.erp_state.faults.append("timeout_after_store")
    sync(world)
    transfer = order_transfer(placed.number)
    assert (transfer.state, transfer.needs_lookup) == (TransferState.NEEDS_ATTENTION, True)
    assert "Gave up after 1 tries" in transfer.last_hint
    world.erp_state.lookup_faults.append("503")  # the resent attempt's lookup fails
    transfer_resend(transfer_ids=[transfer.pk])
    transfer.refresh_from_db()
    assert transfer.needs_lookup  # a resend never forgets an unsettled outcome
    process_due()
    transfer.refresh_from_db()
    assert (transfer.state, transfer.needs_lookup) == (TransferState.NEEDS_ATTENTION, True)
    transfer_resend(transfer_ids=[transfer.pk])  # a person tries once more
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    assert len(world.erp_state.orders_for(placed.number)) == 1
    assert world.erp_state.calls["create_sales_order"] == 1


def test_a_create_is_refused_while_an_earlier_outcome_is_unsettled(world):
    from connectors.transfers import LookupRequired, remote_create

    placed = world.place()
    shop_pull_orders(connection=world.shop)
    Transfer.objects.filter(pk=order_transfer(placed.number).pk).update(needs_lookup=True)
    transfer = transfer_claim(transfer_id=order_transfer(placed.number).pk)
    with pytest.raises(LookupRequired):
        with remote_create(transfer):
            raise AssertionError("the create must not run")


def test_a_worker_whose_claim_was_taken_over_writes_nothing(world):
    from connectors.transfers import AttemptLog, transfer_finish

    placed = world.place()
    shop_pull_orders(connection=world.shop)
    stale = transfer_claim(transfer_id=order_transfer(placed.number).pk)
    Transfer.objects.filter(pk=stale.pk).update(claimed_at=timezone.now() - dt.timedelta(hours=1))
    stale.claimed_at = timezone.now() - dt.timedelta(hours=1)
    assert transfers_watchdog() == 1  # judged stuck: unknown, to be looked up
    process_due()  # a newer attempt looks up, finds nothing, creates
    assert order_transfer(placed.number).state == TransferState.SENT
    late = transfer_finish(stale, AttemptLog(), state=TransferState.RETRY_WAIT, outcome=AttemptOutcome.RETRY)
    assert late.state == TransferState.SENT  # the late finisher did not overwrite
    assert order_transfer(placed.number).attempts.last().error.startswith("(This attempt had been given up")


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
    assert transfer.needs_lookup  # a 503 may come from a proxy after the ERP acted: look first
    assert process_due() == []  # not due yet
    make_due(transfer)
    process_due()
    assert order_transfer(placed.number).state == TransferState.SENT
    assert world.erp_state.calls["find_sales_order"] == 1
    assert len(world.erp_state.orders_for(placed.number)) == 1


def test_a_429_on_the_create_was_refused_unprocessed_so_the_retry_needs_no_lookup(world):
    placed = world.place()
    world.erp_state.faults.append("429")
    sync(world)
    transfer = order_transfer(placed.number)
    assert (transfer.state, transfer.needs_lookup) == (TransferState.RETRY_WAIT, False)
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


def test_happy_path_makes_at_most_1_1_erp_calls_per_order(world):
    for _ in range(20):
        world.place()
    sync(world)
    calls = world.erp_state.calls
    assert calls["create_sales_order"] == 20
    assert calls["find_item"] == 1  # the item's existence is checked once, then remembered
    assert sum(calls.values()) <= 22
    assert Transfer.objects.filter(kind=TransferKind.SALES_ORDER, state=TransferState.SENT).count() == 20


@pytest.mark.parametrize("status,cleared", [(400, True), (422, True), (409, False), (None, False)])
def test_only_a_definite_refusal_of_the_create_itself_clears_the_need_to_look_up(world, status, cleared):
    """A 400/422 answer to the create means it was read and refused: nothing exists to look up.
    A 409 may mean it exists; an error with no status (a body that says 'error') proves nothing."""
    from connectors.exceptions import PermanentError
    from connectors.transfers import remote_create

    placed = world.place()
    shop_pull_orders(connection=world.shop)
    transfer = transfer_claim(transfer_id=order_transfer(placed.number).pk)
    with pytest.raises(PermanentError):
        with remote_create(transfer):
            raise PermanentError("refused", http_status=status)
    transfer.refresh_from_db()
    assert transfer.needs_lookup is not cleared


def test_attempts_are_numbered_one_by_one_across_a_resend(world):
    from connectors.models import TransferAttempt

    world.integration.payment_method_map = {}
    world.integration.save()
    placed = world.place()
    sync(world)  # attempt 1 fails its checks
    transfer = order_transfer(placed.number)
    transfer_resend(transfer_ids=[transfer.pk])
    process_due()  # attempt 2
    transfer.refresh_from_db()
    numbers = list(TransferAttempt.objects.filter(transfer=transfer).order_by("pk").values_list("number", flat=True))
    assert numbers == [1, 2] and transfer.attempts_made == 2
