"""REST API (P4): least privilege per endpoint and action, constant queries per page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_q.models import OrmQ

from connectors.models import Transfer, TransferState
from connectors.records import CustomerRecord
from connectors.tasks import resolve_conflict
from customers.models import ConflictStatus, CustomerConflict
from tests.api.conftest import make_user
from tests.engine import order_transfer, process_due, sync

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/orders/",
    "/api/transfers/",
    "/api/runs/",
    "/api/connections/",
    "/api/conflicts/",
    "/api/import-problems/",
    "/api/invoices/",
    "/api/shipments/",
    "/api/credit-notes/",
]


@pytest.mark.parametrize("url", LISTS)
def test_p4_anonymous_gets_401(api, url):
    response = api().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("url", LISTS)
def test_p4_a_user_without_view_permission_gets_403(api, nobody, url):
    assert api(nobody).get(url).status_code == 403


@pytest.mark.parametrize("url", LISTS)
def test_p4_a_reader_can_list(api, reader, world, url):
    world.place()
    sync(world)
    response = api(reader).get(url)
    assert response.status_code == 200
    assert "results" in response.json()


def test_unknown_or_revoked_key_is_refused(api, reader):
    from sync_portal.models import UserAPIKey

    client = api()
    client.credentials(HTTP_AUTHORIZATION="Api-Key not.a-key")
    assert client.get("/api/orders/").status_code == 401
    client = api(reader)
    UserAPIKey.objects.update(revoked=True)
    assert client.get("/api/orders/").status_code == 401


def test_keys_are_stored_hashed(reader):
    from sync_portal.models import UserAPIKey

    from .conftest import key_for

    key = key_for(reader)
    stored = UserAPIKey.objects.get()
    assert key not in (stored.hashed_key, stored.id, stored.prefix)


def test_orders_show_transfer_state_erp_number_error_and_hint(api, reader, world):
    world.integration.payment_method_map = {}
    world.integration.save()
    failing = world.place()
    sync(world)
    world.integration.payment_method_map = {"klarna": "KL"}
    world.integration.save()
    sent = world.place()
    sync(world)
    rows = {r["number"]: r for r in api(reader).get("/api/orders/").json()["results"]}
    assert rows[failing.number]["transfer_state"] == "needs_attention"
    assert rows[failing.number]["erp_order_no"] is None
    assert "klarna" in rows[failing.number]["last_error"] and rows[failing.number]["hint"]
    assert rows[sent.number]["transfer_state"] == "sent"
    assert rows[sent.number]["erp_order_no"].startswith("SO")


def test_order_filters(api, reader, world):
    world.place()
    second = world.place(status="pending_payment")
    sync(world)
    client = api(reader)
    assert [r["number"] for r in client.get("/api/orders/", {"number": second.number}).json()["results"]] == [
        second.number
    ]
    assert [r["number"] for r in client.get("/api/orders/", {"state": "none"}).json()["results"]] == [second.number]
    assert client.get("/api/orders/", {"state": "sent"}).json()["count"] == 1
    assert client.get("/api/orders/", {"placed_after": "2999-01-01T00:00:00Z"}).json()["count"] == 0
    bad = client.get("/api/orders/", {"placed_after": "yesterday-ish"})
    assert bad.status_code == 400 and "placed_after" in bad.json()


def test_connection_health_never_returns_credentials(api, reader, world):
    world.place(customer=CustomerRecord(external_id="5", first_name="X", erp_customer_no="404"))
    sync(world)
    response = api(reader).get("/api/connections/")
    body = response.content.decode()
    assert "erp-secret-value" not in body and "shop-secret-token" not in body and "credentials" not in body
    erp = next(r for r in response.json()["results"] if r["id"] == world.erp.pk)
    assert erp["transfers"]["needs_attention"] == 1
    assert erp["last_error"] == "Customer 404 not found"


def test_transfer_detail_lists_attempts(api, reader, world):
    placed = world.place()
    world.erp_state.faults.append("503")
    sync(world)
    transfer = order_transfer(placed.number)
    body = api(reader).get(f"/api/transfers/{transfer.pk}/").json()
    assert [a["outcome"] for a in body["attempts"]] == ["retry"]


def test_read_only_key_gets_403_on_every_write(api, reader, world):
    world.place(customer=CustomerRecord(first_name="G", last_name="Ł", email="g@example.pl", is_guest=True))
    world.integration.policy_no_similar = "ask"
    world.integration.save()
    sync(world)
    client = api(reader)
    transfer = Transfer.objects.first()
    conflict = CustomerConflict.objects.get()
    assert client.post(f"/api/transfers/{transfer.pk}/resend/").status_code == 403
    assert client.post(f"/api/connections/{world.shop.pk}/sync/").status_code == 403
    assert client.post(f"/api/conflicts/{conflict.pk}/resolve/", {"resolution": "one_time"}).status_code == 403


def test_resend_answers_202_and_a_new_attempt_follows(api, world, django_capture_on_commit_callbacks):
    back_office = make_user("bo", group="Back office")
    world.integration.payment_method_map = {}
    world.integration.save()
    placed = world.place()
    sync(world)
    world.integration.payment_method_map = {"klarna": "KL"}
    world.integration.save()
    transfer = order_transfer(placed.number)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(back_office).post(f"/api/transfers/{transfer.pk}/resend/")
    assert response.status_code == 202
    assert [t.func() for t in OrmQ.objects.all()].count("connectors.tasks.process_transfer") >= 1
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    assert transfer.attempts.count() == 2


def test_resend_of_a_sent_order_is_409(api, world):
    back_office = make_user("bo", group="Back office")
    placed = world.place()
    sync(world)
    response = api(back_office).post(f"/api/transfers/{order_transfer(placed.number).pk}/resend/")
    assert response.status_code == 409 and "already transferred" in response.json()["detail"]


def test_sync_now_answers_202_and_only_enqueues(api, world, django_capture_on_commit_callbacks):
    integrator = make_user("int", group="Integrator")
    OrmQ.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(integrator).post(f"/api/connections/{world.shop.pk}/sync/")
    assert response.status_code == 202
    assert [t.func() for t in OrmQ.objects.all()] == ["connectors.tasks.run_cycle"]


def test_resolve_answers_202_and_the_queued_task_releases_the_order(api, world, django_capture_on_commit_callbacks):
    accountant = make_user("acc", group="Accountant")
    world.integration.policy_no_similar = "ask"
    world.integration.save()
    placed = world.place(customer=CustomerRecord(first_name="G", last_name="Ł", email="g@example.pl", is_guest=True))
    sync(world)
    conflict = CustomerConflict.objects.get()
    OrmQ.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(accountant).post(f"/api/conflicts/{conflict.pk}/resolve/", {"resolution": "one_time"})
    assert response.status_code == 202
    [task] = OrmQ.objects.all()
    assert task.func() == "connectors.tasks.resolve_conflict"
    resolve_conflict(*task.task["args"])
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.RESOLVED
    assert order_transfer(placed.number).state == TransferState.PENDING


def test_merge_without_a_single_candidate_is_refused(api, world):
    accountant = make_user("acc", group="Accountant")
    world.integration.policy_no_similar = "ask"
    world.integration.save()
    world.place(customer=CustomerRecord(first_name="G", last_name="Ł", email="g@example.pl", is_guest=True))
    sync(world)
    conflict = CustomerConflict.objects.get()
    response = api(accountant).post(f"/api/conflicts/{conflict.pk}/resolve/", {"resolution": "merge"})
    assert response.status_code == 409


@pytest.mark.parametrize("url", LISTS)
def test_query_count_per_page_is_constant(api, reader, world, url):
    from connectors.models import CustomerPolicy

    world.integration.policy_no_similar = CustomerPolicy.ASK
    world.integration.save()
    for i in range(30):
        if i % 3 == 0:
            world.place(customer=CustomerRecord(first_name=f"G{i}", email=f"g{i}@example.pl", is_guest=True))
        else:
            world.place()
    sync(world)
    sync(world)
    client = api(reader)
    client.get(url)  # warm the key and permission caches of this test's first request path

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"page_size": page_size}).status_code == 200
        return len(ctx)

    small, large = queries(5), queries(25)
    assert small == large
    # key, user, user permissions, group permissions, count, page: 3 + a fixed 3.
    assert large <= 6


def test_page_size_is_capped(api, reader, world):
    for _ in range(3):
        world.place()
    sync(world)
    response = api(reader).get("/api/orders/", {"page_size": 100000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_schema_and_docs_are_served(api):
    schema = api().get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    assert "/api/transfers/{id}/resend/" in schema.json()["paths"]
    assert api().get("/api/docs/").status_code == 200


def test_a_huge_id_is_a_404_not_a_database_overflow(api, reader):
    # Found by schemathesis: an id past 64 bits overflowed the database driver (500).
    assert api(reader).get(f"/api/runs/{10**30}/").status_code == 404
    assert api(reader).get("/api/transfers/", {"connection": 10**30}).status_code == 400


def test_connection_health_shows_refused_credentials_and_open_import_problems(api, reader, world):
    from connectors.models import ImportProblem
    from connectors.services import connection_mark_needs_credentials

    connection_mark_needs_credentials(connection_id=world.shop.pk, error="401 token", hint="Check the token.")
    for key in ("1", "2"):
        ImportProblem.objects.create(connection=world.shop, stream="orders", key=key, error="bad")
    shop = next(r for r in api(reader).get("/api/connections/").json()["results"] if r["id"] == world.shop.pk)
    assert (shop["auth_state"], shop["auth_error"], shop["open_import_problems"]) == (
        "needs_credentials",
        "401 token",
        2,
    )
    problems = api(reader).get("/api/import-problems/", {"open": "true", "connection": world.shop.pk}).json()
    assert problems["count"] == 2 and problems["results"][0]["error"] == "bad"
    assert api(reader).get("/api/import-problems/", {"open": "maybe"}).status_code == 400
