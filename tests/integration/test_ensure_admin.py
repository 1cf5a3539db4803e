"""`make run` prints the admin login; a restart keeps the same password."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _password(settings, tmp_path) -> str:
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue().split("password: ")[1].split()[0]


def test_a_restart_prints_the_same_password_and_leaves_one_changed_in_the_admin_alone(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    first = _password(settings, tmp_path)
    assert _password(settings, tmp_path) == first
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password(first) and admin.is_superuser
    admin.set_password("changed-in-the-admin")
    admin.save()
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    assert "password: the one you set" in out.getvalue()
    assert get_user_model().objects.get(username="admin").check_password("changed-in-the-admin")
    assert oct((tmp_path / "var" / "admin-password").stat().st_mode & 0o777) == "0o600"
