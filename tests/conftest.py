"""Shared pytest fixtures: the fake platforms and a ready shop->ERP world."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from connectors import registry
from connectors.records import (
    AddressRecord,
    CustomerRecord,
    ErpCustomerRecord,
    ItemRecord,
    OrderLineRecord,
    OrderRecord,
)
from tests import fakes

registry.register(fakes.FakeShop)
registry.register(fakes.FakeErp)


def pytest_report_header(config):
    db = settings.DATABASES["default"]
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or ''}:{db.get('PORT') or ''}"


@pytest.fixture(autouse=True)
def _fresh_fakes():
    fakes.reset()
    yield
    fakes.reset()


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Token and rate-limit caches are per process and keyed by URL: an emulator that
    reuses a port of an earlier test must not inherit its token or exhausted window."""
    from connectors import http
    from connectors.platforms.visma_net import client
    from connectors.selectors import shop_choices_forget
    from connectors.services import erp_items_forget

    http.TOKENS.clear()
    client._windows.clear()
    erp_items_forget()
    shop_choices_forget()
    yield


_seq = itertools.count(1)


@dataclass
class World:
    """A shop and an ERP (fakes) joined by an Integration, with test helpers."""

    integration: object

    @property
    def shop(self):
        return self.integration.shop

    @property
    def erp(self):
        return self.integration.erp

    @property
    def shop_state(self) -> fakes.FakeShopState:
        return fakes.SHOPS[self.shop.base_url]

    @property
    def erp_state(self) -> fakes.FakeErpState:
        return fakes.ERPS[self.erp.base_url]

    def add_item(self, number: str, description: str = "") -> None:
        self.erp_state.items[number] = ItemRecord(number=number, description=description or number)

    def add_erp_customer(self, number: str, name: str, email: str = "", org_no: str = "") -> None:
        self.erp_state.customers[number] = ErpCustomerRecord(number=number, name=name, email=email, org_no=org_no)

    def place(self, **overrides) -> OrderRecord:
        """Put an order in the fake shop (defaults: registered buyer with ERP no. 10001)."""
        n = next(_seq)
        placed = timezone.now() - dt.timedelta(minutes=30) + dt.timedelta(seconds=n)
        fields = dict(
            external_id=str(1000 + n),
            number=f"WEB-{n:05d}",
            status="processing",
            placed_at=placed,
            updated_at=placed,
            customer=CustomerRecord(
                external_id=str(n),
                first_name="Åse",
                last_name="Ødegård",
                email=f"ase{n}@example.no",
                erp_customer_no="10001",
            ),
            lines=(
                OrderLineRecord(
                    sku="GENSER-M",
                    reference="ITEM-1",
                    name="Genser, blå, M",
                    quantity=Decimal("2"),
                    unit_price_excl_vat=Decimal("400.00"),
                    vat_rate=Decimal("25"),
                ),
            ),
            currency="NOK",
            payment_method="klarna",
            shipping_method="flatrate",
            payment_reference="KL-778899",
            customer_comment="Ring på døra",
            customer_reference="PO-17",
            email=f"ase{n}@example.no",
            delivery=AddressRecord(
                first_name="Åse", last_name="Ødegård", street="Storgata 1", postcode="0155", city="Oslo", country="NO"
            ),
            billing=AddressRecord(
                first_name="Åse", last_name="Ødegård", street="Storgata 1", postcode="0155", city="Oslo", country="NO"
            ),
        )
        fields.update(overrides)
        if "grand_total" not in overrides:
            fields["grand_total"] = shop_total(
                fields["lines"],
                fields.get("shipping_excl_vat", Decimal("0")),
                fields.get("shipping_vat_rate", Decimal("0")),
                fields.get("discounts", ()),
            )
        record = OrderRecord(**fields)
        self.shop_state.orders[record.external_id] = record
        return record


def shop_total(lines, shipping: Decimal, shipping_rate: Decimal, discounts) -> Decimal:
    """A shop's own total incl. VAT: each row rounded incl. VAT, as web shops show it."""
    cent = Decimal("0.01")
    pct = sum((d.value for d in discounts if d.kind == "percent"), Decimal("0"))
    fixed = sum((d.value for d in discounts if d.kind == "fixed"), Decimal("0"))
    total = Decimal("0")
    for line in lines:
        net = line.quantity * line.unit_price_excl_vat * (1 - pct / 100) - line.discount_amount
        total += (net * (1 + line.vat_rate / 100)).quantize(cent)
    total += (shipping * (1 + shipping_rate / 100)).quantize(cent)
    return total - fixed


@pytest.fixture
def world(db) -> World:
    from tests.factories import ErpConnectionFactory, IntegrationFactory, ShopConnectionFactory

    n = next(_seq)
    integration = IntegrationFactory(
        shop=ShopConnectionFactory(base_url=f"http://shop-{n}.test/"),
        erp=ErpConnectionFactory(base_url=f"http://erp-{n}.test/"),
        vat_map={"25": "HIGH", "15": "MED", "12": "LOW", "0": "ZERO"},
    )
    w = World(integration)
    for number in ("ITEM-1", "ITEM-2", "ITEM-3", "OTHER", "FREIGHT"):
        w.add_item(number)
    w.add_erp_customer("10001", "Åse Ødegård", "ase@example.no")
    w.add_erp_customer("WEB", "Web customer, not linked")
    return w


@pytest.fixture(autouse=True)
def fresh_content_types():
    """A transactional test (live server, threads) flushes the tables, and content types are made
    again with new ids: ids cached in this process would point at rows that are gone."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import translation

    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()
    translation.activate("en")  # a request that spoke a person's language leaves no trace for the next test
