"""Building an ERP sales order from a mirrored shop order (V1-V3, V5, S7, S8, R4, C5).

Pure functions over loaded models and plain values: no remote calls and no
writes here. The engine (connectors.services) resolves items and the
customer remotely and then calls ``sales_order_build``.

Money rules, stated once:
- a line's net amount is ``qty * unit price``, less the percentage codes
  (spread over every goods line) and the shop's own line discount, rounded
  half-up to the cent once;
- the ERP's total is, per VAT rate, the sum of net amounts plus VAT on that
  sum rounded to the cent (how the ERPs here total a document);
- fixed-amount codes (incl. VAT, as shops show them) become their own
  negative line per VAT rate, in proportion to the goods at that rate;
- a remaining difference to the shop's stated total of at most one cent per
  line becomes a rounding line; a larger one stops the order with a hint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from orders.models import DiscountKind, Order

from .exceptions import Problem
from .records import AddressRecord, SalesOrderLineRecord, SalesOrderRecord

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def q2(value: Decimal) -> Decimal:
    """Round half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def vat_key(rate: Decimal) -> str:
    """'25', '12.5', '0': the key of a VAT rate in an integration's VAT map."""
    text = format(Decimal(rate).normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def document_total(lines: Iterable[SalesOrderLineRecord]) -> Decimal:
    """Total incl. VAT the way the ERP computes it: VAT per rate on the summed net."""
    net_by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        net_by_rate[line.vat_rate] += line.amount
    return sum((net + q2(net * rate / HUNDRED) for rate, net in net_by_rate.items()), ZERO)


@dataclass(frozen=True)
class Fallbacks:
    """The items an order falls back on, from the integration (V2)."""

    default_item_no: str
    shipping_item_no: str
    discount_item_no: str
    rounding_item_no: str


def validate_order(order: Order, *, integration) -> list[Problem]:
    """Local checks that need no remote call: methods, VAT codes, freight item (V5, C5, R4)."""
    problems: list[Problem] = []
    lines = list(order.lines.all())
    if not lines:
        problems.append(Problem(f"Order {order.number} has no lines.", "Check the order in the shop."))
    if order.payment_method and order.payment_method not in integration.payment_method_map:
        problems.append(
            Problem(
                f"Payment method '{order.payment_method}' has no ERP code.",
                f"Add '{order.payment_method}' to the payment method map of {integration} (C5).",
            )
        )
    if order.shipping_method and order.shipping_method not in integration.shipping_method_map:
        problems.append(
            Problem(
                f"Shipping method '{order.shipping_method}' has no ERP code.",
                f"Add '{order.shipping_method}' to the shipping method map of {integration}.",
            )
        )
    if order.shipping_excl_vat and not integration.shipping_item_no:
        problems.append(
            Problem(
                f"The order has freight ({order.shipping_excl_vat} {order.currency}) but no shipping item is set.",
                f"Set the shipping item number on {integration} (V2).",
            )
        )
    rates = {line.vat_rate for line in lines}
    if order.shipping_excl_vat:
        rates.add(order.shipping_vat_rate)
    for rate in sorted(rates):
        if vat_key(rate) not in integration.vat_map:
            problems.append(
                Problem(
                    f"VAT {vat_key(rate)}% has no ERP VAT code.",
                    f"Add '{vat_key(rate)}' to the VAT map of {integration} (R4).",
                )
            )
    return problems


def line_item_problem(line) -> Problem:
    """The V5 message for a line that resolved to no ERP item (so no default item is set either)."""
    what = "service" if line.is_service else "product"
    hint = (
        f"Put the ERP item number in the {what}'s reference in the shop, "
        "or set a default item number on the integration (V2)."
    )
    return Problem(
        f"Line '{line.name}' (SKU {line.sku or '—'}) has no ERP item number and no default item is set.", hint
    )


def address_record(address) -> AddressRecord | None:
    if address is None:
        return None
    return AddressRecord(
        first_name=address.first_name,
        last_name=address.last_name,
        company=address.company,
        street=address.street,
        postcode=address.postcode,
        city=address.city,
        country=address.country,
        email=address.email,
        phone=address.phone,
    )


def sales_order_build(
    order: Order,
    *,
    integration,
    item_numbers: Mapping[int, str],
    customer_no: str,
    one_time: bool,
) -> tuple[SalesOrderRecord, list[Problem]]:
    """The sales order for ``order``, or the problems that stop it.

    ``item_numbers`` maps each order line's pk to its resolved ERP item.
    """
    vat_map: Mapping[str, str] = integration.vat_map
    problems: list[Problem] = []
    lines = list(order.lines.all())
    discounts = list(order.discounts.all())
    percent = min(HUNDRED, sum((d.value for d in discounts if d.kind == DiscountKind.PERCENT), ZERO))
    fixed_gross = sum((d.value for d in discounts if d.kind == DiscountKind.FIXED), ZERO)
    fallbacks = Fallbacks(
        default_item_no=integration.default_item_no,
        shipping_item_no=integration.shipping_item_no,
        discount_item_no=integration.discount_item_no or integration.default_item_no,
        rounding_item_no=integration.rounding_item_no or integration.default_item_no,
    )

    erp_lines: list[SalesOrderLineRecord] = []
    gross_by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        before = line.quantity * line.unit_price_excl_vat
        amount = q2(before - before * percent / HUNDRED - line.discount_amount)
        gross_by_rate[line.vat_rate] += amount * (1 + line.vat_rate / HUNDRED)
        erp_lines.append(
            SalesOrderLineRecord(
                item_no=item_numbers.get(line.pk, ""),
                description=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price_excl_vat,
                vat_rate=line.vat_rate,
                vat_code=vat_map.get(vat_key(line.vat_rate), ""),
                discount_percent=percent,
                discount_amount=line.discount_amount,
                amount=amount,
            )
        )

    if fixed_gross:
        if not fallbacks.discount_item_no:
            problems.append(
                Problem(
                    "The order has a fixed-amount discount code but no discount or default item is set.",
                    f"Set a discount item (or default item) number on {integration} (S8).",
                )
            )
        erp_lines.extend(_fixed_discount_lines(fixed_gross, gross_by_rate, fallbacks.discount_item_no, vat_map))

    if order.shipping_excl_vat:
        erp_lines.append(
            SalesOrderLineRecord(
                item_no=fallbacks.shipping_item_no,
                description=order.shipping_method or "Freight",
                quantity=Decimal("1"),
                unit_price=order.shipping_excl_vat,
                vat_rate=order.shipping_vat_rate,
                vat_code=vat_map.get(vat_key(order.shipping_vat_rate), ""),
                amount=q2(order.shipping_excl_vat),
            )
        )

    difference = order.grand_total - document_total(erp_lines)
    tolerance = CENT * (len(erp_lines) + 1)
    if difference and abs(difference) <= tolerance:
        erp_lines.append(
            SalesOrderLineRecord(
                item_no=fallbacks.rounding_item_no,
                description="Rounding",
                quantity=Decimal("1"),
                unit_price=difference,
                vat_rate=ZERO,
                vat_code=vat_map.get("0", ""),
                amount=difference,
            )
        )
        if "0" not in vat_map:
            problems.append(
                Problem(
                    f"A rounding line of {difference} is needed but VAT 0% has no ERP VAT code.",
                    f"Add '0' to the VAT map of {integration}.",
                )
            )
    elif difference:
        problems.append(
            Problem(
                f"The shop total {order.grand_total} differs from the computed total "
                f"{document_total(erp_lines)} by {difference} {order.currency}.",
                "Check the order's VAT rates, discount codes and freight in the shop; "
                "the portal does not send orders whose totals disagree.",
            )
        )

    customer = order.customer
    addresses = {a.kind: a for a in order.addresses.all()}
    billing, delivery = addresses.get("billing"), addresses.get("delivery")
    name = customer.display_name if customer else ""
    if not name and billing is not None:
        name = " ".join(p for p in (billing.first_name, billing.last_name) if p) or billing.company
    record = SalesOrderRecord(
        customer_no=customer_no,
        external_order_no=order.number,
        order_date=order.placed_at.date(),
        currency=order.currency,
        lines=tuple(erp_lines),
        total_incl_vat=document_total(erp_lines),
        customer_name=name,
        customer_type=customer.customer_type if customer else "P",
        org_no=customer.org_no if customer else "",
        language=order.language or (customer.language if customer else ""),
        email=order.email or (customer.email if customer else ""),
        one_time=one_time,
        public_comment=" ".join(p for p in (order.number, order.customer_comment) if p),
        internal_comment=" ".join(p for p in (order.number, order.internal_comment) if p),
        payment_method_code=integration.payment_method_map.get(order.payment_method, ""),
        shipping_method_code=integration.shipping_method_map.get(order.shipping_method, ""),
        payment_reference=order.payment_reference,
        customer_reference=order.customer_reference,
        shop_id=integration.erp_shop_id or order.shop_code,
        numbering_series=integration.numbering_series,
        warehouse=integration.warehouse_code,
        send_confirmation=integration.erp_sends_confirmation,
        delivery=address_record(delivery or billing),
        billing=address_record(billing),
    )
    return record, problems


def _fixed_discount_lines(
    fixed_gross: Decimal,
    gross_by_rate: Mapping[Decimal, Decimal],
    item_no: str,
    vat_map: Mapping[str, str],
) -> list[SalesOrderLineRecord]:
    """A fixed amount incl. VAT split over the VAT rates in proportion to the goods (S8)."""
    total_gross = sum(gross_by_rate.values(), ZERO)
    rates = sorted(r for r, g in gross_by_rate.items() if g)
    if not rates or not total_gross:
        rates, shares = [ZERO], [fixed_gross]
    else:
        shares = [q2(fixed_gross * gross_by_rate[r] / total_gross) for r in rates[:-1]]
        shares.append(fixed_gross - sum(shares, ZERO))
    lines = []
    for rate, share in zip(rates, shares, strict=True):
        net = q2(share / (1 + rate / HUNDRED))
        lines.append(
            SalesOrderLineRecord(
                item_no=item_no,
                description=f"Discount ({vat_key(rate)}% VAT)",
                quantity=Decimal("1"),
                unit_price=-net,
                vat_rate=rate,
                vat_code=vat_map.get(vat_key(rate), ""),
                amount=-net,
            )
        )
    return lines


def remote_error_hint(code: str, subject: str, *, order: Order, integration, record: SalesOrderRecord) -> str:
    """A hint a back-office person can act on, for an ERP refusal the platform classified (V5, C5)."""
    if code in ("item_not_found", "item_missing"):
        if subject and subject == integration.default_item_no:
            return f"The default item number '{subject}' does not exist in the ERP: correct it on {integration}."
        if subject and subject == integration.shipping_item_no:
            return f"The shipping item number '{subject}' does not exist in the ERP: correct it on {integration}."
        lines = [li for li in record.lines if li.item_no == subject] if subject else []
        named = ", ".join(f"'{li.description}'" for li in lines) or "a line"
        default = (
            f"The default item is '{integration.default_item_no}'."
            if integration.default_item_no
            else "No default item is set either."
        )
        if code == "item_missing":
            return f"A product has no ERP item number in its reference. {default} Set the reference in the shop."
        return (
            f"{named} carries ERP item number '{subject}' in its reference, which the ERP does not know. "
            f"Correct the product's reference in the shop. {default}"
        )
    if code in ("customer_not_found", "customer_missing"):
        if subject and subject == integration.default_customer_no:
            return f"The default customer number '{subject}' does not exist in the ERP: correct it on {integration}."
        default = (
            f"clear it to use the default customer '{integration.default_customer_no}'"
            if integration.default_customer_no
            else "set a default customer number on the integration"
        )
        return (
            f"The ERP does not know customer '{subject or record.customer_no}'. Correct the ERP customer number "
            f"on the customer card in the shop, or {default} (V3)."
        )
    if code in ("order_type", "numbering_series"):
        return (
            f"The ERP has no order type / numbering series '{subject or record.numbering_series}'. "
            f"Set an existing one as the numbering series on {integration} (R2, C5)."
        )
    if code == "payment_method":
        return (
            f"The ERP does not know payment method '{subject}' (mapped from '{order.payment_method}'). "
            f"Correct the payment method map on {integration} (C5)."
        )
    if code == "ship_via":
        return (
            f"The ERP does not know shipping method '{subject}' (mapped from '{order.shipping_method}'). "
            f"Correct the shipping method map on {integration}."
        )
    return ""
