"""A Specter emulator on 127.0.0.1: ``putInfo.asp`` and ``getInfo.asp`` to the rules the public
clients show (see ``mapping``'s notes; our assumptions are the ones named there).

- writes: POST form bodies in ISO-8859-1, answers ``result;id;message`` as text with HTTP 200
  (a refusal too); the md5 check key is verified (in the query or the body: classic ASP's
  ``Request("key")`` reads both); ``newCustomerSubmit`` with ``forceCustomerUpdate=1``
  updates the customer with the same e-mail (then org. no.); ``newArticleSubmit`` with
  ``forceArticleUpdate=1`` updates an article with the same number; ``newOrderSubmit``
  refuses a second ``externalOrderNo`` (unless ``ignoreExternalOrderNoControl=1``), an
  unknown customer or article;
- reads: the change lists of articles (XML), stock (text rows ``id;articleNo;qty;batch``
  separated by CR) and orders (XML), each handed out as a batch that stays open until
  acknowledged; asking for a new batch while one is open answers error 99 naming it;
- callbacks: with ``callback_url`` set, a change calls it with ``calltype`` (1 stock,
  4 orders, 5 articles) as Specter calls a shop's URL, and ``pskey``.

Run alone: ``python -m connectors.platforms.specter.emulator --port 8107 --demo``.
"""

from __future__ import annotations

import argparse
import itertools
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape, quoteattr

import requests

from connectors.emulation import Emulator, Reply, Request

from . import mapping

ENC = mapping.ENCODING
CHANGE_LISTS = {"articles": "article_changes", "stock": "stock_changes", "orders": "order_changes"}
READS = {
    "getArticleInfoExternalNeedUpdate": "articles",
    "getArticleExternalNeedUpdate": "stock",
    "getOrdersExternalNeedUpdate": "orders",
}
ACKNOWLEDGEMENTS = {
    "updateArticleInfosFromBatch": "articles",
    "updateArticlesFromBatch": "stock",
    "updateOrdersFromBatch": "orders",
}


def _text(body: str) -> Reply:
    return Reply(200, body.encode(ENC, "replace"), {"Content-Type": f"text/plain; charset={ENC}"})


def _xml(inner: str) -> Reply:
    body = f'<?xml version="1.0" encoding="{ENC}"?><specter>{inner}</specter>'
    return Reply(200, body.encode(ENC, "replace"), {"Content-Type": f"text/xml; charset={ENC}"})


def _error_xml(code: str, message: str) -> Reply:
    return _xml(f"<APIresponse><code>{code}</code><message>{escape(message)}</message></APIresponse>")


def _rows(form: dict[str, str], name: str) -> list[int]:
    return sorted(int(k.rsplit("_", 1)[1]) for k in form if k.startswith(name + "_") and k.rsplit("_", 1)[1].isdigit())


@dataclass
class SpecterState:
    customers: dict[str, dict[str, str]] = field(default_factory=dict)  # customer no -> fields
    articles: dict[str, dict[str, str]] = field(default_factory=dict)  # article id -> fields (articleNo …)
    stock: dict[str, Decimal] = field(default_factory=dict)  # article no -> main stock site quantity
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # order no -> fields and rows
    # Change lists, as Specter keeps them for the integration, and the batch open on each.
    article_changes: list[str] = field(default_factory=list)  # article ids
    stock_changes: list[str] = field(default_factory=list)  # article nos
    order_changes: list[str] = field(default_factory=list)  # order nos
    open_batches: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # list -> (batchNo, items)
    # (action, form, query) of every write received: what was really sent.
    writes: list[tuple[str, dict[str, str], dict[str, str]]] = field(default_factory=list)


