"""The Subiekt bridge contract's payloads, against the contract's own examples (Koda Plus bridge
contract 1.1.0, ``contract/examples/``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal
from pathlib import Path

from connectors.platforms.subiekt import feed, mapping
from connectors.records import AddressRecord, SalesOrderLineRecord, SalesOrderRecord

FIXTURES = Path(__file__).parent.parent / "fixtures" / "subiekt"
D = Decimal


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


ADDRESS = AddressRecord(
    first_name="Anna",
    last_name="Nowak",
    street="ul. Przykładowa 12/3",
    postcode="60-101",
    city="Poznań",
    country="PL",
    phone="+48 600 000 000",
)


def example_order(**overrides) -> SalesOrderRecord:
    """The contract's example order as the pipeline builds it: net lines, VAT per rate."""
    fields = dict(
        customer_no="",
        external_order_no="1042",
        order_date=dt.date(2026, 10, 4),
        placed_at=dt.datetime(2026, 10, 4, 9, 15, tzinfo=dt.UTC),
        currency="PLN",
        lines=(
            SalesOrderLineRecord(
                "KR-050", "Krem nawilżający", D("2"), D("73.09"), D("23"), "", amount=D("146.18"), line_id="l1",
                ean="5901234123457",
            ),
            SalesOrderLineRecord(
                "TN-200", "Tonik łagodzący", D("1"), D("44.72"), D("23"), "", discount_amount=D("4.48"),
                amount=D("40.24"), line_id="l2",
            ),
            SalesOrderLineRecord("FRAKT", "Paczkomat InPost", D("1"), D("12.19"), D("23"), "", amount=D("12.19"),
                                 kind="shipping"),
        ),
        total_incl_vat=D("244.29"),
        customer_first_name="Anna",
        customer_last_name="Nowak",
        email="anna.nowak@example.com",
        payment_method_code="card",
        public_comment="1042 Proszę o próbkę kremu pod oczy.",
        billing=ADDRESS,
        delivery=ADDRESS,
    )  # fmt: skip
    fields.update(overrides)
    return SalesOrderRecord(**fields)


def test_a_request_is_signed_over_timestamp_method_path_with_query_and_raw_body():
    body = b'{"order_id":"1042"}'
    expected = hmac.new(b"s3cret", b"1759569300.POST./v1/orders?x=1." + body, hashlib.sha256).hexdigest()
    header = mapping.signature(secret="s3cret", timestamp=1759569300, method="post", target="/v1/orders?x=1", body=body)
    assert header == f"t=1759569300,v1={expected}"


def test_the_order_has_the_shape_and_totals_of_the_contracts_example():
    example = load("order-create.request.json")
    payload = mapping.order_payload(example_order())
    assert set(payload) == set(example)
    assert [set(line) for line in payload["lines"]] == [set(line) for line in example["lines"]]
    assert set(payload["totals"]) == set(example["totals"])
    assert set(payload["billing_address"]) == set(example["billing_address"])
    assert payload["currency_code"] == "pln" and payload["display_id"] == 1042
    assert payload["placed_at"] == "2026-10-04T09:15:00.000Z"
    assert payload["buyer"] is None  # no NIP: the bridge's retail buyer
    # Gross after discounts, as the contract's example has them.
    assert [(li["quantity"], li["unit_price_gross"], li["total_gross"]) for li in payload["lines"]] == [
        (2, 89.9, 179.8),
        (1, 49.5, 49.5),
    ]
    assert payload["totals"]["items_gross"] == example["totals"]["items_gross"]
    assert payload["totals"]["shipping_gross"] == example["totals"]["shipping_gross"]
    assert payload["totals"]["total_gross"] == example["totals"]["total_gross"]
    assert payload["totals"]["tax_total"] == example["totals"]["tax_total"]
    assert payload["shipping"]["price_gross"] == 14.99 and payload["shipping"]["tax_rate"] == 23
    assert payload["payment"]["status"] == "captured" and payload["payment"]["amount_paid"] == 244.29
    assert payload["billing_address"]["country_code"] == "pl"
    json.dumps(payload)  # every number a JSON number


