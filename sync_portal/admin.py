from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from .models import UserAPIKey

# The package registers its own user-less keys; the portal's keys act as a user, so only those show.
if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)


@admin.register(UserAPIKey)
class UserAPIKeyAdmin(APIKeyModelAdmin):
    """The key is shown once on creation; afterwards only its prefix."""

    list_display = [*APIKeyModelAdmin.list_display, "user"]
    list_select_related = ["user"]
