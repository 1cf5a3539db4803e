"""Property-based run of schemathesis against the served OpenAPI schema: no request makes a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from sync_portal.wsgi import application
from tests.api.conftest import key_for, make_user

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def keep_db_connection():
    """The WSGI handler closes the DB connection after each request; in a test that
    would close the test's own transaction."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def superuser_key(db, world, keep_db_connection):
    from django.contrib.auth.models import User

    world.place()
    from tests.engine import sync

    sync(world)
    make_user("plain")
    return key_for(User.objects.create_superuser("root", password="x"))


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_p4_no_request_makes_a_server_error(case, superuser_key):
    case.call_and_validate(headers={"Authorization": f"Api-Key {superuser_key}"}, checks=[not_a_server_error])
