"""Order processing in the portal: invoices, shipments, credit notes and the order's state (M1-M5, R1, R2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from documents.models import CreditNote, Invoice, InvoiceState, NumberSeries
from documents.services import (
    credit_note_create,
    invoice_create,
    invoice_mark_paid,
    shipment_create,
)
from orders.models import OrderRefused, OrderState
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    order = OrderFactory(shipping_excl_vat=Decimal("80"), shipping_vat_rate=Decimal("25"))
    OrderLineFactory(order=order, name="Genser", quantity=Decimal("3"), unit_price_excl_vat=Decimal("100"))
    OrderLineFactory(
        order=order, name="Bok", quantity=Decimal("1"), unit_price_excl_vat=Decimal("200"), vat_rate=Decimal("0")
    )
    return order


def lines_of(order):
    return {line.name: line for line in order.lines.all()}


def test_m2_partial_invoices_never_take_more_than_is_left_and_add_up_to_the_order(order):
    genser = lines_of(order)["Genser"]
    first = invoice_create(order=order, quantities={genser.pk: Decimal("1")})
    assert [(li.description, li.quantity, li.net_amount) for li in first.lines.all()] == [
        ("Genser", Decimal("1.000"), Decimal("100.00")),
        ("Freight", Decimal("1.000"), Decimal("80.00")),  # the freight goes on the first invoice
    ]
    assert (first.net_total, first.vat_total, first.gross_total) == (Decimal("180"), Decimal("45"), Decimal("225"))
    with pytest.raises(OrderRefused, match="more than is left"):
        invoice_create(order=order, quantities={genser.pk: Decimal("3")})
    rest = invoice_create(order=order)  # "invoice the rest"
    assert sorted((li.description, li.quantity) for li in rest.lines.all()) == [
        ("Bok", Decimal("1.000")),
        ("Genser", Decimal("2.000")),
    ]
    assert first.net_total + rest.net_total == Decimal("580")  # 3 × 100 + 200 + 80 freight
    with pytest.raises(OrderRefused, match="Nothing is left to invoice"):
        invoice_create(order=order)


def test_m2_the_last_invoice_of_a_line_takes_the_rest_of_its_net_so_thirds_add_up(order):
    line = OrderLineFactory(order=order, name="Tredjedel", quantity=Decimal("3"), unit_price_excl_vat=Decimal("33.34"))
    nets = [
        invoice_create(order=order, quantities={line.pk: Decimal("1")}).lines.get(order_line=line).net_amount
        for _ in range(3)
    ]
    assert sum(nets) == Decimal("100.02") and nets == [Decimal("33.34")] * 3


def test_r2_invoice_numbers_follow_the_shop_series_without_gaps(order):
    NumberSeries.objects.create(shop=order.shop, kind="invoice", prefix="F-2026-", next_number=41, digits=4)
    genser = lines_of(order)["Genser"]
    a = invoice_create(order=order, quantities={genser.pk: 1})
    b = invoice_create(order=order, quantities={genser.pk: 1})
    assert (a.number, b.number) == ("F-2026-0041", "F-2026-0042")
    other_shop = OrderFactory()
    OrderLineFactory(order=other_shop)
    assert invoice_create(order=other_shop).number == "INV-00001"  # each shop its own series


def test_m1_new_orders_are_pending_and_cancel_is_refused_once_invoiced(order):
    assert order.state == OrderState.PENDING
    invoice_create(order=order, quantities={lines_of(order)["Bok"].pk: 1})
    order.refresh_from_db()
    assert order.state == OrderState.PROCESSING
    with pytest.raises(OrderRefused, match="can no longer be canceled"):
        order.cancel()
    order.refresh_from_db()
    assert order.state == OrderState.PROCESSING


def test_m1_an_order_without_invoices_can_be_canceled_and_takes_no_documents_after(order, admin_user):
    order.cancel(by=admin_user)
    order.refresh_from_db()
    assert order.state == OrderState.CANCELED
    [change] = order.state_changes.all()
    assert (change.from_state, change.to_state, change.by) == ("pending", "canceled", admin_user)
    with pytest.raises(OrderRefused, match="canceled"):
        invoice_create(order=order)


def test_m3_partial_shipments_until_all_is_shipped_and_services_are_never_shipped(order):
    OrderLineFactory(order=order, name="Montering", is_service=True, quantity=Decimal("1"))
    genser = lines_of(order)["Genser"]
    first = shipment_create(order=order, quantities={genser.pk: 2}, carrier="Bring", tracking_number="70712345")
    assert first.number == "SH-00001" and first.tracking_number == "70712345"
    second = shipment_create(order=order)
    assert sorted((li.order_line.name, li.quantity) for li in second.lines.all()) == [
        ("Bok", Decimal("1.000")),
        ("Genser", Decimal("1.000")),
    ]
    with pytest.raises(OrderRefused, match="Nothing is left to ship"):
        shipment_create(order=order)


def test_m5_complete_only_when_everything_is_invoiced_and_shipped(order):
    shipment_create(order=order)
    order.refresh_from_db()
    assert order.state == OrderState.PENDING  # shipped, not invoiced
    genser = lines_of(order)["Genser"]
    invoice_create(order=order, quantities={genser.pk: 3})
    order.refresh_from_db()
    assert order.state == OrderState.PROCESSING  # one line still to invoice
    invoice_create(order=order)
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETE
    assert [c.to_state for c in order.state_changes.all()] == ["processing", "complete"]


def test_m4_a_credit_note_is_refused_for_an_unpaid_invoice_and_nothing_is_written(order):
    invoice = invoice_create(order=order)
    with pytest.raises(OrderRefused, match="is not paid"):
        credit_note_create(invoice=invoice)
    assert CreditNote.objects.count() == 0
    assert NumberSeries.objects.filter(kind="credit_note").count() == 0


def test_m4_credit_notes_for_chosen_lines_of_a_paid_invoice_never_more_than_invoiced(order):
    invoice = invoice_mark_paid(invoice=invoice_create(order=order))
    assert invoice.state == InvoiceState.PAID
    genser_line = invoice.lines.get(description="Genser")
    note = credit_note_create(invoice=invoice, quantities={genser_line.pk: 1})
    assert (note.number, note.net_total, note.vat_total, note.gross_total) == (
        "CN-00001",
        Decimal("100"),
        Decimal("25"),
        Decimal("125"),
    )
    with pytest.raises(OrderRefused, match="more than is left to credit"):
        credit_note_create(invoice=invoice, quantities={genser_line.pk: 3})
    credit_note_create(invoice=invoice)  # the rest
    order.refresh_from_db()
    assert order.state == OrderState.CLOSED  # all credited: the order is closed
    assert Invoice.objects.get(pk=invoice.pk).credited() == invoice.gross_total


def test_r1_invoice_the_rest_in_one_call_covers_every_line_and_the_freight(order):
    invoice = invoice_create(order=order)
    assert invoice.state == InvoiceState.ISSUED and invoice.number == "INV-00001"
    assert invoice.gross_total == Decimal("3") * 125 + 200 + 100  # 375 + 200 + freight 100 incl. VAT


# --- PDFs and e-mail -----------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def addressed(order):
    from tests.factories import OrderAddressFactory

    OrderAddressFactory(order=order, kind="billing", first_name="Zoltán", last_name="Kovács", city="Győr")
    OrderAddressFactory(order=order, kind="delivery", first_name="Łukasz", last_name="Kowalski", city="Kraków")
    order.shop.document_header = "Nordlys Sport AS\nStorgata 1, 0155 Oslo\nOrg.nr. 923 609 016 MVA"
    order.shop.save()
    return order


def test_r1_the_invoice_pdf_shows_its_number_lines_totals_buyer_and_seller(addressed):
    from documents.pdf import document_pdf

    invoice = invoice_create(order=addressed)
    text = pdf_text(document_pdf(invoice))
    assert f"Invoice {invoice.number}" in text
    assert f"Order {addressed.number}" in text
    assert "Zoltán Kovács" in text and "Győr" in text  # the buyer, Unicode intact
    assert "Nordlys Sport AS" in text and "923 609 016" in text  # the seller
    for expected in ("Genser", "Bok", "Freight", "NOK"):
        assert expected in text
    assert "675.00" in text  # 3 × 125 + 200 + 100


def test_m3_the_packing_slip_pdf_names_the_delivery_address_lines_and_tracking_but_no_prices(addressed):
    from documents.pdf import document_pdf

    shipment = shipment_create(order=addressed, carrier="Bring", tracking_number="70712345678")
    text = pdf_text(document_pdf(shipment))
    assert f"Packing slip {shipment.number}" in text
    assert "Łukasz Kowalski" in text and "Kraków" in text
    assert "70712345678" in text and "Genser" in text
    assert "NOK" not in text


def test_m2_a_polish_order_prints_in_polish_with_polish_money(addressed):
    from documents.pdf import document_pdf

    addressed.language, addressed.currency = "pl", "PLN"
    addressed.save()
    text = pdf_text(document_pdf(invoice_create(order=addressed)))
    assert "675,00" in text and "zł" in text


def test_r3_the_invoice_is_emailed_to_the_buyer_with_its_pdf_attached(addressed, mailoutbox):
    from documents.mail import document_email

    invoice = invoice_create(order=addressed)
    document_email(document=invoice)
    [mail] = mailoutbox
    assert mail.to == [addressed.email]
    assert invoice.number in mail.subject and addressed.number in mail.subject
    [(name, content, mimetype)] = mail.attachments
    assert (name, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert f"Invoice {invoice.number}" in pdf_text(content)
    invoice.refresh_from_db()
    assert invoice.emailed_at is not None


def test_m3_the_on_its_way_mail_carries_the_tracking_number_and_the_packing_slip(addressed, mailoutbox):
    from documents.mail import document_email

    shipment = shipment_create(order=addressed, carrier="Bring", tracking_number="70712345678")
    document_email(document=shipment)
    [mail] = mailoutbox
    assert "on its way" in mail.subject and "70712345678" in mail.body
    assert mail.attachments[0][0] == f"{shipment.number}.pdf"


def test_an_order_without_an_email_address_is_refused_with_a_hint_and_nothing_is_sent(addressed, mailoutbox):
    from documents.mail import document_email

    addressed.email = ""
    addressed.save()
    addressed.customer.email = ""
    addressed.customer.save()
    with pytest.raises(OrderRefused, match="no e-mail address") as refused:
        document_email(document=invoice_create(order=addressed))
    assert "Add the buyer's e-mail address" in refused.value.hint
    assert mailoutbox == []


# --- the admin -----------------------------------------------------------------------


@pytest.fixture
def accountant(client):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("accountant", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Accountant"))
    client.force_login(user)
    return user


def test_r3_group_invoicing_from_the_order_list_enqueues_and_the_task_invoices_each_order(
    client, accountant, order, django_capture_on_commit_callbacks
):
    from django_q.models import OrmQ

    from documents.tasks import invoice_orders

    other = OrderFactory(shop=order.shop)
    OrderLineFactory(order=other)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/orders/order/", {"action": "invoice_rest", "_selected_action": [order.pk, other.pk]}
        )
    assert response.status_code == 302
    assert Invoice.objects.count() == 0  # the action only enqueues
    assert OrmQ.objects.count() == 1
    assert invoice_orders([order.pk, other.pk, order.pk]) == {"invoiced": 2, "refused": 0}
    assert invoice_orders([order.pk]) == {"invoiced": 0, "refused": 1}  # nothing left: refused, not a crash


def test_m4_crediting_an_unpaid_invoice_from_the_admin_is_refused_with_the_reason(client, accountant, order):
    invoice = invoice_create(order=order)
    response = client.post(
        "/admin/documents/invoice/", {"action": "credit_in_full", "_selected_action": [invoice.pk]}, follow=True
    )
    assert "is not paid, so it cannot be credited" in response.content.decode()
    assert CreditNote.objects.count() == 0


def test_the_order_page_shows_its_documents_and_the_invoice_pdf_opens(client, accountant, order):
    invoice = invoice_create(order=order)
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert invoice.number in page
    pdf = client.get(f"/admin/documents/invoice/{invoice.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert invoice.number in pdf_text(pdf.content)


def test_an_issued_invoice_cannot_be_changed_or_deleted_in_the_admin(client, accountant, order):
    invoice = invoice_create(order=order)
    client.post(f"/admin/documents/invoice/{invoice.pk}/change/", {"number": "X-1", "state": "draft"})
    client.post(f"/admin/documents/invoice/{invoice.pk}/delete/", {"post": "yes"})
    invoice.refresh_from_db()
    assert (invoice.number, invoice.state) == ("INV-00001", "issued")


def test_the_order_list_shows_each_order_s_documents_and_a_red_cross_when_one_needs_attention(
    client, accountant, order
):
    from django.contrib.contenttypes.models import ContentType

    from connectors.models import Transfer, TransferState

    invoice = invoice_create(order=order)
    shipment_create(order=order)
    Transfer.objects.create(
        connection=order.shop,
        kind="invoice",
        content_type=ContentType.objects.get_for_model(Invoice),
        object_id=invoice.pk,
        state=TransferState.NEEDS_ATTENTION,
    )
    page = client.get("/admin/orders/order/").content.decode()
    assert "1 inv. · 1 ship." in page
    assert "A document needs attention" in page


def test_documents_made_in_an_erp_that_cannot_send_them_back_is_refused_on_the_integration():
    from django.core.exceptions import ValidationError

    from tests.factories import IntegrationFactory

    integration = IntegrationFactory(documents_source="erp")  # the fake ERP reports no documents
    with pytest.raises(ValidationError, match="does not send its invoices or shipments"):
        integration.full_clean()
