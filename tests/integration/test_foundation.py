"""Foundation guarantees: secrets at rest, queue checks, roles, settings."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection as db
from django.test import override_settings

from connectors.models import Connection
from sync_portal.checks import check_queue_settings
from tests.factories import ShopConnectionFactory

pytestmark = pytest.mark.django_db

GOOD_Q = {"name": "t", "timeout": 60, "retry": 90, "catch_up": False, "orm": "default"}


def test_credentials_do_not_appear_in_a_raw_sql_dump_of_the_connection_table():
    ShopConnectionFactory(credentials={"token": "sup3r-s3cret-ø", "user": "api-user-77"})
    with db.cursor() as cur:
        cur.execute("SELECT * FROM connectors_connection")
        dump = repr(cur.fetchall())
    assert "sup3r-s3cret" not in dump
    assert "api-user-77" not in dump
    assert Connection.objects.get().credentials == {"token": "sup3r-s3cret-ø", "user": "api-user-77"}


def test_dumpdata_does_not_leak_credentials(capsys):
    ShopConnectionFactory(credentials={"token": "dumpdata-secret"})
    call_command("dumpdata", "connectors.connection")
    assert "dumpdata-secret" not in capsys.readouterr().out


def test_credentials_stay_readable_after_key_rotation():
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        conn = ShopConnectionFactory(credentials={"token": "rotate-me"})
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        assert Connection.objects.get(pk=conn.pk).credentials == {"token": "rotate-me"}


@pytest.mark.parametrize(
    ("q_cluster", "error_id"),
    [
        ({**GOOD_Q, "retry": 60}, "sync_portal.E002"),  # retry == timeout: re-delivered while running
        ({**GOOD_Q, "retry": 30}, "sync_portal.E002"),
        ({**GOOD_Q, "catch_up": True}, "sync_portal.E003"),
        ({k: v for k, v in GOOD_Q.items() if k != "retry"}, "sync_portal.E001"),
    ],
)
def test_queue_settings_check_fails_on_a_bad_q_cluster(q_cluster, error_id):
    with override_settings(Q_CLUSTER=q_cluster):
        assert [e.id for e in check_queue_settings()] == [error_id]


def test_queue_settings_check_refuses_duplicate_schedule_names():
    schedules = [{"name": "tick", "func": "a.b", "minutes": 1}, {"name": "tick", "func": "a.c", "minutes": 1}]
    with override_settings(Q_CLUSTER=GOOD_Q, SYNC_SCHEDULES=schedules):
        assert [e.id for e in check_queue_settings()] == ["sync_portal.E004"]


def test_shipped_queue_settings_pass_the_check():
    assert check_queue_settings() == []


def test_roles_exist_with_least_permissions():
    back_office = Group.objects.get(name="Back office")
    accountant = Group.objects.get(name="Accountant")
    integrator = Group.objects.get(name="Integrator")

    def codes(group):
        return set(group.permissions.values_list("codename", flat=True))

    assert "resend_transfer" in codes(back_office)
    assert "change_connection" not in codes(back_office)
    assert "resolve_conflict" in codes(accountant)
    assert "resolve_conflict" not in codes(back_office)
    assert {"change_connection", "sync_connection", "test_connection"} <= codes(integrator)
    assert "change_order" not in codes(integrator)
    for group in (back_office, accountant, integrator):
        assert not any(code.startswith("delete_") for code in codes(group))


def test_sqlite_file_database_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    from django.conf import settings
    from django.db.backends.sqlite3.base import DatabaseWrapper

    wrapper = DatabaseWrapper(
        {
            **settings.DATABASES["default"],
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(tmp_path / "wal.sqlite3"),
            "OPTIONS": dict(settings.SQLITE_OPTIONS),
        }
    )
    try:
        with wrapper.cursor() as cur:
            cur.execute("PRAGMA journal_mode")
            mode = cur.fetchone()[0]
            cur.execute("PRAGMA busy_timeout")
            busy_ms = cur.fetchone()[0]
    finally:
        wrapper.close()
    assert mode == "wal"
    assert busy_ms == 30_000
