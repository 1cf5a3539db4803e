"""Nexi Checkout (Nets Easy) as a payment provider: online refunds of credit notes (M4)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from connectors.base import Capability, ConnectionSettings, PaymentConnector
from connectors.exceptions import AmbiguousError
from connectors.records import RefundRecord

from . import mapping
from .client import NetsEasyClient


class NetsEasyConnector(PaymentConnector):
    """Refunds go to ``POST /v1/payments/{paymentId}/refunds``; the payment id is the one the shop
    stored with the order (its payment reference). ``parameters["payment_methods"]`` lists the
    shop payment methods this provider handles."""

    key = "nets_easy"
    label = "Nexi Checkout (Nets Easy)"
    capabilities = frozenset({Capability.REFUNDS})

    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(settings)
        self.client = NetsEasyClient(
            settings.base_url,
            secret_key=str(settings.credentials.get("secret_key", "")),
            limiter=settings.limiter,
            read_timeout=float(settings.parameters.get("read_timeout", 30)),
        )

    def test(self) -> str:
        # There is no side-effect-free "who am I" call; an unknown payment id answers 404 with a
        # valid key and 401 with a wrong one.
        from connectors.exceptions import NotFoundError

        try:
            self.client.get("v1/payments/00000000000000000000000000000000")
        except NotFoundError:
            pass
        return "Nexi Checkout reachable; secret key accepted."

    def refund(self, refund: RefundRecord) -> str:
        answer = self.client.post(f"v1/payments/{refund.payment_id}/refunds", mapping.refund_body(refund))
        refund_id = answer.get("refundId") if isinstance(answer, dict) else None
        if not refund_id:
            raise AmbiguousError(_("Nexi answered the refund without its refundId."), hint=_("It is looked up first."))
        return str(refund_id)

    def find_refund(self, refund: RefundRecord, *, taken: set[str]) -> str | None:
        return mapping.matching_refund(self.client.get(f"v1/payments/{refund.payment_id}"), refund, taken=taken)
