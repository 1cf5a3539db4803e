"""Making order documents: invoices, shipments and credit notes, and the order's state after each (M1-M5).

Each service locks the order row first, so two people (or workers) invoicing
or shipping one order at once are served one after the other and never take
the same quantity twice. Every refusal is an ``OrderRefused`` with a message
and a hint; nothing is half-written (one transaction per document).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order, OrderRefused, OrderState

from .models import (
    ZERO,
    CreditNote,
    CreditNoteLine,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceState,
    NumberSeries,
    RefundMode,
    Shipment,
    ShipmentLine,
    q2,
)
from .signals import document_made

Quantities = Mapping[int, Decimal]  # order line id (invoice line id for credit notes) -> quantity


# --- selectors ----------------------------------------------------------------------


def invoiced_quantities(order: Order) -> dict[int, Decimal]:
    """Quantity on invoices per order line (drafts included: they hold their quantities)."""
    rows = (
        InvoiceLine.objects.filter(invoice__order=order, order_line__isnull=False)
        .values("order_line")
        .annotate(q=Sum("quantity"))
    )
    return {row["order_line"]: row["q"] for row in rows}


def shipped_quantities(order: Order) -> dict[int, Decimal]:
    rows = ShipmentLine.objects.filter(shipment__order=order).values("order_line").annotate(q=Sum("quantity"))
    return {row["order_line"]: row["q"] for row in rows}


def credited_quantities(invoice: Invoice) -> dict[int, Decimal]:
    rows = (
        CreditNoteLine.objects.filter(credit_note__invoice=invoice).values("invoice_line").annotate(q=Sum("quantity"))
    )
    return {row["invoice_line"]: row["q"] for row in rows}


def invoiceable(order: Order) -> dict[int, Decimal]:
    """What is left to invoice, per order line."""
    done = invoiced_quantities(order)
    return {line.pk: line.quantity - done.get(line.pk, ZERO) for line in order.lines.all()}


def shippable(order: Order) -> dict[int, Decimal]:
    """What is left to ship, per order line (services are never shipped)."""
    done = shipped_quantities(order)
    return {line.pk: line.quantity - done.get(line.pk, ZERO) for line in order.lines.all() if not line.is_service}


# --- invoices ------------------------------------------------------------------------


def _chosen(
    order: Order, left: dict[int, Decimal], quantities: Quantities | None, *, what: str, names: dict[int, str]
) -> dict[int, Decimal]:
    """The quantities asked for, checked against what is left (None: all that is left).

    ``names`` names the lines (order lines, or invoice lines for a credit note) in refusals.
    """
    if quantities is None:
        chosen = {pk: qty for pk, qty in left.items() if qty > 0}
    else:
        chosen = {}
        for pk, qty in quantities.items():
            qty = Decimal(qty)
            if qty == 0:
                continue
            if pk not in left:
                raise OrderRefused(
                    _("Line %(line)s is not a line of order %(order)s.") % {"line": pk, "order": order.number},
                    _("Choose lines of this order."),
                )
            if qty < 0 or qty > left[pk]:
                raise OrderRefused(
                    _("%(qty)s × '%(name)s' is more than is left to %(what)s (%(left)s).")
                    % {"qty": qty.normalize(), "name": names[pk], "what": what, "left": left[pk].normalize()},
                    _("Lower the quantity to at most what is left."),
                )
            chosen[pk] = qty
    if not chosen:
        raise OrderRefused(
            _("Nothing is left to %(what)s on order %(order)s.") % {"what": what, "order": order.number},
            _("Every line is already on a document of this kind."),
        )
    return chosen


def _line_names(order: Order) -> dict[int, str]:
    return dict(order.lines.values_list("pk", "name"))


def _locked(order: Order) -> Order:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.state == OrderState.CANCELED:
        raise OrderRefused(
            _("Order %(order)s is canceled.") % {"order": order.number}, _("A canceled order takes no documents.")
        )
    return locked


@transaction.atomic
def invoice_create(
    *, order: Order, quantities: Quantities | None = None, user=None, issue: bool = True, number: str = ""
) -> Invoice:
    """An invoice for the chosen quantities (None: the rest of the order), issued with its number (M2, R1).

    The freight goes on the first invoice. The net of a line is its share of
    the line's net as sold; the invoice that takes the last of a line takes
    the rest of its net, so the invoices of an order add up to the order.
    ``number``: the ERP's number of an invoice made there; otherwise the shop's series gives one.
    """
    order = _locked(order)
    chosen = _chosen(order, invoiceable(order), quantities, what=_("invoice"), names=_line_names(order))
    done = invoiced_quantities(order)
    invoice = Invoice.objects.create(order=order, shop_id=order.shop_id, currency=order.currency, created_by=user)
    lines = []
    for line in order.lines.filter(pk__in=chosen):
        qty = chosen[line.pk]
        full = line.net_amount()
        if done.get(line.pk, ZERO) + qty == line.quantity:
            billed = InvoiceLine.objects.filter(invoice__order=order, order_line=line).aggregate(n=Sum("net_amount"))
            net = full - (billed["n"] or ZERO)
        else:
            net = q2(full * qty / line.quantity)
        lines.append(_invoice_line(invoice, line.name, net, line.vat_rate, qty=qty, order_line=line, sku=line.sku))
    if order.shipping_excl_vat and not InvoiceLine.objects.filter(invoice__order=order, is_freight=True).exists():
        lines.append(
            _invoice_line(invoice, _("Freight"), order.shipping_excl_vat, order.shipping_vat_rate, freight=True)
        )
    InvoiceLine.objects.bulk_create(lines)
    _total(invoice, lines)
    if issue:
        invoice = invoice_issue(invoice=invoice, number=number)
    return invoice


def _invoice_line(invoice, description, net, rate, *, qty=Decimal(1), order_line=None, sku="", freight=False):
    return InvoiceLine(
        invoice=invoice,
        order_line=order_line,
        description=description,
        sku=sku,
        quantity=qty,
        vat_rate=rate,
        net_amount=net,
        vat_amount=q2(net * rate / 100),
        is_freight=freight,
    )


def _total(document, lines) -> None:
    """Totals as an ERP computes them: VAT per rate on the summed net."""
    by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        by_rate[line.vat_rate] += line.net_amount
    document.net_total = sum(by_rate.values(), ZERO)
    document.vat_total = sum((q2(net * rate / 100) for rate, net in by_rate.items()), ZERO)
    document.gross_total = document.net_total + document.vat_total
    document.save(update_fields=["net_total", "vat_total", "gross_total"])


@transaction.atomic
def invoice_issue(*, invoice: Invoice, number: str = "") -> Invoice:
    """Give a draft invoice its number (R2) and make it final; the order becomes permanent (M2)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.state != InvoiceState.DRAFT:
        return invoice
    invoice.number = number or NumberSeries.take(shop_id=invoice.shop_id, kind=DocumentKind.INVOICE)
    invoice.state = InvoiceState.ISSUED
    invoice.issued_at = timezone.now()
    invoice.save(update_fields=["number", "state", "issued_at"])
    order_refresh_state(order=invoice.order)
    document_made.send(sender=Invoice, document=invoice)
    return invoice


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, user=None) -> Invoice:
    """The payment was captured or settled: the invoice is paid (M2)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.state == InvoiceState.DRAFT:
        raise OrderRefused(_("A draft invoice cannot be paid."), _("Issue the invoice first."))
    if invoice.state != InvoiceState.PAID:
        invoice.state = InvoiceState.PAID
        invoice.paid_at = timezone.now()
        invoice.save(update_fields=["state", "paid_at"])
    return invoice


# --- shipments -----------------------------------------------------------------------


@transaction.atomic
def shipment_create(
    *,
    order: Order,
    quantities: Quantities | None = None,
    carrier: str = "",
    tracking_number: str = "",
    number: str = "",
    notify_buyer: bool = False,
    user=None,
) -> Shipment:
    """A shipment of the chosen quantities (None: all that is left to ship), with its number (M3).

    ``number``: the ERP's number of a shipment made there; otherwise the shop's series gives one.
    ``notify_buyer``: the buyer gets the "on its way" mail once the shipment is booked (if a carrier
    books it) or at once.
    """
    order = _locked(order)
    chosen = _chosen(order, shippable(order), quantities, what=_("ship"), names=_line_names(order))
    shipment = Shipment.objects.create(
        order=order,
        shop_id=order.shop_id,
        number=number or NumberSeries.take(shop_id=order.shop_id, kind=DocumentKind.SHIPMENT),
        carrier=carrier,
        tracking_number=tracking_number,
        notify_buyer=notify_buyer,
        created_by=user,
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, order_line_id=pk, quantity=qty) for pk, qty in chosen.items()
    )
    order_refresh_state(order=order)
    # made_in_erp: the ERP already released these goods; nothing asks it to again.
    document_made.send(sender=Shipment, document=shipment, made_in_erp=bool(number))
    return shipment


# --- credit notes --------------------------------------------------------------------


@transaction.atomic
def credit_note_create(
    *,
    invoice: Invoice,
    quantities: Quantities | None = None,
    refund_mode: str = RefundMode.OFFLINE,
    refund_reference: str = "",
    user=None,
) -> CreditNote:
    """A credit note for chosen lines of a *paid* invoice (None: all not yet credited) (M4)."""
    Order.objects.select_for_update().get(pk=invoice.order_id)
    invoice = Invoice.objects.get(pk=invoice.pk)
    if invoice.state != InvoiceState.PAID:
        raise OrderRefused(
            _("Invoice %(number)s is not paid, so it cannot be credited.") % {"number": invoice},
            _("Only a paid invoice takes a credit note; mark it paid when the payment has come in."),
        )
    done = credited_quantities(invoice)
    left = {line.pk: line.quantity - done.get(line.pk, ZERO) for line in invoice.lines.all()}
    names = {line.pk: line.description for line in invoice.lines.all()}
    chosen = _chosen(invoice.order, left, quantities, what=_("credit"), names=names)
    note = CreditNote.objects.create(
        invoice=invoice,
        shop_id=invoice.shop_id,
        number=NumberSeries.take(shop_id=invoice.shop_id, kind=DocumentKind.CREDIT_NOTE),
        currency=invoice.currency,
        refund_mode=refund_mode,
        refund_reference=refund_reference,
        created_by=user,
    )
    lines = []
    for line in invoice.lines.filter(pk__in=chosen):
        qty = chosen[line.pk]
        if done.get(line.pk, ZERO) + qty == line.quantity:
            taken = CreditNoteLine.objects.filter(invoice_line=line).aggregate(n=Sum("net_amount"))["n"] or ZERO
            net = line.net_amount - taken
        else:
            net = q2(line.net_amount * qty / line.quantity)
        lines.append(
            CreditNoteLine(
                credit_note=note,
                invoice_line=line,
                order_line_id=line.order_line_id,
                description=line.description,
                sku=line.sku,
                quantity=qty,
                vat_rate=line.vat_rate,
                net_amount=net,
                vat_amount=q2(net * line.vat_rate / 100),
            )
        )
    CreditNoteLine.objects.bulk_create(lines)
    _total(note, lines)
    order_refresh_state(order=invoice.order)
    document_made.send(sender=CreditNote, document=note)
    return note


# --- the order's state ---------------------------------------------------------------


def order_refresh_state(*, order: Order, user=None) -> str:
    """Complete once everything is invoiced and shipped (M5); closed once every invoice is fully credited."""
    order = Order.objects.get(pk=order.pk)
    if order.state == OrderState.CANCELED:
        return order.state
    invoices = list(order.invoices.exclude(state=InvoiceState.DRAFT))
    fully_credited = bool(invoices) and all(
        all(credited_quantities(inv).get(line.pk, ZERO) >= line.quantity for line in inv.lines.all())
        for inv in invoices
    )
    all_invoiced = not any(invoiceable(order).values())
    if fully_credited and all_invoiced:
        order.move_to(OrderState.CLOSED, by=user)
    elif all_invoiced and not any(shippable(order).values()):
        order.move_to(OrderState.COMPLETE, by=user)
    elif invoices and order.state == OrderState.PENDING:
        order.move_to(OrderState.PROCESSING, by=user, note=_("Invoiced"))
    return order.state
