"""API fixtures: users with exactly the permissions a test needs, and their keys."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from rest_framework.test import APIClient

from sync_portal.models import UserAPIKey

READ_ONLY = [
    "view_order",
    "view_transfer",
    "view_syncrun",
    "view_connection",
    "view_customerconflict",
    "view_importproblem",
    "view_invoice",
    "view_shipment",
    "view_creditnote",
]


def make_user(name: str, *, codenames=(), group: str | None = None) -> User:
    user = User.objects.create_user(name, password="x")
    if codenames:
        user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def key_for(user: User) -> str:
    _, key = UserAPIKey.objects.create_key(name=f"{user.username}-key", user=user)
    return key


@pytest.fixture
def api():
    def client_for(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key_for(user)}")
        return client

    return client_for


@pytest.fixture
def reader(db):
    return make_user("reader", codenames=READ_ONLY)


@pytest.fixture
def nobody(db):
    return make_user("nobody")
