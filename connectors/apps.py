from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    """The sync engine: connections, transfers, scheduling, platforms."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "connectors"

    def ready(self) -> None:
        from . import flows, registry  # noqa: F401  (importing the flows registers the transfer handlers)

        registry.load()
