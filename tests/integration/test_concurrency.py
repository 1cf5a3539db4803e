"""Two workers on the same due transfers at once create each ERP order exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from connectors.flows.orders_in import shop_pull_orders
from connectors.models import Transfer, TransferState
from connectors.selectors import transfers_due
from connectors.transfers import transfer_process

ORDERS = 12


@pytest.mark.django_db(transaction=True)
def test_two_workers_processing_the_same_due_transfers_create_each_order_once(world):
    for _ in range(ORDERS):
        world.place()
    shop_pull_orders(connection=world.shop)
    due = list(transfers_due())
    assert len(due) == ORDERS
    world.erp_state.create_delay = 0.02  # widen the window in which a second worker could slip in
    start = threading.Barrier(2)
    outcomes: list[list] = [[], []]
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            start.wait()
            for pk in due:
                outcomes[index].append(transfer_process(transfer_id=pk))
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    claimed = [o for per_worker in outcomes for o in per_worker if o is not None]
    assert len(claimed) == ORDERS  # each transfer processed by exactly one worker
    assert world.erp_state.calls["create_sales_order"] == ORDERS
    numbers = [o.record.external_order_no for o in world.erp_state.orders.values()]
    assert len(numbers) == len(set(numbers)) == ORDERS
    assert Transfer.objects.filter(state=TransferState.SENT, kind="sales_order").count() == ORDERS


@pytest.mark.django_db(transaction=True)
def test_r2_four_workers_issuing_200_invoices_leave_no_gap_and_no_duplicate_number():
    """Four threads, each its own database connection, issue invoices for 200 orders of one shop;
    a seeded tenth of the issues roll back after taking their number (the number must come back)."""
    import random

    from django.db import transaction

    from documents.models import Invoice
    from documents.services import invoice_create
    from tests.factories import OrderLineFactory, ShopConnectionFactory

    seed = random.randrange(1_000_000)
    print(f"seed={seed}")
    shop = ShopConnectionFactory()
    orders = [OrderLineFactory(order__shop=shop).order for _ in range(200)]
    start = threading.Barrier(4)
    errors: list[BaseException] = []
    rolled_back: list[int] = []

    class Undo(Exception):
        pass

    def worker(index: int) -> None:
        chance = random.Random(seed + index)
        try:
            start.wait()
            for order in orders[index::4]:
                try:
                    with transaction.atomic():
                        invoice_create(order=order)
                        if chance.random() < 0.1:
                            raise Undo
                except Undo:
                    rolled_back.append(order.pk)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    numbers = sorted(Invoice.objects.filter(shop=shop).values_list("number", flat=True))
    issued = 200 - len(rolled_back)
    assert numbers == [f"INV-{n:05d}" for n in range(1, issued + 1)], f"seed={seed}"


@pytest.mark.django_db(transaction=True)
def test_r1_reserved_stays_right_while_four_workers_invoice_and_cancel_at_once():
    """Reserved is computed from the open lines, so concurrent invoicing and cancelling cannot leave
    it wrong: afterwards it equals what the orders still hold, whatever the interleaving."""
    import random
    from decimal import Decimal

    from documents.services import invoice_create
    from fulfilment.selectors import reserved
    from tests.factories import IntegrationFactory, OrderLineFactory, ProductFactory

    seed = random.randrange(1_000_000)
    print(f"seed={seed}")
    shop = IntegrationFactory(warehouse_code="OSL").shop
    product = ProductFactory(shop=shop)
    orders = [OrderLineFactory(order__shop=shop, product=product, quantity=Decimal("3")).order for _ in range(80)]
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        chance = random.Random(seed + index)
        try:
            start.wait()
            for order in orders[index::4]:
                roll = chance.random()
                if roll < 0.4:
                    invoice_create(order=order, quantities={order.lines.get().pk: Decimal("1")})
                elif roll < 0.6:
                    order.cancel()
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    from orders.models import Order

    expected = Decimal(0)
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]):
        if order.state in ("pending", "processing"):
            invoiced = sum((li.quantity for inv in order.invoices.all() for li in inv.lines.all()), Decimal(0))
            expected += Decimal("3") - invoiced
    assert reserved().get((product.pk, "OSL"), Decimal(0)) == expected, f"seed={seed}"
