"""Visma.net ERP connector (seed 000): sales orders, customers, items, stock, statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import quote

import requests
from django.utils.translation import gettext as _

from connectors.base import Capability, ConnectionSettings, ErpConnector
from connectors.exceptions import AmbiguousError, NotFoundError, PermanentError, RetryableError
from connectors.http import iter_pages
from connectors.records import (
    CustomerRecord,
    ErpCustomerRecord,
    ErpOrderStatusRecord,
    ItemRecord,
    SalesOrderRecord,
    StockRecord,
)

from . import mapping
from .client import DEFAULT_TOKEN_URL, VismaClient

PAGE_SIZE = 100
# Above this many items a stock read pages through the inventory list with its warehouse details
# (a page of up to 100 items a call) instead of one inventorysummary call per item.
LIST_READ_OVER = 20
# How far before the first attempt an unknown-outcome lookup starts reading.
LOOKUP_MARGIN = dt.timedelta(minutes=15)


class VismaNetConnector(ErpConnector):
    """Visma.net ERP over the v1 REST API.

    Parameters: ``token_url`` (default Visma Connect), ``order_type`` is the
    integration's numbering series, ``use_inventory_id`` (older contract),
    ``read_timeout``. Credentials: ``client_id``, ``client_secret``, ``tenant_id``.
    """

    key = "visma_net"
    label = "Visma.net ERP"
    capabilities = frozenset(
        {
            Capability.CUSTOMERS,
            Capability.ITEMS,
            Capability.SALES_ORDERS,
            Capability.ORDER_STATUSES,
            Capability.STOCK,
            Capability.CHANGED_ITEMS,
            Capability.UPDATE_CUSTOMERS,
            Capability.ONE_TIME_CUSTOMERS,
            Capability.CREATE_ITEMS,
            Capability.UPDATE_ITEMS,
        }
    )
    product_fields = frozenset({"number", "name", "price_excl_vat", "vat_rate", "ean", "weight", "notes", "active"})

    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(settings)
        creds = settings.credentials
        self.client = VismaClient(
            settings.base_url,
            token_url=settings.parameters.get("token_url") or DEFAULT_TOKEN_URL,
            client_id=str(creds.get("client_id", "")),
            client_secret=str(creds.get("client_secret", "")),
            tenant_id=str(creds.get("tenant_id", "")),
            limiter=settings.limiter,
            read_timeout=float(settings.parameters.get("read_timeout", 30)),
        )
        self.use_inventory_id = bool(settings.parameters.get("use_inventory_id", False))
        # The items the last stock_changed read, with their warehouse details (a connector lives
        # for one run, so these are never older than that run).
        self._read_stock: dict[str, dict[str, Any]] = {}

    def test(self) -> str:
        """Fetch a fresh token (never a cached one) and read one customer page."""
        self.client.token(renew=True)
        rows = self.client.get("customer", {"pageNumber": 1, "pageSize": 1})
        return f"Visma.net reachable; token accepted ({len(rows)} customer(s) on the first page)."

    # --- customers ------------------------------------------------------------

    def find_customer(self, number: str) -> ErpCustomerRecord | None:
        try:
            return mapping.parse_customer(self.client.get(f"customer/{number}"))
        except NotFoundError:
            return None

    def search_customers(self, *, email: str, name: str, org_no: str) -> list[ErpCustomerRecord]:
        """Customers with the same e-mail, the same corporate id or the same name (one call per filter)."""
        found: dict[str, ErpCustomerRecord] = {}
        for key, value in (("email", email), ("corporateId", org_no), ("name", name)):
            if not value:
                continue
            for dto in self._pages("customer", {key: value}):
                record = mapping.parse_customer(dto)
                found.setdefault(record.number, record)
        return list(found.values())

    def create_customer(self, customer: CustomerRecord) -> str:
        """POST /v1/customer; a one-time buyer gets Visma's status "One time" (C3)."""
        response = self.client.post("customer", mapping.customer_payload(customer))
        return self._number_from(response, "customer")

    def update_customer(self, number: str, customer: CustomerRecord) -> None:
        """PUT /v1/customer/{customerCd} with the shop's card (S3 force update); 204 on success."""
        self.client.put(f"customer/{quote(number, safe='')}", mapping.customer_payload(customer, update=True))

    # --- items and stock -----------------------------------------------------------

    def find_item(self, number: str) -> ItemRecord | None:
        try:
            return mapping.parse_item(self.client.get(f"inventory/{quote(number, safe='')}"))
        except NotFoundError:
            return None

    def create_item(self, item: ItemRecord) -> ItemRecord:
        """POST /v1/inventory (201 + Location naming the item), then read it for its internal id."""
        payload = mapping.item_payload(
            item,
            unit=self.settings.parameters.get("unit", ""),
            item_class=self.settings.parameters.get("item_class", ""),
        )
        number = self._number_from(self.client.post("inventory", payload), "inventory")
        created = self.find_item(number)
        if created is None:
            raise AmbiguousError(
                f"Visma.net created item {number} but does not find it.",
                hint=_("It is looked up before any new attempt."),
            )
        return created

    def update_item(self, internal_id: str, item: ItemRecord, *, fields: frozenset[str]) -> None:
        """Rename through ``POST /v1/inventory/action/changeInventoryNbr/{internalId}`` (S1), then
        ``PUT /v1/inventory/internal/{internalId}`` with the other changed fields."""
        if "number" in fields:
            answer = self.client.post(
                f"inventory/action/changeInventoryNbr/{internal_id}", {"inventoryNbr": item.number}
            )
            result = answer.json() if answer.content else {}
            if isinstance(result, dict) and result.get("errorInfo"):
                raise PermanentError(
                    _("Visma.net did not rename item %(item)s: %(error)s")
                    % {"item": internal_id, "error": result["errorInfo"]}
                )
        rest = fields - {"number"}
        if rest:
            self.client.put(f"inventory/internal/{internal_id}", mapping.item_payload(item, fields=rest))

    def changed_items(self, since: dt.datetime | None) -> Iterator[ItemRecord]:
        """Items changed since ``since`` by ``lastModifiedDateTime``: renamed, retired (status) included."""
        params = self._since(since)
        for dto in self._pages("inventory", params):
            yield mapping.parse_item(dto)

    def stock_changed(self, since: dt.datetime) -> set[str] | None:
        """The items whose availability changed since ``since`` (the engine's cursor, already less
        its buffer): the inventory list filtered on ``availabilityLastModifiedDateTime``, read with
        its warehouse details, so the quantities come with it and ``stock`` answers those items
        without another call. A page of up to 100 items a call, whatever the catalogue's size."""
        params = {
            "availabilityLastModifiedDateTime": mapping.format_datetime(since),
            "availabilityLastModifiedDateTimeCondition": ">=",
            "expandWarehouseDetail": "true",
        }
        self._read_stock = {}
        for dto in self._pages("inventory", params):
            if dto.get("inventoryNumber"):
                self._read_stock[str(dto["inventoryNumber"])] = dto
        return set(self._read_stock)

    def stock(self, warehouse: str, items: Sequence[str] = ()) -> Iterator[StockRecord]:
        """Available quantity per item in ``warehouse`` (S10), yielded as it arrives: the items
        ``stock_changed`` just read come from that answer; of the rest, a few are read one
        inventorysummary call each, many (a reconcile) by paging through the inventory list with
        its warehouse details."""
        rest: list[str] = []
        for number in items:
            if number in self._read_stock:
                record = mapping.parse_warehouse_stock(self._read_stock[number], warehouse=warehouse)
                if record is not None:
                    yield record
            else:
                rest.append(number)
        if len(rest) > LIST_READ_OVER:
            wanted = set(rest)
            for dto in self._pages("inventory", {"expandWarehouseDetail": "true"}):
                if dto.get("inventoryNumber") in wanted:
                    record = mapping.parse_warehouse_stock(dto, warehouse=warehouse)
                    if record is not None:
                        yield record
            return
        for number in rest:
            params = {"warehouse": warehouse} if warehouse else None
            try:
                rows = self.client.get(f"inventorysummary/{quote(number, safe='')}", params)
            except NotFoundError:
                continue  # a shop product the ERP does not stock (a configurable parent, say)
            if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
                raise RetryableError(
                    f"Visma.net answered the stock of {number} with something that is not a list: {str(rows)[:200]}",
                    hint=_("Temporary or a proxy in the way; read again by the next cycle."),
                )
            yield from mapping.parse_stock(rows, warehouse=warehouse)

    # --- sales orders ----------------------------------------------------------------

    def create_sales_order(self, order: SalesOrderRecord) -> str:
        response = self.client.post(
            "salesorder", mapping.sales_order_payload(order, use_inventory_id=self.use_inventory_id)
        )
        return self._number_from(response, "salesorder")

    def find_sales_order(self, external_order_no: str, *, since: dt.datetime | None = None) -> str | None:
        """Visma has no filter on customerRefNo: read the orders modified since shortly
        before the first attempt, every page, and match on our side."""
        params = self._since(since - LOOKUP_MARGIN if since else None)
        for dto in self._pages("salesorder", params):
            if dto.get("customerRefNo") == external_order_no:
                return str(dto.get("orderNo"))
        return None

    def order_statuses(self, since: dt.datetime | None) -> Iterator[ErpOrderStatusRecord]:
        for dto in self._pages("salesorder", self._since(since)):
            yield mapping.parse_order_status(dto)

    # --- helpers -------------------------------------------------------------------------

    def _since(self, since: dt.datetime | None) -> dict[str, Any]:
        if since is None:
            return {}
        return {"lastModifiedDateTime": mapping.format_datetime(since), "lastModifiedDateTimeCondition": ">="}

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        def fetch(page: int) -> tuple[list[dict[str, Any]], bool]:
            rows = self.client.get(path, {**params, "pageNumber": page, "pageSize": PAGE_SIZE})
            if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
                # Never read as "nothing found": a lookup that gets this must not allow a create.
                raise RetryableError(
                    f"Visma.net answered the {path} list with something that is not a list of records: "
                    f"{str(rows)[:200]}",
                    hint=_("Temporary or a proxy in the way; retried automatically."),
                )
            # A too-large pageSize is capped silently at maxPageSize: a short page is the last.
            size = PAGE_SIZE
            if rows and isinstance(rows[0].get("metadata"), dict):
                size = min(PAGE_SIZE, int(rows[0]["metadata"].get("maxPageSize") or PAGE_SIZE))
            return rows, len(rows) >= size

        return iter_pages(fetch)

    def _number_from(self, response: requests.Response, resource: str) -> str:
        """The created document's number, only from the documented success answer:
        201 Created with a Location naming it. Anything else may or may not have
        created it, so the engine looks it up instead of trusting or repeating it."""
        location = response.headers.get("Location")
        number = mapping.number_from_location(location, resource) if response.status_code == 201 else ""
        if not number:
            raise AmbiguousError(
                f"Visma.net answered {response.status_code} with Location {location or '(none)'} to a new "
                f"{resource}, not 201 Created naming the new {resource}: "
                f"{response.text[:300] or '(empty body)'}",
                hint=_("Whether it was created is unknown; it is looked up before any new attempt."),
                http_status=response.status_code,
                response_excerpt=response.text[:2000],
            )
        return number