def test_c1_a_company_goes_with_its_nip_and_asks_the_bridge_to_create_it_when_new():
    payload = mapping.order_payload(
        example_order(
            customer_no="1234563218",
            create_customer=True,
            org_no="PL 123-456-32-18",
            customer_company="Salon Ania sp. z o.o.",
            payment_method_code="transfer:14",
        )
    )
    assert payload["buyer"]["nip"] == "1234563218" and payload["buyer"]["create_if_missing"] is True
    assert payload["buyer"]["company_name"] == "Salon Ania sp. z o.o."
    assert payload["invoice"] == {
        "requested": True,
        "tax_id": "PL 123-456-32-18",
        "company_name": "Salon Ania sp. z o.o.",
    }
    assert payload["payment"] == {
        "status": "awaiting",
        "provider_id": "transfer:14",
        "method": "Bank transfer, 14 days",
        "amount_paid": 0,
        "captured_at": None,
        "due_days": 14,
    }


def test_s8_a_fixed_discount_is_spread_over_the_lines_of_its_vat_rate_not_sent_as_a_line():
    order = example_order(
        lines=(
            SalesOrderLineRecord("A", "A", D("1"), D("100"), D("23"), "", amount=D("100"), line_id="a"),
            SalesOrderLineRecord("B", "B", D("1"), D("300"), D("23"), "", amount=D("300"), line_id="b"),
            SalesOrderLineRecord("BOOK", "Book", D("1"), D("50"), D("5"), "", amount=D("50"), line_id="c"),
            SalesOrderLineRecord("RABAT", "Discount 23 %", D("1"), D("-32.52"), D("23"), "", amount=D("-32.52"),
                                 kind="discount"),
        ),
        total_incl_vat=D("504.50"),
    )  # fmt: skip
    payload = mapping.order_payload(order)
    lines = {li["sku"]: li for li in payload["lines"]}
    assert set(lines) == {"A", "B", "BOOK"}  # no discount line
    assert (lines["A"]["total_gross"], lines["B"]["total_gross"]) == (113.0, 339.0)  # 123 − 10, 369 − 30
    assert (lines["A"]["discount_gross"], lines["B"]["discount_gross"]) == (10.0, 30.0)
    assert lines["BOOK"]["total_gross"] == 52.5 and lines["BOOK"]["discount_gross"] == 0
    assert payload["totals"]["total_gross"] == 504.5 and payload["totals"]["discount_gross"] == 40.0


def test_a_rounding_line_goes_into_the_largest_line_so_the_total_is_the_shops():
    order = example_order(
        lines=(
            SalesOrderLineRecord("A", "A", D("3"), D("8.13"), D("23"), "", amount=D("24.39"), line_id="a"),
            SalesOrderLineRecord("R", "Rounding", D("1"), D("0.01"), D("0"), "", amount=D("0.01"), kind="rounding"),
        ),
        total_incl_vat=D("30.01"),
    )
    payload = mapping.order_payload(order)
    [line] = payload["lines"]
    assert line["total_gross"] == 30.01 and line["unit_price_gross"] == 10.0033
    assert payload["totals"]["total_gross"] == 30.01


def test_c5_payment_forms_are_cash_transfer_card_or_credit_with_optional_days():
    assert mapping.payment_form("cash") == ("cash", None)
    assert mapping.payment_form("Credit:30") == ("credit", 30)
    assert mapping.payment_form("transfer:") == ("transfer", None)
    assert mapping.payment_form("przelew") is None
    assert mapping.payment_form("card:x") is None
    assert mapping.order_payload(example_order(payment_method_code="cash"))["payment"]["status"] == "cash_on_delivery"


def test_the_zk_number_is_read_from_the_contracts_answer():
    assert mapping.document_of(load("order-create.response.json"))["number"] == "ZK 128/MAG/2026"
    assert mapping.document_of({"order_id": "1", "created": True}) is None
    zk = load("order-create.response.json")["document"]
    wz = {**zk, "kind": "WZ", "number": "WZ 311/MAG/2026"}
    assert mapping.order_document({"order_id": "1", "documents": [zk, wz]}) == "ZK 128/MAG/2026"
    assert mapping.order_document({"order_id": "1", "documents": []}) is None


