"""Visma.net mapping: payloads in the DTO-wrapper style, and parsing of Visma's answers."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.platforms.visma_net import mapping
from connectors.records import AddressRecord, CustomerRecord, SalesOrderLineRecord, SalesOrderRecord

FIXTURES = Path(__file__).parent.parent / "fixtures" / "visma_net"


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def order(**overrides) -> SalesOrderRecord:
    fields = dict(
        customer_no="10001",
        external_order_no="WEB-100045",
        order_date=dt.date(2026, 3, 1),
        currency="NOK",
        lines=(
            SalesOrderLineRecord(
                item_no="GENSER-BLA",
                description="Ullgenser blå",
                quantity=Decimal("2"),
                unit_price=Decimal("640.00"),
                vat_rate=Decimal("25"),
                vat_code="HIGH",
                discount_percent=Decimal("10"),
            ),
            SalesOrderLineRecord(
                item_no="FRAKT",
                description="Frakt",
                quantity=Decimal("1"),
                unit_price=Decimal("79.20"),
                vat_rate=Decimal("25"),
                vat_code="HIGH",
            ),
        ),
        total_incl_vat=Decimal("1539.00"),
        public_comment="WEB-100045 Ring på",
        internal_comment="WEB-100045",
        payment_method_code="KLARNA",
        payment_reference="KL-1",
        shipping_method_code="POST",
        delivery=AddressRecord(
            first_name="Åse", last_name="Ødegård", street="Storgata 1", postcode="0155", city="Oslo", country="NO"
        ),
    )
    fields.update(overrides)
    return SalesOrderRecord(**fields)


def test_every_header_field_is_wrapped_in_value_and_lines_are_a_plain_array():
    body = mapping.sales_order_payload(order())
    assert body["customer"] == {"value": "10001"}
    assert body["customerRefNo"] == {"value": "WEB-100045"}  # our idempotency key
    assert body["orderType"] == {"value": "SO"}
    assert body["date"] == {"value": "2026-03-01T00:00:00"}
    assert body["paymentMethod"] == {"value": "KLARNA"} and body["shipVia"] == {"value": "POST"}
    assert isinstance(body["lines"], list)
    assert body["soShippingAddress"]["value"]["city"] == {"value": "Oslo"}
    assert body["soShippingContact"]["value"]["attention"] == {"value": "Åse Ødegård"}


def test_line_operation_is_a_plain_string_and_the_item_goes_in_inventory_number():
    line = mapping.sales_order_payload(order())["lines"][0]
    assert line["operation"] == "Insert"
    assert line["inventoryNumber"] == {"value": "GENSER-BLA"}
    assert "inventoryId" not in line
    assert line["quantity"] == {"value": 2} and line["unitPrice"] == {"value": 640}
    assert line["discountPercent"] == {"value": 10}
    assert line["lineDescription"] == {"value": "Ullgenser blå"}


def test_older_contract_sends_inventory_id_instead():
    line = mapping.sales_order_payload(order(), use_inventory_id=True)["lines"][0]
    assert line["inventoryId"] == {"value": "GENSER-BLA"}
    assert "inventoryNumber" not in line


def test_numbering_series_chooses_the_order_type():
    assert mapping.sales_order_payload(order(numbering_series="WO"))["orderType"] == {"value": "WO"}


def test_prices_keep_their_cents():
    line = mapping.sales_order_payload(order())["lines"][1]
    assert line["unitPrice"] == {"value": 79.2}


@pytest.mark.parametrize(
    ("location", "resource", "number"),
    [
        ("https://api.finance.visma.net/v1/salesorder/000419", "salesorder", "000419"),
        ("https://api.finance.visma.net/v1/salesorder/SO/000419", "salesorder", "000419"),
        ("/v1/salesorder/000419?x=1", "salesorder", "000419"),
        ("https://api.finance.visma.net/v1/customer/20001", "customer", "20001"),
        (None, "salesorder", ""),
        ("", "salesorder", ""),
        ("https://api.finance.visma.net/v1/salesorder/", "salesorder", ""),
        ("https://api.finance.visma.net/v1/salesorder", "salesorder", ""),
        ("https://api.finance.visma.net/v1/customer/20001", "salesorder", ""),
        ("https://api.finance.visma.net/v1/customer/A/20001", "customer", ""),
        ("https://api.finance.visma.net/v1/salesorder/%20", "salesorder", ""),
        ("https://api.finance.visma.net/v1/salesorder/" + "9" * 40, "salesorder", ""),
        ("https://login.example/error?salesorder", "salesorder", ""),
    ],
)
def test_the_new_number_comes_only_from_a_location_naming_the_created_resource(location, resource, number):
    assert mapping.number_from_location(location, resource) == number


def test_customer_payload_for_a_private_person():
    body = mapping.customer_payload(
        CustomerRecord(
            first_name="Łucja",
            last_name="Wiśniewska",
            email="l@example.pl",
            billing=AddressRecord(street="Długa 5", city="Gdańsk"),
        )
    )
    assert body["name"] == {"value": "Łucja Wiśniewska"}
    assert body["mainContact"]["value"]["email"] == {"value": "l@example.pl"}
    assert body["mainAddress"]["value"]["addressLine1"] == {"value": "Długa 5"}
    assert "number" not in body  # Visma's own series numbers the customer


def test_parse_customer_from_a_customer_dto():
    record = mapping.parse_customer(load("customer.json"))
    assert (record.number, record.name, record.email, record.org_no) == (
        "10001",
        "Fjordkraft Strikk AS",
        "innkjop@fjordstrikk.no",
        "987654321",
    )


def test_parse_order_status_reads_timestamps_with_and_without_offset():
    first, second = (mapping.parse_order_status(row) for row in load("salesorder_list.json"))
    assert (first.number, first.external_order_no, first.status) == ("000417", "WEB-100045", "Open")
    assert first.updated_at == dt.datetime(2026, 3, 1, 10, 15, 30, 123000, tzinfo=dt.UTC)
    assert second.updated_at == dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)


def test_parse_item():
    item = mapping.parse_item(load("inventory.json"))
    assert (item.number, item.description, item.price_excl_vat, item.active) == (
        "GENSER-BLA",
        "Ullgenser blå",
        Decimal("640.0"),
        True,
    )


def test_stock_is_the_available_quantity_of_the_chosen_warehouse_summed_over_locations():
    [record] = mapping.parse_stock(load("inventorysummary.json"), warehouse="MAIN")
    assert (record.sku, record.quantity) == ("GENSER-BLA", Decimal("10.0"))


def test_s10_stock_from_the_inventory_lists_warehouse_details_in_each_shape_the_sources_show():
    genser, lue, sjal = load("inventory_warehouse_details.json")
    # The warehouse as a plain id, with available beside quantity on hand: available is used.
    assert mapping.parse_warehouse_stock(genser, warehouse="MAIN").quantity == Decimal("10.0")
    assert mapping.parse_warehouse_stock(genser, warehouse="OSLO").quantity == Decimal("3.0")
    assert mapping.parse_warehouse_stock(genser, warehouse="").quantity == Decimal("13.0")  # no warehouse: summed
    # The warehouse as an object.
    assert mapping.parse_warehouse_stock(lue, warehouse="MAIN").quantity == Decimal("4.0")
    # Quantity on hand alone (older answers).
    assert mapping.parse_warehouse_stock(sjal, warehouse="MAIN").quantity == Decimal("7.0")
    # No row for the warehouse, or no details at all: nothing to say, the level is left as it is.
    assert mapping.parse_warehouse_stock(lue, warehouse="OSLO") is None
    assert mapping.parse_warehouse_stock({"inventoryNumber": "X"}, warehouse="MAIN") is None


def test_visma_error_texts_are_classified():
    assert mapping.classify_error("VismaId: 0b6c. Error creating salesOrder. Inventory item 'SKU-404' not found.") == (
        "item_not_found",
        "SKU-404",
    )
    assert mapping.classify_error("Error creating salesOrder. 'Inventory ID' cannot be empty.")[0] == "item_missing"
    assert mapping.classify_error("Error creating salesOrder. Customer '99' not found.") == ("customer_not_found", "99")
    assert mapping.classify_error("Order type 'WO' does not exist.") == ("order_type", "WO")
    assert mapping.classify_error("Something else entirely") == ("", "")


def test_s12_price_lists_variant_relations_and_suppliers_are_never_sent_to_the_erp():
    from connectors.platforms.tryton import mapping as tryton
    from connectors.records import ItemRecord

    item = ItemRecord(
        number="KJOLE-S", description="Kjole – S", price_excl_vat=Decimal("900"), purchase_price=Decimal("300"),
        ean="7038010000000", weight=Decimal("0.4"), vat_code="HIGH", notes="Fra kolleksjon høst",
    )  # fmt: skip
    forbidden = {"priceClass", "priceClassId", "supplierDetails", "parentRecord", "kitItem", "attributeLines"}
    for body in (mapping.item_payload(item), mapping.item_payload(item, fields=frozenset({"name", "ean"}))):
        assert not forbidden & set(body)
    template = tryton.template_values(item, uom=1, account_category=1)
    assert not {"price_list", "product_suppliers", "variants", "parent"} & set(template)
