"""A Bring Booking API emulator on loopback: bookings with consignment numbers and labels.

What it serves, from Bring's published Booking API: ``POST /api/create`` (one
consignment per request; 200 with ``consignments[].confirmation`` holding
``consignmentNumber``, ``links.labels``, ``links.tracking`` and
``packages[].packageNumber``; a refusal is 400 with ``consignments[].errors[]``
of ``{uniqueId, code, messages: [{lang, message}]}``), ``GET /api/customers``,
and a label URL that redirects to where the PDF is stored (Bring's labels
answer 302 to storage). Authentication: ``X-MyBring-API-Uid`` and
``X-MyBring-API-Key``. There is no call to list or find bookings; neither
does Bring document one. Error codes and texts are ours where the docs give
no example (the shape is Bring's).
"""

from __future__ import annotations

import itertools
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from connectors.emulation import Emulator, HttpError, Reply, Request

# A one-page PDF: enough for a client that stores what the label URL gives.
LABEL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 288 432]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class BringState:
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)  # consignment number -> request
    labels: dict[str, bytes] = field(default_factory=dict)


class BringEmulator(Emulator):
    def __init__(self, *, uid: str = "shop@example.no", api_key: str = "bring-demo-key", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.uid, self.api_key = uid, api_key
        self.state = BringState()
        self.lock = threading.RLock()
        self._numbers = itertools.count(70712345000)

    @property
    def base_url(self) -> str:
        return f"{self.root}/booking/"

    def routes(self):
        return [
            ("POST", r"/booking/api/create", self.create),
            ("GET", r"/booking/api/customers", self.customers),
            ("GET", r"/labels/id/(?P<ref>[0-9a-f]+)", self.label_redirect),
            ("GET", r"/storage/(?P<ref>[0-9a-f]+)\.pdf", self.label_pdf),
        ]

    def before(self, request: Request) -> Reply | None:
        if request.path.startswith("/storage/"):
            return None  # the storage behind the redirect is public (a signed link in reality)
        if (request.headers.get("x-mybring-api-uid"), request.headers.get("x-mybring-api-key")) != (
            self.uid,
            self.api_key,
        ):
            return Reply(401, {"message": "Authentication failed"})
        return None

    def customers(self, request: Request) -> Reply:
        return Reply(200, {"customers": [{"name": "Demo", "customerNumber": "PARCELS_NORWAY-00012341234"}]})

    def _refuse(self, correlation: Any, code: str, message: str) -> HttpError:
        error = {"uniqueId": str(uuid.uuid4()), "code": code, "messages": [{"lang": "en", "message": message}]}
        consignment = {"correlationId": correlation, "confirmation": None, "errors": [error]}
        return HttpError(400, {"consignments": [consignment]})

    def create(self, request: Request) -> Reply:
        body = request.json() or {}
        consignments = body.get("consignments") or []
        if len(consignments) != 1:
            raise self._refuse(None, "VALIDATION-001", "Exactly one consignment per booking request.")
        consignment = consignments[0]
        correlation = consignment.get("correlationId")
        recipient = ((consignment.get("parties") or {}).get("recipient")) or {}
        if recipient.get("countryCode") == "NO" and not re.fullmatch(r"\d{4}", str(recipient.get("postalCode") or "")):
            raise self._refuse(correlation, "VALIDATION-023-RECIPIENT", "Invalid postal code for Norway.")
        if not (consignment.get("product") or {}).get("id"):
            raise self._refuse(correlation, "VALIDATION-003", "Product id is required.")
        with self.lock:
            number = str(next(self._numbers))
            label_ref = uuid.uuid4().hex
            self.state.bookings[number] = {"request": consignment, "label": label_ref}
            self.state.labels[label_ref] = LABEL_PDF
        packages = [
            {"correlationId": p.get("correlationId"), "packageNumber": f"37{number}{i}"}
            for i, p in enumerate(consignment.get("packages") or [], start=1)
        ]
        confirmation = {
            "consignmentNumber": number,
            "productSpecificData": None,
            "links": {
                "labels": f"{self.root}/labels/id/{label_ref}",
                "waybill": None,
                "tracking": f"https://sporing.bring.no/sporing/{number}",
            },
            "dateAndTimes": {"earliestPickup": None, "expectedDelivery": None},
            "packages": packages,
        }
        answer = {"correlationId": correlation, "confirmation": confirmation, "errors": []}
        return Reply(200, {"consignments": [answer]})

    def label_redirect(self, request: Request, ref: str) -> Reply:
        return Reply(302, "", {"Location": f"{self.root}/storage/{ref}.pdf"})

    def label_pdf(self, request: Request, ref: str) -> Reply:
        pdf = self.state.labels.get(ref)
        if pdf is None:
            raise HttpError(404, {"message": "No such label"})
        return Reply(200, pdf, {"Content-Type": "application/pdf"})


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8104)
    args = parser.parse_args()
    emulator = BringEmulator(port=args.port)
    print(f"Bring Booking API emulator on {emulator.base_url}", flush=True)
    emulator.serve_forever()


if __name__ == "__main__":
    main()
