"""Drive the engine synchronously in tests, as a worker would."""

from __future__ import annotations

from connectors.flows.orders_in import shop_pull_orders
from connectors.models import Transfer, TransferKind
from connectors.transfers import transfer_process
from orders.models import Order


def process_due() -> list[str | None]:
    """Process every transfer due now, once each."""
    from connectors.selectors import transfers_due

    return [transfer_process(transfer_id=pk) for pk in list(transfers_due())]


def sync(world) -> list[str | None]:
    """One shop pull, then one pass over the due transfers."""
    shop_pull_orders(connection=world.shop)
    return process_due()


def order_transfer(number: str) -> Transfer:
    order = Order.objects.get(number=number)
    return Transfer.objects.get(object_id=order.pk, kind=TransferKind.SALES_ORDER)
