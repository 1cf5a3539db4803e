"""ShopRenter payloads <-> records. Pure functions.

Shapes from ShopRenter's own documentation and fixtures (Shoprenter/sr-api-docs:
``fixtures/api/order_extend``, ``order_product``, ``product_extend``,
``order_status_description``). Numbers arrive as strings; resource ids are
base64 of ``<resource>-<column>=<n>``, ``innerId`` the plain number.
Where the docs are silent it says so.
"""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from connectors import parsing
from connectors.records import (
    AddressRecord,
    CustomerRecord,
    DiscountRecord,
    OrderLineRecord,
    OrderRecord,
    ProductRecord,
)

STOCK_SLOTS = ("stock1", "stock2", "stock3", "stock4")


def resource_id(resource: str, column: str, inner_id: int | str) -> str:
    """The API's id of a resource, e.g. ("order", "order_id", 172) -> b3JkZXItb3JkZXJfaWQ9MTcy."""
    return base64.b64encode(f"{resource}-{column}={inner_id}".encode()).decode()


def id_of(link: Any) -> str:
    """The resource id at the end of a ``{"href": ...}`` link (or ``{"id": ...}``), "" when none."""
    if not isinstance(link, dict):
        return ""
    return str(link.get("id") or str(link.get("href") or "").rstrip("/").rsplit("/", 1)[-1])


def _dec(value: Any, where: str) -> Decimal:
    if value in (None, ""):
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise parsing.BadValue(f"{where}: '{value}' is not a number.") from exc


def parse_time(value: Any, zone: ZoneInfo) -> dt.datetime | None:
    """``2019-09-06T15:47:59`` in the shop's time zone (the docs give no offset; ShopRenter shops
    are Hungarian: Europe/Budapest by default, a connection parameter otherwise)."""
    if not value or str(value).startswith("-0001") or str(value).startswith("0000"):
        return None
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=zone)


