"""Platform key -> connector class.

Adding a platform is one line in ``PLATFORM_CLASSES``. A duplicate key is an
error at start-up (checked in ``ConnectorsConfig.ready``).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import Connector

# One line per platform.
PLATFORM_CLASSES: list[str] = [
    "connectors.platforms.visma_net.connector.VismaNetConnector",
    "connectors.platforms.magento.connector.MagentoConnector",
    "connectors.platforms.tryton.connector.TrytonConnector",
    "connectors.platforms.nets_easy.connector.NetsEasyConnector",
    "connectors.platforms.bring.connector.BringConnector",
    "connectors.platforms.shoprenter.connector.ShopRenterConnector",
    "connectors.platforms.portal.connector.PortalBackOffice",
    "connectors.platforms.specter.connector.SpecterConnector",
    "connectors.platforms.vendre.connector.VendreConnector",
    "connectors.platforms.subiekt.connector.SubiektConnector",
]

_registry: dict[str, type[Connector]] = {}


def register(cls: type[Connector]) -> type[Connector]:
    """Add a connector class; refuses a second class with the same key."""
    existing = _registry.get(cls.key)
    if existing is not None and existing is not cls:
        raise ImproperlyConfigured(
            f"Platform key {cls.key!r} is registered twice: {existing.__module__}.{existing.__name__} "
            f"and {cls.__module__}.{cls.__name__}."
        )
    _registry[cls.key] = cls
    return cls


def load(paths: list[str] | None = None) -> None:
    """Import and register every class in the import list."""
    for path in PLATFORM_CLASSES if paths is None else paths:
        register(import_string(path))


def get(key: str) -> type[Connector]:
    try:
        return _registry[key]
    except KeyError:
        raise ImproperlyConfigured(
            f"No connector for platform {key!r}. Known: {', '.join(sorted(_registry)) or 'none'}."
        ) from None


def choices() -> list[tuple[str, str]]:
    return sorted((key, cls.label) for key, cls in _registry.items())
