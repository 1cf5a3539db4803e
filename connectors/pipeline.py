"""Building an ERP sales order from a mirrored shop order (V1-V3, V5, S7, S8, R4, C5).

Pure functions over loaded models and plain values: no remote calls and no
writes here. The engine resolves items (reads only), builds and checks the
whole order here, and only then resolves the customer and sends.

Money rules, stated once:
- a line goes to the ERP as the shop sold it: quantity, unit price excl. VAT,
  and the line's own discount (its percent when that is exactly what the shop
  took off, otherwise its amount). The ERP computes the line's net as
  ``erp_line_net``: qty × price, less the percent, less the amount, rounded
  half-up to the cent once;
- when the shop's net row is not qty × price (prices entered incl. VAT), the
  unit price is the row ÷ qty to 4 decimals;
- a discount the shop took off *after* VAT (Magento's "tax before discount")
  does not lower the VAT: it becomes one discount line at 0 % VAT;
- order-level codes apply only where the shop gives no per-line amounts: a
  percentage is spread over the goods lines, a fixed amount (incl. VAT, as
  shops show it) becomes its own line per VAT rate in proportion to the goods (S8);
- the ERP's total is, per VAT rate, the sum of net amounts plus VAT on that
  sum rounded to the cent (how the ERPs here total a document);
- a remaining difference to the shop's stated total of at most a cent per
  unit sold becomes a rounding line (the shop rounded VAT per unit or row); a
  larger one stops the order with a breakdown per VAT rate and per line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from orders.models import DiscountKind, Order

from .exceptions import Problem
from .records import AddressRecord, SalesOrderLineRecord, SalesOrderRecord

CENT = Decimal("0.01")
PRICE = Decimal("0.0001")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def q2(value: Decimal) -> Decimal:
    """Round half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def erp_line_net(quantity: Decimal, unit_price: Decimal, percent: Decimal, amount: Decimal) -> Decimal:
    """A line's net as the ERP computes it from what is sent (one rounding)."""
    gross = quantity * unit_price
    return q2(gross - gross * percent / HUNDRED - amount)


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


def unit_price_for(quantity: Decimal, unit_price: Decimal, base: Decimal) -> Decimal:
    """The unit price that gives the shop's net row: the shop's own when it does."""
    if not quantity or q2(quantity * unit_price) == base:
        return unit_price
    derived = (base / quantity).quantize(PRICE, rounding=ROUND_HALF_UP)
    return derived if q2(quantity * derived) == base else unit_price


@dataclass(frozen=True)
class SoldLine:
    """One shop line priced for the ERP, with what the shop charged for it (for the breakdown)."""

    record: SalesOrderLineRecord
    shop_gross: Decimal | None
    untaxed_discount: Decimal


def line_as_sold(line, *, item_no: str, description: str, spread_percent: Decimal, vat_code: str) -> SoldLine:
    """The ERP line for one shop line: its own discount as sold, plus any spread order percent."""
    base = (
        q2(line.row_total_excl_vat)
        if line.row_total_excl_vat is not None
        else q2(line.quantity * line.unit_price_excl_vat)
    )
    unit_price = unit_price_for(line.quantity, line.unit_price_excl_vat, base)
    own = line.discount_amount if line.discount_reduces_vat else ZERO
    untaxed = ZERO if line.discount_reduces_vat else line.discount_amount
    target = q2(base - own - q2(base * spread_percent / HUNDRED))
    percent = line.discount_percent + spread_percent if own else spread_percent
    # The percent alone when it gives exactly the shop's net; otherwise the amount alone.
    if percent and erp_line_net(line.quantity, unit_price, percent, ZERO) == target:
        discount_percent, discount_amount = percent, ZERO
    else:
        discount_percent, discount_amount = ZERO, q2(line.quantity * unit_price) - target
    record = SalesOrderLineRecord(
        item_no=item_no,
        description=description,
        quantity=line.quantity,
        unit_price=unit_price,
        vat_rate=line.vat_rate,
        vat_code=vat_code,
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        amount=erp_line_net(line.quantity, unit_price, discount_percent, discount_amount),
        shop_discount_percent=line.discount_percent,
        line_id=line.shop_line_id or str(line.pk),
        sku=line.sku,
        ean=line.product.ean if line.product is not None else "",
        shop_gross=line.shop_total_incl_vat,
    )
    return SoldLine(record=record, shop_gross=line.shop_total_incl_vat, untaxed_discount=untaxed)


