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


# --- the sync-health dashboard is the admin's home -------------------------------------

admin.site.index_template = "admin/sync_health.html"
# The order list has many columns: without the navigation sidebar they fit a 1500 px screen; the
# home page and the breadcrumbs lead everywhere.
admin.site.enable_nav_sidebar = False
_index = admin.site.index


def _index_with_health(request, extra_context=None):
    """The admin's home with the sync-health table for whoever may see connections."""
    from connectors.dashboard import connections_health

    health = connections_health() if request.user.has_perm("connectors.view_connection") else None
    return _index(request, {**(extra_context or {}), "health": health})


admin.site.index = _index_with_health  # type: ignore[method-assign]
