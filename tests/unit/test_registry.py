"""The platform registry refuses a second class for one key."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from connectors import registry
from connectors.base import ShopConnector
from tests.fakes import FakeShop


def test_a_duplicate_platform_key_fails_at_start_up():
    class Impostor(ShopConnector):
        key = FakeShop.key
        label = "Another fake shop"

    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        registry.register(Impostor)
    assert registry.get(FakeShop.key) is FakeShop


def test_unknown_platform_names_the_known_ones():
    with pytest.raises(ImproperlyConfigured, match="fake_shop"):
        registry.get("no-such-platform")
