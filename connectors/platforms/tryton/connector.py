"""Tryton ERP connector over JSON-RPC (tested against a real Tryton 8.2 server)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from connectors.base import Capability, ConnectionSettings
from connectors.exceptions import AmbiguousError, PermanentError
from connectors.records import (
    AddressRecord,
    CustomerRecord,
    ErpCustomerRecord,
    ErpOrderStatusRecord,
    SalesOrderRecord,
    s7_note,
)

from . import mapping
from .base import created_id
from .catalogue import TrytonCatalogue
from .client import TrytonClient
from .documents import TrytonDocuments

SALE_FIELDS = ["number", "reference", "state", "invoice_state", "shipment_state", "write_date", "create_date"]


class TrytonConnector(TrytonCatalogue, TrytonDocuments):
    """Tryton: parties are customers (number = party code), products by code, sales by reference.

    Parameters: ``workflow`` ("confirm" default, "quote", "draft"), ``payment_term``
    (id), ``read_timeout``. Credentials: ``login``, ``password``. The shop order
    number is the sale's ``reference``: a repeated create is always preceded by a search.
    """

    key = "tryton"
    label = "Tryton"
    capabilities = frozenset(
        {
            Capability.CUSTOMERS,
            Capability.ITEMS,
            Capability.SALES_ORDERS,
            Capability.ORDER_STATUSES,
            Capability.SHIPMENTS,
            Capability.INVOICES,
            Capability.STOCK,
            Capability.CHANGED_ITEMS,
            Capability.UPDATE_CUSTOMERS,
            Capability.CREATE_ITEMS,
            Capability.UPDATE_ITEMS,
        }
    )
    product_fields = frozenset({"number", "name", "price_excl_vat", "purchase_price", "active"})

    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(settings)
        creds = settings.credentials
        self.client = TrytonClient(
            settings.base_url,
            login=str(creds.get("login", "")),
            password=str(creds.get("password", "")),
            limiter=settings.limiter,
            read_timeout=float(settings.parameters.get("read_timeout", 60)),
        )
        self.workflow = settings.parameters.get("workflow", "confirm")
        self.payment_term = settings.parameters.get("payment_term")
        self._taxes: dict[str, int] | None = None
        self._currencies: dict[str, int] = {}

    def test(self) -> str:
        self.client.connect()
        return f"Tryton reachable; logged in (company {self.client.context.get('company')})."

    # --- customers ------------------------------------------------------------------

    def _emails(self, party_ids: list[int]) -> dict[int, str]:
        rows = self.client.call(
            "party.contact_mechanism",
            "search_read",
            [("party", "in", party_ids), ("type", "=", "email")],
            0,
            None,
            None,
            ["party", "value"],
        )
        return {r["party"]: r["value"] for r in rows}

    def find_customer(self, number: str) -> ErpCustomerRecord | None:
        rows = self.client.call("party.party", "search_read", [("code", "=", number)], 0, 1, None, ["code", "name"])
        return mapping.parse_party(rows[0], self._emails([rows[0]["id"]])) if rows else None

    def search_customers(self, *, email: str, name: str, org_no: str) -> list[ErpCustomerRecord]:
        ids: set[int] = set()
        if email:
            rows = self.client.call(
                "party.contact_mechanism",
                "search_read",
                [("type", "=", "email"), ("value", "ilike", email)],
                0,
                None,
                None,
                ["party"],
            )
            ids.update(r["party"] for r in rows)
        if name:
            ids.update(self.client.call("party.party", "search", [("name", "=", name)], 0, None, None))
        if org_no:
            rows = self.client.call(
                "party.identifier", "search_read", [("code", "=", org_no)], 0, None, None, ["party"]
            )
            ids.update(r["party"] for r in rows)
        if not ids:
            return []
        parties = self.client.call("party.party", "read", sorted(ids), ["code", "name"])
        emails = self._emails(sorted(ids))
        return [mapping.parse_party(p, emails) for p in parties]

    def update_customer(self, number: str, customer: CustomerRecord) -> None:
        """Write the shop's card over the party (S3 force update): name, first address, e-mail,
        phones. Each write is idempotent (setting values), so it is retried like a read."""
        party = self._party(number)
        values = mapping.party_values(customer)
        self.client.call("party.party", "write", [party["id"]], {"name": values["name"]})
        address = customer.billing
        if address is not None and address.street and party["addresses"]:
            self.client.call(
                "party.address",
                "write",
                [party["addresses"][0]],
                {"street": address.street, "postal_code": address.postcode, "city": address.city},
            )
        for kind, value in mapping.contact_values(customer):
            found = self.client.call(
                "party.contact_mechanism", "search", [("party", "=", party["id"]), ("type", "=", kind)], 0, 1, None
            )
            if found:
                self.client.call("party.contact_mechanism", "write", found, {"value": value})
            else:
                # A lost answer here is harmless: the next attempt searches before creating.
                self.client.call(
                    "party.contact_mechanism",
                    "create",
                    [{"party": party["id"], "type": kind, "value": value}],
                    writes=True,
                )

    def create_customer(self, customer: CustomerRecord) -> str:
        party_id = created_id(
            self.client.call("party.party", "create", [mapping.party_values(customer)], writes=True), "party"
        )
        [row] = self.client.call("party.party", "read", [party_id], ["code"])
        return row["code"] or str(party_id)

    # --- items and stock ---------------------------------------------------------------

    # --- sales -----------------------------------------------------------------------------

    def _currency(self, code: str) -> int:
        """The id of the currency with this ISO code (the sale's currency, S7)."""
        if code not in self._currencies:
            found = self.client.call("currency.currency", "search", [("code", "=", code)], 0, 1, None)
            if not found:
                raise PermanentError(
                    f"Currency '{code}' not found in Tryton.",
                    code="currency_not_found",
                    subject=code,
                    hint=_("Activate the currency %(code)s in Tryton (Currency › Currencies), then resend.")
                    % {"code": code},
                )
            self._currencies[code] = found[0]
        return self._currencies[code]

    def _taxes_by_name(self) -> dict[str, int]:
        if self._taxes is None:
            rows = self.client.call("account.tax", "search_read", [("parent", "=", None)], 0, None, None, ["name"])
            self._taxes = {r["name"]: r["id"] for r in rows}
        return self._taxes

    def _party(self, number: str) -> dict[str, Any]:
        rows = self.client.call(
            "party.party", "search_read", [("code", "=", number)], 0, 1, None, ["addresses", "name"]
        )
        if not rows:
            raise PermanentError(
                _("Customer '%(number)s' not found in Tryton.") % {"number": number},
                code="customer_not_found",
                subject=number,
            )
        return rows[0]

    def _address(self, party: dict[str, Any], address: AddressRecord | None) -> int:
        """The party's address matching the order's, created when missing (one-time buyers, V3)."""
        if address is not None and address.street:
            found = self.client.call(
                "party.address",
                "search",
                [
                    ("party", "=", party["id"]),
                    ("street", "=", address.street),
                    ("postal_code", "=", address.postcode),
                    ("city", "=", address.city),
                ],
                0,
                1,
                None,
            )
            if found:
                return found[0]
            party_name = " ".join(p for p in (address.first_name, address.last_name) if p)
            values = {
                "party": party["id"],
                "party_name": party_name or None,
                "street": address.street,
                "postal_code": address.postcode,
                "city": address.city,
            }
            return created_id(self.client.call("party.address", "create", [values], writes=True), "address")
        if not party["addresses"]:
            created = self.client.call("party.address", "create", [{"party": party["id"]}], writes=True)
            return created_id(created, "address")
        return party["addresses"][0]

    def create_sales_order(self, order: SalesOrderRecord) -> str:
        party = self._party(order.customer_no)
        products = self._products(line.item_no for line in order.lines)
        taxes = self._taxes_by_name()
        lines = []
        for line in order.lines:
            product = products.get(line.item_no)
            if product is None:
                raise PermanentError(
                    f"Product with code '{line.item_no}' not found in Tryton.",
                    code="item_not_found",
                    subject=line.item_no,
                )
            if line.vat_code and line.vat_code not in taxes:
                raise PermanentError(
                    f"Tax '{line.vat_code}' not found in Tryton.",
                    code="tax_not_found",
                    subject=line.vat_code,
                    hint=_("Map the VAT rate to the name of an existing Tryton tax in the VAT map."),
                )
            lines.append(
                {
                    "type": "line",
                    "product": product["id"],
                    "quantity": float(line.quantity),
                    "unit": product["default_uom"],
                    "unit_price": mapping.line_unit_price(line),
                    "description": mapping.line_description(line),
                    "taxes": [["add", [taxes[line.vat_code]]]] if line.vat_code else [],
                }
            )
        address = self._address(party, order.delivery)
        values: dict[str, Any] = {
            "party": party["id"],
            "currency": self._currency(order.currency),
            "invoice_address": self._address(party, order.billing) if order.billing else address,
            "shipment_address": address,
            "reference": order.external_order_no,
            "description": order.public_comment[:250],
            # Tryton's base sale has no place for most S7 fields: one "Label: value" line each.
            "comment": s7_note(order, mapped=mapping.SALE_FIELDS),
            "sale_date": order.order_date,
            "lines": [["create", lines]],
        }
        if self.payment_term:
            values["payment_term"] = int(self.payment_term)
        sale_id = created_id(self.client.call("sale.sale", "create", [values], writes=True), "sale")
        return self._advance(sale_id)

    def _advance(self, sale_id: int) -> str:
        """Quote and confirm per the connection's workflow; return the sale number.

        A sale that exists but did not finish its workflow is finished here, so a
        retry after a lost answer never leaves a draft behind nor creates a second.
        """
        try:
            [sale] = self.client.call("sale.sale", "read", [sale_id], ["number", "state"])
            if self.workflow in ("quote", "confirm") and sale["state"] == "draft":
                self.client.call("sale.sale", "quote", [sale_id], writes=True)
            if self.workflow == "confirm" and sale["state"] in ("draft", "quotation"):
                self.client.call("sale.sale", "confirm", [sale_id], writes=True)
            [sale] = self.client.call("sale.sale", "read", [sale_id], ["number", "state"])
        except PermanentError:
            raise
        except Exception as exc:
            raise AmbiguousError(
                f"Tryton sale {sale_id} was created but its workflow did not finish: {exc}",
                hint=_("It is looked up and finished on the next attempt."),
            ) from exc
        return sale["number"] or f"#{sale_id}"

    def find_sales_order(self, external_order_no: str, *, since: dt.datetime | None = None) -> str | None:
        """Search by reference (the shop order number): Tryton can filter on it."""
        ids = self.client.call("sale.sale", "search", [("reference", "=", external_order_no)], 0, 1, None)
        return self._advance(ids[0]) if ids else None

    def order_statuses(self, since: dt.datetime | None) -> Iterator[ErpOrderStatusRecord]:
        domain: list[Any] = [("state", "!=", "draft")]
        if since is not None:
            domain.append(("write_date", ">=", since.astimezone(dt.UTC).replace(tzinfo=None)))
        return (mapping.parse_sale(row) for row in self._search_read_all("sale.sale", domain, SALE_FIELDS))
