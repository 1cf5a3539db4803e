"""The portal as its own back office: the "ERP" of a shop that has none outside the portal.

Seed 003's back office (Okos-Ügyvitel) has no public API; what it does for a
ShopRenter shop is done here by the portal itself: the shop's orders become the
portal's order documents (invoiced and shipped from the Orders page, in groups,
with PDFs by e-mail), the portal's customer register and catalogue are the
ERP's, and the stock kept in the portal's warehouses is pushed to the shop at
every change (``connectors.flows.backoffice``).

Unlike every other platform this connector makes no HTTP call, so it has no
client, mapping or emulator: it reads the portal's own tables, restricted to the
shops paired with this connection. Every answer is derived from rows that
already exist, so asking twice gives the same number: nothing can be made twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db.models import Q
from django.utils.translation import gettext as _

from connectors.base import Capability, ConnectionSettings, ErpConnector
from connectors.exceptions import PermanentError
from connectors.records import (
    CustomerRecord,
    ErpCustomerRecord,
    ErpOrderStatusRecord,
    ItemRecord,
    SalesOrderRecord,
    StockRecord,
)

CUSTOMER_PREFIX = "K"  # the portal's customer numbers: K + the customer's own id
ORDER_PREFIX = "SO-"  # the order documents' numbers when the shop has no series of its own


class PortalBackOffice(ErpConnector):
    """No parameters or credentials: pair a shop with it to let the portal be its back office."""

    key = "portal"
    label = "Portal back office (no external ERP)"
    capabilities = frozenset({Capability.CUSTOMERS, Capability.ITEMS, Capability.SALES_ORDERS,
                              Capability.ORDER_STATUSES})  # fmt: skip

    code_maps = frozenset()  # the order documents keep the shop's own methods and VAT rates

    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(settings)
        self.connection_id = settings.connection_id

    def test(self) -> str:
        return _("The portal keeps this back office itself: nothing to reach.")

    def _served(self) -> Q:
        """Rows of the shops paired with this back office."""
        return Q(shop__integration__erp_id=self.connection_id)

    # --- customers: the portal's own register ---------------------------------------------

    def _customers(self):
        from customers.models import Customer

        return Customer.objects.filter(self._served())

    @staticmethod
    def _record(customer) -> ErpCustomerRecord:
        return ErpCustomerRecord(
            number=f"{CUSTOMER_PREFIX}{customer.pk}", name=customer.display_name, email=customer.email,
            org_no=customer.org_no,
        )  # fmt: skip

    def find_customer(self, number: str) -> ErpCustomerRecord | None:
        if not number.startswith(CUSTOMER_PREFIX) or not number[len(CUSTOMER_PREFIX) :].isdigit():
            return None
        customer = self._customers().filter(pk=int(number[len(CUSTOMER_PREFIX) :])).first()
        return self._record(customer) if customer else None

    def search_customers(self, *, email: str, name: str, org_no: str) -> list[ErpCustomerRecord]:
        """The register's customers with this e-mail or org. no.; of the same person mirrored from
        several shops, the first kept (so that one buyer is one customer number)."""
        match = Q(email__iexact=email) if email else Q(pk__in=[])
        if org_no:
            match |= Q(org_no=org_no)
        found: dict[tuple[str, str], ErpCustomerRecord] = {}
        for customer in self._customers().filter(match).order_by("pk"):
            record = self._record(customer)
            found.setdefault((record.email.casefold(), " ".join(record.name.casefold().split())), record)
        return list(found.values())

    def create_customer(self, customer: CustomerRecord) -> str:
        """The number of the register's own card for this buyer: made when the order was mirrored."""
        from connectors.bindings import ct
        from connectors.models import ExternalRef
        from customers.models import Customer

        cards = self._customers()
        card = None
        if customer.external_id:
            ids = ExternalRef.objects.filter(
                connection__integration__erp_id=self.connection_id, content_type=ct(Customer),
                external_id=customer.external_id,
            ).values("object_id")  # fmt: skip
            card = cards.filter(pk__in=ids).order_by("pk").first()
        if card is None and customer.email:
            card = (
                cards.filter(email__iexact=customer.email, first_name=customer.first_name, last_name=customer.last_name)
                .order_by("pk")
                .first()
            )
        if card is None:
            raise PermanentError(
                _("The portal has no customer card for %(name)s.") % {"name": customer.email or customer.last_name},
                hint=_("Pull the shop's orders again; the card is made when the order is mirrored."),
            )
        return f"{CUSTOMER_PREFIX}{card.pk}"

    def update_customer(self, number: str, customer: CustomerRecord) -> None:
        return None  # the card is the portal's own: already up to date

    # --- items: the portal's catalogue ----------------------------------------------------

    def find_item(self, number: str) -> ItemRecord | None:
        from inventory.models import Product

        product = Product.objects.filter(self._served(), Q(sku=number) | Q(reference=number)).order_by("pk").first()
        if product is None:
            return None
        return ItemRecord(
            number=number, description=product.name, price_excl_vat=product.price_excl_vat,
            internal_id=str(product.pk), active=product.status == "active",
        )  # fmt: skip

    # --- orders: the portal's order documents ---------------------------------------------

    def create_sales_order(self, order: SalesOrderRecord) -> str:
        """The order document's number: the shop's series (or SO-) and the shop's order number,
        so each shop has its own numbering and the same order always has the same number."""
        return f"{order.numbering_series or ORDER_PREFIX}{order.external_order_no}"

    def find_sales_order(self, external_order_no: str, *, since: dt.datetime | None = None) -> str | None:
        from orders.models import Order

        order = Order.objects.filter(self._served(), number=external_order_no).select_related(
            "shop__integration"
        ).first()  # fmt: skip
        if order is None:
            return None
        return order.erp_order_no or f"{order.shop.integration.numbering_series or ORDER_PREFIX}{order.number}"

    def order_statuses(self, since: dt.datetime | None) -> Iterable[ErpOrderStatusRecord]:
        """The orders' processing states (processing, complete, canceled, closed) as changed in
        the portal: the integration's status map turns them into the shop's statuses."""
        from orders.models import Order

        orders = Order.objects.filter(self._served()).exclude(erp_order_no="")
        if since is not None:
            orders = orders.filter(updated_at__gte=since)
        for order in orders.order_by("updated_at", "pk").iterator():
            yield ErpOrderStatusRecord(
                number=order.erp_order_no, external_order_no=order.number, status=order.state,
                updated_at=order.updated_at,
            )  # fmt: skip

    def stock(self, warehouse: str, items: Sequence[str] = ()) -> Iterable[StockRecord]:
        """Not read by a cycle: the stock lives in the portal and is pushed when it changes."""
        return ()
