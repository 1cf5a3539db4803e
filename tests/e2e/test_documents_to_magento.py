"""Invoices, shipments and credit notes made in the portal reach the Magento emulator once each (M2-M5)."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from connectors.emulation import Fault
from connectors.flows.orders_in import shop_pull_orders
from connectors.models import Transfer, TransferKind, TransferState
from connectors.transfers import transfer_resend
from documents.models import CreditNote, Invoice, Shipment
from documents.services import credit_note_create, invoice_create, invoice_mark_paid, shipment_create
from orders.models import Order
from tests.engine import process_due

pytestmark = pytest.mark.django_db


def imported(demo, magento, items):
    placed = magento.place_order(items=items, customer_id=demo.customers["registered_with_erp"])
    shop_pull_orders(connection=demo.shop)
    return placed, Order.objects.get(number=placed["increment_id"])


def transfer_of(document, kind) -> Transfer:
    from django.contrib.contenttypes.models import ContentType

    return Transfer.objects.get(
        content_type=ContentType.objects.get_for_model(document), object_id=document.pk, kind=kind
    )


def settle(transfer: Transfer) -> Transfer:
    """Let an unsettled transfer come due and run the workers' pass again."""
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=timezone.now())
    process_due()
    transfer.refresh_from_db()
    return transfer


def test_m2_m3_m5_partial_invoice_shipment_with_tracking_then_the_rest_make_the_magento_order_complete(demo, magento):
    placed, order = imported(demo, magento, [("LUE-01", 2), ("BOK-01", 1)])
    lue = order.lines.get(sku="LUE-01")
    first = invoice_create(order=order, quantities={lue.pk: 1})
    shipment = shipment_create(order=order, carrier="Bring", tracking_number="70712345678")
    process_due()
    [invoice_doc] = [d for d in magento.state.invoices.values() if d["order_id"] == placed["entity_id"]]
    assert invoice_doc["items"] == [
        {"order_item_id": lue.shop_line_id and int(lue.shop_line_id), "qty": 1.0, "sku": "LUE-01"}
    ]
    assert invoice_doc["comments"][0]["comment"] == f"Sync Portal {first.number}"
    [ship_doc] = [d for d in magento.state.shipments.values() if d["order_id"] == placed["entity_id"]]
    assert ship_doc["tracks"] == [{"track_number": "70712345678", "title": "Bring", "carrier_code": "bring"}]
    assert magento.state.orders[placed["entity_id"]]["status"] == "processing"
    invoice_create(order=order)  # the rest
    process_due()
    assert magento.state.orders[placed["entity_id"]]["status"] == "complete"
    order.refresh_from_db()
    assert order.state == "complete"
    for doc in (*Invoice.objects.filter(order=order), shipment):
        kind = TransferKind.INVOICE if isinstance(doc, Invoice) else TransferKind.SHIPMENT
        assert transfer_of(doc, kind).state == TransferState.SENT


def test_m4_a_credit_note_reaches_magento_on_its_invoice_with_no_freight_refunded(demo, magento):
    placed, order = imported(demo, magento, [("LUE-01", 2)])
    invoice = invoice_mark_paid(invoice=invoice_create(order=order))
    process_due()
    note = credit_note_create(invoice=invoice, quantities={invoice.lines.get(sku="LUE-01").pk: 1})
    process_due()
    [memo] = [d for d in magento.state.creditmemos.values() if d["order_id"] == placed["entity_id"]]
    assert memo["items"][0]["qty"] == 1.0 and memo["shipping_amount"] == 0.0
    assert memo["comments"][0]["comment"] == f"Sync Portal {note.number}"
    assert transfer_of(note, TransferKind.CREDIT_NOTE).state == TransferState.SENT


@pytest.mark.parametrize(
    "kind,path",
    [
        ("invoice", r"/order/\d+/invoice$"),
        ("shipment", r"/order/\d+/ship$"),
        ("credit_note", r"/invoice/\d+/refund$"),
    ],
)
def test_a_document_whose_answer_was_lost_is_found_by_its_number_and_made_once(demo, magento, kind, path):
    """Stored, then the answer times out: the lookup finds the document by the portal's number."""
    demo.shop.parameters = {**demo.shop.parameters, "read_timeout": 1}
    demo.shop.save()
    placed, order = imported(demo, magento, [("LUE-01", 1)])
    magento.inject(Fault("timeout_after_store", method="POST", path=path, delay=2.0))
    if kind == "credit_note":
        invoice = invoice_mark_paid(invoice=invoice_create(order=order))
        process_due()
        document = credit_note_create(invoice=invoice)
        store = magento.state.creditmemos
    elif kind == "shipment":
        document = shipment_create(order=order, tracking_number="70700000001", carrier="Bring")
        store = magento.state.shipments
    else:
        document = invoice_create(order=order)
        store = magento.state.invoices
    process_due()
    transfer = transfer_of(document, kind)
    assert (transfer.state, transfer.needs_lookup) == (TransferState.UNKNOWN, True)
    transfer = settle(transfer)
    assert transfer.state == TransferState.SENT
    made = [d for d in store.values() if d["order_id"] == placed["entity_id"]]
    assert len(made) == 1 and transfer.remote_id == str(made[0]["entity_id"])


def test_documents_under_random_faults_reach_magento_exactly_once(demo, magento):
    """Faults drawn per request from a seeded source (errors, 429, stored-then-timeout, stored-then-drop)
    on every document call and lookup: each invoice, shipment and credit note exists once in Magento."""
    from connectors.emulation import RandomFaults

    seed = random.randrange(1_000_000)
    print(f"seed={seed}")
    demo.shop.parameters = {**demo.shop.parameters, "read_timeout": 1}
    demo.shop.save()
    orders = [imported(demo, magento, [("LUE-01", 2), ("BOK-01", 1)]) for _ in range(4)]
    magento.random_faults = RandomFaults(
        seed=seed,
        rates={"error": 0.15, "rate_limit": 0.1, "timeout_after_store": 0.1, "drop_after_store": 0.05},
        path=r"/(invoice|ship|refund|comments|invoices|shipments|creditmemos)$",
        delay=2.0,
        retry_after=0.0,
    )
    for _placed, order in orders:
        invoice = invoice_mark_paid(invoice=invoice_create(order=order))
        shipment_create(order=order, tracking_number=f"707{order.pk:08d}", carrier="Bring")
        credit_note_create(invoice=invoice, quantities={invoice.lines.get(sku="BOK-01").pk: 1})
    documents = Transfer.objects.filter(kind__in=["invoice", "shipment", "credit_note"])
    for _ in range(30):
        # A transfer that gave up (needs attention) is resent, as a person would from the admin.
        stuck = documents.filter(state=TransferState.NEEDS_ATTENTION).values_list("pk", flat=True)
        transfer_resend(transfer_ids=list(stuck))
        documents.exclude(state=TransferState.SENT).update(next_attempt_at=timezone.now())
        process_due()
        if not documents.exclude(state=TransferState.SENT).exists():
            break
    assert list(documents.exclude(state=TransferState.SENT).values_list("kind", "state", "last_error")) == [], seed
    for placed, _order in orders:
        for store in (magento.state.invoices, magento.state.shipments, magento.state.creditmemos):
            assert len([d for d in store.values() if d["order_id"] == placed["entity_id"]]) == 1, f"seed={seed}"
    assert Invoice.objects.count() == Shipment.objects.count() == CreditNote.objects.count() == 4
    print(f"faults={dict(magento.random_faults.drawn)} seed={seed}")
