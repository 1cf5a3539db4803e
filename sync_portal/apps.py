from django.apps import AppConfig


class SyncPortalConfig(AppConfig):
    """Project-wide pieces: start-up checks, roles (groups), shared fields."""

    name = "sync_portal"
    verbose_name = "Sync Portal"

    def ready(self) -> None:
        from . import checks, middleware  # noqa: F401  (registers the system checks and the login signal)
        from .names import translate_names

        translate_names()  # after every app is ready: their models are all loaded by now
