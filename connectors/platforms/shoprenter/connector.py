"""ShopRenter (Hungary) as a shop: orders in, statuses back, stock and prices out through ``/batch``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from connectors import parsing
from connectors.base import BatchOutcome, Capability, ConnectionSettings, ShopConnector
from connectors.exceptions import PermanentError, RetryableError, raise_first_refusal
from connectors.http import iter_pages
from connectors.records import BadRecord, OrderRecord, PriceRecord, ProductRecord, StockRecord

from . import mapping
from .client import ShopRenterClient

PAGE_LIMIT = 200  # the documented maximum per page
BATCH_LIMIT = 200  # the recommended maximum of sub-requests per /batch


class ShopRenterConnector(ShopConnector):
    """``base_url``: the shop's API2 root (https://<shop>.api2.myshoprenter.hu/api/). Parameters:
    ``token_url`` (https://oauth.app.shoprenter.net/<shop>/app/token), ``timezone`` (Europe/Budapest),
    ``stock_slots`` (portal warehouse code -> stock1..stock4; default: every warehouse -> stock1),
    ``sku_is_item_number``. Credentials: ``client_id``, ``client_secret``."""

    key = "shoprenter"
    label = "ShopRenter"
    capabilities = frozenset(
        {
            Capability.PULL_ORDERS,
            Capability.PULL_PRODUCTS,
            Capability.PUSH_ORDER_STATUS,
            Capability.PUSH_STOCK,
            Capability.PUSH_PRICES,
            Capability.BATCH_PUSH,
            Capability.WEBHOOKS,
        }
    )
    product_fields = frozenset({"number", "sku", "name", "price_excl_vat", "vat_rate", "weight", "active"})
    # 3 requests per second per application and shop (documented); enforced across workers.
    default_calls_per_second = 3

    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(settings)
        params = settings.parameters
        self.client = ShopRenterClient(
            settings.base_url,
            token_url=str(params.get("token_url", "")),
            client_id=str(settings.credentials.get("client_id", "")),
            client_secret=str(settings.credentials.get("client_secret", "")),
            limiter=settings.limiter,
            read_timeout=float(params.get("read_timeout", 30)),
        )
        self.zone = ZoneInfo(str(params.get("timezone", "Europe/Budapest")))
        self.stock_slots: dict[str, str] = dict(params.get("stock_slots") or {})
        self._sku_is_item_number = bool(params.get("sku_is_item_number", True))
        self._statuses: dict[str, str] | None = None

    @property
    def sku_is_item_number(self) -> bool:
        return self._sku_is_item_number

    def test(self) -> str:
        body = self.client.get("orderStatuses", {"page": 0, "limit": 1})
        return f"ShopRenter reachable; API client accepted ({body.get('pageCount', 0)} status pages)."

    # --- orders -----------------------------------------------------------------------

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a collection, 0-based pages of at most 200, expanded (``full=1``)."""

        def fetch(page: int) -> tuple[list[dict[str, Any]], bool]:
            body = self.client.get(path, {**params, "full": 1, "limit": PAGE_LIMIT, "page": page - 1})
            return body.get("items") or [], page < int(body.get("pageCount") or 0)

        return iter_pages(fetch)

    def statuses(self) -> dict[str, str]:
        """Order status resource id -> its name (the first description of each; the shop's own names)."""
        if self._statuses is None:
            names: dict[str, str] = {}
            for description in self._pages("orderStatusDescriptions", {}):
                status_id = mapping.id_of(description.get("orderStatus"))
                names.setdefault(status_id, str(description.get("name") or status_id))
            self._statuses = names
        return self._statuses

    def pull_orders(self, since: dt.datetime | None) -> Iterator[OrderRecord | BadRecord]:
        """Orders updated since ``since`` (``updatedAtMin``), abandoned carts left out."""
        params: dict[str, Any] = {"excludeAbandonedCart": 1}
        if since is not None:
            params["updatedAtMin"] = mapping.format_time(since, self.zone)
        statuses = self.statuses()
        return parsing.parse_each(
            self._pages("orderExtend", params),
            lambda raw: mapping.parse_order(
                raw, statuses=statuses, zone=self.zone, sku_is_item_number=self._sku_is_item_number
            ),
            ident=lambda raw: str(raw.get("id") or ""),
            label=lambda raw: f"order {raw.get('innerId') or '?'}",
            stamp=lambda raw: mapping.parse_time(raw.get("dateUpdated"), self.zone),
            hint=_("Correct the order in ShopRenter; it is imported again by the next sync."),
        )

    def pull_products(self, since: dt.datetime | None) -> Iterator[ProductRecord | BadRecord]:
        """Products updated since ``since`` (``productExtend?updatedAfter=``)."""
        params: dict[str, Any] = {}
        if since is not None:
            params["updatedAfter"] = mapping.format_time(since, self.zone)
        vat_rate = Decimal(str(self.settings.parameters.get("vat_rate", "27")))
        return parsing.parse_each(
            self._pages("productExtend", params),
            lambda raw: mapping.parse_product(
                raw, zone=self.zone, vat_rate=vat_rate, sku_is_item_number=self._sku_is_item_number
            ),
            ident=lambda raw: str(raw.get("id") or ""),
            label=lambda raw: f"product {raw.get('sku') or '?'}",
            stamp=lambda raw: mapping.parse_time(raw.get("dateUpdated"), self.zone),
            hint=_("Correct the product in ShopRenter; it is imported again by the next sync."),
        )

    def fetch_order(self, external_id: str) -> OrderRecord:
        raw = self.client.get(f"orderExtend/{external_id}")
        return mapping.parse_order(
            raw, statuses=self.statuses(), zone=self.zone, sku_is_item_number=self._sku_is_item_number
        )

    def _status_id(self, name: str) -> str:
        for status_id, status_name in self.statuses().items():
            if status_name == name or status_id == name:
                return status_id
        raise PermanentError(
            _("ShopRenter has no order status '%(status)s'.") % {"status": name},
            hint=_("Use one of the shop's status names in the integration's status map: %(names)s.")
            % {"names": ", ".join(sorted(self.statuses().values()))},
        )

    def push_order_status(self, external_id: str, *, status: str | None, comment: str) -> None:
        """``PUT /orders/{id}`` with the new ``orderStatus``. An order takes no free comment through the
        API (its history is read-only), so the ERP number is not written to ShopRenter."""
        if status:
            self.client.put(f"orders/{external_id}", {"orderStatus": {"id": self._status_id(status)}})

    def order_status_pushed(self, external_id: str, *, status: str | None, comment: str) -> bool:
        if not status:
            return True
        order = self.client.get(f"orders/{external_id}")
        return mapping.id_of(order.get("orderStatus")) == self._status_id(status)

    # --- stock and prices ----------------------------------------------------------------

    def _slot(self, warehouse: str) -> str:
        slot = self.stock_slots.get(warehouse, "stock1")
        if slot not in mapping.STOCK_SLOTS:
            raise PermanentError(
                _("'%(slot)s' is not a ShopRenter stock (stock1 to stock4).") % {"slot": slot},
                hint=_("Correct the connection's stock_slots."),
            )
        return slot

    def register_webhooks(self, *, url: str) -> list[str]:
        """``order_confirm`` and ``order_status_change`` sent to ``url`` as JSON, at once. A hook
        already sending an event there is kept (and enabled when it was switched off), so
        registering twice makes no second hook."""
        existing: dict[str, dict[str, Any]] = {}
        for hook in self._pages("webHooks", {}):
            if url in mapping.webhook_targets(hook):
                existing.setdefault(str(hook.get("event") or ""), hook)
        made: list[str] = []
        for event in mapping.WEBHOOK_EVENTS:
            found = existing.get(event)
            if found is None:
                # Not idempotent: an answer lost here can leave a second hook, whose deliveries the
                # intake recognises as repeats; the next registration sees one and makes none.
                self.client.post("webHooks", mapping.webhook_body(event=event, url=url))
                made.append(event)
            elif str(found.get("status")) != "1":
                self.client.put(f"webHooks/{found.get('id')}", {"status": "1"})
        return made

    def push_stock_and_prices(
        self, stock: Sequence[StockRecord] = (), prices: Sequence[PriceRecord] = ()
    ) -> BatchOutcome:
        """Set stock and net prices in ``/batch`` calls of at most 200 sub-requests, one per SKU (its
        stock and price together, so both learn its status). A failure of the batch call itself
        raises."""
        per_sku: dict[str, dict[str, Any]] = {}
        for record in stock:
            per_sku.setdefault(record.sku, {}).setdefault("stock", {})[self._slot(record.warehouse)] = record.quantity
        for price in prices:
            per_sku.setdefault(price.sku, {})["price"] = price.price_excl_vat
        skus = list(per_sku)
        outcome: BatchOutcome = {}
        for start in range(0, len(skus), BATCH_LIMIT):
            chunk = skus[start : start + BATCH_LIMIT]
            requests_ = [
                mapping.stock_and_price_request(self.client.base_url, sku=sku, **per_sku[sku]) for sku in chunk
            ]
            results = self.client.batch(requests_)
            if len(results) != len(chunk):
                raise RetryableError(
                    _("ShopRenter's batch answer has %(got)d results for %(sent)d requests.")
                    % {"got": len(results), "sent": len(chunk)}
                )
            for sku, result in zip(chunk, results, strict=True):
                status, message = mapping.sub_status(result)
                result = (status, "" if 200 <= status < 300 else (message or f"HTTP {status}"))
                outcome.update({("stock", sku): result, ("price", sku): result})
        return outcome

    def push_stock(self, items: Sequence[StockRecord]) -> None:
        raise_first_refusal(self.push_stock_and_prices(stock=items), platform=self.label)

    def push_prices(self, items: Sequence[PriceRecord]) -> None:
        raise_first_refusal(self.push_stock_and_prices(prices=items), platform=self.label)
