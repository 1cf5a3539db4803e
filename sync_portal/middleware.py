"""Middleware of the portal."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

SESSION_KEY = "sync_portal_language"


@receiver(user_logged_in)
def remember_language(sender, request, user, **kwargs) -> None:
    """At login, keep the person's chosen language in their session."""
    from .models import UserPreference

    if request is not None and hasattr(request, "session"):
        language = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
        request.session[SESSION_KEY] = language or ""


class UserLanguageMiddleware:
    """Speak the language a person chose (their preference) on any browser they log in from.

    The choice travels in Django's language cookie, which the locale middleware reads. When the
    cookie is missing (a new browser) the preference read at login (kept in the session, so no
    query per request) is spoken and the cookie set from it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = None
        user = getattr(request, "user", None)
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and user is not None and user.is_authenticated:
            chosen = request.session.get(SESSION_KEY) or None
            if chosen:
                translation.activate(chosen)
                request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, chosen, max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
            )  # fmt: skip
        return response
