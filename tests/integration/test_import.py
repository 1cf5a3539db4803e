"""The re-runnable shop import (R1, S1): cursor minus buffer, skip up to date, move the cursor only on success."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.utils import timezone

from connectors.exceptions import RetryableError
from connectors.flows.orders_in import shop_pull_orders
from connectors.models import RunStatus, SyncCursor, Transfer
from connectors.pulls import CURSOR_BUFFER
from customers.models import Customer
from orders.models import Order

pytestmark = pytest.mark.django_db


def test_running_the_import_twice_creates_nothing_twice(world):
    for _ in range(3):
        world.place()
    first = shop_pull_orders(connection=world.shop)
    second = shop_pull_orders(connection=world.shop)
    assert Order.objects.count() == 3
    assert Transfer.objects.filter(kind="sales_order").count() == 3
    assert (first.stats["changed"], second.stats["changed"]) == (3, 0)  # second run skipped up-to-date orders


def test_the_cursor_moves_to_the_newest_order_only_when_the_pull_succeeded(world):
    placed = [world.place() for _ in range(4)]
    world.shop_state.fail_pull = RetryableError("Server error 502")
    run = shop_pull_orders(connection=world.shop)
    assert run.status == RunStatus.FAILED and "502" in run.error
    assert SyncCursor.objects.get(connection=world.shop).value is None
    world.shop_state.fail_pull = None
    run = shop_pull_orders(connection=world.shop)
    assert run.status == RunStatus.OK
    assert SyncCursor.objects.get(connection=world.shop).value == max(p.updated_at for p in placed)
    assert Order.objects.count() == 4


def test_the_pull_starts_a_buffer_before_the_cursor(world):
    placed = world.place()
    shop_pull_orders(connection=world.shop)
    # An order stamped a little before the cursor (it became visible late) is still read.
    late = world.place(updated_at=placed.updated_at - CURSOR_BUFFER / 2, placed_at=placed.placed_at)
    shop_pull_orders(connection=world.shop)
    assert Order.objects.filter(number=late.number).exists()


def test_an_updated_order_updates_the_mirror_in_place(world):
    placed = world.place(status="pending_payment")
    shop_pull_orders(connection=world.shop)
    world.shop_state.orders[placed.external_id] = replace(
        placed, status="processing", customer_comment="Leveres etter kl. 16", updated_at=timezone.now()
    )
    shop_pull_orders(connection=world.shop)
    order = Order.objects.get()
    assert (order.shop_status, order.customer_comment) == ("processing", "Leveres etter kl. 16")
    assert order.lines.count() == 1


def test_a_returning_guest_is_one_customer(world):
    from connectors.records import CustomerRecord

    guest = CustomerRecord(first_name="Łucja", last_name="Wiśniewska", email="lucja@example.pl", is_guest=True)
    world.place(customer=guest)
    world.place(customer=guest)
    shop_pull_orders(connection=world.shop)
    assert Customer.objects.filter(email="lucja@example.pl").count() == 1
    assert Customer.objects.get(email="lucja@example.pl").full_name == "Łucja Wiśniewska"


def test_s2_a_product_is_found_by_sku_then_number_then_former_names_in_two_queries(world):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from connectors.flows.catalogue import product_find
    from inventory.models import Product, ProductAlias

    by_sku = Product.objects.create(shop=world.shop, sku="A-1", reference="N-9", name="A")
    by_number = Product.objects.create(shop=world.shop, sku="B-1", reference="N-1", name="B")
    renamed = Product.objects.create(shop=world.shop, sku="C-2", reference="N-3", name="C")
    ProductAlias.objects.create(product=renamed, kind="sku", value="C-1")
    ProductAlias.objects.create(product=by_number, kind="number", value="N-OLD")
    with CaptureQueriesContext(db) as queries:
        assert product_find(shop=world.shop, sku="A-1", number="N-1") == by_sku  # the SKU wins
        assert product_find(shop=world.shop, sku="ZZZ", number="N-1") == by_number
        assert product_find(shop=world.shop, sku="C-1", number="N-OLD") == renamed  # a former SKU first
        assert product_find(shop=world.shop, sku="", number="N-OLD") == by_number
        assert product_find(shop=world.shop, sku="nothing", number="") is None
    assert len(queries) == 1 + 1 + 2 + 2 + 2
