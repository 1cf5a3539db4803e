"""S8 property: whatever the discounts, VAT mix and freight, the ERP total equals the shop total to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.records import DiscountRecord, OrderLineRecord
from tests.conftest import shop_total
from tests.engine import sync

pytestmark = pytest.mark.django_db

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
rates = st.sampled_from([Decimal("25"), Decimal("15"), Decimal("12"), Decimal("0")])
lines = st.lists(
    st.builds(
        lambda qty, price, rate, ref: OrderLineRecord(
            sku=f"S-{ref}",
            reference=f"ITEM-{ref}",
            name=f"Vare {ref} – ø/ł/ő",
            quantity=Decimal(qty),
            unit_price_excl_vat=price,
            vat_rate=rate,
        ),
        st.integers(min_value=1, max_value=7),
        money,
        rates,
        st.sampled_from([1, 2, 3]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=lines,
    percent=st.sampled_from([None, Decimal("5"), Decimal("10"), Decimal("12.5"), Decimal("33")]),
    fixed_share=st.sampled_from([None, Decimal("0.05"), Decimal("0.3")]),
    freight=st.sampled_from([Decimal("0"), Decimal("49.00"), Decimal("79.20")]),
    freight_rate=rates,
)
def test_s8_erp_total_equals_shop_total_to_the_cent(world, lines, percent, fixed_share, freight, freight_rate):
    discounts = []
    if percent is not None:
        discounts.append(DiscountRecord("PROSENT", "percent", percent))
    if fixed_share is not None:
        without_fixed = shop_total(lines, Decimal("0"), Decimal("0"), discounts)
        amount = (without_fixed * fixed_share).quantize(Decimal("0.01"))
        if amount:
            discounts.append(DiscountRecord("BELOP", "fixed", amount))
    placed = world.place(
        lines=tuple(lines), discounts=tuple(discounts), shipping_excl_vat=freight, shipping_vat_rate=freight_rate
    )
    sync(world)

    [stored] = world.erp_state.orders_for(placed.number)
    assert stored.total == placed.grand_total
    rounding = [line.amount for line in stored.record.lines if line.description == "Rounding"]
    # Only cents of rounding are absorbed, never a real difference.
    assert sum(abs(a) for a in rounding) <= Decimal("0.01") * (len(stored.record.lines) + 1)
    if any(d.kind == "fixed" for d in discounts):
        assert any(line.description.startswith("Discount") for line in stored.record.lines)
