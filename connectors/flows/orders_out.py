"""Orders out (V1-V5, S7, S8): one shop order becomes one ERP sales order, exactly once.

Read afresh on a retry, settle an unknown earlier outcome, build and check the
whole order (items, lines, totals) before any remote write, then the customer,
then the create, binding the ERP number in its own short transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order

from ..base import ErpConnector, ShopConnector
from ..bindings import ct
from ..exceptions import DuplicateDocument, MappingError, PermanentError, Problem
from ..models import (
    AttemptOutcome,
    Connection,
    ExternalRef,
    Integration,
    Transfer,
    TransferKind,
    UnknownItemPolicy,
)
from ..order_checks import line_item_problem, remote_error_hint, unknown_item_problem, validate_order
from ..pipeline import sales_order_build
from ..services import erp_connector, erp_item_known, shop_connector, speaking_to
from ..transfers import (
    AttemptLog,
    handles,
    remote_create,
    transfer_lookup,
    transfer_queue,
    transfer_resend,
    transfer_run_now,
)
from .buyers import buyer_bind_after_order, buyer_resolve
from .customers import customer_card_sync, customer_resolve
from .mirror import order_upsert

logger = logging.getLogger("connectors.engine")


@dataclass(frozen=True)
class ResolvedItems:
    """Each line's ERP item number, the text of lines sent as the default item, and what stops the order."""

    numbers: dict[int, str]
    descriptions: dict[int, str]
    problems: list[Problem]


def items_resolve(*, order: Order, integration: Integration, erp: ErpConnector) -> ResolvedItems:
    """Each line's ERP item (V2, R4): the variant's or product's reference, a service by its
    name, or the SKU when the ERP knows it; every number is checked to exist in the ERP
    (cached for a while, so the happy path costs no extra call per order). A number the ERP
    does not know goes as the default item, keeping the shop's name, SKU and price in its
    text, or stops the order, as the integration says."""
    numbers: dict[int, str] = {}
    descriptions: dict[int, str] = {}
    problems: list[Problem] = []
    for line in order.lines.all():
        # The product's current item number first: it follows a rename after the order was placed.
        number = (line.product.reference if line.product else "") or line.reference
        if integration.products_to_erp and line.product is not None and not line.is_service:
            # Sent to the ERP before the order (S7): it need not exist there yet.
            numbers[line.pk] = number or line.product.sku
            continue
        if not number and line.is_service:
            number = integration.service_item_map.get(line.name, "")
        if not number and line.sku and not line.is_service:
            number = line.sku if erp_item_known(connection_id=integration.erp_id, erp=erp, number=line.sku) else ""
        elif number and not erp_item_known(connection_id=integration.erp_id, erp=erp, number=number):
            if integration.unknown_item_policy == UnknownItemPolicy.STOP or not integration.default_item_no:
                problems.append(unknown_item_problem(line, number, integration=integration))
                continue
            descriptions[line.pk] = _("%(name)s (SKU %(sku)s, not in the ERP as %(number)s)") % {
                "name": line.name,
                "sku": line.sku or "—",
                "number": number,
            }
            number = ""
        if not number and integration.default_item_no:
            number = integration.default_item_no
            descriptions.setdefault(line.pk, _("%(name)s (SKU %(sku)s)") % {"name": line.name, "sku": line.sku or "—"})
        if number:
            numbers[line.pk] = number
        else:
            problems.append(line_item_problem(line))
    return ResolvedItems(numbers, descriptions, problems)


def order_products_send(*, order: Order, integration: Integration) -> None:
    """Every product of the order created or brought up to date in the ERP first (S7)."""
    products = {line.product for line in order.lines.all() if line.product is not None and not line.is_service}
    for product in sorted(products, key=lambda p: p.pk):
        transfer_run_now(
            connection=integration.erp,
            obj=product,
            kind=TransferKind.PRODUCT,
            what=_("Product %(sku)s") % {"sku": product.sku},
            then=_("The order is sent once its products exist in the ERP."),
        )


def order_refresh(*, order: Order, shop: ShopConnector) -> Order:
    """Read the order afresh from the shop (a retry never replays stale data)."""
    ref = ExternalRef.objects.filter(connection=order.shop, content_type=ct(Order), object_id=order.pk).first()
    if ref is None:
        return order
    return order_upsert(shop=order.shop, record=shop.fetch_order(ref.external_id)).order


def order_load(order_id: int) -> Order:
    return (
        Order.objects.select_related("shop", "customer", "shop__integration__erp")
        .prefetch_related("lines__product", "addresses", "discounts")
        .get(pk=order_id)
    )


