"""Views of the portal itself (beside the admin and the API)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from connectors.dashboard import runs_in_progress


@staff_member_required
def sync_health_progress(request: HttpRequest) -> JsonResponse:
    """Running syncs and how far they have come: polled by the dashboard every few seconds."""
    if not request.user.has_perm("connectors.view_connection"):
        raise PermissionDenied
    from connectors.admin_display import run_kind

    return JsonResponse({"runs": [{**run, "kind": run_kind(str(run["kind"]))} for run in runs_in_progress()]})


@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """The header's language choice: set for this browser (Django's set_language) and kept as the
    person's preference, so every browser they log in from speaks it."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        from .middleware import SESSION_KEY
        from .models import UserPreference

        UserPreference.objects.update_or_create(user=request.user, defaults={"language": language})
        request.session[SESSION_KEY] = language
    return response
