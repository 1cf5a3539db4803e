"""The admin shows every transfer and lets people repair it (P2, V4, V5, C4, C5)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_q.models import OrmQ

from connectors.models import ErrorSource, Transfer, TransferKind, TransferState
from customers.models import ConflictStatus, CustomerConflict
from orders.models import Order
from tests.engine import order_transfer, sync
from tests.factories import OrderFactory, ShopConnectionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def staff(client):
    def login(group: str | None = None) -> User:
        user = User.objects.create_user(f"u-{group}", password="x", is_staff=True, is_superuser=group is None)
        if group:
            user.groups.add(Group.objects.get(name=group))
        client.force_login(user)
        return user

    return login


def make_orders(count: int) -> None:
    shop = ShopConnectionFactory()
    erp = ShopConnectionFactory(role="erp", platform="fake_erp")
    ct = ContentType.objects.get_for_model(Order)
    states = [TransferState.SENT, TransferState.NEEDS_ATTENTION, TransferState.PENDING, TransferState.UNKNOWN]
    for i in range(count):
        order = OrderFactory(shop=shop, erp_order_no=f"SO{i}" if i % 4 == 0 else "")
        Transfer.objects.create(
            connection=erp,
            kind=TransferKind.SALES_ORDER,
            content_type=ct,
            object_id=order.pk,
            state=states[i % 4],
            last_error="Item X not found" if i % 4 == 1 else "",
            error_source=ErrorSource.SYNC if i % 4 == 1 else "",
        )


def render_changelist(client, query: str = "") -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST + query)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize(
    "query", ["", "?transfer_state=needs_attention", "?q=SO1", "?q=Nordmann", "?shop_status=processing"]
)
def test_p2_the_order_list_costs_six_queries_for_200_or_600_orders_with_no_whole_table_count(client, staff, query):
    """Session, user, the stock allotment (stock lines with their stock, the open orders), a count
    of at most 10 001 rows and the page: the same for 200 and 600 orders, with a filter or a
    search, and never a COUNT(*) of the whole table."""
    staff()
    make_orders(200)
    client.get(CHANGELIST + query)  # the filters' shop and status choices are kept a minute
    small, _ = render_changelist(client, query)
    make_orders(400)
    with CaptureQueriesContext(connection) as queries:
        large, html = render_changelist(client, query)
    assert small == large == 6
    whole = re.compile(r'COUNT\(\*\) AS "__count" FROM "\w+"\s*$')
    assert not [q["sql"] for q in queries.captured_queries if whole.search(q["sql"])]
    if not query:
        assert html.count('<tr><td class="action-checkbox">') == 100  # a hundred rows a page
        assert "sync_portal/icons/sent.svg" in html and "sync_portal/icons/attention.svg" in html
        assert "Not yet transferred" in html


def test_sync_error_shows_the_erp_message_and_hint(client, staff, world):
    staff()
    world.place(customer=world.place().customer.__class__(external_id="9", first_name="X", erp_customer_no="404"))
    sync(world)
    html = client.get(CHANGELIST).content.decode()
    assert "Customer 404 not found" in html
    assert '<details class="error-cell">' in html


def test_validation_error_is_in_the_errors_column_with_its_hint(client, staff, world):
    staff()
    world.integration.payment_method_map = {}
    world.integration.save()
    world.place()
    sync(world)
    html = client.get(CHANGELIST + "?transfer_state=needs_attention").content.decode()
    assert "Payment method &#x27;klarna&#x27; has no ERP code." in html
    assert "Add &#x27;klarna&#x27; to the payment method map" in html


def test_p2_v5_red_cross_resend_queues_a_new_attempt(client, staff, world, django_capture_on_commit_callbacks):
    staff("Back office")
    world.integration.payment_method_map = {}
    world.integration.save()
    placed = world.place()
    sync(world)
    order = Order.objects.get(number=placed.number)
    url = reverse("admin:orders_order_resend", args=[order.pk])
    assert url in client.get(CHANGELIST).content.decode()  # the red cross links here
    OrmQ.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert f"Queued to be sent again: Sales order {placed.number}." in client.get(CHANGELIST).content.decode()
    assert order_transfer(placed.number).state == TransferState.PENDING
    assert [t.func() for t in OrmQ.objects.all()] == ["connectors.tasks.process_transfer"]


def test_p2_bulk_resend_action(client, staff, world, django_capture_on_commit_callbacks):
    staff("Back office")
    world.integration.payment_method_map = {}
    world.integration.save()
    numbers = [world.place().number for _ in range(3)]
    sync(world)
    ids = list(Order.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CHANGELIST, {"action": "resend", "_selected_action": ids})
    assert {order_transfer(n).state for n in numbers} == {TransferState.PENDING}


def test_a_viewer_without_resend_permission_cannot_resend(client, world):
    from django.contrib.auth.models import Permission

    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)
    world.integration.payment_method_map = {}
    world.integration.save()
    placed = world.place()
    sync(world)
    order = Order.objects.get(number=placed.number)
    assert 'value="resend"' not in client.get(CHANGELIST).content.decode()
    client.post(reverse("admin:orders_order_resend", args=[order.pk]))
    assert order_transfer(placed.number).state == TransferState.NEEDS_ATTENTION


def test_c4_conflict_action_releases_the_waiting_order(client, staff, world, django_capture_on_commit_callbacks):
    from connectors.records import CustomerRecord

    staff("Accountant")
    placed = world.place(
        customer=CustomerRecord(first_name="Ödön", last_name="Kovács", email="o@example.hu", is_guest=True)
    )
    world.integration.policy_no_similar = "ask"
    world.integration.save()
    sync(world)
    conflict = CustomerConflict.objects.get()
    html = client.get(CHANGELIST).content.decode()
    assert f"customer__id__exact={conflict.customer_id}" in html  # the order row links to the decision
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/customers/customerconflict/", {"action": "one_time", "_selected_action": [conflict.pk]})
    run_queued("connectors.tasks.resolve_conflict")  # a worker applies the decision
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.RESOLVED
    assert order_transfer(placed.number).state == TransferState.PENDING


def test_back_office_cannot_resolve_conflicts(client, staff):
    staff("Back office")
    response = client.get("/admin/customers/customerconflict/")
    assert response.status_code == 200  # may look at the queue
    html = response.content.decode()
    assert 'value="one_time"' not in html and 'value="merge"' not in html


def test_connection_page_never_shows_the_credentials(client, staff):
    staff()
    conn = ShopConnectionFactory(credentials={"token": "very-secret-token-123"})
    html = client.get(f"/admin/connectors/connection/{conn.pk}/change/").content.decode()
    assert "very-secret-token-123" not in html
    assert "Leave empty to keep the stored credentials" in html


def test_saving_a_connection_without_new_credentials_keeps_them(client, staff):
    from connectors.models import Connection

    staff()
    conn = ShopConnectionFactory(credentials={"token": "keep-me"})
    response = client.post(
        f"/admin/connectors/connection/{conn.pk}/change/",
        {
            "name": conn.name,
            "role": "shop",
            "platform": "fake_shop",
            "base_url": "https://shop.example/",
            "parameters": "{}",
            "enabled": "on",
            "sync_interval": "5",
            "order_interval": "60",
            "new_credentials": "",
            "runs-TOTAL_FORMS": "0",
            "runs-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Connection.objects.get(pk=conn.pk).credentials == {"token": "keep-me"}


def test_new_credentials_are_tested_at_once_and_a_refusal_shows_on_the_connection_list(
    client, staff, django_capture_on_commit_callbacks
):
    from connectors.models import AuthState, Connection
    from connectors.services import connection_mark_needs_credentials

    staff()
    conn = ShopConnectionFactory(credentials={"token": "old"})
    connection_mark_needs_credentials(connection_id=conn.pk, error="401 invalid token", hint="Check it.")
    html = client.get("/admin/connectors/connection/").content.decode()
    assert "Needs credentials" in html and "401 invalid token" in html
    form = {
        "name": conn.name,
        "role": "shop",
        "platform": "fake_shop",
        "base_url": "https://shop.example/",
        "parameters": "{}",
        "enabled": "on",
        "sync_interval": "5",
        "order_interval": "60",
        "new_credentials": '{"token": "shop-secret-token"}',
        "runs-TOTAL_FORMS": "0",
        "runs-INITIAL_FORMS": "0",
    }
    before = OrmQ.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/connectors/connection/{conn.pk}/change/", form)
    assert response.status_code == 302
    assert OrmQ.objects.count() == before + 1  # the test, queued
    assert OrmQ.objects.last().func() == "connectors.tasks.test_connection"
    from connectors.flows.cycles import connection_test

    assert connection_test(connection=Connection.objects.get(pk=conn.pk)).status == "ok"
    assert Connection.objects.get(pk=conn.pk).auth_state == AuthState.OK


def test_import_problems_are_listed_with_what_arrived_and_counted_on_the_connection(client, staff):
    from connectors.models import ImportProblem

    staff("Back office")
    conn = ShopConnectionFactory()
    problem = ImportProblem.objects.create(
        connection=conn,
        stream="orders",
        key="77",
        external_id="77",
        label="order 100000077",
        error="Currency 'EURO' is not an ISO 4217 currency code.",
        hint="Correct the order in the shop.",
        excerpt='{"order_currency_code": "EURO"}',
    )
    html = client.get("/admin/connectors/importproblem/?open=yes").content.decode()
    assert "order 100000077" in html and "ISO 4217" in html
    detail = client.get(f"/admin/connectors/importproblem/{problem.pk}/change/").content.decode()
    assert "&quot;order_currency_code&quot;: &quot;EURO&quot;" in detail


def run_queued(func: str) -> list:
    """Run the queued django-q2 tasks of ``func`` as a worker would; return their results."""
    from django.utils.module_loading import import_string
    from django_q.models import OrmQ

    results = []
    for item in OrmQ.objects.all():
        task = item.task
        if task["func"] == func:
            results.append(import_string(func)(*task["args"], **task["kwargs"]))
            item.delete()
    return results


def _conflict_with_two_candidates(world, client, staff):
    from connectors.records import CustomerRecord

    staff("Accountant")
    world.integration.policy_no_similar = "ask"
    world.integration.policy_one_similar = "ask"
    world.integration.save()
    placed = world.place(
        customer=CustomerRecord(first_name="Märta", last_name="Sjöström", email="marta@example.se", is_guest=True)
    )
    sync(world)
    conflict = CustomerConflict.objects.get()
    conflict.candidates = [
        {"number": "10001", "name": "Märta Sjöström", "email": "marta@example.se", "org_no": ""},
        {"number": "10007", "name": "M. Sjöström AB", "email": "info@sjostrom.se", "org_no": "5560360793"},
    ]
    conflict.save()
    return placed, conflict


def test_c4_the_conflict_page_shows_buyer_candidates_waiting_orders_and_the_decisions(client, staff, world):
    placed, conflict = _conflict_with_two_candidates(world, client, staff)
    html = client.get(f"/admin/customers/customerconflict/{conflict.pk}/change/").content.decode()
    assert "marta@example.se" in html and "M. Sjöström AB" in html and "5560360793" in html
    assert placed.number in html  # the waiting order
    for button in ('value="add_new"', 'value="one_time"', 'name="merge_with" value="10001"', 'value="10007"'):
        assert button in html


def test_c4_merging_with_the_second_candidate_binds_the_buyer_to_it_and_releases_the_order(
    client, staff, world, django_capture_on_commit_callbacks
):
    from connectors.bindings import binding_of

    placed, conflict = _conflict_with_two_candidates(world, client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/customers/customerconflict/{conflict.pk}/decide/", {"merge_with": "10007"})
    assert response.status_code == 302
    run_queued("connectors.tasks.resolve_conflict")
    conflict.refresh_from_db()
    assert (conflict.status, conflict.resolution, conflict.merged_with_no) == ("resolved", "merge", "10007")
    assert order_transfer(placed.number).state == TransferState.PENDING
    sync(world)
    assert binding_of(world.erp, conflict.customer).external_id == "10007"


def test_c4_a_merge_with_a_customer_not_among_the_candidates_is_refused_with_a_hint(client, staff, world):
    placed, conflict = _conflict_with_two_candidates(world, client, staff)
    response = client.post(f"/admin/customers/customerconflict/{conflict.pk}/decide/", {"merge_with": "99999"},
                           follow=True)  # fmt: skip
    html = response.content.decode()
    assert "99999 is not one of the similar customers." in html
    assert "Choose one of the customers shown on the conflict page." in html
    conflict.refresh_from_db()
    assert conflict.status == "open"


def test_c4_back_office_sees_the_conflict_page_without_decision_buttons(client, staff, world):
    placed, conflict = _conflict_with_two_candidates(world, client, staff)
    staff("Back office")
    html = client.get(f"/admin/customers/customerconflict/{conflict.pk}/change/").content.decode()
    assert "M. Sjöström AB" in html and 'value="add_new"' not in html


def test_order_search_finds_a_buyer_by_first_name(client, staff, world):
    from connectors.records import CustomerRecord

    staff()
    placed = world.place(
        customer=CustomerRecord(first_name="Märta", last_name="Sjöström", email="m@example.se", is_guest=True)
    )
    sync(world)
    for term in ("Märta", "Sjöström"):
        html = client.get(CHANGELIST, {"q": term}).content.decode()
        assert f">{placed.number}<" in html, term


def test_c4_after_add_new_the_customer_list_shows_the_erp_number_it_was_created_with(
    client, staff, world, django_capture_on_commit_callbacks
):
    placed, conflict = _conflict_with_two_candidates(world, client, staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/customers/customerconflict/{conflict.pk}/decide/", {"resolution": "add_new"})
    run_queued("connectors.tasks.resolve_conflict")
    sync(world)  # the order is sent: the customer is created in the ERP first
    from connectors.bindings import binding_of

    number = binding_of(world.erp, conflict.customer).external_id
    html = client.get("/admin/customers/customer/").content.decode()
    assert f'<td class="field-erp_number">{number}</td>' in html


def test_p2_each_transfer_state_has_its_own_symbol_and_label():
    from connectors.admin_display import ICONS

    assert set(ICONS) == set(TransferState.values)
    assert len({name for name, _label in ICONS.values()}) == len(ICONS)  # no two states look alike
    assert len({str(label) for _name, label in ICONS.values()}) == len(ICONS)


def test_the_platform_is_chosen_from_the_known_platforms_and_a_typo_is_refused(client, staff):
    staff()
    html = client.get("/admin/connectors/connection/add/").content.decode()
    assert '<select name="platform"' in html and '<option value="shoprenter">ShopRenter</option>' in html
    response = client.post("/admin/connectors/connection/add/", {
        "name": "Typo", "role": "shop", "platform": "magneto", "base_url": "https://shop.example.com/",
        "parameters": "{}", "sync_interval": 5, "order_interval": 60,
    })  # fmt: skip
    assert "Select a valid choice. magneto is not one of the available choices." in response.content.decode()


def test_the_index_lists_api_keys_once_and_order_addresses_are_spelled_right(client, staff, world):
    staff()
    html = client.get("/admin/").content.decode()
    assert html.count(">API keys<") == 1
    placed = world.place()
    sync(world)
    order = Order.objects.get(number=placed.number)
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "ADDRESSS" not in page.upper() and "Order addresses" in page


def test_v4_v5_the_order_page_shows_its_transfers_and_fixes_its_shop_data_once_sent(client, staff, world):
    staff("Back office")
    placed = world.place()
    sync(world)
    order = Order.objects.get(number=placed.number)
    assert order.erp_order_no
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert "Sales order " + placed.number in page and order.erp_order_no in page  # the transfer and its number
    assert "can no longer be edited here" in page
    assert 'name="grand_total"' not in page and 'name="erp_order_no"' not in page  # read-only now
    assert 'name="lines-0-quantity"' not in page


def test_v5_a_failed_transfer_on_the_order_page_shows_its_error_and_hint_and_resends(
    client, staff, world, django_capture_on_commit_callbacks
):
    staff("Back office")
    world.integration.payment_method_map = {}
    world.integration.save()
    placed = world.place()
    sync(world)
    order = Order.objects.get(number=placed.number)
    page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    transfer = order_transfer(placed.number)
    from django.utils.html import escape

    assert escape(transfer.last_error) in page and escape(transfer.last_hint) in page
    resend = reverse("admin:connectors_transfer_resend", args=[transfer.pk])
    assert resend in page
    assert 'name="grand_total"' in page  # not sent yet: still editable
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{resend}?next=/admin/orders/order/{order.pk}/change/")
    assert response.status_code == 302 and response["Location"] == f"/admin/orders/order/{order.pk}/change/"
    assert order_transfer(placed.number).state == TransferState.PENDING


def test_p2_beyond_ten_thousand_orders_the_list_says_more_without_counting_them_all(client, staff, monkeypatch):
    from sync_portal.pagination import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 50)
    staff()
    make_orders(60)
    html = client.get(CHANGELIST).content.decode()
    assert "more than 50 orders: filter or search to narrow them" in html
