"""Documents over the REST API: made with their own permissions, refusals as 409 with a hint (M2-M4, R1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from documents.models import CreditNote, Invoice
from tests.api.conftest import make_user
from tests.factories import OrderFactory, OrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    order = OrderFactory()
    OrderLineFactory(order=order, name="Genser", quantity=Decimal("2"))
    return order


@pytest.fixture
def accountant(db):
    return make_user("acc", group="Accountant")


def test_m2_an_accountant_invoices_one_line_then_the_rest(api, accountant, order):
    line = order.lines.get()
    first = api(accountant).post(f"/api/orders/{order.pk}/invoice/", {"lines": {str(line.pk): "1"}}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["number"] == "INV-00001" and first.json()["lines"][0]["quantity"] == "1.000"
    rest = api(accountant).post(f"/api/orders/{order.pk}/invoice/", {}, format="json")
    assert rest.status_code == 201 and rest.json()["gross_total"] == "125.00"
    again = api(accountant).post(f"/api/orders/{order.pk}/invoice/", {}, format="json")
    assert again.status_code == 409
    assert "Nothing is left to invoice" in again.json()["detail"] and again.json()["hint"]


def test_m4_a_credit_note_for_an_unpaid_invoice_is_refused_with_409_and_none_is_made(api, accountant, order):
    api(accountant).post(f"/api/orders/{order.pk}/invoice/", {}, format="json")
    invoice = Invoice.objects.get()
    refused = api(accountant).post(f"/api/invoices/{invoice.pk}/credit/", {}, format="json")
    assert refused.status_code == 409 and "is not paid" in refused.json()["detail"]
    assert CreditNote.objects.count() == 0
    assert api(accountant).post(f"/api/invoices/{invoice.pk}/pay/").json()["state"] == "paid"
    made = api(accountant).post(f"/api/invoices/{invoice.pk}/credit/", {"refund_mode": "offline"}, format="json")
    assert made.status_code == 201 and made.json()["gross_total"] == "250.00"


def test_a_reader_may_read_documents_but_not_make_them(api, reader, order):
    assert api(reader).post(f"/api/orders/{order.pk}/invoice/", {}, format="json").status_code == 403
    assert Invoice.objects.count() == 0


def test_m3_back_office_ships_with_tracking_and_the_mail_is_only_queued(api, order):
    from django_q.models import OrmQ

    back_office = make_user("bo", group="Back office")
    response = api(back_office).post(
        f"/api/orders/{order.pk}/ship/", {"carrier": "Bring", "tracking_number": "70712345678"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["tracking_number"] == "70712345678"
    assert OrmQ.objects.count() == 0  # queued on commit: the test transaction never commits


def test_bad_quantities_are_a_400_naming_the_field(api, accountant, order):
    response = api(accountant).post(f"/api/orders/{order.pk}/invoice/", {"lines": {"x": "1"}}, format="json")
    assert response.status_code == 400 and "lines" in response.json()
