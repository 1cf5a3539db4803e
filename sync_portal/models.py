"""Portal-wide models: API keys for machine clients (P4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey


class UserAPIKey(AbstractAPIKey):
    """An API key acting as one user: the key's rights are that user's permissions.

    Only a hash of the key is stored (djangorestframework-api-key); the key is
    shown once, when created in the admin. A read-only client is a key of a
    user with view permissions only.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"