def format_time(value: dt.datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S")


def _address(order: dict[str, Any], prefix: str, country: Any) -> AddressRecord:
    def field(name: str) -> str:
        return str(order.get(f"{prefix}{name}") or "")

    street = " ".join(p for p in (field("Address1"), field("Address2")) if p)
    return AddressRecord(
        first_name=field("Firstname"),
        last_name=field("Lastname"),
        company=field("Company"),
        street=street,
        postcode=field("Postcode"),
        city=field("City"),
        country=str((country or {}).get("isoCode2") or "") if isinstance(country, dict) else "",
        email=str(order.get("email") or ""),
        phone=str(order.get("phone") or ""),
    )


def quantity_of(product: dict[str, Any], where: str) -> Decimal:
    """Ordered quantity: the sum of what was taken from the four stocks (``stock1..4``, the only
    quantity fields the order product documents); when they are all 0 (stock not subtracted),
    ``total`` / ``price`` (total is documented as net price × quantity)."""
    taken = sum((_dec(product.get(slot), where + slot) for slot in STOCK_SLOTS), Decimal(0))
    if taken:
        return taken
    price, total = _dec(product.get("price"), where + "price"), _dec(product.get("total"), where + "total")
    return (total / price).quantize(Decimal("0.001")) if price else Decimal("0")


def totals_by_type(order: dict[str, Any]) -> dict[str, Decimal]:
    """Order totals summed per ``type`` (SUB_TOTAL, TAX, SHIPPING, COUPON, TOTAL …)."""
    found: dict[str, Decimal] = {}
    for i, total in enumerate(parsing.array(order.get("orderTotals"), "orderTotals") or []):
        kind = str(total.get("type") or "")
        found[kind] = found.get(kind, Decimal(0)) + _dec(total.get("value"), f"orderTotals[{i}].value")
    return found


def parse_order(
    order: dict[str, Any], *, statuses: dict[str, str], zone: ZoneInfo, sku_is_item_number: bool = True
) -> OrderRecord:
    """An ``orderExtend`` item -> an order as sold. ``statuses``: status resource id -> name."""
    lines = []
    for i, product in enumerate(parsing.array(order.get("orderProducts"), "orderProducts", required=True)):
        where = f"orderProducts[{i}]."
        sku = parsing.text(product.get("sku"), where + "sku")
        lines.append(
            OrderLineRecord(
                sku=sku,
                reference=sku if sku_is_item_number else "",
                name=parsing.text(product.get("name"), where + "name") or sku,
                quantity=quantity_of(product, where),
                unit_price_excl_vat=_dec(product.get("price"), where + "price"),
                vat_rate=_dec(product.get("taxRate"), where + "taxRate"),
                external_id=str(product.get("id") or ""),
            )
        )
    totals = totals_by_type(order)
    customer_link = order.get("customer")
    is_guest = not id_of(customer_link)
    billing = _address(order, "payment", order.get("paymentCountry"))
    delivery = _address(order, "shipping", order.get("shippingCountry"))
    tax_number = str(order.get("taxNumber") or "")
    coupon = order.get("coupon") if isinstance(order.get("coupon"), dict) else None
    discounts: tuple[DiscountRecord, ...] = ()
    if coupon and coupon.get("code"):
        # The coupon's own figures; how ShopRenter spreads it over the lines is not documented,
        # so it is an order-level code (a percentage spread, a fixed amount its own line).
        percent = str(coupon.get("discountType") or "").upper() == "PERCENT"
        value = _dec(coupon.get("percentDiscountValue" if percent else "fixDiscountValue"), "coupon")
        if value:
            discounts = (DiscountRecord(code=str(coupon["code"]), kind="percent" if percent else "fixed", value=value),)
    language: dict[str, Any] = order["language"] if isinstance(order.get("language"), dict) else {}
    currency: dict[str, Any] = order["currency"] if isinstance(order.get("currency"), dict) else {}
    status_id = id_of(order.get("orderStatus"))
    return OrderRecord(
        external_id=parsing.text(order.get("id"), "id") or resource_id("order", "order_id", str(order.get("innerId"))),
        number=parsing.text(order.get("innerId"), "innerId", required=True),
        status=statuses.get(status_id, status_id),
        placed_at=parse_time(order.get("dateCreated"), zone) or dt.datetime.now(dt.UTC),
        updated_at=parse_time(order.get("dateUpdated"), zone),
        customer=CustomerRecord(
            external_id="" if is_guest else id_of(customer_link),
            customer_type="C" if billing.company else "P",
            first_name=str(order.get("firstname") or ""),
            last_name=str(order.get("lastname") or ""),
            company=billing.company,
            org_no=tax_number,
            language=str(language.get("code") or ""),
            email=str(order.get("email") or ""),
            phone=str(order.get("phone") or ""),
            fax=str(order.get("fax") or ""),
            is_guest=is_guest,
            billing=billing,
            delivery=delivery,
        ),
        lines=tuple(lines),
        currency=str(currency.get("code") or "HUF"),
        language=str(language.get("code") or ""),
        payment_method=str(order.get("paymentMethodCode") or "").upper(),
        shipping_method=str(order.get("shippingMethodExtension") or order.get("shippingMethodName") or ""),
        customer_comment=str(order.get("comment") or ""),
        email=str(order.get("email") or ""),
        billing=billing,
        delivery=delivery,
        discounts=discounts,
        # The SHIPPING total is taken as net (the docs do not say); its rate is the method's.
        shipping_excl_vat=totals.get("SHIPPING", Decimal(0)),
        shipping_vat_rate=_dec(order.get("shippingMethodTaxRate"), "shippingMethodTaxRate"),
        grand_total=totals.get("TOTAL") or _dec(order.get("total"), "total"),
        raw=str(order)[:2000],
    )


def parse_product(
    product: dict[str, Any], *, zone: ZoneInfo, vat_rate: Decimal, sku_is_item_number: bool = True
) -> ProductRecord:
    """A ``productExtend`` item -> a product. Its VAT rate sits behind the ``taxClass`` link, which an
    expanded list does not resolve: the connection's ``vat_rate`` parameter stands in (27 by default)."""
    sku = parsing.text(product.get("sku"), "sku", required=True)
    descriptions = product.get("productDescriptions")
    name = ""
    if isinstance(descriptions, list) and descriptions and isinstance(descriptions[0], dict):
        name = str(descriptions[0].get("name") or "")
    weight = _dec(product.get("weight"), "weight")
    return ProductRecord(
        external_id=parsing.text(product.get("id"), "id", required=True),
        sku=sku,
        name=name or sku,
        price_excl_vat=_dec(product.get("price"), "price"),
        vat_rate=vat_rate,
        reference=sku if sku_is_item_number else "",
        active=str(product.get("status") or "1") == "1",
        weight=weight or None,
        updated_at=parse_time(product.get("dateUpdated"), zone),
    )


def stock_and_price_request(
    root: str, *, sku: str, product_id: str = "", stock: dict[str, Decimal] | None = None, price: Decimal | None = None
) -> dict[str, Any]:
    """One ``/batch`` sub-request setting a product's stock slots and/or net price: ``PUT
    productExtend/{id}`` when its id is known, else ``POST productExtend?sku=`` (which updates by SKU)."""
    data: dict[str, Any] = {}
    for slot, quantity in (stock or {}).items():
        data[slot] = format(quantity.normalize(), "f") if quantity else "0"
    if price is not None:
        data["price"] = format(price.quantize(Decimal("0.0001")), "f")
    if product_id:
        return {"method": "PUT", "uri": f"{root}productExtend/{product_id}", "data": data}
    return {"method": "POST", "uri": f"{root}productExtend?sku={sku}", "data": data}


def sub_status(result: dict[str, Any]) -> tuple[int, str]:
    """The status code and error text of one ``/batch`` sub-result."""
    response = result.get("response") or {}
    try:
        status = int(str((response.get("header") or {}).get("statusCode") or 0))
    except ValueError:
        status = 0
    body = response.get("body")
    message = str(body.get("message") or "") if isinstance(body, dict) else ""
    return status, message


WEBHOOK_EVENTS = ("order_confirm", "order_status_change")


def webhook_targets(hook: dict[str, Any]) -> list[str]:
    """The URLs a ``webHooks`` item sends to. ``webHookParameters`` is a list in the documented
    request and in the webhook example's answer, a single object in the resource fixture: both."""
    parameters = hook.get("webHookParameters") or []
    if isinstance(parameters, dict):
        parameters = [parameters]
    return [str(p.get("url") or "") for p in parameters if isinstance(p, dict)]


def webhook_body(*, event: str, url: str) -> dict[str, Any]:
    """``POST /webHooks``: enabled, JSON, sent at once (no ``webHookDelay``). The order fields are
    left to the shop's default: the portal reads the order from the API, not from the webhook."""
    return {
        "event": event,
        "status": "1",
        "label": f"Sync Portal {event}",
        "webHookParameters": [{"type": "json", "url": url}],
    }
