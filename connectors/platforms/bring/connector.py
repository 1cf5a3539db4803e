"""Bring (Posten Norge) as a carrier: shipments booked with a consignment number and a label (M3)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from connectors.base import Capability, CarrierConnector, ConnectionSettings
from connectors.exceptions import PermanentError
from connectors.records import CarrierBookingRecord, CarrierBookingResult

from . import mapping
from .client import BringClient


class BringConnector(CarrierConnector):
    """``parameters``: ``product_id`` (e.g. 5800, Pakke til hentested), ``customer_number`` (of the
    Mybring agreement), ``shipping_methods`` (the shop's methods Bring carries), ``test`` (book in
    Bring's test mode); credentials ``uid`` and ``api_key``."""

    key = "bring"
    label = "Bring"
    capabilities = frozenset({Capability.BOOKINGS})

    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(settings)
        params = settings.parameters
        self.product_id = str(params.get("product_id", "5800"))
        self.customer_number = str(params.get("customer_number", ""))
        self.client = BringClient(
            settings.base_url,
            uid=str(settings.credentials.get("uid", "")),
            api_key=str(settings.credentials.get("api_key", "")),
            test=bool(params.get("test", True)),
            limiter=settings.limiter,
            read_timeout=float(params.get("read_timeout", 30)),
        )

    def test(self) -> str:
        self.client.json_of(self.client.request("GET", "api/customers"))
        return "Bring reachable; API key accepted."

    def book(self, booking: CarrierBookingRecord) -> CarrierBookingResult:
        body = mapping.booking_body(booking, product_id=self.product_id, customer_number=self.customer_number)
        return mapping.parse_confirmation(self.client.post("api/create", body), booking.reference)

    def find_booking(self, booking: CarrierBookingRecord) -> CarrierBookingResult | None:
        # The Booking API has no call that lists or finds bookings: a person looks in Mybring.
        raise PermanentError(
            _("Bring's answer to booking %(ref)s was lost, and Bring offers no way to look a booking up.")
            % {"ref": booking.reference},
            hint=_(
                "Look for reference %(ref)s in Mybring's order history. Booked: enter its consignment number as "
                "the shipment's tracking number, then resend. Not booked: use 'Not booked at the carrier'."
            )
            % {"ref": booking.reference},
        )

    def fetch_label(self, result: CarrierBookingResult) -> bytes:
        return self.client.get_bytes(result.label_url) if result.label_url else b""
