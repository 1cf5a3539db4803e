"""Logins are throttled: ten failures from one address lock further tries (django-axes)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def _login(client, password: str, address: str = "203.0.113.7"):
    return client.post("/admin/login/?next=/admin/", {"username": "anna", "password": password}, REMOTE_ADDR=address)


def test_ten_failed_logins_from_one_address_lock_further_tries_even_with_the_right_password(client):
    get_user_model().objects.create_superuser("anna", "anna@example.no", "right-password-1")
    for _ in range(9):
        assert _login(client, "wrong").status_code == 200  # the form again, with its error
    assert _login(client, "wrong").status_code == 429  # the tenth failure locks
    locked = _login(client, "right-password-1")
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not locked out.
    assert _login(client, "right-password-1", address="198.51.100.2").status_code == 302


def test_a_successful_login_resets_the_count(client):
    get_user_model().objects.create_superuser("anna", "anna@example.no", "right-password-1")
    for _ in range(9):
        _login(client, "wrong")
    assert _login(client, "right-password-1").status_code == 302
    client.logout()
    for _ in range(9):
        assert _login(client, "wrong").status_code == 200  # counted from zero again