class SpecterEmulator(Emulator):
    name = "specter"

    def __init__(
        self,
        *,
        sbm_id: str = "4711",
        api_user_id: str = "webapi",
        api_user_key: str = "user-key-123",
        integration_key: str = "",
        response_max_limit: int = 500,
        duplicate_names_order: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sbm_id, self.api_user_id = sbm_id, api_user_id
        self.api_user_key, self.integration_key = api_user_key, integration_key
        self.response_max_limit = response_max_limit
        # Whether a refused duplicate order names the existing order in the answer's id field
        # ([A]: the public sources do not show that answer).
        self.duplicate_names_order = duplicate_names_order
        self.state = SpecterState()
        self._customer_ids = itertools.count(1001)
        self._article_ids = itertools.count(70001)
        self._order_ids = itertools.count(5001)
        self.callback_url = ""
        self.callbacks: list[tuple[int, int]] = []  # (calltype, HTTP status the portal answered)

    @property
    def base_url(self) -> str:
        return f"{self.root}/"

    @property
    def credentials(self) -> dict[str, str]:
        creds = {"api_user_id": self.api_user_id, "api_user_key": self.api_user_key}
        if self.integration_key:
            creds["integration_key"] = self.integration_key
        return creds

    # --- data, as a person would change it in Specter ----------------------------------------

    def add_article(self, number: str, name: str, price: str = "0", *, stock: int | None = None, **attrs: str) -> str:
        with self.lock:
            article_id = str(next(self._article_ids))
            self.state.articles[article_id] = {"articleNo": number, "name": name, "priceExclVAT": price, **attrs}
            if stock is not None:
                self.state.stock[number] = Decimal(stock)
            return article_id

    def article(self, number: str) -> dict[str, str] | None:
        with self.lock:
            return next((a for a in self.state.articles.values() if a["articleNo"] == number), None)

    def _article_id(self, number: str) -> str:
        return next((i for i, a in self.state.articles.items() if a["articleNo"] == number), "")

    def change_article(self, number: str, **fields: str) -> None:
        """A change made in Specter: listed for the integration, and called back."""
        with self.lock:
            article_id = self._article_id(number)
            self.state.articles[article_id].update(fields)
            self.state.article_changes.append(article_id)
        self._call_back(5)

    def rename_article(self, number: str, new_number: str) -> None:
        with self.lock:
            if number in self.state.stock:
                self.state.stock[new_number] = self.state.stock.pop(number)
        self.change_article(number, articleNo=new_number)

    def set_stock(self, number: str, quantity: int | str | Decimal) -> None:
        with self.lock:
            self.state.stock[number] = Decimal(quantity)
            self.state.stock_changes.append(number)
        self._call_back(1)

    def set_order_status(
        self, order_no: str, *, status_id: str = "", delivered: bool = False, tracking: str = ""
    ) -> None:
        with self.lock:
            order = self.state.orders[order_no]
            if status_id:
                order["statusId"] = status_id
            if delivered:
                order["deliveryStatus"], order["trackingNo"] = "D", tracking
            self.state.order_changes.append(order_no)
        self._call_back(4)

    def orders_with_external_no(self, external_no: str) -> list[dict[str, Any]]:
        with self.lock:
            return [o for o in self.state.orders.values() if o["form"].get("externalOrderNo") == external_no]

    def last_write(self, action: str) -> dict[str, str]:
        """The form of the last write of ``action``, with its query's flags under '?name'."""
        with self.lock:
            form, query = next((f, q) for act, f, q in reversed(self.state.writes) if act == action)
            return {**form, **{f"?{k}": v for k, v in query.items()}}

    def state_snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "customers": len(self.state.customers),
                "articles": len(self.state.articles),
                "orders": len(self.state.orders),
            }

    def _call_back(self, calltype: int) -> None:
        url = self.callback_url
        if not url:
            return

        def call() -> None:
            try:
                answer = requests.get(url, params={"calltype": str(calltype), "pskey": "emulator"}, timeout=10)
                self.callbacks.append((calltype, answer.status_code))
            except requests.RequestException:
                self.callbacks.append((calltype, 0))

        threading.Thread(target=call, daemon=True).start()

    # --- routes ------------------------------------------------------------------------------

    def routes(self):
        return [("POST", r"/putInfo\.asp", self.put_info), ("GET", r"/getInfo\.asp", self.get_info)]

    def _expected_key(self, subject: str) -> str:
        return mapping.check_key(
            user_key=self.api_user_key, sbm_id=self.sbm_id, subject=subject, integration_key=self.integration_key
        )

    def _account_ok(self, query: dict[str, str]) -> bool:
        return query.get("sbmId") == self.sbm_id and query.get("apiUserId", "") == self.api_user_id

    def put_info(self, request: Request) -> Reply:
        query = {k: v[0] for k, v in request.query.items()}
        form = {k: v[0] for k, v in parse_qs(request.raw.decode("ascii", "replace"), encoding=ENC).items()}
        action = query.get("action", "")
        if not self._account_ok(query):
            return _text("0;0;Unknown sbmId or apiUserId")
        key = query.get("key") or form.get("key", "")
        handlers = {
            "newCustomerSubmit": (self._new_customer, lambda: mapping.latin1(form.get("name") or _person(form))),
            "newArticleSubmit": (self._new_article, lambda: form.get("articleNo_1", "")),
            "newOrderSubmit": (self._new_order, lambda: form.get("customerId", "")),
        }
        if action not in handlers:
            return _text(f"0;0;Unknown action {action}")
        handler, subject = handlers[action]
        if key != self._expected_key(subject()):
            return _text("0;0;Incorrect key")
        with self.lock:
            self.state.writes.append((action, form, query))
            return _text(handler(query, form))

    def _new_customer(self, query: dict[str, str], form: dict[str, str]) -> str:
        force = query.get("forceCustomerUpdate") == "1"
        number = query.get("customerId", "")
        if number and number not in self.state.customers:
            return f"0;0;Customer {number} not found"
        if not number:
            email, org_no = form.get("emailAddress", "").lower(), form.get("orgNo", "")
            number = next(
                (n for n, c in self.state.customers.items() if email and c.get("emailAddress", "").lower() == email),
                "",
            ) or next((n for n, c in self.state.customers.items() if org_no and c.get("orgNo") == org_no), "")
            if number and not force:
                return f"0;{number};Customer already exists"
        if number:
            self.state.customers[number].update(form)
            return f"1;{number};Customer updated"
        number = str(next(self._customer_ids))
        self.state.customers[number] = dict(form)
        return f"1;{number};Customer created"

    def _new_article(self, query: dict[str, str], form: dict[str, str]) -> str:
        force = form.get("forceArticleUpdate") == "1"
        first_id = ""
        for n in _rows(form, "articleNo"):
            number = form[f"articleNo_{n}"]
            row = {k.rsplit("_", 1)[0]: v for k, v in form.items() if k.endswith(f"_{n}")}
            article_id = self._article_id(number)
            if article_id and not force:
                return f"0;0;Article {number} already exists"
            if not article_id:
                article_id = str(next(self._article_ids))
                self.state.articles[article_id] = {"articleNo": number}
                if row.get("createArticleStock") == "1":
                    self.state.stock[number] = Decimal(row.get("noItemsInStock") or "0")
            new_number = row.pop(mapping.NEW_ARTICLE_NO_FIELD.format(n="").rstrip("_"), "")
            row.pop("articleNo", None)
            for stock_field in ("createArticleStock", "noItemsInStock"):
                row.pop(stock_field, None)  # stock is Specter's own after creation
            self.state.articles[article_id].update(row)
            if new_number:
                self.state.articles[article_id]["articleNo"] = new_number
                if number in self.state.stock:
                    self.state.stock[new_number] = self.state.stock.pop(number)
            first_id = first_id or article_id
        return f"1;{first_id or 0};Articles saved"

    def _new_order(self, query: dict[str, str], form: dict[str, str]) -> str:
        customer = form.get("customerId", "")
        if customer not in self.state.customers:
            return f"0;0;Customer {customer} not found"
        external = form.get("externalOrderNo", "")
        if external and form.get("ignoreExternalOrderNoControl") != "1":
            existing = next(
                (n for n, o in self.state.orders.items() if o["form"].get("externalOrderNo") == external), ""
            )
            if existing:
                named = existing if self.duplicate_names_order else "0"
                return f"0;{named};externalOrderNo {external} already exists"
        for n in _rows(form, "articleNo"):
            if not self._article_id(form[f"articleNo_{n}"]):
                return f"0;0;Article '{form[f'articleNo_{n}']}' not found"
        order_no = str(next(self._order_ids))
        self.state.orders[order_no] = {"form": dict(form), "webshopId": query.get("webshopId", ""), "statusId": "1"}
        return f"1;{order_no};Order created"

    def get_info(self, request: Request) -> Reply:
        query = {k: v[0] for k, v in request.query.items()}
        action, batch = query.get("Action", ""), query.get("batchNo", "")
        as_xml = query.get("useXML") == "2"
        if not self._account_ok(query) or query.get("key") != self._expected_key(batch):
            return _error_xml("1", "Incorrect key") if as_xml else _text("0;1;Incorrect key")
        with self.lock:
            if action in ACKNOWLEDGEMENTS:
                open_ = self.state.open_batches.get(ACKNOWLEDGEMENTS[action])
                if open_ and open_[0] == batch:
                    del self.state.open_batches[ACKNOWLEDGEMENTS[action]]
                return _text("1;0;Batch closed")
            if action not in READS:
                return _error_xml("2", f"Unknown action {action}")
            name = READS[action]
            items = self._take_batch(name, batch)
            if items is None:
                message = f"Batch '{self.state.open_batches[name][0]}' is not closed"
                return _error_xml("99", message) if name != "stock" else _text(f"0;99;{message}")
            if name == "articles":
                return self._articles_xml(items)
            if name == "stock":
                rows = [f"{self._article_id(n) or 0};{n};{self.state.stock.get(n, 0)};{batch}" for n in items]
                return _text("\r".join(rows))
            return self._orders_xml(items)

    def _take_batch(self, name: str, batch: str) -> list[str] | None:
        """The batch's items: the open batch again when asked by its number; a new batch from the
        change list otherwise; None while another batch is open."""
        open_ = self.state.open_batches.get(name)
        if open_ is not None:
            return open_[1] if open_[0] == batch else None
        pending: list[str] = getattr(self.state, CHANGE_LISTS[name])
        unique = list(dict.fromkeys(pending))
        taken = unique[: self.response_max_limit]
        del pending[:]
        pending.extend(i for i in unique if i not in taken)
        self.state.open_batches[name] = (batch, taken)
        return taken

    def _articles_xml(self, ids: list[str]) -> Reply:
        parts = []
        for article_id in ids:
            a = self.state.articles[article_id]
            attrs = {
                mapping.ARTICLE_ID_ATTRIBUTE: article_id,
                "priceExclVat": a.get("priceExclVAT", ""),
                "buyPrice": a.get("buyPrice", ""),
                "barCode": a.get("barCode", ""),
                "productWeight": a.get("productWeight", ""),
                mapping.ARTICLE_ATTRIBUTES["vat_rate"]: a.get("vatPercent", ""),
                mapping.ARTICLE_ATTRIBUTES["manufacturer_article_no"]: a.get("manufacturerArticleNo", ""),
                mapping.ARTICLE_ATTRIBUTES["reorder_point"]: a.get("reorderPoint", ""),
                mapping.ARTICLE_ATTRIBUTES["deleted"]: a.get("deleted", "0"),
            }
            attributes = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
            notes = f"<notes>{escape(a['notes'])}</notes>" if a.get("notes") else ""
            parts.append(
                f"<article {attributes}><articleNo>{escape(a['articleNo'])}</articleNo>"
                f"<name>{escape(a.get('name', ''))}</name>{notes}</article>"
            )
        limit = f"<responseMaxLimit>{self.response_max_limit}</responseMaxLimit>"
        return _xml(f"<articles>{''.join(parts)}</articles>{limit}")

    def _orders_xml(self, numbers: list[str]) -> Reply:
        parts = []
        for number in numbers:
            order = self.state.orders[number]
            external = order["form"].get("externalOrderNo", "")
            tracking = order.get("trackingNo", "")
            delivery = (
                f'<deliveries updated="1"><delivery trackingNo={quoteattr(tracking)}/></deliveries>'
                if order.get("deliveryStatus") == "D"
                else "<deliveries/>"
            )
            parts.append(
                f"<order orderNo={quoteattr(number)} {mapping.EXTERNAL_ORDER_ATTRIBUTE}={quoteattr(external)}>"
                f"<orderstatus statusId={quoteattr(order.get('statusId', '1'))} "
                f"deliveryStatus={quoteattr(order.get('deliveryStatus', ''))}/>{delivery}</order>"
            )
        return _xml(f"<orders>{''.join(parts)}</orders>")


def _person(form: dict[str, str]) -> str:
    return f"{form.get('firstName', '')} {form.get('surName', '')}"


def seed_demo(emulator: SpecterEmulator) -> None:
    """The freight, discount and rounding articles an order needs, and two catalogue articles."""
    emulator.add_article("FRAKT", "Frakt", "0")
    emulator.add_article("RABATT", "Rabatt", "0")
    emulator.add_article("AVRUNDNING", "Öresavrundning", "0")
    emulator.add_article("MUGG-01", "Kaffemugg", "79.20", stock=40, vatPercent="25")
    emulator.add_article("KNIV-02", "Smörkniv", "39.20", stock=120, vatPercent="25")


def main() -> None:
    parser = argparse.ArgumentParser(description="Specter emulator")
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args()
    emulator = SpecterEmulator(port=args.port)
    if args.demo:
        seed_demo(emulator)
    print(f"Specter emulator on {emulator.base_url} (sbmId {emulator.sbm_id})", flush=True)
    emulator.serve_forever()


if __name__ == "__main__":
    main()
