"""Invoices, shipments and credit notes made in the portal are recorded in the shop (M2-M4).

Recipe: a document is made (documents app) -> in the same transaction its
transfer to the order's shop is queued -> a worker looks it up in the shop when
an earlier attempt may have reached it, else creates it there, and binds the
shop's id. A credit note needs its invoice in the shop first: the invoice's
own transfer is run first (as an order's customer is, S7).
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from documents.models import CreditNote, Invoice, InvoiceState, Shipment
from documents.services import invoice_create, invoice_mark_paid, invoiceable, shipment_create, shippable
from documents.signals import document_made
from orders.models import Order

from ..base import Capability
from ..bindings import bind, binding_of, bound, ct
from ..exceptions import PermanentError, RetryableError
from ..models import AttemptOutcome, Connection, SyncRun, Transfer, TransferKind, TransferState
from ..pulls import pull_stream
from ..records import ErpInvoiceRecord, ErpShipmentRecord, ShopDocumentRecord
from ..services import erp_connector, shop_connector
from ..transfers import AttemptLog, handles, remote_create, transfer_lookup, transfer_queue, transfer_run_now

logger = logging.getLogger("connectors.engine")

KINDS: dict[type, str] = {
    Invoice: TransferKind.INVOICE,
    Shipment: TransferKind.SHIPMENT,
    CreditNote: TransferKind.CREDIT_NOTE,
}
MODELS: dict[str, type[Invoice] | type[Shipment] | type[CreditNote]] = {
    TransferKind.INVOICE: Invoice,
    TransferKind.SHIPMENT: Shipment,
    TransferKind.CREDIT_NOTE: CreditNote,
}


@receiver(document_made)
def document_queue(sender, *, document: Invoice | Shipment | CreditNote, **_kwargs) -> Transfer | None:
    """Queue the document's transfer to the order's shop, when the shop records documents."""
    shop = document.order.shop
    if not shop.can(Capability.PUSH_DOCUMENTS):
        logger.info("%s keeps no documents: %s stays in the portal", shop, document)
        return None
    return transfer_queue(connection=shop, obj=document, kind=KINDS[type(document)])


def _shop_order_id(order: Order) -> str:
    ref = binding_of(order.shop, order)
    if ref is None:
        raise PermanentError(
            _("Order %(order)s was not imported from %(shop)s, so its documents cannot be recorded there.")
            % {"order": order.number, "shop": order.shop},
            hint=_("Documents of orders made in the portal stay in the portal."),
        )
    return ref.external_id


def _lines(document, order: Order) -> tuple[tuple[str, Decimal], ...]:
    lines = []
    for line in document.lines.select_related("order_line"):
        if line.order_line is None:
            continue  # freight: the shop books it with the order's first invoice itself
        if not line.order_line.shop_line_id:
            raise PermanentError(
                _("Line '%(name)s' of order %(order)s carries no shop line id.")
                % {"name": line.order_line.name, "order": order.number},
                hint=_("Re-import the order from the shop (sync now), then resend."),
            )
        lines.append((line.order_line.shop_line_id, line.quantity))
    return tuple(lines)


def document_record(document: Invoice | Shipment | CreditNote) -> ShopDocumentRecord:
    """The shop's view of a portal document (for credit notes, its invoice must be in the shop)."""
    order = document.order
    kind = KINDS[type(document)]
    order_id, number, lines = _shop_order_id(order), document.number, _lines(document, order)
    if isinstance(document, Invoice):
        # The invoice captures the payment (M2); Magento ignores capture for offline methods.
        return ShopDocumentRecord(kind, order_id, number, lines, capture=True)
    if isinstance(document, Shipment):
        tracks = ((document.tracking_number, document.carrier or "", (document.carrier or "custom").lower()),)
        return ShopDocumentRecord(kind, order_id, number, lines, tracks=tracks if document.tracking_number else ())
    invoice_ref = binding_of(order.shop, document.invoice)
    if invoice_ref is None:
        raise RetryableError(
            _("Invoice %(invoice)s is not yet in %(shop)s.") % {"invoice": document.invoice, "shop": order.shop},
            hint=_("The credit note is sent once its invoice is."),
        )
    freight = sum((line.net_amount for line in document.lines.all() if line.order_line_id is None), Decimal(0))
    return ShopDocumentRecord(
        kind,
        order_id,
        number,
        lines,
        invoice_id=invoice_ref.external_id,
        # Always offline in the shop: the portal refunds through its own provider connection,
        # so the shop must not refund the payment a second time.
        online=False,
        shipping_amount=freight,
    )


