"""Specter (Sweden) payloads <-> records. Pure functions: no HTTP, no database.

Specter publishes no API reference. What is known comes from the public
PrestaShop connector of Prestaworks AB (``SpecterConnector``,
``SpecterCustomerHelper::buildCustomerData``, ``SpecterOrderHelper::buildOrderData``,
``SpecterProductHandler``, ``SpecterStockHandler``, the cron and callback
controllers) and from integrators' notes. Tags used below:

[C]  as that public client sends or reads it;
[R]  reported by integrators, or visible only in code the client left commented out;
[A]  our assumption where every public source is silent. Each [A] is named here once.

Shapes, all [C] unless tagged:

- writes: ``POST putInfo.asp?action=<action>&sbmId=&apiUserId=&useXML=1``, the body
  form-urlencoded in ISO-8859-1 (the client ``utf8_decode``s every value), answer
  plain text ``result;id;message`` (``1`` = done); a refusal can come as HTTP 200;
- reads: ``GET getInfo.asp?Action=<action>&sbmId=&apiUserId=&batchNo=&key=[&useXML=2]``;
- the check key: ``md5(apiUserKey + sbmId + subject)``, the subject being the customer's
  name (customers), the customer id (orders), the first article number (articles) or
  the batch number (reads). The public client sends that md5 through its vendor's
  licence service before use; with Specter's API version 2 the integration key is
  applied there [R]: ``md5(integrationKey + md5(apiUserKey + sbmId + subject))``, the
  two-key form the client keeps commented out;
- numbered rows are 1-based: ``articleNo_1``, ``priceExclVAT_1`` …;
- changed articles, stock changes and order changes are read as a *batch* and
  acknowledged; while a batch is open, asking again answers error 99 naming the open
  batch number between single quotes: that batch is read again and acknowledged.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from connectors.records import (
    AddressRecord,
    CustomerRecord,
    ItemRecord,
    SalesOrderLineRecord,
    SalesOrderRecord,
)

ENCODING = "iso-8859-1"

# Language codes Specter takes (the public client sends SE, EN, NO, FI, DA, DE, ES; SE otherwise).
LANGUAGES = {
    "sv": "SE", "se": "SE", "en": "EN", "no": "NO", "nb": "NO", "nn": "NO",
    "fi": "FI", "da": "DA", "dk": "DA", "de": "DE", "es": "ES",
}  # fmt: skip

# --- our assumptions, in one place ([A]: every public source is silent) ----------------
FAX_FIELD = "faxNo"  # S3 sends the fax number; the public client sends none (named like phoneNo, mobileNo)
# S4 "a changed article number": the row names the article as Specter knows it and its new number.
NEW_ARTICLE_NO_FIELD = "newArticleNo_{n}"
# S7 order fields the public client leaves to the customer card; named as on the customer call.
ORDER_DATE_FIELD = "orderDate"
SHOP_EMAIL_FIELD = "webshopEmail"
# The changed-articles XML carries price, buyPrice, barCode and productWeight as attributes and
# articleNo and name as elements [C]; the rest of S5 is read from these attributes when present.
ARTICLE_ID_ATTRIBUTE = "articleId"  # Specter's own id, which survives a change of article number
ARTICLE_ATTRIBUTES = {
    "vat_rate": "vatPercent",
    "manufacturer_article_no": "manufacturerArticleNo",
    "reorder_point": "reorderPoint",
    "deleted": "deleted",
}
ARTICLE_ELEMENTS = {"notes": "notes"}
# The order changes XML names the Specter order number [C]; the shop's number where Specter adds it.
EXTERNAL_ORDER_ATTRIBUTE = "externalOrderNo"


class SpecterAnswerError(ValueError):
    """An answer that is not in any of Specter's documented shapes."""


# --- text ---------------------------------------------------------------------------------


def latin1(value: str) -> str:
    """The text as Specter can store it (ISO-8859-1): a character outside it loses its accent when
    that is enough (ő -> o, ł -> l), else becomes '?', as the public client's ``utf8_decode``
    would do. Double spaces are collapsed and the ends trimmed, as its ``encodeString`` does."""
    out = []
    for char in value:
        try:
            char.encode(ENCODING)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char)[0]
            base = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "ø"}.get(char, base)
            try:
                base.encode(ENCODING)
                char = base
            except UnicodeEncodeError:
                char = "?"
        out.append(char)
    return " ".join("".join(out).replace("\r", " ").replace("\n", " ").split())