def test_unmatched_lines_are_named_by_sku_whatever_the_shape_of_the_details():
    lines = [{"line_id": "l1", "sku": "KR-050", "ean": "590"}, {"line_id": "l2", "sku": "TN-200", "ean": None}]
    assert mapping.unmatched_skus({"lines": [{"line_id": "l2"}]}, "", lines) == ["TN-200"]
    assert mapping.unmatched_skus({"unmatched": ["590"]}, "", lines) == ["KR-050"]
    assert mapping.unmatched_skus(None, "No product for TN-200 in Subiekt", lines) == ["TN-200"]
    assert mapping.unmatched_skus(None, "No product for TN-2000", lines) == []


def test_error_bodies_are_read_by_code_and_retryable():
    body = {"error": {"code": "unmatched_lines", "message": "x", "retryable": False, "details": {"a": 1}}}
    assert mapping.error_of(body) == ("unmatched_lines", "x", False, {"a": 1})
    assert mapping.error_of({"message": "proxy"}) == ("", "", None, None)


def test_s10_stock_is_the_physical_quantity_unless_available_is_chosen():
    records, cursor = feed.stock_page(load("stock.response.json"), field="quantity")
    assert [(r.sku, r.quantity) for r in records] == [("KR-050", 37), ("TN-200", 12), ("SR-030", 0)]
    assert cursor is None
    available, _ = feed.stock_page(load("stock.response.json"), field="available")
    assert available[0].quantity == 35


def test_s5_products_carry_the_net_price_of_the_chosen_level():
    records, _ = feed.products_page(load("products.response.json"), level="HURT")
    kr, tn, probka = records
    assert (kr.number, kr.price_excl_vat, kr.vat_rate, kr.ean) == ("KR-050", D("58.47"), D("23"), "5901234123457")
    assert tn.price_excl_vat == D("35.77")
    assert probka.active is False and probka.price_excl_vat is None  # no price in the level: left as it is
    first_level, _ = feed.products_page(load("products.response.json"), level="")
    assert first_level[0].price_excl_vat == D("73.09")  # the first level the bridge lists


def test_s11_the_event_feed_gives_each_orders_documents_as_its_status():
    events = load("events.response.json")["events"]
    records = [feed.status_of_event(e) for e in events]
    assert [(r.status, r.number) if r else None for r in records] == [
        ("ZK", "ZK 128/MAG/2026"),
        ("WZ", ""),
        ("FS", ""),
        None,  # document.updated (a KSeF number): no new status
    ]
    assert records[1].external_order_no == "order_01JDEMO0000000000000000001"
    canceled = {**events[0], "type": "document.canceled"}
    assert feed.status_of_event(canceled).status == "canceled"


def test_display_id_is_the_numbers_digits():
    assert mapping.display_id("000000123") == 123
    assert mapping.display_id("SR-2026-0042") == 42
    assert mapping.display_id("ABC") == 0


def test_m2_m3_a_wz_is_a_shipment_and_an_fs_an_invoice_of_the_whole_order():
    events = load("events.response.json")["events"]
    shipment = feed.shipment_of_event(events[1])
    assert (shipment.number, shipment.order_reference, shipment.sales_order_no, shipment.lines) == (
        "WZ 311/MAG/2026",
        "order_01JDEMO0000000000000000001",
        "ZK 128/MAG/2026",
        (),
    )
    invoice = feed.invoice_of_event(events[2])
    assert (invoice.number, invoice.external_id, invoice.lines) == ("FS 87/MAG/2026", "FS:48402", ())
    assert invoice.e_invoice_number == ""  # KSeF gives its number later
    assert feed.shipment_of_event(events[0]) is None and feed.invoice_of_event(events[0]) is None


def test_m2_a_document_updated_event_brings_the_fs_its_ksef_number_under_the_same_key():
    events = load("events.response.json")["events"]
    updated = feed.invoice_of_event(events[3])
    assert events[3]["type"] == "document.updated"
    assert (updated.external_id, updated.number) == ("FS:48402", "FS 87/MAG/2026")
    assert updated.e_invoice_number == events[3]["data"]["document"]["ksef_number"] != ""
