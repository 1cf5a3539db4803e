"""Tryton products (template + product) as ERP items, and their stock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from connectors.exceptions import PermanentError
from connectors.records import (
    ItemRecord,
    StockRecord,
)

from . import mapping
from .base import TrytonBase, created_id

ITEM_FIELDS = [
    "code",
    "rec_name",
    "active",
    "write_date",
    "create_date",
    "cost_price",
    "template.name",
    "template.write_date",
    "template.list_price",
    "template.type",
]


class TrytonCatalogue(TrytonBase):
    """Items: a product code is the item number; one template per product (S1, S4)."""

    def _products(self, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
        codes = sorted(set(codes))
        if not codes:
            return {}
        rows = self.client.call(
            "product.product",
            "search_read",
            [("code", "in", codes)],
            0,
            None,
            None,
            ["code", "rec_name", "default_uom", "list_price", "active"],
        )
        return {r["code"]: r for r in rows}

    def find_item(self, number: str) -> ItemRecord | None:
        row = self._products([number]).get(number)
        return mapping.parse_item(row) if row else None

    def changed_items(self, since: dt.datetime | None) -> Iterator[ItemRecord]:
        """Products written since ``since``, deactivated ones included (Tryton's way of deleting
        a product that has moved; S5): their list price is the normal sale price (R7)."""
        domain: list[Any] = [("code", "!=", None)]
        if since is not None:
            # The price lives on the template: a product counts as changed when either changed.
            cut = since.astimezone(dt.UTC).replace(tzinfo=None)
            domain.append(["OR", ("write_date", ">=", cut), ("template.write_date", ">=", cut)])
        return (
            mapping.parse_item(row)
            for row in self._search_read_all("product.product", domain, ITEM_FIELDS, context={"active_test": False})
        )

    def create_item(self, item: ItemRecord) -> ItemRecord:
        """A product template with one product whose code is the item number (S4)."""
        values = mapping.template_values(item, uom=self._uom(), account_category=self._account_category())
        template_id = created_id(self.client.call("product.template", "create", [values], writes=True), "product")
        [row] = self.client.call(
            "product.product",
            "search_read",
            [("template", "=", template_id)],
            0,
            1,
            None,
            ITEM_FIELDS,
            context={"active_test": False},
        )
        if item.purchase_price is not None:
            self.client.call("product.product", "write", [row["id"]], {"cost_price": item.purchase_price})
        return mapping.parse_item(row)

    def update_item(self, internal_id: str, item: ItemRecord, *, fields: frozenset[str]) -> None:
        """Write the changed fields: code (a rename), name, list price and active on the template,
        cost price on the product. Writes set values, so they are safe to repeat."""
        [row] = self.client.call(
            "product.product", "read", [int(internal_id)], ["template"], context={"active_test": False}
        )
        template = mapping.template_update(item, fields)
        if template:
            self.client.call("product.template", "write", [row["template"]], template)
        if "purchase_price" in fields and item.purchase_price is not None:
            self.client.call("product.product", "write", [int(internal_id)], {"cost_price": item.purchase_price})
        if "active" in fields:
            self.client.call("product.product", "write", [int(internal_id)], {"active": item.active})

    def _uom(self) -> int:
        name = self.settings.parameters.get("uom", "Unit")
        found = self.client.call("product.uom", "search", [("name", "=", name)], 0, 1, None)
        if not found:
            raise PermanentError(
                f"Tryton has no unit of measure '{name}'.",
                hint=_("Set the connection parameter 'uom' to the name of a Tryton unit, e.g. Unit."),
            )
        return found[0]

    def _account_category(self) -> int:
        wanted = self.settings.parameters.get("account_category")
        if isinstance(wanted, int) or (isinstance(wanted, str) and wanted.isdigit()):
            return int(wanted)
        found = (
            self.client.call(
                "product.category", "search", [("name", "=", wanted), ("accounting", "=", True)], 0, 1, None
            )
            if wanted
            else []
        )
        if not found:
            raise PermanentError(
                _("Tryton needs an accounting product category for new products."),
                hint=_(
                    "Set the connection parameter 'account_category' to the name or id of a Tryton accounting "
                    "product category."
                ),
            )
        return found[0]

    def stock_changed(self, since: dt.datetime) -> set[str] | None:
        """The codes of the products of every stock move written since ``since`` (done, cancelled or
        not: any may change a quantity): two calls, whatever the catalogue's size."""
        moves = self.client.call(
            "stock.move", "search_read", [("write_date", ">=", since.replace(tzinfo=None))], 0, None, None, ["product"]
        )
        product_ids = sorted({m["product"] for m in moves if m.get("product")})
        if not product_ids:
            return set()
        return {r["code"] for r in self.client.call("product.product", "read", product_ids, ["code"]) if r.get("code")}

    def stock(self, warehouse: str, items: Sequence[str] = ()) -> Iterable[StockRecord]:
        """On-hand quantity per product in the warehouse (S10): one call for all items."""
        if not items:
            return []
        locations = self.client.call(
            "stock.location", "search", [("code", "=", warehouse or "WH"), ("type", "=", "warehouse")], 0, 1, None
        )
        if not locations:
            raise PermanentError(
                f"Tryton has no warehouse with code '{warehouse}'.",
                hint=_("Set the integration's warehouse to a Tryton warehouse code."),
            )
        rows = self.client.call(
            "product.product",
            "search_read",
            [("code", "in", sorted(set(items)))],
            0,
            None,
            None,
            ["code", "quantity"],
            context={"locations": locations, "stock_date_end": dt.date.today()},
        )
        return [StockRecord(sku=r["code"], quantity=Decimal(str(r["quantity"])), warehouse=warehouse) for r in rows]
