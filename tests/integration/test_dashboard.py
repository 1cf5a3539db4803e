"""The admin's home: sync health per connection at a glance, and a running sync's progress."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from connectors.models import RunStatus, SyncRun, TransferState
from connectors.pulls import run_guarded
from tests.engine import sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    from django.contrib.auth.models import User

    user = User.objects.create_superuser("boss", "boss@example.no", "x")
    client.force_login(user)
    return user


def test_p2_the_home_page_shows_each_connections_last_run_transfers_errors_and_charts(client, superuser, world):
    world.integration.payment_method_map = {}
    world.integration.save()
    world.place()
    sync(world)
    SyncRun.objects.create(connection=world.erp, kind="stock", status=RunStatus.FAILED, error="The ERP timed out.",
                           finished_at=timezone.now())  # fmt: skip
    html = client.get("/admin/").content.decode()
    assert "Sync health" in html
    assert world.shop.name in html and world.erp.name in html
    assert "The ERP timed out." in html  # the last run's outcome
    assert f"1 × {TransferState.NEEDS_ATTENTION.label}" in html  # transfers per state, linked to the list
    assert "connection__id__exact=" in html
    assert html.count('<svg class="chart"') == 4  # 24 h and 14 days for each of the two connections
    assert "100 %" in html  # every attempt of the last day failed
    assert html.count('class="unhealthy"') == 1  # the ERP (a failed run, an order needing attention)


def test_p2_a_user_who_may_not_see_connections_gets_the_plain_home_page(client, world):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("plain", password="x", is_staff=True))
    html = client.get("/admin/").content.decode()
    assert "Sync health" not in html


def test_p2_a_running_pull_writes_its_progress_which_the_dashboard_polls(client, superuser, world, settings):
    import connectors.pulls as pulls

    seen_inside: list[dict] = []

    def body(counts: Counter[str]) -> None:
        counts["total"] = 10
        for _ in range(4):
            counts["seen"] += 1
            pulls.run_progress(counts)
        seen_inside.append(client.get("/admin/sync-health/progress/").json())

    pulls.PROGRESS_EVERY, every = 0.0, pulls.PROGRESS_EVERY
    try:
        run_guarded(connection=world.shop, kind="orders", body=body)
    finally:
        pulls.PROGRESS_EVERY = every
    [running] = seen_inside[0]["runs"]
    assert (running["connection"], running["kind"], running["done"], running["total"]) == (
        world.shop.pk,
        "orders",
        4,
        10,
    )
    assert client.get("/admin/sync-health/progress/").json() == {"runs": []}  # finished


def test_the_progress_feed_is_for_staff_only(client):
    response = client.get("/admin/sync-health/progress/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_oldest_waiting_transfer_is_shown(client, superuser, world):
    from connectors.models import Transfer

    world.place()
    from connectors.flows.orders_in import shop_pull_orders

    shop_pull_orders(connection=world.shop)
    Transfer.objects.update(created_at=timezone.now() - dt.timedelta(hours=3))
    html = client.get("/admin/").content.decode()
    assert "3\xa0hours ago" in html


def test_p2_a_runs_counts_read_as_words_not_json(client, superuser, world):
    SyncRun.objects.create(connection=world.erp, kind="stock", status=RunStatus.OK, finished_at=timezone.now(),
                           stats={"read": 120, "total": 2000, "changed": 3, "problems": 0})  # fmt: skip
    html = client.get("/admin/connectors/syncrun/").content.decode()
    assert "read 120 of 2000 · changed 3" in html
    assert "{&quot;read&quot;" not in html and '{"read"' not in html


def test_p2_the_dashboard_costs_the_same_queries_however_many_connections(world):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from connectors.dashboard import connections_health
    from tests.factories import ShopConnectionFactory

    SyncRun.objects.create(connection=world.shop, kind="orders", status=RunStatus.OK, finished_at=timezone.now())
    with CaptureQueriesContext(db) as two:
        assert len(connections_health()) == 2
    for _ in range(4):
        shop = ShopConnectionFactory()
        SyncRun.objects.create(connection=shop, kind="orders", status=RunStatus.OK, finished_at=timezone.now())
    with CaptureQueriesContext(db) as six:
        rows = connections_health()
    assert len(rows) == 6 and all(r.last_run is not None for r in rows if r.connection.role == "shop")
    assert len(six) == len(two)
