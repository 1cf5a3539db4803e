"""Model and field names reach people translated, and the list the catalogues carry is current."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation

from orders.models import Order, OrderAddress
from sync_portal.names import names_module


def test_the_listed_names_are_those_of_the_current_models():
    listed = (Path(__file__).resolve().parents[2] / "sync_portal" / "model_names.py").read_text()
    assert listed == names_module(), "Run: manage.py model_names && scripts/catalogues.sh (then translate)"


def test_model_and_field_names_are_spoken_in_the_persons_language():
    with translation.override("hu"):
        assert str(Order._meta.verbose_name) == "megrendelés"
        assert str(Order._meta.get_field("shop_status").verbose_name) == "webáruház-állapot"
        assert str(OrderAddress._meta.verbose_name_plural) == "megrendelési címek"
    with translation.override("en"):
        assert str(Order._meta.get_field("shop_status").verbose_name) == "shop status"
