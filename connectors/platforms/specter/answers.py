"""What Specter answers, read into records. Pure functions: no HTTP, no database.

Writes answer plain text ``result;id;message`` (a refusal can come as HTTP 200); reads answer
XML in ISO-8859-1 (articles, stock, order changes as batches). The shapes and their sources
([C], [R], [A]) are described in ``mapping``, which builds what is sent.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from connectors.records import ErpOrderStatusRecord, ItemRecord, StockRecord

from .mapping import (
    ARTICLE_ATTRIBUTES,
    ARTICLE_ELEMENTS,
    ARTICLE_ID_ATTRIBUTE,
    ENCODING,
    EXTERNAL_ORDER_ATTRIBUTE,
    SpecterAnswerError,
)

# --- answers --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteAnswer:
    """``result;id;message`` of a write: ``ok`` when result is 1."""

    ok: bool
    id: str
    message: str
    raw: str


def parse_write_answer(text: str) -> WriteAnswer:
    """Read ``result;id;message``; a message may itself hold semicolons. Anything else raises
    SpecterAnswerError (a proxy's page, an empty body)."""
    stripped = text.strip()
    parts = stripped.split(";", 2)
    if len(parts) < 2 or parts[0].strip() not in ("0", "1"):
        raise SpecterAnswerError(stripped[:300] or "(empty body)")
    message = parts[2].strip() if len(parts) > 2 else ""
    return WriteAnswer(ok=parts[0].strip() == "1", id=parts[1].strip(), message=message, raw=stripped)


def valid_id(value: str) -> bool:
    """A Specter id: a positive whole number (``0`` means none)."""
    return value.isdigit() and int(value) > 0


_DUPLICATE = re.compile(r"externalorderno|extern(?:t)? ordernummer|already exists|finns redan|duplicate", re.I)
_KEY = re.compile(r"\bkey\b|nyckel|md5|not authori[sz]ed|behörighet|access denied|apiuser|sbmid", re.I)
_ARTICLE = re.compile(r"article(?:no)?\s*'?([^' ,;]+)'?\s*(?:not found|does not exist|saknas|finns inte)", re.I)
_CUSTOMER = re.compile(r"customer(?:id)?\s*'?([^' ,;]*)'?\s*(?:not found|does not exist|saknas|finns inte)", re.I)
_PAYTYPE = re.compile(r"paytype(?:identifier)?\s*'?([^' ,;]*)'?", re.I)


def classify_refusal(message: str, *, action: str) -> tuple[str, str]:
    """(code, subject) of a refusal: ``duplicate_order``, ``credentials``, ``item_not_found``,
    ``customer_not_found``, ``payment_method``; ('', '') when not recognised."""
    if action == "newOrderSubmit" and _DUPLICATE.search(message) and "customer" not in message.lower():
        return "duplicate_order", ""
    if _KEY.search(message):
        return "credentials", ""
    patterns = ((_ARTICLE, "item_not_found"), (_CUSTOMER, "customer_not_found"), (_PAYTYPE, "payment_method"))
    for pattern, code in patterns:
        match = pattern.search(message)
        if match:
            return code, match.group(1)
    return "", ""


@dataclass(frozen=True)
class ApiResponse:
    """``<APIresponse><code/><message/></APIresponse>`` (or the text form ``0;<code>;<message>``)."""

    code: str
    message: str

    @property
    def open_batch(self) -> str:
        """The batch number still open that error 99 names between single quotes, or ''."""
        if self.code != "99":
            return ""
        match = re.search(r"'([^']+)'", self.message)
        return match.group(1) if match else ""


def decode(raw: bytes) -> str:
    """Text of a read: UTF-8 when it is valid UTF-8, else ISO-8859-1 (what Specter writes)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode(ENCODING)


def parse_xml(raw: bytes) -> ET.Element:
    """The root of an XML answer (its declaration's encoding honoured; none: UTF-8, else ISO-8859-1)."""
    try:
        return ET.fromstring(raw)
    except ET.ParseError:
        try:
            return ET.fromstring(raw.decode(ENCODING).encode("utf-8"))
        except ET.ParseError as exc:
            raise SpecterAnswerError(decode(raw)[:300] or "(empty body)") from exc


def api_response(root: ET.Element) -> ApiResponse | None:
    """The error envelope, whether it is the root or a child of it; None when the answer holds none."""
    node = root if root.tag == "APIresponse" else root.find("APIresponse")
    if node is None:
        return None
    return ApiResponse(code=(node.findtext("code") or "").strip(), message=(node.findtext("message") or "").strip())


def text_api_response(text: str) -> ApiResponse | None:
    """The text form of an error (``0;99;… 'batch' …``) at the start of a plain-text read."""
    match = re.match(r"\s*0;(\d+);(.*)", text, re.S)
    return ApiResponse(code=match.group(1), message=match.group(2).strip()) if match else None


def _decimal(value: str | None) -> Decimal | None:
    """Specter's numbers may carry a decimal comma (the public client replaces it); '' is None."""
    if value is None or not value.strip():
        return None
    try:
        return Decimal(value.strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise SpecterAnswerError(f"not a number: {value!r}") from None


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "ja", "j")


def parse_articles(root: ET.Element) -> tuple[list[ItemRecord | str], int]:
    """Changed articles (S2, S5) and ``responseMaxLimit``: a full batch means more are waiting.

    An article that cannot be read comes as its raw XML text (the engine sets it aside).
    """
    items: list[ItemRecord | str] = []
    for node in root.iter("article"):
        try:
            items.append(parse_article(node))
        except (SpecterAnswerError, ValueError):
            items.append(ET.tostring(node, encoding="unicode")[:2000])
    limit = root.findtext("responseMaxLimit")
    return items, int(limit) if limit and limit.strip().isdigit() else 0


def parse_article(node: ET.Element) -> ItemRecord:
    """One ``<article>``: S5's fields; ``deleted`` makes the item inactive (the shop product too)."""
    number_ = (node.findtext("articleNo") or "").strip()
    if not number_:
        raise SpecterAnswerError("article without articleNo")
    attrs = node.attrib
    vat = _decimal(attrs.get(ARTICLE_ATTRIBUTES["vat_rate"]))
    return ItemRecord(
        number=number_,
        description=(node.findtext("name") or "").strip(),
        price_excl_vat=_decimal(attrs.get("priceExclVat")),
        purchase_price=_decimal(attrs.get("buyPrice")),
        ean=(attrs.get("barCode") or "").strip(),
        weight=_decimal(attrs.get("productWeight")),
        vat_rate=vat,
        manufacturer_article_no=(attrs.get(ARTICLE_ATTRIBUTES["manufacturer_article_no"]) or "").strip(),
        reorder_point=_decimal(attrs.get(ARTICLE_ATTRIBUTES["reorder_point"])),
        notes=(node.findtext(ARTICLE_ELEMENTS["notes"]) or "").strip(),
        active=not _flag(attrs.get(ARTICLE_ATTRIBUTES["deleted"])),
        internal_id=(attrs.get(ARTICLE_ID_ATTRIBUTE) or "").strip(),
    )


def parse_stock_text(text: str, *, warehouse: str) -> list[StockRecord]:
    """Stock changes of the main stock site as text rows ``specterId;articleNo;quantity;batchNo``
    separated by CR (S10). ``noItemsAvailable`` (an article without stock keeping) is skipped."""
    records: list[StockRecord] = []
    for row in re.split(r"\r\n|\r|\n", text):
        if ";" not in row:
            continue
        parts = row.split(";")
        if len(parts) < 3:
            continue
        article, quantity = parts[1].strip(), parts[2].strip()
        if not article or quantity == "noItemsAvailable":
            continue
        amount = _decimal(quantity)
        if amount is None:
            continue
        records.append(StockRecord(sku=article, quantity=amount, warehouse=warehouse))
    return records


def parse_order_changes(root: ET.Element) -> list[ErpOrderStatusRecord]:
    """Changed orders (S2, S11): ``<order orderNo>`` with ``<orderstatus statusId deliveryStatus>`` and
    ``<deliveries updated><delivery trackingNo/></deliveries>`` [C]. The status the integration's
    status map reads: ``deleted`` (statusId 5), ``delivered`` (delivery status D or a delivery
    reported), else ``status <statusId>``."""
    records: list[ErpOrderStatusRecord] = []
    for node in root.iter("order"):
        number_ = (node.get("orderNo") or "").strip()
        if not number_:
            continue
        status_node = node.find("orderstatus")
        status_id = (status_node.get("statusId") if status_node is not None else "") or ""
        delivery = (status_node.get("deliveryStatus") if status_node is not None else "") or ""
        deliveries = node.find("deliveries")
        delivered = delivery == "D" or (deliveries is not None and deliveries.get("updated") == "1")
        if status_id == "5":
            status = "deleted"
        elif delivered:
            status = "delivered"
        else:
            status = f"status {status_id}".strip()
        records.append(
            ErpOrderStatusRecord(
                number=number_, external_order_no=(node.get(EXTERNAL_ORDER_ATTRIBUTE) or "").strip(), status=status
            )
        )
    return records
