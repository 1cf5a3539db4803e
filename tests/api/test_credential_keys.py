"""Credentials at rest: key rotation, and a dump that loads back (still encrypted in the file)."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from connectors.models import Connection
from sync_portal.fields import _fernet

pytestmark = pytest.mark.django_db


def _raw(pk: int) -> str:
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM connectors_connection WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_dumpdata_of_connections_loads_back_and_the_file_holds_no_secret(tmp_path):
    shop = Connection.objects.create(name="Shop", role="shop", platform="magento", base_url="https://x/",
                                     credentials={"token": "very-secret-token"})  # fmt: skip
    dump = tmp_path / "connections.json"
    call_command("dumpdata", "connectors.connection", output=str(dump))
    assert "very-secret-token" not in dump.read_text()
    Connection.objects.all().delete()
    call_command("loaddata", str(dump))
    assert Connection.objects.get(pk=shop.pk).credentials == {"token": "very-secret-token"}


def test_rotating_keys_re_encrypts_every_secret_with_the_new_key(settings, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    _fernet.cache_clear()
    shop = Connection.objects.create(name="Shop", role="shop", platform="magento", base_url="https://x/",
                                     credentials={"token": "t-1"})  # fmt: skip
    settings.FIELD_ENCRYPTION_KEYS = [new, old]  # the new key first; the old one still reads
    call_command("rotate_credential_keys")
    assert "re-encrypted" in capsys.readouterr().out
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key removed: everything still reads
    assert json.loads(Fernet(new.encode()).decrypt(_raw(shop.pk).encode())) == {"token": "t-1"}
    assert Connection.objects.get(pk=shop.pk).credentials == {"token": "t-1"}
