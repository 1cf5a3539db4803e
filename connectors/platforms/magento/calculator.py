"""Magento 2's order arithmetic, for the emulator: what the order payload's numbers are.

Written from Adobe's documentation of the tax settings (Stores › Configuration ›
Sales › Tax › Calculation Settings) and the defaults in Magento_Tax's
``etc/config.xml`` (algorithm TOTAL_BASE_CALCULATION, apply_after_discount 1,
discount_tax 0, price_includes_tax 0, shipping_includes_tax 0), and the sales
rule actions (by_percent, by_fixed, cart_fixed). It is deliberately not shared
with the connector: the connector reads the payload's per-item fields, this
module produces them, and tests compare the ERP's total with
``grand_total``.

Per item the payload satisfies Magento's own identity (used by payment
modules to rebuild a row):
``row gross = row_total - discount_amount + tax_amount + discount_tax_compensation_amount``.

Where the documentation is silent, the choice is ours and marked [A]:
- [A] a fixed-cart discount is spread over the applicable items in proportion
  to their discount base, the last item taking the rounding remainder;
- [A] with "apply discount on prices including tax", the tax on the discount
  (``discount_tax_compensation_amount``) is the discount × rate / (1 + rate),
  rounded per item.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def r2(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class TaxConfig:
    """The store's tax calculation settings (Magento's names)."""

    price_includes_tax: bool = False
    shipping_includes_tax: bool = False
    apply_after_discount: bool = True
    discount_tax: bool = False  # apply discount on prices including tax
    algorithm: str = "TOTAL_BASE_CALCULATION"  # or ROW_BASE_CALCULATION, UNIT_BASE_CALCULATION
    apply_discount_to_shipping: bool = False


@dataclass(frozen=True)
class Coupon:
    code: str
    action: str  # by_percent | by_fixed | cart_fixed
    amount: Decimal
    skus: frozenset[str] | None = None  # None: every item


@dataclass
class Row:
    sku: str
    qty: int
    catalog_price: Decimal
    rate: Decimal  # percent
    price: Decimal = ZERO
    price_incl_tax: Decimal = ZERO
    row_total: Decimal = ZERO
    row_total_incl_tax: Decimal = ZERO
    discount_amount: Decimal = ZERO
    discount_percent: Decimal = ZERO
    tax_amount: Decimal = ZERO
    compensation: Decimal = ZERO

    @property
    def gross(self) -> Decimal:
        return self.row_total - self.discount_amount + self.tax_amount + self.compensation


@dataclass
class Totals:
    rows: list[Row]
    shipping_amount: Decimal = ZERO
    shipping_incl_tax: Decimal = ZERO
    shipping_tax_amount: Decimal = ZERO
    shipping_discount_amount: Decimal = ZERO
    shipping_compensation: Decimal = ZERO
    deltas: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    @property
    def grand_total(self) -> Decimal:
        items = sum((row.gross for row in self.rows), ZERO)
        shipping = (
            self.shipping_amount - self.shipping_discount_amount + self.shipping_tax_amount + self.shipping_compensation
        )
        return items + shipping


class Calculator:
    """One order's numbers under one store configuration."""

    def __init__(self, config: TaxConfig) -> None:
        self.config = config
        self._deltas: dict[Decimal, Decimal] = defaultdict(Decimal)

    # --- rounding as the configured algorithm does it -----------------------------

    def _round_tax(self, exact: Decimal, *, rate: Decimal, qty: int, unit_exact: Decimal | None = None) -> Decimal:
        algorithm = self.config.algorithm
        if algorithm == "UNIT_BASE_CALCULATION" and unit_exact is not None:
            return r2(unit_exact) * qty
        if algorithm == "ROW_BASE_CALCULATION":
            return r2(exact)
        # TOTAL_BASE: the rounding remainder is carried to the next row of the same rate.
        carried = exact + self._deltas[rate]
        rounded = r2(carried)
        self._deltas[rate] = carried - rounded
        return rounded

    # --- the order -----------------------------------------------------------------

    def order(
        self,
        items: list[tuple[str, int, Decimal, Decimal]],
        *,
        coupon: Coupon | None = None,
        shipping: Decimal = ZERO,
        shipping_rate: Decimal = ZERO,
    ) -> Totals:
        """``items``: (sku, qty, catalog price, tax percent); ``shipping`` as the store enters it."""
        rows = [Row(sku, qty, Decimal(price), Decimal(rate)) for sku, qty, price, rate in items]
        for row in rows:
            self._prices(row)
        self._discounts(rows, coupon)
        for row in rows:
            self._tax(row)
        totals = Totals(rows=rows)
        self._shipping(totals, Decimal(shipping), Decimal(shipping_rate), coupon)
        return totals

    def _prices(self, row: Row) -> None:
        rate = row.rate / HUNDRED
        if self.config.price_includes_tax:
            row.price_incl_tax = r2(row.catalog_price)
            row.price = r2(row.price_incl_tax / (1 + rate))
            row.row_total_incl_tax = r2(row.price_incl_tax * row.qty)
        else:
            row.price = r2(row.catalog_price)
            row.price_incl_tax = r2(row.price * (1 + rate))
            row.row_total = r2(row.price * row.qty)

    def _discount_base(self, row: Row) -> Decimal:
        if self.config.discount_tax:
            return (
                row.row_total_incl_tax
                if self.config.price_includes_tax
                else r2(row.price * row.qty * (1 + row.rate / HUNDRED))
            )
        if self.config.price_includes_tax:
            return r2(row.price_incl_tax * row.qty / (1 + row.rate / HUNDRED))
        return row.row_total

    def _discounts(self, rows: list[Row], coupon: Coupon | None) -> None:
        if coupon is None:
            return
        applicable = [r for r in rows if coupon.skus is None or r.sku in coupon.skus]
        if coupon.action == "by_percent":
            delta = ZERO
            for row in applicable:
                exact = self._discount_base(row) * coupon.amount / HUNDRED + delta
                row.discount_amount = r2(exact)
                delta = exact - row.discount_amount
                row.discount_percent = coupon.amount
        elif coupon.action == "by_fixed":
            for row in applicable:
                row.discount_amount = min(r2(coupon.amount * row.qty), self._discount_base(row))
        elif coupon.action == "cart_fixed":
            bases = [self._discount_base(r) for r in applicable]
            total = sum(bases, ZERO)
            amount = min(coupon.amount, total)
            given = ZERO
            for i, (row, base) in enumerate(zip(applicable, bases, strict=True)):
                share = amount - given if i == len(applicable) - 1 else r2(amount * base / total) if total else ZERO
                row.discount_amount = min(share, base)
                given += row.discount_amount

    def _tax(self, row: Row) -> None:
        """The row's tax, computed once on the base the settings say, rounded by the algorithm."""
        rate = row.rate / HUNDRED
        if self.config.price_includes_tax:
            # The net row is what the price incl. tax leaves once the row's own tax is out.
            row.row_total = row.row_total_incl_tax - r2(row.row_total_incl_tax * rate / (1 + rate))
        else:
            row.row_total_incl_tax = r2(row.row_total * (1 + rate))
        discounted = bool(row.discount_amount) and self.config.apply_after_discount
        if discounted and not self.config.discount_tax:
            taxable = row.row_total - row.discount_amount  # the default: tax on the discounted row
        else:
            taxable = row.row_total  # no discount, tax before discount, or discount incl. tax (compensated)
        exact = taxable * rate
        unit = exact / row.qty if row.qty else exact
        if self.config.price_includes_tax and not discounted:
            exact = row.row_total_incl_tax * rate / (1 + rate)
            unit = row.price_incl_tax * rate / (1 + rate)
        tax = self._round_tax(exact, rate=row.rate, qty=row.qty, unit_exact=unit)
        if self.config.price_includes_tax and not discounted:
            row.row_total = row.row_total_incl_tax - tax
        if discounted and self.config.discount_tax:
            # The discount came off the price including tax: its tax is "compensated".
            row.compensation = r2(row.discount_amount * rate / (1 + rate))
            tax -= row.compensation
        row.tax_amount = tax

    def _shipping(self, totals: Totals, amount: Decimal, rate_pct: Decimal, coupon: Coupon | None) -> None:
        rate = rate_pct / HUNDRED
        if self.config.shipping_includes_tax:
            totals.shipping_incl_tax = r2(amount)
            totals.shipping_tax_amount = r2(totals.shipping_incl_tax * rate / (1 + rate))
            totals.shipping_amount = totals.shipping_incl_tax - totals.shipping_tax_amount
        else:
            totals.shipping_amount = r2(amount)
            totals.shipping_tax_amount = r2(totals.shipping_amount * rate)
            totals.shipping_incl_tax = totals.shipping_amount + totals.shipping_tax_amount
        if not (coupon and coupon.action == "by_percent" and self.config.apply_discount_to_shipping and amount):
            return
        base = totals.shipping_incl_tax if self.config.discount_tax else totals.shipping_amount
        discount = r2(base * coupon.amount / HUNDRED)
        totals.shipping_discount_amount = discount
        if self.config.discount_tax and self.config.apply_after_discount:
            totals.shipping_compensation = r2(discount * rate / (1 + rate))
            totals.shipping_tax_amount -= totals.shipping_compensation
        elif self.config.apply_after_discount:
            totals.shipping_tax_amount = r2((totals.shipping_amount - discount) * rate)
