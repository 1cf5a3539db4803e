"""REST API plumbing shared by every endpoint (P4): key auth, permissions, pagination."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, pagination, permissions
from rest_framework.request import Request

from .models import UserAPIKey
from .pagination import CappedPaginator

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key <key>``: the request acts as the key's user."""

    def authenticate(self, request: Request) -> tuple[Any, UserAPIKey] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header.startswith(f"{KEYWORD} "):
            return None
        key = header[len(KEYWORD) + 1 :].strip()
        try:
            api_key = UserAPIKey.objects.get_from_key(key)
        except UserAPIKey.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Unknown API key.")) from None
        if not api_key.is_valid(key) or not api_key.user.is_active:
            raise exceptions.AuthenticationFailed(_("API key revoked or expired."))
        return api_key.user, api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "sync_portal.api.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Api-Key <key>"}


class ViewModelPermissions(permissions.DjangoModelPermissions):
    """Reading needs the model's view permission (DRF's default lets any user read)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


def requires(perm: str) -> type[permissions.BasePermission]:
    """A permission class for one action: the user must hold ``perm``."""

    class HasPerm(permissions.BasePermission):
        message = _("You need the permission %s.") % perm

        def has_permission(self, request: Request, view: Any) -> bool:
            return bool(request.user and request.user.is_authenticated and request.user.has_perm(perm))

    HasPerm.__name__ = f"Requires_{perm.replace('.', '_')}"
    return HasPerm


# Ids in URLs and filters: at most 18 digits, so a huge number is a 404/400, not a database overflow.
ID_REGEX = "[0-9]{1,18}"
MAX_ID = 10**18 - 1


class Pagination(pagination.PageNumberPagination):
    """50 rows a page by default; ``page_size`` up to 200. ``count`` is exact up to 10 000 and says
    10 001 beyond (``count_capped``): a big table is never counted whole."""

    django_paginator_class = CappedPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.page.paginator.capped
        return response

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count_capped"] = {
            "type": "boolean",
            "description": "true: there are more than 10 000 rows and count says 10 001.",
        }
        return answer
