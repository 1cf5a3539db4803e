"""InsERT Subiekt nexo as the ERP, through an HTTP bridge beside it that speaks the Koda Plus bridge
contract 1.1.0 (seed 002): ZK orders in, stock and prices out."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

from django.utils.translation import gettext as _

from connectors.base import Capability, ConnectionSettings, ErpConnector
from connectors.exceptions import AmbiguousError, NotFoundError, PermanentError, Problem, RetryableError
from connectors.records import (
    BadRecord,
    ErpCustomerRecord,
    ErpInvoiceRecord,
    ErpOrderStatusRecord,
    ErpShipmentRecord,
    ItemRecord,
    SalesOrderRecord,
    StockRecord,
)

from . import feed, mapping
from .client import SubiektClient

T = TypeVar("T")
logger = logging.getLogger("connectors.subiekt")
PAGE = 1000  # the contract's largest page of stock and products
EVENTS_PAGE = 500  # and of events
# A snapshot that expires while it is read is read again from its first page, this many times.
SNAPSHOT_TRIES = 3


class SubiektConnector(ErpConnector):
    """Subiekt nexo over its bridge (``/v1/orders``, ``/v1/stock``, ``/v1/products``, ``/v1/events``).

    ``base_url``: the bridge, e.g. https://subiekt-bridge.example.com/. Credentials: ``secret`` (the
    HMAC key shared with the bridge) and, behind Cloudflare Access, ``cf_access_client_id`` and
    ``cf_access_client_secret``. Parameters: ``price_level`` (the price level whose net price goes
    to the shop; the bridge's first when empty), ``stock_field`` (``quantity``, physical stock, by
    default; or ``available``, less the ZK reservations), ``stock_events`` (true when the bridge
    publishes ``stock.changed`` with the symbols that moved: a cycle then reads the stock only when
    something moved), ``read_timeout``.

    The bridge matches order lines to products itself (EAN, then the SKU as the product symbol) and
    refuses an order with a line it cannot match; it finds or creates the buyer by NIP, and sends an
    order without one to its retail buyer. So Subiekt has no item or customer read of its own here:
    an item number is taken as given, and the portal decides the buyer (``customers_with_orders``).
    A ZK create is idempotent per shop order number; after an unknown outcome it is still looked up
    first (``GET /v1/orders/{order_id}``).
    """

    key = "subiekt"
    label = "InsERT Subiekt (bridge)"
    capabilities = frozenset(
        {
            Capability.SALES_ORDERS,
            Capability.ORDER_STATUSES,
            Capability.STOCK,
            Capability.CHANGED_ITEMS,
            Capability.SHIPMENTS,
            Capability.INVOICES,
            Capability.CANCEL_ORDERS,
            Capability.SALES_DOCUMENTS,
            Capability.RELEASE_GOODS,
        }
    )
    product_fields = frozenset({"number", "name", "price_excl_vat", "vat_rate", "ean", "weight", "active"})
    customers_with_orders = True
    # The bridge's webhook (capability "webhook"): a signed "events available" nudge to the
    # connection's secret URL, answered 202; the cycle then reads the feed and the stock.
    callbacks = True
    callback_reply = (202, "application/json", '{"detail": "Accepted"}')
    # Shipping and VAT go as the shop has them; discounts are spread over the lines (gross after
    # discounts is what the contract takes). Only the payment form must be mapped.
    code_maps = frozenset({"payment"})

    def __init__(self, settings: ConnectionSettings) -> None:
        super().__init__(settings)
        params, creds = settings.parameters, settings.credentials
        self.client = SubiektClient(
            settings.base_url,
            secret=str(creds.get("secret", "")),
            cf_access_client_id=str(creds.get("cf_access_client_id", "")),
            cf_access_client_secret=str(creds.get("cf_access_client_secret", "")),
            limiter=settings.limiter,
            read_timeout=float(params.get("read_timeout", 60)),
        )
        self.price_level = str(params.get("price_level", ""))
        self.stock_field = "available" if params.get("stock_field") == "available" else "quantity"
        self.stock_events = params.get("stock_events") is True

    def test(self) -> str:
        """``GET /v1/health``: the signature is checked, and the answer says whether Subiekt itself
        is reachable (``degraded`` when only the bridge is) and how far the clocks differ."""
        health = self.client.call("GET", "/v1/health")
        if not isinstance(health, dict):
            raise RetryableError(
                _("The bridge answered its health check with something else: %(body)s") % {"body": str(health)[:200]}
            )
        subiekt: dict[str, Any] = health["subiekt"] if isinstance(health.get("subiekt"), dict) else {}
        if health.get("status") != "ok" or not subiekt.get("connected"):
            raise RetryableError(
                _("The bridge answers, but Subiekt does not: %(error)s") % {"error": subiekt.get("error") or "—"},
                hint=_("Check that Subiekt and its database are running and the bridge's Sfera login works."),
            )
        skew = _skew(health.get("time"))
        bridge: dict[str, Any] = health["bridge"] if isinstance(health.get("bridge"), dict) else {}
        # What the bridge does (1.1); without the list it speaks 1.0. Shown so a person sees at once
        # why, say, "issue the invoice" is refused (a bridge without documents.fs).
        listed = health.get("capabilities")
        capabilities = sorted(map(str, listed)) if isinstance(listed, list) else sorted(mapping.CAPABILITIES_1_0)
        return _(
            "Subiekt reachable through the bridge (contract %(contract)s, company %(company)s, warehouse "
            "%(warehouse)s); clocks %(skew)s s apart. The bridge does: %(capabilities)s."
        ) % {
            "contract": bridge.get("contract") or "1.0",
            "company": subiekt.get("company") or "—",
            "warehouse": subiekt.get("warehouse") or "—",
            "skew": skew if skew is not None else "?",
            "capabilities": ", ".join(capabilities),
        }

    def callback_accepted(self, *, method: str, target: str, headers: Mapping[str, str], body: bytes) -> bool:
        """The bridge signs its nudge like every request: the HMAC of ``<t>.<METHOD>.<path and
        query>.<raw body>`` with the shared secret, at most 300 s old."""
        return mapping.signature_valid(
            header=headers.get(mapping.SIGNATURE_HEADER, ""),
            secret=self.client.secret,
            method=method,
            target=target,
            body=body,
            now=time.time(),
        )

    # --- customers and items: the bridge's own matching ------------------------------------------

    def find_customer(self, number: str) -> ErpCustomerRecord | None:
        """A contractor is addressed by its NIP, which the bridge looks up itself."""
        return ErpCustomerRecord(number=number, name="") if number else None

    def find_item(self, number: str) -> ItemRecord | None:
        """The bridge matches a line by EAN, then by symbol, and refuses the order when it cannot:
        an item number is taken as given (no per-item read exists)."""
        return ItemRecord(number=number, description="") if number else None

    # --- orders -------------------------------------------------------------------------------------

    def order_problems(self, order: SalesOrderRecord) -> list[Problem]:
        """A payment method mapped to no form Subiekt has, and quantities in fractions (the contract
        takes whole units), stop the order before it is sent (C5)."""
        problems = []
        if order.payment_method_code and mapping.payment_form(order.payment_method_code) is None:
            problems.append(
                Problem(
                    _("Payment method code '%(code)s' is not a Subiekt payment form.")
                    % {"code": order.payment_method_code},
                    _(
                        "Map the shop's payment method to cash, transfer, card or credit (with days to pay as "
                        "'transfer:14' or 'credit:30') in the integration's payment method map."
                    ),
                    about_codes="payment",
                )
            )
        for line in order.lines:
            if line.kind == "item" and (line.quantity != line.quantity.to_integral_value() or line.quantity < 1):
                problems.append(
                    Problem(
                        _("Line '%(name)s' has quantity %(quantity)s; the Subiekt bridge takes whole units only.")
                        % {"name": line.description, "quantity": line.quantity},
                        _("Sell it in whole units in the shop, or enter this order in Subiekt by hand."),
                    )
                )
        return problems

    def create_sales_order(self, order: SalesOrderRecord) -> str:
        """``POST /v1/orders``: the ZK, or the one the bridge already made for this order (200). Its
        full number (``ZK 12/MAG/2026``) is the ERP number. A line the bridge cannot match refuses
        the whole order, naming the lines' SKUs."""
        payload = mapping.order_payload(order)
        try:
            body = self.client.call("POST", "/v1/orders", body=payload)
        except PermanentError as exc:
            if exc.code == "unmatched_lines":
                skus = mapping.unmatched_skus(getattr(exc, "details", None), exc.message, payload["lines"])
                exc.message = _("Subiekt has no product for: %(skus)s (%(message)s)") % {
                    "skus": ", ".join(skus) or _("some lines"),
                    "message": exc.message,
                }
                exc.subject = ", ".join(skus)
            raise
        document = mapping.document_of(body)
        if document is None:
            raise AmbiguousError(
                _("The bridge answered the order without a document number: %(body)s") % {"body": str(body)[:300]},
                hint=_("The ZK may have been made; it is looked up before any new attempt."),
            )
        return str(document["number"])

    def find_sales_order(self, external_order_no: str, *, since: dt.datetime | None = None) -> str | None:
        """``GET /v1/orders/{order_id}``: the ZK the bridge made for this shop order; none (404) means
        the lookup finished and found nothing."""
        try:
            body = self.client.call("GET", f"/v1/orders/{quote(external_order_no, safe='')}")
        except NotFoundError:
            return None
        try:
            return mapping.order_document(body)
        except ValueError:
            raise RetryableError(
                _("The bridge answered the order lookup with something else: %(body)s") % {"body": str(body)[:200]},
                hint=_("Temporary or a proxy in the way; the lookup is tried again before any new attempt."),
            ) from None

    def issue_sales_document(self, external_order_no: str, *, receipt: bool, display_note: str) -> str:
        """``POST /v1/orders/{order_id}/documents`` with ``fs`` or ``pa``: exactly once per order (asked
        again, the bridge answers with the one it made, whatever kind). While the ZK is not in
        Subiekt yet the bridge answers 404, which is worth waiting for."""
        body = {"kind": "pa" if receipt else "fs", "display_id": mapping.display_id(external_order_no)}
        body["note"] = display_note
        document = self._order_document(
            external_order_no,
            "documents",
            body,
            unclear=_("The bridge answered the sales document without a number: %(body)s"),
            again=_("Asked again: the bridge issues one sales document per order."),
        )
        return str(document["number"])

    def release_goods(
        self, external_order_no: str, *, shipment_no: str, lines: Sequence[tuple[str, int]], note: str
    ) -> tuple[str, str]:
        """``POST /v1/orders/{order_id}/fulfillments``: the WZ from the order's ZK, once per order
        (asked again, the bridge answers 200 with the WZ it made, so a repeat after a lost answer is
        its own lookup). The contract's version 1 releases the whole ZK; the lines go as ``items``,
        which it accepts for later versions. While the ZK is not in Subiekt yet the bridge answers
        404, which is worth waiting for."""
        body = {
            "fulfillment_id": shipment_no,
            "items": [{"line_id": line_id, "quantity": quantity} for line_id, quantity in lines if quantity >= 1],
            "note": note,
        }
        document = self._order_document(
            external_order_no,
            "fulfillments",
            body,
            unclear=_("The bridge answered the goods release without a number: %(body)s"),
            again=_("Asked again: the bridge issues one WZ per order."),
        )
        return mapping.document_key(document), str(document["number"])

    def _order_document(
        self, external_order_no: str, action: str, body: dict[str, Any], *, unclear: str, again: str
    ) -> dict[str, Any]:
        """``POST /v1/orders/{order_id}/<action>`` for a document the bridge issues once per order. A
        404 while the ZK is not in Subiekt yet is worth waiting for; an answer without a document
        number is unclear (asked again, the bridge answers with the one it made)."""
        try:
            answer = self.client.call("POST", f"/v1/orders/{quote(external_order_no, safe='')}/{action}", body=body)
        except NotFoundError as exc:
            raise RetryableError(
                exc.message, hint=_("The order's ZK is not in Subiekt yet; asked again shortly."), reached_remote=False
            ) from exc
        document = mapping.document_of(answer)
        if document is None:
            raise AmbiguousError(unclear % {"body": str(answer)[:200]}, hint=again)
        return document

    def cancel_sales_order(self, number: str, *, external_order_no: str, reason: str) -> str:
        """``POST /v1/orders/{order_id}/cancel``: canceled, already canceled or nothing to cancel. The
        bridge does what Sfera allows and says when the warehouse must finish by hand; a ZK whose
        goods left (a WZ) is refused as ``document_locked`` (a return, then)."""
        body = self.client.call(
            "POST", f"/v1/orders/{quote(external_order_no, safe='')}/cancel", body={"reason": reason}
        )
        if not isinstance(body, dict) or body.get("status") not in ("canceled", "already_canceled", "not_found"):
            raise AmbiguousError(
                _("The bridge answered the cancellation with something else: %(body)s") % {"body": str(body)[:200]},
                hint=_("It is sent again: a second cancellation is answered 'already canceled'."),
            )
        if body.get("manual_action_required"):
            return _("Subiekt: finish the cancellation of %(number)s by hand. %(message)s") % {
                "number": number,
                "message": body.get("message") or "",
            }
        return str(body.get("message") or body["status"])

    def order_statuses(self, since: dt.datetime | None) -> Iterator[ErpOrderStatusRecord]:
        """The documents issued and canceled for orders, from the bridge's event feed (ZK, WZ, FS,
        PA, canceled), from ``since`` on."""
        for event in self._events(since):
            record = feed.status_of_event(event)
            if record is not None:
                yield record

    def done_shipments(self, since: dt.datetime | None) -> Iterator[ErpShipmentRecord]:
        """Each WZ (the goods released, whole orders: the contract's version 1 releases the whole ZK),
        whether the warehouse issued it in Subiekt or the bridge did."""
        for event in self._events(since):
            record = feed.shipment_of_event(event)
            if record is not None:
                yield record

    def done_invoices(self, since: dt.datetime | None) -> Iterator[ErpInvoiceRecord]:
        """Each sales document (FS or PA) issued for an order: one per order, for the whole of it."""
        for event in self._events(since):
            record = feed.invoice_of_event(event)
            if record is not None:
                yield record

    def _events(self, since: dt.datetime | None) -> Iterator[dict[str, Any]]:
        """The feed's events from ``since`` on (those with an older time are skipped). The feed is
        read by id only: when it holds more than a page, the first id at ``since`` is found by
        halving (a call per halving) instead of reading every event the bridge keeps."""
        after = self._event_id_before(since) if since is not None else 0
        for _page in range(10_000):
            body = self.client.call("GET", "/v1/events", query={"after": after, "limit": EVENTS_PAGE})
            events = body.get("events") if isinstance(body, dict) else None
            if not isinstance(events, list):
                raise RetryableError(_("The bridge answered its event feed with something else."))
            for event in events:
                when = feed.event_time(event)
                if isinstance(event, dict) and (since is None or when is None or when >= since):
                    yield event
            last = body.get("last_id")
            if not body.get("has_more") or not isinstance(last, int) or last <= after:
                return
            after = last

    def _event_id_before(self, since: dt.datetime) -> int:
        """An event id before ``since`` (0 when none is known): the reading starts after it."""
        first = self.client.call("GET", "/v1/events", query={"after": 0, "limit": 1})
        head = first.get("head_id") if isinstance(first, dict) else None
        if not isinstance(head, int) or not first.get("has_more") or head <= EVENTS_PAGE:
            return 0
        low, high = 0, head
        while high - low > EVENTS_PAGE:
            middle = (low + high) // 2
            body = self.client.call("GET", "/v1/events", query={"after": middle, "limit": 1})
            events = body.get("events") if isinstance(body, dict) else None
            if not isinstance(events, list) or not events:
                return low
            when = feed.event_time(events[0])
            if when is not None and when < since:
                low = max(low, int(events[0].get("id", middle)))
            else:
                high = middle
        return low

    # --- stock and products (S10, R7) -------------------------------------------------------------

    def stock_changed(self, since: dt.datetime) -> set[str] | None:
        """The symbols named by the feed's ``stock.changed`` events since ``since``, when the
        connection says the bridge publishes them (``stock_events``): the contract makes the event
        optional, and a bridge that never sends one would look like a Subiekt where nothing moves.
        None (read everything) otherwise, for ``available`` stock (a ZK's reservation changes it
        without a stock move) and when an event names no symbols ("read the stock soon")."""
        if not self.stock_events or self.stock_field == "available":
            return None
        symbols: set[str] = set()
        for event in self._events(since):
            if event.get("type") != "stock.changed":
                continue
            named = feed.stock_event_symbols(event)
            if named is None:
                return None
            symbols |= named
        return symbols

    def stock(self, warehouse: str, items: Sequence[str] = ()) -> Iterator[StockRecord]:
        """The stock of the bridge's configured warehouses (``warehouse`` is the bridge's choice, not
        a parameter of the contract), a page of 1 000 at a time from one snapshot; only ``items``."""
        wanted = set(items)
        for record in self._snapshot("/v1/stock", lambda body: feed.stock_page(body, field=self.stock_field)):
            if not wanted or record.sku in wanted:
                yield StockRecord(sku=record.sku, quantity=record.quantity, warehouse=warehouse)

    def changed_items(self, since: dt.datetime | None) -> Iterator[ItemRecord | BadRecord]:
        """Every product with its price in the chosen price level (``GET /v1/products``, the
        capability ``products`` of a 1.1 bridge): the listing has no "changed since", so all of
        them, and the engine skips what is up to date."""
        try:
            yield from self._snapshot("/v1/products", lambda body: feed.products_page(body, level=self.price_level))
        except NotFoundError:
            # A 1.0 bridge (no capability "products"): prices stay as they are; stock still comes.
            logger.info("The Subiekt bridge at %s lists no products (contract 1.0)", self.client.base_url)

    def _snapshot(self, path: str, read: Callable[[Any], tuple[list[T], str | None]]) -> Iterator[T]:
        """Every page of one snapshot. An expired cursor starts a new snapshot from its first page
        (what was read already comes again: stock and prices are absolute, so that is harmless)."""
        for _try in range(SNAPSHOT_TRIES):
            cursor: str | None = None
            try:
                while True:
                    query: dict[str, Any] = {"limit": PAGE}
                    if cursor:
                        query["cursor"] = cursor
                    body = self.client.call("GET", path, query=query)
                    try:
                        records, cursor = read(body)
                    except ValueError:
                        raise RetryableError(
                            _("The bridge answered %(path)s with something else: %(body)s")
                            % {"path": path, "body": str(body)[:200]}
                        ) from None
                    yield from records
                    if not cursor:
                        return
            except RetryableError as exc:
                if exc.code != "cursor_expired":
                    raise
        raise RetryableError(_("The bridge's snapshot of %(path)s kept expiring while it was read.") % {"path": path})


def _skew(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        then = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return round(abs((dt.datetime.now(dt.UTC) - then).total_seconds()))
