"""A Nexi Checkout (Nets Easy) Payment API v1 emulator on loopback: payments with charges, refunds.

Implements only what the API documents for refunds: ``POST
/v1/payments/{paymentId}/refunds`` (201 ``{"refundId"}``) and ``GET
/v1/payments/{paymentId}`` (the payment with its ``charges`` and ``refunds``).
The secret key is the bare ``Authorization`` header. A refund above what was
charged and not yet refunded is refused with the documented validation shape
``{"errors": {"amount": [...]}}``; a partial refund without ``orderItems`` too.
Where the docs are silent (the exact wording of messages), the text is ours.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from connectors.emulation import Emulator, HttpError, Reply, Request


@dataclass
class NetsState:
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)


class NetsEasyEmulator(Emulator):
    def __init__(self, *, secret_key: str = "live-secret-key-demo", demo: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.secret_key = secret_key
        # Demo only: a payment id never seen is taken as a charged payment (the demo shop's
        # checkout does not talk to this emulator). Tests register payments explicitly.
        self.demo = demo
        self.state = NetsState()
        self.lock = threading.RLock()

    @property
    def base_url(self) -> str:
        return f"{self.root}/"

    def add_payment(self, payment_id: str, *, amount: int, currency: str = "NOK", reference: str = "") -> None:
        """A payment reserved and charged in full (as a shop's checkout leaves it)."""
        with self.lock:
            self.state.payments[payment_id] = {
                "paymentId": payment_id,
                "orderDetails": {"amount": amount, "currency": currency, "reference": reference},
                "summary": {"reservedAmount": amount, "chargedAmount": amount},
                "charges": [{"chargeId": uuid.uuid4().hex, "amount": amount, "created": "2026-11-25T10:00:00Z"}],
                "refunds": [],
                "created": "2026-11-25T09:59:00Z",
            }

    def routes(self):
        return [
            ("POST", r"/v1/payments/(?P<pid>[0-9a-f]{32})/refunds", self.refund),
            ("GET", r"/v1/payments/(?P<pid>[0-9a-f]{32})", self.get_payment),
        ]

    def before(self, request: Request) -> Reply | None:
        if request.headers.get("authorization", "") != self.secret_key:
            return Reply(401, {"message": "Unauthorized"})
        return None

    def _payment(self, pid: str) -> dict[str, Any]:
        if self.demo and pid not in self.state.payments:
            self.add_payment(pid, amount=10**9)
        payment = self.state.payments.get(pid)
        if payment is None:
            raise HttpError(404, {"message": f"Payment {pid} not found", "code": "1001", "source": "payment"})
        return payment

    def refund(self, request: Request, pid: str) -> Reply:
        body = request.json() or {}
        amount = body.get("amount")
        with self.lock:
            payment = self._payment(pid)
            charged = sum(c["amount"] for c in payment["charges"])
            refunded = sum(r["amount"] for r in payment["refunds"] if r["state"] not in ("Failed", "Cancelled"))
            if not isinstance(amount, int) or amount <= 0:
                raise HttpError(400, {"errors": {"amount": ["Amount must be a positive integer."]}})
            if amount > charged - refunded:
                raise HttpError(400, {"errors": {"amount": ["Amount exceeds the charged amount not yet refunded."]}})
            items = body.get("orderItems") or []
            if amount < charged and not items:
                raise HttpError(400, {"errors": {"orderItems": ["Order items are required for a partial refund."]}})
            refund_id = uuid.uuid4().hex
            payment["refunds"].append(
                {
                    "refundId": refund_id,
                    "amount": amount,
                    "state": "Pending",
                    "lastUpdated": "2026-11-25T12:00:00Z",
                    "orderItems": items,
                }
            )
            payment["summary"]["refundedAmount"] = refunded + amount
        return Reply(201, {"refundId": refund_id})

    def get_payment(self, request: Request, pid: str) -> Reply:
        with self.lock:
            return Reply(200, {"payment": self._payment(pid)})


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--demo", action="store_true", help="take unknown payment ids as charged payments")
    args = parser.parse_args()
    emulator = NetsEasyEmulator(port=args.port, demo=args.demo)
    print(f"Nexi Checkout emulator on {emulator.base_url}", flush=True)
    emulator.serve_forever()


if __name__ == "__main__":
    main()
