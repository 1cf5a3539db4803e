"""Shipments booked with a carrier: consignment number, label, then the buyer's "on its way" mail (M3).

Recipe: a shipment without a tracking number is made -> in the same
transaction its booking with the carrier that carries the order's shipping
method is queued -> a worker settles an earlier attempt first (the number a
person entered from the carrier's portal counts as found), else books, keeps
the consignment number on the shipment at once, then fetches the label ->
the shop's shipment waits for the booking, so it carries the tracking number.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.dispatch import receiver

from documents.models import Shipment
from documents.signals import document_made
from orders.models import Order

from ..bindings import bind
from ..models import AttemptOutcome, Connection, Role, Transfer, TransferKind
from ..records import CarrierBookingRecord, CarrierBookingResult, PartyRecord
from ..selectors import connection_serving
from ..services import carrier_connector, enqueue
from ..transfers import AttemptLog, handles, remote_create, transfer_lookup, transfer_queue

logger = logging.getLogger("connectors.engine")


def carrier_for(order: Order) -> Connection | None:
    """The enabled carrier connection that carries the order's shipping method."""
    return connection_serving(role=Role.CARRIER, parameter="shipping_methods", value=order.shipping_method)


def _mail_later(shipment_id: int) -> None:
    enqueue("documents.tasks.email_documents", "shipment", [shipment_id])


@receiver(document_made)
def booking_queue(sender, *, document, **_kwargs) -> Transfer | None:
    """Queue the carrier booking of a new shipment that has no tracking number yet; without one to
    book, the buyer's mail (when asked for) goes at once."""
    if not isinstance(document, Shipment):
        return None
    carrier = None if document.tracking_number else carrier_for(document.order)
    if carrier is None:
        if document.notify_buyer:
            _mail_later(document.pk)
        return None
    return transfer_queue(connection=carrier, obj=document, kind=TransferKind.CARRIER_BOOKING)


def booking_record(shipment: Shipment, carrier: Connection) -> CarrierBookingRecord:
    """Sender from the carrier connection's ``sender`` parameters; recipient from the delivery address."""
    order = shipment.order
    address = order.addresses.filter(kind="delivery").first() or order.addresses.filter(kind="billing").first()
    sender = (carrier.parameters or {}).get("sender", {})
    name = (" ".join(p for p in (address.first_name, address.last_name) if p) if address else "") or str(order.customer)
    weight = sum(
        (
            (line.order_line.product.weight or Decimal(0)) * line.quantity
            for line in shipment.lines.select_related("order_line__product")
            if line.order_line.product is not None
        ),
        Decimal(0),
    )
    return CarrierBookingRecord(
        reference=shipment.number,
        sender=PartyRecord(
            name=str(sender.get("name", order.shop.name)),
            street=str(sender.get("street", "")),
            postcode=str(sender.get("postcode", "")),
            city=str(sender.get("city", "")),
            country=str(sender.get("country", "NO")),
            email=str(sender.get("email", "")),
            phone=str(sender.get("phone", "")),
        ),
        recipient=PartyRecord(
            name=(address.company if address and address.company else name),
            street=address.street if address else "",
            postcode=address.postcode if address else "",
            city=address.city if address else "",
            country=address.country if address else "",
            contact=name,
            email=order.email,
            phone=address.phone if address else "",
        ),
        package_weights=(weight,) if weight else (),
        shipping_at=shipment.shipped_at,
    )


@handles(TransferKind.CARRIER_BOOKING)
def booking_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Book one shipment exactly once; keep its consignment number, tracking link and label."""
    shipment = Shipment.objects.select_related("order__shop").get(pk=transfer.object_id)
    carrier = carrier_connector(transfer.connection)
    record = booking_record(shipment, transfer.connection)
    log.request_excerpt = f"booking {record.reference} to {record.recipient.postcode} {record.recipient.city}"

    def lookup() -> str | None:
        if shipment.tracking_number:  # kept by an earlier attempt, or entered by a person from the carrier
            return shipment.tracking_number
        found = carrier.find_booking(record)
        return found.consignment_number if found else None

    number = transfer_lookup(transfer, lookup=lookup)
    outcome = AttemptOutcome.FOUND
    if not number:
        with remote_create(transfer):
            result = carrier.book(record)
        number, outcome = result.consignment_number, AttemptOutcome.SENT
        with transaction.atomic():
            Shipment.objects.filter(pk=shipment.pk).update(
                tracking_number=number,
                tracking_url=result.tracking_url,
                label_url=result.label_url,
                carrier=shipment.carrier or transfer.connection.name,
            )
            bind(transfer.connection, shipment, number, None)
        shipment.refresh_from_db()
    if shipment.label_url and not shipment.label_pdf:
        # A label that cannot be fetched now is fetched by the next attempt; the booking stands.
        label = carrier.fetch_label(CarrierBookingResult(number, shipment.label_url))
        Shipment.objects.filter(pk=shipment.pk).update(label_pdf=label)
    if shipment.notify_buyer and shipment.emailed_at is None:
        _mail_later(shipment.pk)
    return outcome, number
