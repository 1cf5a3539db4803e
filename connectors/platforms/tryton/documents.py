"""Customer invoices and shipments made in Tryton, read back with the sales they came from (M2, M3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from connectors.records import (
    ErpInvoiceRecord,
    ErpShipmentRecord,
)

from . import mapping
from .base import TrytonBase


class TrytonDocuments(TrytonBase):
    """Posted invoices and done shipments, each with the sale reference (shop order) it belongs to."""

    def _sales_of(self, origins: list[str]) -> dict[str, str]:
        """sale reference -> sale number of the sale lines named in ``origins`` ("sale.line,<id>")."""
        sale_lines = [int(o.split(",")[1]) for o in origins if o.startswith("sale.line,")]
        return {
            line["sale."]["reference"] or "": line["sale."]["number"] or ""
            for line in self.client.call("sale.line", "read", sale_lines, ["sale.reference", "sale.number"])
        }

    def done_invoices(self, since: dt.datetime | None) -> Iterator[ErpInvoiceRecord]:
        """Customer invoices (``account.invoice`` of type out) posted or paid, with their lines' sales."""
        domain: list[Any] = [("type", "=", "out"), ("state", "in", ["posted", "paid"])]
        if since is not None:
            domain.append(("write_date", ">=", since.astimezone(dt.UTC).replace(tzinfo=None)))
        for row in self._search_read_all("account.invoice", domain, ["number", "state", "write_date", "lines"]):
            lines = self.client.call(
                "account.invoice.line", "read", row["lines"], ["product.code", "quantity", "origin"]
            )
            sales = self._sales_of([str(line.get("origin") or "") for line in lines])
            yield mapping.parse_invoice(row, lines, sales)

    def done_shipments(self, since: dt.datetime | None) -> Iterator[ErpShipmentRecord]:
        """Customer shipments in state ``done`` (``stock.shipment.out``), with the sale each move came from.

        The base stock module has no tracking-number field (``stock_package_shipping``
        adds package references, not installed here): the shipment's own
        ``reference`` is read as the tracking number, a documented free text field.
        """
        domain: list[Any] = [("state", "=", "done")]
        if since is not None:
            domain.append(("write_date", ">=", since.astimezone(dt.UTC).replace(tzinfo=None)))
        for row in self._search_read_all("stock.shipment.out", domain, ["number", "reference", "write_date", "moves"]):
            moves = self.client.call(
                "stock.move", "read", row["moves"], ["product.code", "quantity", "origin", "state"]
            )
            sale_lines = [
                int(m["origin"].split(",")[1]) for m in moves if str(m.get("origin") or "").startswith("sale.line,")
            ]
            sales = {
                line["sale."]["reference"] or "": line["sale."]["number"] or ""
                for line in self.client.call("sale.line", "read", sale_lines, ["sale.reference", "sale.number"])
            }
            yield mapping.parse_shipment(row, moves, sales)