def _booked_first(shipment: Shipment) -> None:
    """A shipment a carrier books goes to the shop with its consignment number: the booking first."""
    booking = Transfer.objects.filter(
        kind=TransferKind.CARRIER_BOOKING, content_type=ct(Shipment), object_id=shipment.pk
    ).first()
    if booking is None or booking.state == TransferState.SENT:
        return
    if booking.state in (TransferState.NEEDS_ATTENTION, TransferState.CONFLICT):
        raise RetryableError(
            _("The carrier booking of shipment %(number)s needs attention: %(error)s")
            % {"number": shipment.number, "error": booking.last_error},
            hint=_("The shipment is recorded in the shop once it is booked."),
        )
    if booking.state != TransferState.SENT:
        transfer_run_now(
            connection=booking.connection,
            obj=shipment,
            kind=TransferKind.CARRIER_BOOKING,
            what=_("The carrier booking of shipment %(number)s") % {"number": shipment.number},
            then=_("The shipment is recorded in the shop once it is booked."),
        )


@handles(TransferKind.INVOICE)
@handles(TransferKind.SHIPMENT)
@handles(TransferKind.CREDIT_NOTE)
def document_push(transfer: Transfer, log: AttemptLog) -> tuple[str, str]:
    """Record one document in the shop exactly once, and bind the shop's id to it."""
    document = MODELS[transfer.kind]._default_manager.get(pk=transfer.object_id)
    if isinstance(document, Invoice) and document.state == InvoiceState.DRAFT:
        raise RetryableError(_("The invoice is still a draft."), hint=_("It is sent once issued."))
    if isinstance(document, Shipment):
        _booked_first(document)
        document.refresh_from_db()
    if isinstance(document, CreditNote) and binding_of(transfer.connection, document.invoice) is None:
        transfer_run_now(
            connection=transfer.connection,
            obj=document.invoice,
            kind=TransferKind.INVOICE,
            what=_("Invoice %(invoice)s") % {"invoice": document.invoice},
            then=_("The credit note is sent once its invoice is in the shop."),
        )
    record = document_record(document)
    shop = shop_connector(transfer.connection)
    log.request_excerpt = f"{record.kind} {record.number}: {len(record.lines)} lines"
    remote_id = transfer_lookup(transfer, lookup=lambda: shop.find_document(record))
    outcome = AttemptOutcome.FOUND
    if not remote_id:
        with remote_create(transfer):
            remote_id = shop.push_document(record)
        outcome = AttemptOutcome.SENT
    bind(transfer.connection, document, remote_id, None)
    return outcome, remote_id


# --- shipments made in the ERP ---------------------------------------------------------


def erp_pull_shipments(*, connection: Connection) -> SyncRun:
    """Shipments the ERP completed come into the portal as the order's shipments (and so go to the shop).

    Only for integrations whose documents are made in the ERP. A shipment is
    bound to the ERP's id the moment it is made, so a re-read makes nothing twice.
    """
    erp = erp_connector(connection)

    def store(record: ErpShipmentRecord) -> tuple[bool, bool]:
        if bound(connection, Shipment, record.external_id)[0] is not None:
            return False, False
        order = _erp_order(connection, record.sales_order_no, record.order_reference)
        if order is None:
            return False, False  # a shipment of a sale that did not come from a shop here
        if _released_on_request(connection, order):
            return False, False  # the portal's shipment asked for it: its own transfer binds it
        quantities = _order_quantities(order, record.lines, shippable(order))
        if not quantities:
            return False, False
        with transaction.atomic():
            shipment = shipment_create(
                order=order,
                quantities=quantities,
                carrier=record.carrier,
                tracking_number=record.tracking_number,
                number=record.number,
            )
            bind(connection, shipment, record.external_id, record.updated_at)
        return True, True

    return pull_stream(
        connection=connection,
        stream="shipments",
        pull=erp.done_shipments,
        store=store,
        stamp=lambda r: r.updated_at,
        label=lambda r: _("ERP shipment %(number)s") % {"number": r.number},
    )


