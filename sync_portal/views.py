"""Views of the portal itself (beside the admin and the API)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse

from connectors.dashboard import runs_in_progress


@staff_member_required
def sync_health_progress(request: HttpRequest) -> JsonResponse:
    """Running syncs and how far they have come: polled by the dashboard every few seconds."""
    if not request.user.has_perm("connectors.view_connection"):
        raise PermissionDenied
    return JsonResponse({"runs": runs_in_progress()})
