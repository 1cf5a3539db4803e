"""Shipments booked with Bring: consignment number, label, the shop's track, the buyer's mail (M3)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from connectors.emulation import Fault
from connectors.flows.orders_in import shop_pull_orders
from connectors.models import Connection, Role, Transfer, TransferKind, TransferState
from connectors.platforms.bring.emulator import BringEmulator
from documents.models import Shipment
from documents.services import shipment_create
from orders.models import Order
from tests.engine import process_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def bring():
    emulator = BringEmulator().start()
    yield emulator
    emulator.stop()


@pytest.fixture
def carrier(db, bring):
    return Connection.objects.create(
        name="Bring",
        role=Role.CARRIER,
        platform="bring",
        base_url=bring.base_url,
        parameters={
            "shipping_methods": ["flatrate_flatrate"],
            "product_id": "5800",
            "customer_number": "PARCELS_NORWAY-00012341234",
            "test": True,
            "read_timeout": 1,
            "sender": {"name": "Nordlys Sport AS", "street": "Storgata 1", "postcode": "0155", "city": "Oslo"},
        },
        credentials={"uid": bring.uid, "api_key": bring.api_key},
    )


@pytest.fixture
def run_tasks_inline(monkeypatch):
    """Queued django-q2 tasks run at once (the mail task is real; only the broker is skipped)."""
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)


def imported(demo, magento, **address) -> tuple[dict, Order]:
    kwargs = {"address": address} if address else {}
    placed = magento.place_order(items=[("LUE-01", 2)], customer_id=demo.customers["registered_with_erp"], **kwargs)
    shop_pull_orders(connection=demo.shop)
    return placed, Order.objects.get(number=placed["increment_id"])


def booking_of(shipment: Shipment) -> Transfer:
    return Transfer.objects.get(kind=TransferKind.CARRIER_BOOKING, object_id=shipment.pk)


def test_m3_a_shipment_is_booked_with_bring_and_reaches_magento_with_the_consignment_number_and_mail(
    demo, magento, bring, carrier, run_tasks_inline, mailoutbox, django_capture_on_commit_callbacks
):
    placed, order = imported(demo, magento)
    with django_capture_on_commit_callbacks(execute=True):
        shipment = shipment_create(order=order, notify_buyer=True)
        process_due()
    shipment.refresh_from_db()
    [number] = bring.state.bookings
    assert shipment.tracking_number == number and shipment.carrier == "Bring"
    assert bytes(shipment.label_pdf).startswith(b"%PDF")
    request = bring.state.bookings[number]["request"]
    assert request["correlationId"] == shipment.number
    assert request["parties"]["recipient"]["postalCode"] == "0155"
    [made] = [d for d in magento.state.shipments.values() if d["order_id"] == placed["entity_id"]]
    assert made["tracks"][0]["track_number"] == number
    [mail] = mailoutbox
    assert number in mail.body and "on its way" in mail.subject


def test_m3_a_booking_bring_refuses_needs_attention_with_bring_s_message_and_the_shop_waits(
    demo, magento, bring, carrier
):
    placed, order = imported(demo, magento, street=["Storgata 1"], postcode="155", city="Oslo", country_id="NO")
    shipment = shipment_create(order=order)
    process_due()
    booking = booking_of(shipment)
    assert booking.state == TransferState.NEEDS_ATTENTION
    assert "VALIDATION-023-RECIPIENT: Invalid postal code for Norway" in booking.last_error
    assert not [d for d in magento.state.shipments.values() if d["order_id"] == placed["entity_id"]]


def test_m3_a_booking_whose_answer_was_lost_is_never_booked_again_until_a_person_settles_it(
    demo, magento, bring, carrier
):
    """Bring offers no lookup: the booking waits for a person, who enters the number from Mybring."""
    _placed, order = imported(demo, magento)
    bring.inject(Fault("timeout_after_store", method="POST", path=r"/api/create$", delay=2.0))
    shipment = shipment_create(order=order)
    process_due()
    Transfer.objects.exclude(state=TransferState.SENT).update(next_attempt_at=timezone.now())
    process_due()  # the shop's shipment asks for the booking again: it is looked up, not booked
    booking = booking_of(shipment)
    assert (booking.state, booking.needs_lookup) == (TransferState.NEEDS_ATTENTION, True)
    assert "Mybring" in booking.last_hint
    assert booking.attempts.filter(outcome="unknown").exists()
    assert len(bring.state.bookings) == 1  # not booked twice
    [number] = bring.state.bookings
    Shipment.objects.filter(pk=shipment.pk).update(tracking_number=number)  # what the person enters
    from connectors.transfers import transfer_resend

    transfer_resend(transfer_ids=[booking.pk])
    process_due()
    booking.refresh_from_db()
    assert (booking.state, booking.remote_id) == (TransferState.SENT, number)
    assert len(bring.state.bookings) == 1


def test_m3_in_the_admin_a_person_enters_the_number_from_mybring_or_confirms_nothing_was_booked(
    demo, magento, bring, carrier, client, admin_user
):
    client.force_login(admin_user)
    _placed, order = imported(demo, magento)
    bring.inject(Fault("timeout_after_store", method="POST", path=r"/api/create$", delay=2.0))
    first = shipment_create(order=order)
    bring.inject(Fault("timeout_after_store", method="POST", path=r"/api/create$", delay=2.0))
    _p2, other = imported(demo, magento)
    second = shipment_create(order=other)
    for _ in range(2):
        Transfer.objects.exclude(state=TransferState.SENT).update(next_attempt_at=timezone.now())
        process_due()
    assert {booking_of(s).state for s in (first, second)} == {TransferState.NEEDS_ATTENTION}
    numbers = sorted(bring.state.bookings)
    # The first was booked (found in Mybring): its number is entered on the shipment and it is resent.
    # (The change form carries the read-only lines inline's empty management form.)
    form = {"tracking_number": numbers[0], "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"}
    page = client.post(f"/admin/documents/shipment/{first.pk}/change/", form)
    assert page.status_code == 302
    client.post("/admin/documents/shipment/", {"action": "resend", "_selected_action": [first.pk]})
    # The second was not booked, the person says: it is booked again.
    client.post("/admin/documents/shipment/", {"action": "not_booked", "_selected_action": [second.pk]})
    process_due()
    assert (booking_of(first).state, booking_of(first).remote_id) == (TransferState.SENT, numbers[0])
    assert booking_of(second).state == TransferState.SENT
    assert booking_of(second).attempts.filter(outcome="confirmed", error__contains=admin_user.username).exists()
