"""Texts for people never show requirement ids: a back-office person cannot look them up."""

from __future__ import annotations

import re

from django.apps import apps

REQUIREMENT_ID = re.compile(r"\b[VSCR]\d{1,2}\b")


def test_help_texts_and_field_names_show_no_requirement_ids():
    shown = [
        f"{model._meta.label}.{field.name}: {text}"
        for app in ("connectors", "orders", "customers", "inventory")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        for text in (str(getattr(field, "help_text", "")), str(getattr(field, "verbose_name", "")))
        if REQUIREMENT_ID.search(text)
    ]
    assert shown == []


def test_errors_and_hints_of_the_bad_input_corpus_show_no_requirement_ids():
    from pathlib import Path

    listing = (Path(__file__).parents[2] / "docs" / "bad-inputs.md").read_text()
    # the listing's own headings name no ids either; only what people see is in it
    assert REQUIREMENT_ID.findall(listing) == []
