"""Model fields shared by the apps."""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if keys:
        try:
            return MultiFernet([Fernet(k.encode()) for k in keys])
        except ValueError as exc:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64 bytes each)."
            ) from exc
    # Derived rather than SECRET_KEY itself, so the key that signs cookies is
    # never used directly as an encryption key.
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"sync-portal", info=b"credentials").derive(
        secret_key.encode()
    )
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived))])


def fernet() -> MultiFernet:
    """The MultiFernet for the configured keys (newest key encrypts)."""
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


class EncryptedJSONField(models.TextField):
    """A JSON object stored as a Fernet token: unreadable in a raw SQL dump.

    Decryption happens when the row is loaded; the value is a plain dict in
    Python. It cannot be filtered on, by design.
    """

    description = "Encrypted JSON object"

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        token = fernet().encrypt(json.dumps(value, sort_keys=True).encode())
        return token.decode()

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return {}
        try:
            return json.loads(fernet().decrypt(value.encode()))
        except InvalidToken as exc:
            raise ImproperlyConfigured(
                "Stored credentials cannot be decrypted: FIELD_ENCRYPTION_KEYS (or SECRET_KEY) "
                "changed without keeping the old key in the list."
            ) from exc

    def to_python(self, value: Any) -> Any:
        """A dict as it is; a string is either JSON (forms) or the token ``dumpdata`` wrote, which
        ``loaddata`` hands back here."""
        if isinstance(value, dict) or value is None:
            return value
        if value == "":
            return {}
        try:
            return json.loads(value)
        except ValueError:
            return self.from_db_value(value, None, None)

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisation (dumpdata) must not leak the secret either.
        return self.get_prep_value(self.value_from_object(obj)) or ""
