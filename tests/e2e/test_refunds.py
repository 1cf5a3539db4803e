"""Credit notes refunded online through Nexi Checkout (Nets Easy) exactly once (M4)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from connectors.emulation import Fault
from connectors.flows.orders_in import shop_pull_orders
from connectors.models import Connection, Role, Transfer, TransferKind, TransferState
from connectors.platforms.nets_easy.emulator import NetsEasyEmulator
from documents.models import CreditNote
from documents.services import credit_note_create, invoice_create, invoice_mark_paid
from orders.models import Order, OrderRefused
from tests.engine import process_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def nets():
    emulator = NetsEasyEmulator().start()
    yield emulator
    emulator.stop()


@pytest.fixture
def provider(db, nets):
    return Connection.objects.create(
        name="Nexi",
        role=Role.PAYMENT,
        platform="nets_easy",
        base_url=nets.base_url,
        parameters={"payment_methods": ["nets_easy"], "read_timeout": 1},
        credentials={"secret_key": nets.secret_key},
    )


def paid_order(demo, magento, nets) -> tuple[Order, str]:
    """An order paid through Nexi: Magento keeps the payment id as the transaction id."""
    payment_id = uuid.uuid4().hex
    placed = magento.place_order(
        items=[("LUE-01", 2), ("BOK-01", 1)], customer_id=demo.customers["registered_with_erp"], payment="nets_easy"
    )
    magento.state.orders[placed["entity_id"]]["payment"]["last_trans_id"] = payment_id
    nets.add_payment(payment_id, amount=int(Decimal(str(placed["grand_total"])) * 100))
    shop_pull_orders(connection=demo.shop)
    return Order.objects.get(number=placed["increment_id"]), payment_id


def refund_transfer(note: CreditNote) -> Transfer:
    return Transfer.objects.get(kind=TransferKind.REFUND, object_id=note.pk)


def test_m4_an_online_credit_note_is_refunded_at_nexi_for_its_lines_and_the_memo_in_magento_is_offline(
    demo, magento, nets, provider
):
    order, payment_id = paid_order(demo, magento, nets)
    invoice = invoice_mark_paid(invoice=invoice_create(order=order))
    line = invoice.lines.get(sku="LUE-01")
    note = credit_note_create(invoice=invoice, quantities={line.pk: 1}, refund_mode="online")
    process_due()
    [refund] = nets.state.payments[payment_id]["refunds"]
    assert refund["amount"] == int(note.gross_total * 100)
    assert [(i["reference"], i["quantity"], i["taxRate"]) for i in refund["orderItems"]] == [("LUE-01", 1.0, 2500)]
    note.refresh_from_db()
    assert note.refund_reference == refund["refundId"]
    assert refund_transfer(note).state == TransferState.SENT
    [(_, _, memo_body)] = [r for r in magento.requests if r[0] == "POST" and r[1].endswith("/refund")]
    assert memo_body["isOnline"] is False  # the portal refunded; Magento must not refund again


def test_m4_a_refund_whose_answer_was_lost_is_found_at_nexi_and_made_once(demo, magento, nets, provider):
    order, payment_id = paid_order(demo, magento, nets)
    invoice = invoice_mark_paid(invoice=invoice_create(order=order))
    nets.inject(Fault("timeout_after_store", method="POST", path=r"/refunds$", delay=2.0))
    note = credit_note_create(invoice=invoice, refund_mode="online")
    process_due()
    transfer = refund_transfer(note)
    assert (transfer.state, transfer.needs_lookup) == (TransferState.UNKNOWN, True)
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=timezone.now())
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    [refund] = nets.state.payments[payment_id]["refunds"]
    assert transfer.remote_id == refund["refundId"]


def test_m4_a_payment_method_no_provider_refunds_online_refuses_the_credit_note_and_writes_nothing(
    demo, magento, nets, provider
):
    placed = magento.place_order(items=[("LUE-01", 1)], customer_id=demo.customers["registered_with_erp"])
    shop_pull_orders(connection=demo.shop)
    order = Order.objects.get(number=placed["increment_id"])
    invoice = invoice_mark_paid(invoice=invoice_create(order=order))
    with pytest.raises(OrderRefused, match="No payment provider refunds the payment method 'klarna_kp'") as refused:
        credit_note_create(invoice=invoice, refund_mode="online")
    assert "offline refund" in refused.value.hint
    assert CreditNote.objects.count() == 0
    assert not Transfer.objects.filter(kind__in=[TransferKind.REFUND, TransferKind.CREDIT_NOTE]).exists()


def test_m4_nexi_refusing_more_than_was_charged_needs_attention_with_its_message(demo, magento, nets, provider):
    order, payment_id = paid_order(demo, magento, nets)
    nets.state.payments[payment_id]["charges"][0]["amount"] = 100  # only 1.00 was charged
    invoice = invoice_mark_paid(invoice=invoice_create(order=order))
    note = credit_note_create(invoice=invoice, refund_mode="online")
    process_due()
    transfer = refund_transfer(note)
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert "amount: Amount exceeds the charged amount" in transfer.last_error