@handles(TransferKind.SALES_ORDER)
def order_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Send one order to the ERP as a sales order, exactly once (V1-V5, S7, S8)."""
    order = order_load(transfer.object_id)
    if order.erp_order_no:
        # Numbered by an earlier attempt; its write-back to the shop exists unless that attempt
        # stopped in between (order_bind writes the number first).
        if not Transfer.objects.filter(
            connection=order.shop, content_type=ct(Order), object_id=order.pk, kind=TransferKind.ORDER_STATUS
        ).exists():
            transfer_queue(connection=order.shop, obj=order, kind=TransferKind.ORDER_STATUS)
        return AttemptOutcome.FOUND, order.erp_order_no
    integration = order.shop.integration
    erp = erp_connector(transfer.connection)

    # A guarded create is its own lookup: the ERP refuses a repeat of this shop order number.
    guarded = TransferKind.SALES_ORDER in erp.guarded_creates
    found = (
        None
        if guarded
        else transfer_lookup(transfer, lookup=lambda: erp.find_sales_order(order.number, since=transfer.created_at))
    )
    if found:
        order_bind(order=order, number=found)
        return AttemptOutcome.FOUND, found
    if transfer.tries > 1:
        with speaking_to(order.shop):
            order = order_refresh(order=order, shop=shop_connector(order.shop))
        order = order_load(order.pk)

    # The whole order is built and checked before anything is written remotely: a
    # customer is never created for an order that then fails its checks.
    resolved = items_resolve(order=order, integration=integration, erp=erp)
    record, build_problems = sales_order_build(
        order,
        integration=integration,
        item_numbers=resolved.numbers,
        descriptions=resolved.descriptions,
        customer_no="",
        one_time=False,
    )
    problems = validate_order(order, integration=integration) + build_problems
    problems = [p for p in problems if not p.about_codes or p.about_codes in erp.code_maps]
    problems += erp.order_problems(record)
    problems += resolved.problems
    if problems:
        raise MappingError(problems)
    # S7: the customer first, then every product of the order, then the order.
    if erp.customers_with_orders:  # the ERP finds or makes the buyer from the order (Subiekt)
        choice, create = buyer_resolve(order=order, integration=integration)
    else:
        choice, create = customer_resolve(order=order, integration=integration, erp=erp), False
        if customer_card_sync(customer=order.customer, integration=integration, erp=erp, number=choice.number):
            log.request_excerpt = f"customer {choice.number} updated from the shop card; "
    if integration.products_to_erp:
        order_products_send(order=order, integration=integration)
    record = replace(record, customer_no=choice.number, one_time=choice.one_time, create_customer=create)

    log.request_excerpt += _excerpt(record)
    unsettled = transfer.needs_lookup
    try:
        with remote_create(transfer, guarded=guarded):
            number = erp.create_sales_order(record)
    except DuplicateDocument as exc:
        number = _already_made(exc, order=order, ours=unsettled)
        order_bind(order=order, number=number)
        return AttemptOutcome.FOUND, number
    except PermanentError as exc:
        exc.hint = (
            remote_error_hint(exc.code, exc.subject, order=order, integration=integration, record=record) or exc.hint
        )
        raise
    order_bind(order=order, number=number)
    if erp.customers_with_orders:
        buyer_bind_after_order(order=order, erp=transfer.connection, record=record)
    return AttemptOutcome.SENT, number


def _already_made(exc: DuplicateDocument, *, order: Order, ours: bool) -> str:
    """The ERP refused the order as a repeat of its shop order number. After an attempt of ours
    whose answer was lost, that order is ours: its number, when the refusal names it. Otherwise
    (someone else made it, or no number given) a person must look: nothing is sent again."""
    if ours and exc.existing:
        return exc.existing
    if ours:
        message = _(
            "The ERP already has order %(order)s from an earlier attempt whose answer was lost, and did not "
            "say its number: %(error)s"
        )
        hint = _(
            "Nothing is sent again. Find the order in the ERP by its external order number %(order)s; its "
            "number is shown here once the ERP reports a change of the order."
        )
    else:
        message = _("The ERP already has an order with the external order number %(order)s: %(error)s")
        hint = _(
            "It was not made by the portal. Check in the ERP whether it is this order (another shop with the "
            "same numbering?); nothing is sent again."
        )
    raise PermanentError(
        message % {"order": order.number, "error": exc.message},
        hint=hint % {"order": order.number},
        response_excerpt=exc.response_excerpt,
    )


def order_number_reported(*, erp: Connection, external_order_no: str, number: str) -> Order | None:
    """The ERP reported an order of its own carrying a shop's order number. When that shop order is
    ours, has no ERP number yet and its create is unsettled (an answer lost, the ERP's refusal of
    the repeat named no number), this is its number: bound, and the transfer settles. Returns the
    order, or None when it is not such an order."""
    order = (
        Order.objects.filter(number=external_order_no, erp_order_no="", shop__integration__erp=erp)
        .filter(
            pk__in=Transfer.objects.filter(
                connection=erp, content_type=ct(Order), kind=TransferKind.SALES_ORDER, needs_lookup=True
            ).values("object_id")
        )
        .first()
    )
    if order is None:
        return None
    order_bind(order=order, number=number)
    transfer = Transfer.objects.get(
        connection=erp, content_type=ct(Order), object_id=order.pk, kind=TransferKind.SALES_ORDER
    )
    transfer_resend(transfer_ids=[transfer.pk])
    return order


def order_bind(*, order: Order, number: str) -> None:
    """Store the ERP number on the order at once (V4, S9), then queue the write-back to the shop
    (sent by this worker right after the order, ``transfer_queue(follow=True)``)."""
    # One conditional UPDATE; only when the order already has a number is it read, to refuse a
    # different one (Order.set_erp_order_no). No transaction around it and the write-back: a stop
    # in between is mended by the next attempt (order_push makes a missing write-back).
    unnumbered = Order.objects.filter(pk=order.pk, erp_order_no="")
    if not unnumbered.update(erp_order_no=number, updated_at=timezone.now()):
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            locked.set_erp_order_no(number)
            locked.save(update_fields=["erp_order_no", "updated_at"])
    order.erp_order_no = number
    transfer_queue(connection=order.shop, obj=order, kind=TransferKind.ORDER_STATUS, follow=True, likely_new=True)


def _excerpt(record) -> str:
    lines = "; ".join(f"{li.quantity}×{li.item_no} {li.amount}" for li in record.lines)
    return f"customer={record.customer_no} ext={record.external_order_no} total={record.total_incl_vat} lines=[{lines}]"
