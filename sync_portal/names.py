"""Model and field names as people read them in the admin, translated.

Django derives a name from each field ("shop status") and model ("order address")
that is not marked for translation. At start-up ``translate_names`` wraps every
such name of our apps in ``gettext_lazy``; ``sync_portal/model_names.py`` lists
them (``manage.py model_names`` writes it, the suite checks it is current) so the
catalogues carry them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

OUR_APPS = ("connectors", "customers", "documents", "fulfilment", "inventory", "orders", "sync_portal")


def _named() -> Iterator[tuple[object, str]]:
    """(object, attribute) of every plain name of our apps, their models and fields."""
    for label in OUR_APPS:
        config = apps.get_app_config(label)
        yield config, "verbose_name"
        for model in config.get_models():
            yield model._meta, "verbose_name"
            yield model._meta, "verbose_name_plural"
            for field in model._meta.get_fields(include_hidden=False):
                if hasattr(field, "verbose_name") and not field.auto_created:
                    yield field, "verbose_name"


WRAPPED: set[str] = set()  # the names translate_names found plain


def plain_names() -> list[str]:
    """Every name that was plain text, sorted and once each."""
    return sorted(WRAPPED)


def translate_names() -> None:
    """Wrap every plain name in gettext_lazy (run once, at start-up). A plural Django made up
    ("orders", lazily from the English singular) is wrapped as the English text it gives."""
    for obj, attr in _named():
        value = getattr(obj, attr)
        made_up = attr == "verbose_name_plural" and "verbose_name_plural" not in getattr(obj, "original_attrs", {})
        if value and (made_up or not isinstance(value, Promise)):
            WRAPPED.add(str(value))
            setattr(obj, attr, gettext_lazy(str(value)))


def names_module() -> str:
    """The text of sync_portal/model_names.py for the current models."""
    lines = [
        '"""The names of our models and fields, listed for the translation catalogues.',
        "",
        "Written by `manage.py model_names`; do not edit (see sync_portal/names.py).",
        '"""',
        "",
        "from django.utils.translation import gettext_noop",
        "",
        "NAMES = [",
        *(f"    gettext_noop({json.dumps(name, ensure_ascii=False)})," for name in plain_names()),
        "]",
        "",
    ]
    return "\n".join(lines)
