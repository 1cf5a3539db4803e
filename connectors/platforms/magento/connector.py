"""Magento 2 shop connector (seed 004): orders in; comments, statuses, stock, prices and documents out."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

from django.utils.translation import gettext as _

from connectors import parsing
from connectors.base import BatchOutcome, Capability, ConnectionSettings, ShopConnector
from connectors.exceptions import (
    AmbiguousError,
    AuthError,
    ConnectorError,
    NotFoundError,
    RetryableError,
    raise_first_refusal,
)
from connectors.http import iter_pages
from connectors.records import (
    BadRecord,
    CustomerRecord,
    OrderRecord,
    PriceRecord,
    ProductRecord,
    ShopDocumentRecord,
    StockRecord,
)

from . import mapping
from .client import MagentoClient

MAX_PAGE_SIZE = 300  # Magento's web API input limit
BATCH = 20  # synchronous array inputs are limited to 20 items


class MagentoConnector(ShopConnector):
    """Magento 2 over REST with an integration token.

    Parameters: ``page_size`` (≤ 300), ``stock_api`` ("legacy" stockItems or "msi"
    source-items), ``source_code`` (MSI), ``erp_number_attribute`` (customer
    attribute holding the ERP customer number, V3), ``sku_is_item_number`` (the
    SKU is the ERP item number, V2), ``read_timeout`` (seconds). Credentials: ``token``.
    """

    key = "magento"
    label = "Magento 2"
    capabilities = frozenset(
        {
            Capability.PULL_ORDERS,
            Capability.PULL_PRODUCTS,
            Capability.PUSH_ORDER_STATUS,
            Capability.PUSH_STOCK,
            Capability.PUSH_PRICES,
            Capability.PULL_CUSTOMERS,
            Capability.CREATE_PRODUCTS,
            Capability.UPDATE_PRODUCTS,
            Capability.PULL_DISCOUNT_CODES,
            Capability.PUSH_DOCUMENTS,
            Capability.BATCH_PUSH,
        }
    )
    product_fields = frozenset(
        {"number", "sku", "name", "price_excl_vat", "weight", "active", "purchase_price", "notes", "reorder_point"}
    )

    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(settings)
        params = settings.parameters
        self.client = MagentoClient(
            settings.base_url,
            token=str(settings.credentials.get("token", "")),
            limiter=settings.limiter,
            read_timeout=float(params.get("read_timeout", 30)),
        )
        self.page_size = min(int(params.get("page_size", 100)), MAX_PAGE_SIZE)
        self.stock_api = params.get("stock_api", "legacy")
        self.source_code = params.get("source_code", "default")
        self.erp_number_attribute = params.get("erp_number_attribute", "erp_customer_no")
        self._sku_is_item_number = bool(params.get("sku_is_item_number", True))
        # The store code in /rest/<store>/V1/ is the shop id on an ERP shared by several stores (S7).
        match = re.search(r"/rest/([^/]+)/V1", settings.base_url)
        self.store_code = match.group(1) if match else ""

    @property
    def sku_is_item_number(self) -> bool:
        return self._sku_is_item_number

    def test(self) -> str:
        body = self.client.get(
            "orders",
            mapping.search_criteria(
                field="entity_id", value="0", condition="gt", page=1, page_size=1, sort_field="entity_id"
            ),
        )
        return f"Magento reachable; token accepted ({body.get('total_count', 0)} orders)."

    # --- pulls -------------------------------------------------------------------

    def _search(self, path: str, since: dt.datetime | None) -> Iterator[dict[str, Any]]:
        """Every row updated at or after ``since``, page by page. Magento answers a page past
        the end with the last page again, so stop on total_count, not on an empty page."""
        value = mapping.format_time(since) if since else "1970-01-01 00:00:00"

        def fetch(page: int) -> tuple[list[dict[str, Any]], bool]:
            criteria = mapping.search_criteria(
                field="updated_at",
                value=value,
                condition="gteq",
                page=page,
                page_size=self.page_size,
                sort_field="updated_at",
            )
            body = self.client.get(path, criteria)
            return body.get("items") or [], page * self.page_size < int(body.get("total_count") or 0)

        return iter_pages(fetch)

    def pull_orders(self, since: dt.datetime | None) -> Iterator[OrderRecord | BadRecord]:
        """Orders updated since ``since``; one that cannot be read comes as a BadRecord."""
        customers: dict[str, dict[str, Any] | None] = {}
        return parsing.parse_each(
            self._search("orders", since),
            lambda order: self._order(order, customers),
            ident=lambda raw: str(raw.get("entity_id") or ""),
            label=lambda raw: f"order {raw.get('increment_id') or '?'}",
            stamp=lambda raw: mapping.parse_time(raw.get("updated_at")),
            hint=_("Correct the order in Magento; it is imported again by the next sync."),
        )

    def fetch_order(self, external_id: str) -> OrderRecord:
        return self._order(self.client.get(f"orders/{int(external_id)}"), {})

    def _order(self, order: dict[str, Any], customers: dict[str, dict[str, Any] | None]) -> OrderRecord:
        customer_id = order.get("customer_id")
        customer = None
        if customer_id and not order.get("customer_is_guest"):
            key = str(customer_id)
            if key not in customers:  # one read per registered buyer per pull
                try:
                    customers[key] = self.client.get(f"customers/{int(customer_id)}")
                except NotFoundError:
                    customers[key] = None
                except ValueError as exc:
                    raise parsing.BadValue(f"customer_id is not a number: {customer_id!r}") from exc
            customer = customers[key]
        return mapping.parse_order(
            order,
            customer,
            erp_number_attribute=self.erp_number_attribute,
            sku_is_item_number=self.sku_is_item_number,
            store_code=self.store_code,
        )

    def pull_products(self, since: dt.datetime | None) -> Iterator[ProductRecord | BadRecord]:
        """Products updated since ``since``; one that cannot be read comes as a BadRecord."""
        return parsing.parse_each(
            self._search("products", since),
            lambda product: mapping.parse_product(product, sku_is_item_number=self.sku_is_item_number),
            ident=lambda raw: str(raw.get("id") or ""),
            label=lambda raw: f"product {raw.get('sku') or '?'}",
            stamp=lambda raw: mapping.parse_time(raw.get("updated_at")),
            hint=_("Correct the product in Magento; it is imported again by the next sync."),
        )

    def pull_customers(self, since: dt.datetime | None) -> Iterator[CustomerRecord | BadRecord]:
        """Registered customers updated since ``since`` (R4): ``GET /V1/customers/search``."""
        return parsing.parse_each(
            self._search("customers/search", since),
            lambda c: mapping.parse_customer_card(c, erp_number_attribute=self.erp_number_attribute),
            ident=lambda raw: str(raw.get("id") or ""),
            label=lambda raw: f"customer {raw.get('email') or '?'}",
            stamp=lambda raw: mapping.parse_time(raw.get("updated_at")),
            hint=_("Correct the customer in Magento; it is imported again by the next sync."),
        )

    def pull_discount_codes(self) -> Iterator[tuple[str, str]]:
        """Coupon codes (``GET /V1/coupons/search``) with their rule's action and amount
        (``GET /V1/salesRules/search``), R4."""
        everything = mapping.search_criteria(
            field="rule_id", value="0", condition="gt", page=1, page_size=MAX_PAGE_SIZE, sort_field="rule_id"
        )

        def pages(path: str) -> Iterator[dict[str, Any]]:
            def fetch(page: int) -> tuple[list[dict[str, Any]], bool]:
                criteria = [(k, str(page) if k.endswith("[currentPage]") else v) for k, v in everything]
                body = self.client.get(path, criteria)
                return body.get("items") or [], page * MAX_PAGE_SIZE < int(body.get("total_count") or 0)

            return iter_pages(fetch)

        rules = {rule.get("rule_id"): rule for rule in pages("salesRules/search")}
        for coupon in pages("coupons/search"):
            rule = rules.get(coupon.get("rule_id")) or {}
            what = f"{rule.get('name', '')}: {rule.get('simple_action', '')} {rule.get('discount_amount', '')}"
            yield str(coupon.get("code", "")), what.strip(": ")

    # --- products (S2, S5) -----------------------------------------------------------

    def find_product(self, sku: str) -> ProductRecord | None:
        try:
            product = self.client.get(f"products/{quote(sku, safe='')}")
        except NotFoundError:
            return None
        return mapping.parse_product(product, sku_is_item_number=self.sku_is_item_number)

    def create_product(self, product: ProductRecord) -> str:
        """POST /V1/products; the product's id only from the documented answer (the product)."""
        answer = self.client.post("products", mapping.product_payload(product))
        product_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(product_id, int) or answer.get("sku") != product.sku:
            raise AmbiguousError(
                f"Magento answered the new product {product.sku} without its id: {str(answer)[:200]}",
                hint=_("Whether it was created is unknown; it is looked up by its SKU before any new attempt."),
            )
        return str(product_id)

    def update_product(self, external_id: str, product: ProductRecord, *, fields: frozenset[str]) -> None:
        """PUT /V1/products/{current sku} with the changed fields; a new ``sku`` renames the product.

        Magento addresses products by SKU, so the current one is read by the product's id
        first. [A] Adobe's docs do not say that a PUT carrying the product's ``id`` and a
        new ``sku`` renames it; that is how Magento's product repository behaves, and the
        emulator does the same.
        """
        current = self._sku_of(external_id)
        payload = mapping.product_payload(product, fields=fields, product_id=external_id)
        if "sku" not in fields:
            payload["product"]["sku"] = current
        self.client.put(f"products/{quote(current, safe='')}", payload)

    def set_product_active(self, external_id: str, active: bool) -> None:
        current = self._sku_of(external_id)
        status = mapping.ENABLED if active else mapping.DISABLED
        self.client.put(f"products/{quote(current, safe='')}", {"product": {"sku": current, "status": status}})

    def _sku_of(self, external_id: str) -> str:
        criteria = mapping.search_criteria(
            field="entity_id", value=str(int(external_id)), condition="eq", page=1, page_size=1, sort_field="entity_id"
        )
        items = self.client.get("products", criteria).get("items") or []
        if not items:
            raise NotFoundError(
                f"Magento has no product with id {external_id}.",
                hint=_("The product was deleted in Magento; it is created again if the ERP still has the item."),
            )
        return str(items[0]["sku"])

    # --- pushes --------------------------------------------------------------------

    def push_order_status(self, external_id: str, *, status: str | None, comment: str) -> None:
        """A status-history comment (V4, S9), optionally moving the status (S11); no e-mail."""
        if status is None:
            # Magento's comment endpoint needs a status; read the live one rather than trust
            # the mirror, which may be older than a change made in the shop since.
            status = self.client.get(f"orders/{int(external_id)}").get("status", "")
        self.client.post(
            f"orders/{int(external_id)}/comments",
            mapping.status_comment_payload(external_id, comment=comment, status=status),
        )

    def order_status_pushed(self, external_id: str, *, status: str | None, comment: str) -> bool:
        """Read the order's status history for our comment (and status, when one was set)."""
        order = self.client.get(f"orders/{int(external_id)}")
        histories = order.get("status_histories") if isinstance(order, dict) else None
        if not isinstance(histories, list):
            raise RetryableError(
                f"Magento answered order {external_id} without its status history.",
                hint=_("Retried automatically; the comment is not written again until it can be checked."),
            )
        return any(
            isinstance(h, dict) and h.get("comment") == comment and (status is None or h.get("status") == status)
            for h in histories
        )

    def push_stock(self, items: Sequence[StockRecord]) -> None:
        raise_first_refusal(self.push_stock_and_prices(stock=items), platform=self.label)

    def push_prices(self, items: Sequence[PriceRecord]) -> None:
        raise_first_refusal(self.push_stock_and_prices(prices=items), platform=self.label)

    def push_stock_and_prices(
        self, stock: Sequence[StockRecord] = (), prices: Sequence[PriceRecord] = ()
    ) -> BatchOutcome:
        """Stock and base prices of many SKUs (BATCH_PUSH): MSI ``POST inventory/source-items`` and
        ``POST products/base-prices`` take 20 items a call; legacy stock is one GET and PUT a SKU.
        Each product's stock and price has its own result; a refusal of the credentials raises."""
        outcome: BatchOutcome = {}
        if self.stock_api == "msi":
            for start in range(0, len(stock), BATCH):
                chunk = stock[start : start + BATCH]
                # The source-items call saves all of its items or none: each learns the call's outcome.
                result, _answer = _outcome_of(
                    self.client.post,
                    "inventory/source-items",
                    mapping.source_items_payload(chunk, source_code=self.source_code),
                )
                outcome.update({("stock", item.sku): result for item in chunk})
        else:
            for item in stock:
                outcome[("stock", item.sku)] = _outcome_of(self._put_stock_item, item)[0]
        for start in range(0, len(prices), BATCH):
            batch = prices[start : start + BATCH]
            result, answer = _outcome_of(self.client.post, "products/base-prices", mapping.base_prices_payload(batch))
            # Valid prices are saved, the answer lists the refused ones (an empty list: all saved).
            refused = mapping.base_price_refusals(answer or [], [p.sku for p in batch])
            for price in batch:
                outcome[("price", price.sku)] = (400, refused[price.sku]) if price.sku in refused else result
        return outcome

    def _put_stock_item(self, item: StockRecord) -> None:
        sku = quote(item.sku, safe="")
        stock_item = self.client.get(f"stockItems/{sku}")
        self.client.put(f"products/{sku}/stockItems/{stock_item['item_id']}", mapping.stock_item_payload(item))

    # --- documents (order processing, seed 004) ---------------------------------------

    # --- documents made in the portal (M2-M4) ----------------------------------------

    def push_document(self, document: ShopDocumentRecord) -> str:
        """``POST /V1/order/{id}/invoice|ship|refund``; a credit memo on an invoice Magento knows goes
        through ``POST /V1/invoice/{id}/refund`` (online refund possible). Answers the new id."""
        body = mapping.document_body(document)
        order_id = int(document.order_external_id)
        if document.kind == "credit_note":
            path = f"invoice/{int(document.invoice_id)}/refund" if document.invoice_id else f"order/{order_id}/refund"
        else:
            path = f"order/{order_id}/{'invoice' if document.kind == 'invoice' else 'ship'}"
        answer = self.client.post(path, body)
        if not str(answer).isdigit():
            raise AmbiguousError(
                _("Magento answered the %(kind)s without its id.") % {"kind": document.kind},
                hint=_("It is looked up before anything is sent again."),
            )
        return str(answer)

    def find_document(self, document: ShopDocumentRecord) -> str | None:
        """The order's documents of this kind (``GET /V1/invoices|shipments|creditmemos`` by
        order_id), then each one's comments, looking for the portal's number."""
        search, comments = {
            "invoice": ("invoices", "invoices"),
            "shipment": ("shipments", "shipment"),
            "credit_note": ("creditmemos", "creditmemo"),
        }[document.kind]
        criteria = mapping.search_criteria(
            field="order_id",
            value=str(int(document.order_external_id)),
            condition="eq",
            page=1,
            page_size=MAX_PAGE_SIZE,
            sort_field="entity_id",
        )
        wanted = mapping.document_comment(document.number)
        for row in self.client.get(search, criteria).get("items") or []:
            doc_id = row.get("entity_id")
            found = self.client.get(f"{comments}/{int(doc_id)}/comments").get("items") or []
            if any(str(c.get("comment", "")).strip() == wanted for c in found):
                return str(doc_id)
        return None


def _outcome_of(call: Callable[..., Any], *args: Any) -> tuple[tuple[int, str], Any]:
    """Run one write of a batch: ((status, error text), answer). Credentials refused stop the
    whole batch, since no other item can succeed either."""
    try:
        answer = call(*args)
    except AuthError:
        raise
    except ConnectorError as error:
        retryable = isinstance(error, (RetryableError, AmbiguousError))
        return ((error.http_status or (0 if retryable else 400)), error.message), None
    return (200, ""), answer