def simple_line(
    item_no: str, description: str, net: Decimal, rate: Decimal, vat_code: str, *, kind: str
) -> SalesOrderLineRecord:
    """A one-off line of one unit: freight, a discount, a rounding (``kind``)."""
    return SalesOrderLineRecord(
        item_no=item_no,
        description=description,
        quantity=Decimal("1"),
        unit_price=net,
        vat_rate=rate,
        vat_code=vat_code,
        amount=net,
        kind=kind,
    )


def sales_order_build(
    order: Order,
    *,
    integration,
    item_numbers: Mapping[int, str],
    customer_no: str,
    one_time: bool,
    descriptions: Mapping[int, str] | None = None,
) -> tuple[SalesOrderRecord, list[Problem]]:
    """The sales order for ``order``, or the problems that stop it.

    ``item_numbers`` maps each order line's pk to its resolved ERP item;
    ``descriptions`` overrides a line's text (a line sent as the default item
    keeps the shop's name and SKU).
    """
    vat_map: Mapping[str, str] = integration.vat_map
    problems: list[Problem] = []
    lines = list(order.lines.all())
    discounts = [d for d in order.discounts.all() if not d.per_line]
    spread = min(HUNDRED, sum((d.value for d in discounts if d.kind == DiscountKind.PERCENT), ZERO))
    fixed_gross = sum((d.value for d in discounts if d.kind == DiscountKind.FIXED), ZERO)
    fallbacks = Fallbacks(
        default_item_no=integration.default_item_no,
        shipping_item_no=integration.shipping_item_no,
        discount_item_no=integration.discount_item_no or integration.default_item_no,
        rounding_item_no=integration.rounding_item_no or integration.default_item_no,
    )

    sold = [
        line_as_sold(
            line,
            item_no=item_numbers.get(line.pk, ""),
            description=(descriptions or {}).get(line.pk, line.name),
            spread_percent=spread,
            vat_code=vat_map.get(vat_key(line.vat_rate), ""),
        )
        for line in lines
    ]
    erp_lines = [s.record for s in sold]
    gross_by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in erp_lines:
        gross_by_rate[line.vat_rate] += line.amount * (1 + line.vat_rate / HUNDRED)

    untaxed = sum((s.untaxed_discount for s in sold), ZERO) + order.discount_after_vat
    if untaxed:
        erp_lines.append(
            simple_line(
                fallbacks.discount_item_no,
                _("Discount (taken off after VAT)"),
                -untaxed,
                ZERO,
                vat_map.get("0", ""),
                kind="discount",
            )
        )
        problems += _needs_zero_vat(vat_map, integration, _("a discount the shop took off after VAT"))
    if fixed_gross:
        erp_lines.extend(_fixed_discount_lines(fixed_gross, gross_by_rate, fallbacks.discount_item_no, vat_map))
    if untaxed or fixed_gross:
        if not fallbacks.discount_item_no:
            problems.append(
                Problem(
                    _("The order has a discount of its own line but no discount or default item is set."),
                    _("Set a discount item (or default item) number on %(integration)s.")
                    % {"integration": integration},
                    about_codes="discount_item",
                )
            )

    if order.shipping_excl_vat:
        erp_lines.append(
            simple_line(
                fallbacks.shipping_item_no,
                order.shipping_method or _("Freight"),
                q2(order.shipping_excl_vat),
                order.shipping_vat_rate,
                vat_map.get(vat_key(order.shipping_vat_rate), ""),
                kind="shipping",
            )
        )

    computed = document_total(erp_lines)
    difference = order.grand_total - computed
    tolerance = CENT * (sum((max(Decimal(1), line.quantity) for line in lines), ZERO) + 1)
    if difference and abs(difference) <= tolerance:
        erp_lines.append(
            simple_line(
                fallbacks.rounding_item_no, _("Rounding"), difference, ZERO, vat_map.get("0", ""), kind="rounding"
            )
        )
        problems += _needs_zero_vat(vat_map, integration, _("a rounding line of %(amount)s") % {"amount": difference})
    elif difference:
        problems.append(_totals_problem(order, sold, erp_lines, computed))

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
        placed_at=order.placed_at,
        currency=order.currency,
        lines=tuple(erp_lines),
        total_incl_vat=document_total(erp_lines),
        customer_name=name,
        customer_first_name=(customer.first_name if customer else "") or (billing.first_name if billing else ""),
        customer_last_name=(customer.last_name if customer else "") or (billing.last_name if billing else ""),
        customer_company=(customer.company if customer else "") or (billing.company if billing else ""),
        customer_type=customer.customer_type if customer else "P",
        org_no=customer.org_no if customer else "",
        language=order.language or (customer.language if customer else ""),
        email=order.email or (customer.email if customer else ""),
        one_time=one_time,
        public_comment=" ".join(p for p in (order.number, order.customer_comment) if p),
        internal_comment=" ".join(
            p
            for p in (
                order.number,
                order.internal_comment,
                order.customer_comment if integration.order_comment_to_internal_note else "",
            )
            if p
        ),
        payment_method_code=integration.payment_method_map.get(order.payment_method, ""),
        shipping_method_code=integration.shipping_method_map.get(order.shipping_method, ""),
        payment_reference=order.payment_reference,
        customer_reference=order.customer_reference,
        shop_id=integration.erp_shop_id or order.shop_code,
        shop_email=integration.shop_email,
        numbering_series=integration.numbering_series,
        warehouse=integration.warehouse_code,
        send_confirmation=integration.erp_sends_confirmation,
        delivery=address_record(delivery or billing),
        billing=address_record(billing),
    )
    return record, problems


