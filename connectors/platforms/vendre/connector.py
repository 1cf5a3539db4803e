"""Vendre (Sweden) as a shop (seed 001): orders, customers and products in; the ERP's stock,
prices, products, statuses and order numbers out.

Built to what is public of Vendre's API; every assumed shape is in ``mapping``'s one block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.utils.translation import gettext as _

from connectors import parsing
from connectors.base import Capability, ConnectionSettings, ShopConnector
from connectors.exceptions import AmbiguousError, NotFoundError
from connectors.records import BadRecord, CustomerRecord, OrderRecord, PriceRecord, ProductRecord, StockRecord

from . import mapping
from .client import VendreClient


class VendreConnector(ShopConnector):
    """``base_url``: the shop's address. Parameters: ``tax_classes`` (Vendre VAT class id -> VAT %,
    default Swedish 25/12/6/0), ``sku_is_item_number`` (default true: the SKU is the ERP's article
    number), ``read_timeout``. Credentials: ``api_key`` (from Vendre)."""

    key = "vendre"
    label = "Vendre"
    capabilities = frozenset(
        {
            Capability.PULL_ORDERS,
            Capability.PULL_CUSTOMERS,
            Capability.PULL_PRODUCTS,
            Capability.PUSH_ORDER_STATUS,
            Capability.PUSH_STOCK,
            Capability.PUSH_PRICES,
            Capability.CREATE_PRODUCTS,
            Capability.UPDATE_PRODUCTS,
        }
    )
    product_fields = frozenset(
        {
            "number",
            "sku",
            "name",
            "price_excl_vat",
            "vat_rate",
            "ean",
            "weight",
            "purchase_price",
            "manufacturer_article_no",
            "notes",
            "reorder_point",
            "active",
        }
    )

    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(settings)
        params = settings.parameters
        self.client = VendreClient(
            settings.base_url,
            api_key=str(settings.credentials.get("api_key", "")),
            limiter=settings.limiter,
            read_timeout=float(params.get("read_timeout", 30)),
        )
        classes = params.get("tax_classes") or mapping.TAX_CLASSES
        self.tax_classes: dict[str, str] = {str(k): str(v) for k, v in classes.items()}
        self._sku_is_item_number = bool(params.get("sku_is_item_number", True))

    @property
    def sku_is_item_number(self) -> bool:
        return self._sku_is_item_number

    def test(self) -> str:
        body = self.client.get(mapping.PRODUCTS, {mapping.PAGE_SIZE_PARAM: 1, mapping.OFFSET_PARAM: 0})
        return _("Vendre reachable; API key accepted (%(n)s products).") % {
            "n": len(body.get(mapping.LIST_KEY) or []) + int(body.get(mapping.REMAINING_KEY) or 0)
        }

    # --- reading ------------------------------------------------------------------------------

    def _changed(self, resource: str, since: dt.datetime | None) -> Iterator[dict[str, Any]]:
        """Items updated at or after ``since``: asked of Vendre and checked on our side, so a list
        that ignores the filter costs time but never an old record taken for new."""
        params = {mapping.UPDATED_SINCE_PARAM: mapping.format_time(since)} if since else {}
        for raw in self.client.pages(resource, params):
            stamp = _stamp(raw)
            if since is not None and stamp is not None and stamp < since:
                continue
            yield raw

    def pull_orders(self, since: dt.datetime | None) -> Iterator[OrderRecord | BadRecord]:
        return parsing.parse_each(
            self._changed(mapping.ORDERS, since),
            lambda raw: mapping.parse_order(raw, sku_is_item_number=self._sku_is_item_number),
            ident=lambda raw: str(raw.get("id") or ""),
            label=lambda raw: f"order {raw.get(mapping.ORDER_NUMBER_FIELD) or raw.get('id') or '?'}",
            stamp=_stamp,
            hint=_("Correct the order in Vendre; it is imported again by the next sync."),
        )

    def fetch_order(self, external_id: str) -> OrderRecord:
        body = self.client.get(f"{mapping.ORDERS}/{external_id}")
        if isinstance(body, dict) and isinstance(body.get(mapping.LIST_KEY), list) and body[mapping.LIST_KEY]:
            body = body[mapping.LIST_KEY][0]
        return mapping.parse_order(body, sku_is_item_number=self._sku_is_item_number)

    def pull_customers(self, since: dt.datetime | None) -> Iterator[CustomerRecord | BadRecord]:
        return parsing.parse_each(
            self._changed(mapping.CUSTOMERS, since),
            mapping.parse_customer,
            ident=lambda raw: str(raw.get("id") or ""),
            label=lambda raw: f"customer {raw.get('email') or raw.get('email_address') or raw.get('id') or '?'}",
            stamp=_stamp,
            hint=_("Correct the customer in Vendre; it is imported again by the next sync."),
        )

    def pull_products(self, since: dt.datetime | None) -> Iterator[ProductRecord | BadRecord]:
        return parsing.parse_each(
            self._changed(mapping.PRODUCTS, since),
            self._product,
            ident=lambda raw: str(raw.get("id") or ""),
            label=lambda raw: f"product {raw.get('sku') or '?'}",
            stamp=_stamp,
            hint=_("Correct the product in Vendre; it is imported again by the next sync."),
        )

    def _product(self, raw: dict[str, Any]) -> ProductRecord:
        return mapping.parse_product(raw, tax_classes=self.tax_classes, sku_is_item_number=self._sku_is_item_number)

    # --- products (S5, S2) -----------------------------------------------------------------------------

    def _raw_product(self, sku: str) -> dict[str, Any] | None:
        for raw in self.client.pages(mapping.PRODUCTS, {mapping.SKU_PARAM: sku}):
            if str(raw.get("sku") or "") == sku:
                return raw
        return None

    def find_product(self, sku: str) -> ProductRecord | None:
        raw = self._raw_product(sku)
        return self._product(raw) if raw is not None else None

    def create_product(self, product: ProductRecord) -> str:
        """``POST products`` with S5's fields for a new product (stock 0, listed, status and category as
        set); the new id from the answer."""
        body = self.client.send(
            "POST", mapping.PRODUCTS, mapping.product_body(product, fields=None, tax_classes=self.tax_classes)
        )
        found = body.get("id") if isinstance(body, dict) else None
        if found in (None, ""):
            raise AmbiguousError(
                _("Vendre answered the new product %(sku)s without its id.") % {"sku": product.sku},
                hint=_("It is looked up by its SKU before any new attempt."),
            )
        return str(found)

    def update_product(self, external_id: str, product: ProductRecord, *, fields: frozenset[str]) -> None:
        body = mapping.product_body(product, fields=fields, tax_classes=self.tax_classes)
        if body:
            self.client.send("PUT", f"{mapping.PRODUCTS}/{external_id}", body)

    def set_product_active(self, external_id: str, active: bool) -> None:
        """S5: an article deleted in the ERP makes the product inactive (its status)."""
        self.client.send("PUT", f"{mapping.PRODUCTS}/{external_id}", {"is_active": 1 if active else 0})

    # --- stock and prices (S10, R7) --------------------------------------------------------------------

    def _put_by_sku(self, sku: str, body: dict[str, Any]) -> None:
        raw = self._raw_product(sku)
        if raw is None:
            raise NotFoundError(
                _("Vendre has no product with the SKU %(sku)s.") % {"sku": sku},
                hint=_(
                    "Check that the product exists in Vendre with this SKU (the ERP's article number), then resend."
                ),
            )
        self.client.send("PUT", f"{mapping.PRODUCTS}/{raw['id']}", body)

    def push_stock(self, items: Sequence[StockRecord]) -> None:
        """The quantity in stock (S10: the ERP's main stock site only, the total)."""
        for item in items:
            self._put_by_sku(item.sku, {"stock": int(item.quantity)})

    def push_prices(self, items: Sequence[PriceRecord]) -> None:
        for item in items:
            self._put_by_sku(item.sku, {"price": f"{item.price_excl_vat:.2f}"})

    # --- order status and the ERP's number (S9, S11) ------------------------------------------------------

    def push_order_status(self, external_id: str, *, status: str | None, comment: str) -> None:
        """The status per the integration's map (S11), no e-mail to the buyer; the ERP's order number
        in the order's admin comment (S9)."""
        body = mapping.order_update_body(status=status, comment=comment)
        self.client.send("PUT", f"{mapping.ORDERS}/{external_id}", body)

    def order_status_pushed(self, external_id: str, *, status: str | None, comment: str) -> bool:
        body = self.client.get(f"{mapping.ORDERS}/{external_id}")
        if not isinstance(body, dict):
            return False
        if status and mapping.status_name(body.get("status")) != status and str(body.get("status")) != status:
            return False
        return not comment or comment in str(body.get(mapping.ORDER_ERP_COMMENT_FIELD) or "")


def _stamp(raw: Any) -> dt.datetime | None:
    try:
        return mapping.parse_time(raw.get(mapping.UPDATED_FIELD), "updated") if isinstance(raw, dict) else None
    except parsing.BadValue:
        return None