def check_key(*, user_key: str, sbm_id: str, subject: str, integration_key: str = "") -> str:
    """The md5 check key of one call (see the module's notes)."""
    inner = hashlib.md5((user_key + sbm_id + latin1(subject)).encode(ENCODING, "replace")).hexdigest()
    if not integration_key:
        return inner
    return hashlib.md5((integration_key + inner).encode(ENCODING, "replace")).hexdigest()


def form_body(fields: Sequence[tuple[str, str]]) -> bytes:
    """The form body in ISO-8859-1, empty values left out (the public client skips them too)."""
    return urlencode([(k, latin1(v)) for k, v in fields if v != ""], encoding=ENCODING).encode("ascii")


def number(value: Decimal | int | None, places: int | None = None) -> str:
    """A decimal with a point and no exponent; ``places`` fixed, else without trailing zeros."""
    if value is None:
        return ""
    value = Decimal(value)
    if places is not None:
        return f"{value:.{places}f}"
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def vat_key(rate: Decimal) -> str:
    """A VAT rate as Specter takes it: 25, 12.5, 0."""
    text = format(Decimal(rate).normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def language(code: str) -> str:
    return LANGUAGES.get((code or "").strip().lower()[:2], "SE")


# --- writes: customers (S3) ---------------------------------------------------------------


def customer_name(customer: CustomerRecord) -> str:
    """The customer's name as Specter keeps it: the company, or first and last name (S7)."""
    if customer.customer_type == "C" and customer.company:
        return latin1(customer.company)
    return latin1(f"{customer.first_name} {customer.last_name}") or latin1(customer.company)


def customer_fields(customer: CustomerRecord, *, currency: str) -> list[tuple[str, str]]:
    """``newCustomerSubmit`` body without its key: S3's fields, names as the public client sends them."""
    billing = customer.billing or AddressRecord()
    delivery = customer.delivery or billing
    name = customer_name(customer)
    fields: list[tuple[str, str]] = [("currency", currency), ("language", language(customer.language))]
    if customer.customer_type == "C":
        contact = f"{customer.first_name} {customer.last_name}".strip()
        fields += [("name", name), ("attention", contact), ("contactPerson", contact)]
        fields += [("invoiceCompanyName", customer.company)]
    else:
        fields += [("firstName", customer.first_name), ("surName", customer.last_name), ("contactPerson", name)]
    fields += [("customerOrganizationalForm", "C" if customer.customer_type == "C" else "P")]
    fields += [("orgNo", customer.org_no)]
    fields += [
        ("address", billing.street),
        ("zipCodeEng", billing.postcode),
        ("city", billing.city),
        ("countryCode", billing.country.upper()),
    ]
    delivery_name = delivery.company or " ".join(p for p in (delivery.first_name, delivery.last_name) if p) or name
    fields += [
        ("deliveryCompanyName", delivery_name),
        ("deliveryAddress", delivery.street),
        ("deliveryZipCodeEng", delivery.postcode),
        ("deliveryCity", delivery.city),
        ("deliveryCountryCode", delivery.country.upper()),
    ]
    fields += [
        ("emailAddress", customer.email),
        ("phoneNo", customer.phone),
        (FAX_FIELD, customer.fax),
        ("mobileNo", customer.mobile),
    ]
    return fields


# --- writes: articles (S4, S12) -------------------------------------------------------------


def article_fields(items: Sequence[ItemRecord], *, fields: frozenset[str] | None = None) -> list[tuple[str, str]]:
    """``newArticleSubmit`` body without its key: one numbered row per item, with S4's fields only.

    ``fields`` limits an update to what changed (None: everything, a create). Always
    ``forceArticleUpdate=1`` and ``addSupplier=0`` (S12: suppliers are not sent to Specter). The
    purchase price goes as ``buyPrice`` and ``stockPrice`` when the item carries one (the engine
    leaves it out when Specter keeps suppliers, S4); stock only with a create that sends it.
    """
    body: list[tuple[str, str]] = [("forceArticleUpdate", "1"), ("addSupplier", "0")]

    def wanted(field: str) -> bool:
        return fields is None or field in fields

    for n, item in enumerate(items, start=1):
        renamed = fields is not None and "number" in fields and item.previous_number
        body.append((f"articleNo_{n}", item.previous_number if renamed else item.number))
        if renamed:
            body.append((NEW_ARTICLE_NO_FIELD.format(n=n), item.number))
        if wanted("name"):
            body.append((f"name_{n}", item.description))
        if wanted("price_excl_vat") and item.price_excl_vat is not None:
            body.append((f"priceExclVAT_{n}", number(item.price_excl_vat, 2)))
        if wanted("vat_rate") and item.vat_rate is not None:
            body.append((f"vatPercent_{n}", vat_key(item.vat_rate)))
        if wanted("ean"):
            body.append((f"barCode_{n}", item.ean))
        if wanted("purchase_price") and item.purchase_price is not None:
            price = number(item.purchase_price, 2)
            body += [(f"buyPrice_{n}", price), (f"stockPrice_{n}", price)]
        if wanted("weight") and item.weight is not None:
            body.append((f"productWeight_{n}", number(item.weight, 3)))
        if fields is None and item.stock is not None:
            body += [(f"createArticleStock_{n}", "1"), (f"noItemsInStock_{n}", number(item.stock))]
    return body


# --- writes: orders (S7, S8) --------------------------------------------------------------------


def order_fields(
    order: SalesOrderRecord, *, stock_site: str = "", check_duplicates: bool = True
) -> list[tuple[str, str]]:
    """``newOrderSubmit`` body without its key (S7): header fields, then one numbered row per line.

    Each row carries quantity, article no., name, VAT % and the price excl. VAT *after* the line's
    own discount (a spread percentage, S8): Specter's rows take no discount of their own [C], so
    the percent is named in the row's comment. A fixed-amount discount is its own row (the
    pipeline's discount line, S8). ``externalOrderNo`` is the shop's order number, whose duplicate
    Specter refuses: ``ignoreExternalOrderNoControl`` is never sent.
    """
    delivery = order.delivery or order.billing or AddressRecord()
    company = order.customer_company if order.customer_type == "C" else ""
    recipient = " ".join(p for p in (delivery.first_name, delivery.last_name) if p)
    fields: list[tuple[str, str]] = [
        ("customerId", order.customer_no),
        ("externalOrderNo", order.external_order_no),
        ("currency", order.currency),
        ("language", language(order.language)),
        (ORDER_DATE_FIELD, order.order_date.isoformat()),
        ("customerOrganizationalForm", "C" if order.customer_type == "C" else "P"),
        ("firstName", order.customer_first_name),
        ("surName", order.customer_last_name),
        # S7: a private person's company name is their first and last name.
        ("name", company or order.customer_name),
        ("orgNo", order.org_no),
        ("payTypeIdentifier", order.payment_method_code),
        ("payTypeReference", order.payment_reference),
        ("externalDeliveryMethod", order.shipping_method_code),
        ("publishedComment", order.public_comment),
        ("internalComment", order.internal_comment),
        ("customerOrderReference", order.customer_reference),
        ("deliveryCompanyName", delivery.company or recipient),
        ("deliveryAttention", recipient if delivery.company else ""),
        ("deliveryAddress", delivery.street),
        ("deliveryZipCodeEng", delivery.postcode),
        ("deliveryCity", delivery.city),
        ("deliveryCountryCode", delivery.country.upper()),
        (SHOP_EMAIL_FIELD, order.shop_email),
        ("sendOrderMail", "1" if order.send_confirmation else "0"),
        ("sendOrderMailToUser", "0"),
        ("userSource", "webuser"),
    ]  # fmt: skip
    if stock_site:
        fields.append(("stocksiteid", stock_site))
    for n, line in enumerate(order.lines, start=1):
        fields += row_fields(n, line)
    return fields


def row_fields(n: int, line: SalesOrderLineRecord) -> list[tuple[str, str]]:
    """One order row: its price excl. VAT per unit after the line's discount."""
    if line.discount_percent or line.discount_amount:
        unit = (line.amount / line.quantity) if line.quantity else line.amount
        price = number(unit.quantize(Decimal("0.0001")))
    else:
        price = number(line.unit_price)
    row = [
        (f"articleNo_{n}", line.item_no),
        (f"articleName_{n}", line.description),
        (f"priceExclVAT_{n}", price),
        (f"noOfItems_{n}", number(line.quantity)),
        (f"vatPercent_{n}", vat_key(line.vat_rate)),
    ]
    percent = line.discount_percent or line.shop_discount_percent
    if percent:
        row.append((f"articleComment_{n}", _("Discount %(percent)s %%") % {"percent": number(percent)}))
    return row
