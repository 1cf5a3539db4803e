"""Random Magento orders in every documented tax and discount mode reach Visma.net to the cent (V1, S8).

The Magento emulator totals each order with Magento's own arithmetic under a
random store configuration (catalogue prices incl. or excl. tax, tax before or
after discount, discount on prices incl. or excl. tax, TOTAL/ROW/UNIT rounding,
shipping incl. or excl. tax, discount on shipping or not) and a random coupon
(percent, fixed per item, fixed for the cart; on all items or some). The order
goes through the real connector to the Visma.net emulator, which recomputes
every line and the VAT by itself. Not one order may be blocked, and the ERP's
total must equal Magento's ``grand_total``.
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from connectors.flows.orders_in import shop_pull_orders
from connectors.models import Transfer, TransferKind, TransferState
from connectors.platforms.magento.calculator import Coupon, TaxConfig
from orders.models import Order
from tests.engine import process_due

pytestmark = pytest.mark.django_db

SKUS = ["GENSER-BLA", "LUE-01", "BOK-01", "SJOKOLADE", "GAVE"]  # 25 %, 25 %, 0 %, 15 %, 25 % (a service)

configs = st.builds(
    TaxConfig,
    price_includes_tax=st.booleans(),
    shipping_includes_tax=st.booleans(),
    apply_after_discount=st.booleans(),
    discount_tax=st.booleans(),
    algorithm=st.sampled_from(["TOTAL_BASE_CALCULATION", "ROW_BASE_CALCULATION", "UNIT_BASE_CALCULATION"]),
    apply_discount_to_shipping=st.booleans(),
)
prices = st.decimals(min_value=Decimal("0.50"), max_value=Decimal("2500"), places=2)
baskets = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(min_value=1, max_value=7), prices), min_size=1, max_size=4
).map(lambda rows: list({sku: (sku, qty, price) for sku, qty, price in rows}.values()))


@st.composite
def coupons(draw, skus: list[str]) -> Coupon | None:
    action = draw(st.sampled_from([None, "by_percent", "by_fixed", "cart_fixed"]))
    if action is None:
        return None
    some = draw(st.booleans()) and len(skus) > 1
    applies = frozenset(draw(st.lists(st.sampled_from(skus), min_size=1, unique=True))) if some else None
    if action == "by_percent":
        amount = draw(st.decimals(min_value=Decimal("1"), max_value=Decimal("60"), places=0))
    elif action == "by_fixed":
        amount = draw(st.decimals(min_value=Decimal("1"), max_value=Decimal("40"), places=2))
    else:
        amount = draw(st.decimals(min_value=Decimal("1"), max_value=Decimal("600"), places=2))
    return Coupon(f"{action.upper()}-{amount}", action, amount, applies)


@st.composite
def orders(draw):
    basket = draw(baskets)
    return {
        "config": draw(configs),
        "basket": basket,
        "coupon": draw(coupons([sku for sku, _, _ in basket])),
        "shipping": draw(st.sampled_from([Decimal("0"), Decimal("79"), Decimal("49.90"), Decimal("0.99")])),
        "shipping_tax": draw(st.sampled_from([Decimal("25"), Decimal("0")])),
    }


@settings(
    max_examples=int(os.environ.get("TAX_MODE_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(example=orders())
def test_every_magento_tax_mode_reaches_the_erp_to_the_cent_and_none_is_blocked(demo, magento, visma, example):
    magento.tax_config = example["config"]
    for sku, _qty, price in example["basket"]:
        magento.state.products[sku].price = price
    placed = magento.place_order(
        items=[(sku, qty) for sku, qty, _ in example["basket"]],
        customer_id=demo.customers["registered_with_erp"],
        coupon=example["coupon"],
        shipping=example["shipping"],
        shipping_tax=example["shipping_tax"],
    )
    note(f"{example}")
    note({k: placed[k] for k in placed if "shipping" in k or k in ("grand_total", "discount_amount", "tax_amount")})
    note([{k: i.get(k) for k in ("sku", "qty_ordered", "price", "row_total", "tax_amount", "tax_percent",
           "discount_amount", "discount_tax_compensation_amount")} for i in placed["items"]])  # fmt: skip
    shop_pull_orders(connection=demo.shop)
    process_due()
    order = Order.objects.get(number=placed["increment_id"])
    transfer = Transfer.objects.get(object_id=order.pk, kind=TransferKind.SALES_ORDER)
    assert transfer.state == TransferState.SENT, f"{transfer.last_error} {transfer.last_hint}"
    [stored] = visma.orders_with_ref(placed["increment_id"])
    assert Decimal(str(stored["orderTotal"])).quantize(Decimal("0.01")) == Decimal(str(placed["grand_total"]))
