"""/health/ for monitors and load balancers: the database, the broker and a live qcluster."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

# The checks run in worker threads with connections of their own: they must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


def test_health_is_ok_when_the_schedule_runs(client):
    call_command("install_schedules")
    Schedule.objects.filter(name="sync-portal-tick").update(next_run=timezone.now() + dt.timedelta(seconds=30))
    response = client.get("/health/?format=json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {"Database", "Broker", "Cluster"} <= {name.split("(")[0] for name in body}


def test_health_fails_when_no_qcluster_has_run_the_schedule_for_ten_minutes(client):
    call_command("install_schedules")
    Schedule.objects.filter(name="sync-portal-tick").update(next_run=timezone.now() - dt.timedelta(minutes=10))
    response = client.get("/health/?format=json")
    assert response.status_code == 500
    assert "No qcluster has run the schedule for 10 minutes." in response.content.decode()


def test_health_fails_when_the_schedule_is_not_installed(client):
    response = client.get("/health/?format=json")
    assert response.status_code == 500
    assert "install_schedules" in response.content.decode()
