"""Carrier bookings <-> Bring Booking API payloads. Pure functions.

Shapes from Bring's published Booking API (OpenAPI example "Norwegian Parcels"):
one consignment per booking, parties sender/recipient with contact, the product
id and customer number of the sender's agreement, packages with weight.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from connectors.exceptions import AmbiguousError, PermanentError
from connectors.records import CarrierBookingRecord, CarrierBookingResult, PartyRecord

from .client import booking_errors


def _party(party: PartyRecord, *, reference: str = "") -> dict[str, Any]:
    return {
        "name": party.name[:35],
        "addressLine": party.street[:35],
        "addressLine2": None,
        "postalCode": party.postcode,
        "city": party.city,
        "countryCode": party.country,
        "reference": reference or None,
        "contact": {"name": party.contact[:35] or party.name[:35], "email": party.email or None,
                    "phoneNumber": party.phone or None},
        "additionalAddressInfo": None,
    }  # fmt: skip


def booking_body(booking: CarrierBookingRecord, *, product_id: str, customer_number: str) -> dict[str, Any]:
    """``POST /api/create``: the shipment's number is the consignment's correlation id and the
    sender's reference, so it can be found in Mybring's order history."""
    return {
        "schemaVersion": 1,
        "consignments": [
            {
                "shippingDateTime": (booking.shipping_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%S"),
                "product": {"id": product_id, "customerNumber": customer_number},
                "correlationId": booking.reference,
                "parties": {
                    "sender": _party(booking.sender, reference=booking.reference),
                    "recipient": _party(booking.recipient),
                    "pickupPoint": None,
                },
                "packages": [
                    {
                        "correlationId": f"{booking.reference}-{i}",
                        "weightInKg": float(max(weight, Decimal("0.1"))),
                        "goodsDescription": None,
                        "dimensions": None,
                    }
                    for i, weight in enumerate(booking.package_weights or (Decimal("1"),), start=1)
                ],
            }
        ],
    }


def parse_confirmation(body: Any, reference: str) -> CarrierBookingResult:
    """The consignment number, label and tracking links of a 200 answer.

    An answer that names errors is a refusal; one without the consignment is
    ambiguous (the booking may exist).
    """
    errors = booking_errors(body)
    if errors:
        raise PermanentError(
            _("Bring refused the booking: %(errors)s") % {"errors": "; ".join(errors)},
            hint=_("Correct the address or the product on the carrier connection, then resend."),
        )
    consignments = (body or {}).get("consignments") or [] if isinstance(body, dict) else []
    for consignment in consignments:
        confirmation = consignment.get("confirmation") or {}
        if consignment.get("correlationId") in (reference, None) and confirmation.get("consignmentNumber"):
            links = confirmation.get("links") or {}
            return CarrierBookingResult(
                consignment_number=str(confirmation["consignmentNumber"]),
                label_url=str(links.get("labels") or ""),
                tracking_url=str(links.get("tracking") or ""),
            )
    raise AmbiguousError(
        _("Bring answered without a consignment number."),
        hint=_("The booking is checked before anything is booked again."),
    )