def _e_invoice_number(invoice: Invoice, number: str) -> bool:
    """Keep the e-invoice number the ERP reports (it comes after the invoice, once the tax
    authority's system accepted it); an empty one never clears a known one."""
    if not number or invoice.e_invoice_number == number:
        return False
    Invoice.objects.filter(pk=invoice.pk).update(e_invoice_number=number)
    invoice.e_invoice_number = number
    return True


def _released_on_request(connection: Connection, order: Order) -> bool:
    """A shipment of this order made in the portal asked this ERP to release the goods (it may not
    have bound the ERP's document yet when the ERP reports it)."""
    return Transfer.objects.filter(
        connection=connection,
        kind=TransferKind.ERP_GOODS_RELEASE,
        content_type=ct(Shipment),
        object_id__in=order.shipments.values("pk"),
    ).exists()


def _order_quantities(
    order: Order, lines: tuple[tuple[str, Decimal], ...], left: dict[int, Decimal]
) -> dict[int, Decimal]:
    """The ERP's (item number, quantity) as quantities of the order's lines, never more than ``left``.

    An item the order does not carry (freight, a packing material) is left out. No lines at all: the
    whole of what is left (an ERP whose documents cover whole orders, Subiekt's WZ and FS).
    """
    if not lines:
        return {pk: quantity for pk, quantity in left.items() if quantity > 0}
    chosen: dict[int, Decimal] = {}
    for item_no, quantity in lines:
        for line in order.lines.filter(pk__in=left).select_related("product"):
            number = line.reference or (line.product.reference if line.product else "") or line.sku
            if number != item_no or quantity <= 0:
                continue
            take = min(quantity, left[line.pk] - chosen.get(line.pk, Decimal(0)))
            if take > 0:
                chosen[line.pk] = chosen.get(line.pk, Decimal(0)) + take
                quantity -= take
    return chosen


def _erp_order(connection: Connection, sales_order_no: str, order_reference: str) -> Order | None:
    """The order an ERP document belongs to, among integrations whose documents the ERP makes."""
    orders = Order.objects.filter(
        shop__integration__erp=connection, shop__integration__documents_source="erp"
    ).select_related("shop")
    by_number = orders.filter(erp_order_no=sales_order_no).first() if sales_order_no else None
    return by_number or (orders.filter(number=order_reference).first() if order_reference else None)


def erp_pull_invoices(*, connection: Connection) -> SyncRun:
    """Invoices the ERP posted come into the portal as the order's invoices (and so go to the shop);
    one the ERP reports paid is marked paid. Bound to the ERP's id at once: nothing is made twice."""
    erp = erp_connector(connection)

    def store(record: ErpInvoiceRecord) -> tuple[bool, bool]:
        invoice, _ref = bound(connection, Invoice, record.external_id)
        if invoice is not None:
            changed = _e_invoice_number(invoice, record.e_invoice_number)
            if record.paid and invoice.state != InvoiceState.PAID:
                invoice_mark_paid(invoice=invoice)
                changed = True
            return changed, False
        order = _erp_order(connection, record.sales_order_no, record.order_reference)
        if order is None:
            return False, False  # an invoice of a sale that did not come from a shop here
        quantities = _order_quantities(order, record.lines, invoiceable(order))
        if not quantities:
            return False, False
        with transaction.atomic():
            invoice = invoice_create(order=order, quantities=quantities, number=record.number)
            _e_invoice_number(invoice, record.e_invoice_number)
            if record.paid:
                invoice_mark_paid(invoice=invoice)
            bind(connection, invoice, record.external_id, record.updated_at)
        return True, True

    return pull_stream(
        connection=connection,
        stream="invoices",
        pull=erp.done_invoices,
        store=store,
        stamp=lambda r: r.updated_at,
        label=lambda r: _("ERP invoice %(number)s") % {"number": r.number},
    )
