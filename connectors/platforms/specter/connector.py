"""Specter (Sweden) as the ERP (seed 001): customers, articles and orders in; stock, article
changes and order changes out, each read as a batch and acknowledged."""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from django.utils.translation import gettext as _

from connectors.base import Capability, ConnectionSettings, ErpConnector
from connectors.exceptions import AuthError, PermanentError, RetryableError
from connectors.records import (
    BadRecord,
    CustomerRecord,
    ErpCustomerRecord,
    ErpOrderStatusRecord,
    ItemRecord,
    SalesOrderRecord,
    StockRecord,
)

from . import answers, mapping
from .client import CREDENTIALS_HINT, SpecterClient

T = TypeVar("T")
# Batches read one after another in one call of a flow: a full batch means more wait, but a
# server that always says so must not keep a worker for ever.
MAX_BATCHES = 50

ARTICLES = ("getArticleInfoExternalNeedUpdate", "updateArticleInfosFromBatch")
STOCK = ("getArticleExternalNeedUpdate", "updateArticlesFromBatch")
ORDERS = ("getOrdersExternalNeedUpdate", "updateOrdersFromBatch")


class SpecterConnector(ErpConnector):
    """Specter over ``putInfo.asp`` / ``getInfo.asp``.

    ``base_url``: https://api.specter.se/. Parameters: ``sbm_id`` (the Specter account),
    ``stock_site`` (``stocksiteid`` sent with orders, empty: Specter's default), ``webshop_id``
    (several shops on one Specter account; else the integration's shop id), ``read_timeout``.
    Credentials: ``api_user_id``, ``api_user_key`` and, with API version 2, ``integration_key``.

    Specter reads no customer, article or order by its key, but refuses or merges a repeat of a
    create by that key itself: a customer is matched by e-mail (``forceCustomerUpdate=1``), an
    article by its number (``forceArticleUpdate=1``), an order by ``externalOrderNo`` (refused).
    Those creates are *guarded*: sent again after an unknown outcome, Specter's own check is the
    lookup. Stock, article and order changes are Specter's own change lists (batches), so a
    cycle reads only what changed, whatever the catalogue's size.
    """

    key = "specter"
    label = "Specter"
    capabilities = frozenset(
        {
            Capability.CUSTOMERS,
            Capability.ITEMS,
            Capability.SALES_ORDERS,
            Capability.ORDER_STATUSES,
            Capability.STOCK,
            Capability.CHANGED_ITEMS,
            Capability.UPDATE_CUSTOMERS,
            Capability.CREATE_ITEMS,
            Capability.UPDATE_ITEMS,
        }
    )
    # S4 (to Specter) and S5 (from Specter): the fields exchanged either way.
    product_fields = frozenset(
        {
            "number",
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
    guarded_creates = frozenset({"sales_order", "customer", "product"})
    stock_by_change = True
    callbacks = True

    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(settings)
        params, creds = settings.parameters, settings.credentials
        self.client = SpecterClient(
            settings.base_url,
            sbm_id=str(params.get("sbm_id", "")),
            api_user_id=str(creds.get("api_user_id", "")),
            api_user_key=str(creds.get("api_user_key", "")),
            integration_key=str(creds.get("integration_key", "")),
            limiter=settings.limiter,
            read_timeout=float(params.get("read_timeout", 30)),
        )
        self.stock_site = str(params.get("stock_site", ""))
        self.webshop_id = str(params.get("webshop_id", ""))

    def test(self) -> str:
        """Read the order change list without acknowledging it (the batch stays Specter's to hand
        out again): the key is checked, nothing changes."""
        batch = _batch_number()
        root = answers.parse_xml(self.client.read(ORDERS[0], batch=batch))
        error = answers.api_response(root)
        if error is not None and not error.open_batch:
            raise self._read_error(ORDERS[0], error)
        return _("Specter reachable; account %(sbm)s and API user accepted.") % {"sbm": self.client.sbm_id}

    # --- customers (S3) ------------------------------------------------------------------

    def find_customer(self, number: str) -> ErpCustomerRecord | None:
        """Specter has no public read of a customer: a number on a customer card is taken as given
        (an unknown one is refused with the order, with a hint)."""
        return ErpCustomerRecord(number=number, name="") if number else None

    def search_customers(self, *, email: str, name: str, org_no: str) -> list[ErpCustomerRecord]:
        """None found: Specter offers no customer search, and matches by e-mail (then org. no.) itself
        when a customer is sent with ``forceCustomerUpdate=1``."""
        return []

    def create_customer(self, customer: CustomerRecord) -> str:
        """``newCustomerSubmit`` with ``forceCustomerUpdate=1`` (S3): Specter updates the customer with
        this e-mail if it has one, else creates it; returns the customer number."""
        return self._customer_submit(customer, number="")

    def update_customer(self, number: str, customer: CustomerRecord) -> None:
        """The same call naming the customer (``customerId``, [R]), forcing the update (S3)."""
        self._customer_submit(customer, number=number)

    def _customer_submit(self, customer: CustomerRecord, *, number: str) -> str:
        answer = self.client.write(
            "newCustomerSubmit",
            mapping.customer_fields(customer, currency=str(self.settings.parameters.get("currency", "SEK"))),
            subject=mapping.customer_name(customer),
            query=[("forceCustomerUpdate", "1"), *([("customerId", number)] if number else [])],
            creates=not number,
        )
        if not answers.valid_id(answer.id):
            raise RetryableError(
                _("Specter accepted the customer but gave no customer number: %(answer)s") % {"answer": answer.raw},
                hint=_("Sent again: Specter matches the customer by e-mail, so no second one is made."),
            )
        return answer.id

    # --- articles (S4, S12) -------------------------------------------------------------------

    def find_item(self, number: str) -> ItemRecord | None:
        """Specter has no public read of an article by number: None. Creating is safe even when it
        exists (``forceArticleUpdate=1``), so orders need ``products_to_erp`` (their products are
        sent first, S7)."""
        return None

    def create_item(self, item: ItemRecord) -> ItemRecord:
        """``newArticleSubmit`` with one row (S4); Specter's id from the answer, when it gives one,
        follows the article through a change of its number."""
        answer = self.client.write(
            "newArticleSubmit",
            mapping.article_fields([item]),
            subject=item.number,
            key_in_query=True,
        )
        internal = answer.id if answers.valid_id(answer.id) else item.number
        return ItemRecord(**{**item.__dict__, "internal_id": internal})

    def update_item(self, internal_id: str, item: ItemRecord, *, fields: frozenset[str]) -> None:
        """The same call with only the changed fields; a rename names the article by the number
        Specter knows (``previous_number``) and its new one (S1, S4). Idempotent."""
        named = item.previous_number if "number" in fields and item.previous_number else item.number
        self.client.write(
            "newArticleSubmit",
            mapping.article_fields([item], fields=fields),
            subject=named,
            key_in_query=True,
            creates=False,
        )

    def changed_items(self, since: dt.datetime | None) -> Iterator[ItemRecord | BadRecord]:
        """Specter's list of changed articles (S2, S5), acknowledged once every one was taken in."""

        def parse(root: ET.Element) -> tuple[list[ItemRecord | BadRecord], bool]:
            items, limit = answers.parse_articles(root)
            records = [
                item
                if isinstance(item, ItemRecord)
                else BadRecord(
                    external_id="",
                    error=_("Specter sent an article that cannot be read."),
                    hint=_("Correct the article in Specter; it is read again when it changes."),
                    excerpt=item,
                )
                for item in items
            ]
            return records, bool(limit) and len(items) >= limit

        return self._batches(ARTICLES, parse)

    # --- stock (S10) ----------------------------------------------------------------------------

    def stock(self, warehouse: str, items: Sequence[str] = ()) -> Iterator[StockRecord]:
        """The main stock site's changed quantities (S10), from Specter's stock change list (plain
        text); ``items`` is not needed: only what changed is read. Acknowledged once taken in."""
        for _round in range(MAX_BATCHES):
            batch = _batch_number()
            text = answers.decode(self.client.read(STOCK[0], batch=batch, xml=False))
            error = answers.text_api_response(text)
            reopened = error is not None and bool(error.open_batch)
            if error is not None and error.open_batch:
                batch = error.open_batch
                text = answers.decode(self.client.read(STOCK[0], batch=batch, xml=False))
                error = answers.text_api_response(text)
            if error is not None:
                raise self._read_error(STOCK[0], error)
            records = answers.parse_stock_text(text, warehouse=warehouse)
            yield from records
            self.client.read(STOCK[1], batch=batch, xml=False)
            if not records and not reopened:
                return

    # --- orders (S7, S9) ----------------------------------------------------------------------------

    def create_sales_order(self, order: SalesOrderRecord) -> str:
        """``newOrderSubmit`` (S7); Specter's order number from the answer (S9). A repeat of an order
        Specter has is refused as a duplicate (``DuplicateDocument``)."""
        webshop = self.webshop_id or order.shop_id
        answer = self.client.write(
            "newOrderSubmit",
            mapping.order_fields(order, stock_site=self.stock_site),
            subject=order.customer_no,
            query=[("webshopId", webshop)] if webshop else [],
        )
        if not answers.valid_id(answer.id):
            raise PermanentError(
                _("Specter accepted order %(order)s but gave no order number: %(answer)s")
                % {"order": order.external_order_no, "answer": answer.raw},
                hint=_("Find the order in Specter by its external order number; it is not sent again."),
            )
        return answer.id

    def find_sales_order(self, external_order_no: str, *, since: dt.datetime | None = None) -> str | None:
        """Specter reads no order by the shop's number; its duplicate control settles an unknown
        outcome instead (the create is guarded)."""
        return None

    def order_statuses(self, since: dt.datetime | None) -> Iterator[ErpOrderStatusRecord]:
        """Specter's list of changed orders (S2, S11), acknowledged once taken in."""

        def parse(root: ET.Element) -> tuple[list[ErpOrderStatusRecord], bool]:
            return answers.parse_order_changes(root), False

        return self._batches(ORDERS, parse)

    # --- batches -----------------------------------------------------------------------------------

    def _batches(self, actions: tuple[str, str], parse: Callable[[ET.Element], tuple[list[T], bool]]) -> Iterator[T]:
        """Read a change list as batches: a new batch number each time; when Specter says a batch is
        still open (error 99 naming it), that one is read again first, so nothing it held is lost.
        Each batch is acknowledged after its records were taken in (a failure before leaves it
        open, to be read again), then the next is read while the last was full or was an old one."""
        read, acknowledge = actions
        for _round in range(MAX_BATCHES):
            batch = _batch_number()
            root = answers.parse_xml(self.client.read(read, batch=batch))
            error = answers.api_response(root)
            # An earlier batch left open (a read that failed before acknowledging, a connection
            # test): read it again first, then go on with a new one.
            reopened = error is not None and bool(error.open_batch)
            if error is not None and error.open_batch:
                batch = error.open_batch
                root = answers.parse_xml(self.client.read(read, batch=batch))
                error = answers.api_response(root)
            if error is not None:
                raise self._read_error(read, error)
            records, more = parse(root)
            yield from records
            self.client.read(acknowledge, batch=batch)
            if not more and not reopened:
                return

    def _read_error(self, action: str, error: answers.ApiResponse) -> Exception:
        message = _("Specter refused %(action)s (code %(code)s): %(message)s") % {
            "action": action,
            "code": error.code,
            "message": error.message,
        }
        if answers.classify_refusal(error.message, action=action)[0] == "credentials":
            return AuthError(message, hint=_(CREDENTIALS_HINT))
        if error.code == "99":
            return RetryableError(message, hint=_("Specter still holds an earlier batch open; read again later."))
        return PermanentError(message, hint=_("Check the connection's settings; the read is tried again next cycle."))


def _batch_number() -> str:
    return uuid.uuid4().hex