def _needs_zero_vat(vat_map: Mapping[str, str], integration, what: str) -> list[Problem]:
    if "0" in vat_map:
        return []
    return [
        Problem(
            _("The order needs %(what)s at 0 %% VAT, but VAT 0 %% has no ERP VAT code.") % {"what": what},
            _("Add '0' to the VAT map of %(integration)s.") % {"integration": integration},
            about_codes="vat",
        )
    ]


def _totals_problem(order: Order, sold: list[SoldLine], erp_lines: list[SalesOrderLineRecord], computed) -> Problem:
    """The difference, with where it comes from: per VAT rate and per line, shop against computed."""
    by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for s in sold:
        if s.shop_gross is not None:
            by_rate[s.record.vat_rate][0] += s.shop_gross
        by_rate[s.record.vat_rate][1] += q2(s.record.amount * (1 + s.record.vat_rate / HUNDRED))
    rates = "; ".join(f"{vat_key(rate)} %: {shop} / {computed_}" for rate, (shop, computed_) in sorted(by_rate.items()))
    per_line = "; ".join(
        f"'{s.record.description}' {s.shop_gross if s.shop_gross is not None else '?'} / "
        f"{q2(s.record.amount * (1 + s.record.vat_rate / HUNDRED))}"
        for s in sold
    )
    return Problem(
        _("The shop's total %(shop)s differs from the computed total %(computed)s by %(difference)s %(currency)s.")
        % {
            "shop": order.grand_total,
            "computed": computed,
            "difference": order.grand_total - computed,
            "currency": order.currency,
        },
        _(
            "Incl. VAT, shop / computed — per VAT rate: %(rates)s. Per line: %(lines)s. Check the order's VAT "
            "rates, discounts and freight in the shop; orders whose totals disagree are not sent."
        )
        % {"rates": rates or "—", "lines": per_line or "—"},
    )


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
    return [
        simple_line(
            item_no,
            _("Discount (%(rate)s %% VAT)") % {"rate": vat_key(rate)},
            -q2(share / (1 + rate / HUNDRED)),
            rate,
            vat_map.get(vat_key(rate), ""),
            kind="discount",
        )
        for rate, share in zip(rates, shares, strict=True)
    ]
