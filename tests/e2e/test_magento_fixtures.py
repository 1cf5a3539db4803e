"""One Magento order per documented tax mode, as JSON in Magento's order shape, to Visma.net.

The fixtures (tests/fixtures/magento/order_*.json) are written by hand in the
shape of Magento's ``GET /V1/orders`` items, with numbers worked out on paper
under each setting; each satisfies Magento's row identity (row_total -
discount_amount + tax_amount + discount_tax_compensation_amount). ``_expect``
says how the lines must arrive in the ERP.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.flows.orders_in import shop_pull_orders
from connectors.models import Transfer, TransferKind, TransferState
from orders.models import Order
from tests.engine import process_due

pytestmark = pytest.mark.django_db

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "magento").glob("order_*.json"))


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_s8_each_documented_magento_tax_mode_reaches_visma_as_sold_and_to_the_cent(demo, magento, visma, path):
    raw = json.loads(path.read_text())
    expect = raw.pop("_expect")
    raw.pop("_comment")
    order = copy.deepcopy(raw)
    entity_id = 900_000 + len(magento.state.orders)
    customer = magento.state.customers[demo.customers["registered_with_erp"]]
    order.update(
        entity_id=entity_id,
        increment_id=f"FIX-{path.stem}",
        customer_id=customer["id"],
        customer_email=customer["email"],
        customer_firstname=customer["firstname"],
        customer_lastname=customer["lastname"],
    )
    for item in order["items"]:
        item["order_id"] = entity_id
    magento.state.orders[entity_id] = order

    shop_pull_orders(connection=demo.shop)
    process_due()

    mirrored = Order.objects.get(number=order["increment_id"])
    transfer = Transfer.objects.get(object_id=mirrored.pk, kind=TransferKind.SALES_ORDER)
    assert transfer.state == TransferState.SENT, f"{transfer.last_error} {transfer.last_hint}"
    [stored] = visma.orders_with_ref(order["increment_id"])
    assert Decimal(str(stored["orderTotal"])).quantize(Decimal("0.01")) == Decimal(str(order["grand_total"]))
    lines = {line["inventory"]["number"]: line for line in stored["lines"]}
    for item_no, fields in expect.items():
        for name, wanted in fields.items():
            assert lines[item_no][name] == (wanted or 0.0), (item_no, name, lines[item_no])
