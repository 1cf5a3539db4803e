from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin

from .models import UserAPIKey


@admin.register(UserAPIKey)
class UserAPIKeyAdmin(APIKeyModelAdmin):
    """The key is shown once on creation; afterwards only its prefix."""

    list_display = [*APIKeyModelAdmin.list_display, "user"]
    list_select_related = ["user"]
