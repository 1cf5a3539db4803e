"""Every S7 order field reaches each ERP: in its own field where the ERP has one, else in the
order's internal note (Visma.net) or the sale's comment (Tryton). S3 force update, C3 one-time."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from connectors.records import AddressRecord, CustomerRecord, OrderLineRecord
from tests.engine import order_transfer, sync

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
ADDRESS = AddressRecord(
    first_name="Kari", last_name="Fjord", company="Fjordkraft Strikk AS", street="Bryggen 3", postcode="5003",
    city="Bergen", country="NO", email="innkjop@fjordstrikk.no", phone="+47 55 00 00 00",
)  # fmt: skip


def s7_order(world, *, erp_customer_no: str, reference: str, **overrides):
    """An order with every S7 field set."""
    n = next(_numbers)
    fields = dict(
        number=f"S7-{n:04d}-{world.erp.pk}",
        customer=CustomerRecord(
            external_id=f"s7-{n}",
            customer_type="C",
            first_name="Kari",
            last_name="Fjord",
            company="Fjordkraft Strikk AS",
            org_no="987654321",
            language="nb",
            email="innkjop@fjordstrikk.no",
            erp_customer_no=erp_customer_no,
        ),
        lines=(
            OrderLineRecord(
                sku="LUE",
                reference=reference,
                name="Strikkelue",
                quantity=Decimal("2"),
                unit_price_excl_vat=Decimal("199.00"),
                vat_rate=Decimal("25"),
            ),
        ),
        currency="NOK",
        language="nb",
        payment_method="klarna",
        shipping_method="flatrate",
        payment_reference="KL-778899",
        customer_comment="Ring på døra",
        customer_reference="PO-17",
        email="innkjop@fjordstrikk.no",
        delivery=ADDRESS,
        billing=ADDRESS,
    )
    fields.update(overrides)
    return world.place(**fields)


def configure(integration) -> None:
    integration.erp_sends_confirmation = True
    integration.shop_email = "butikk@fjordstrikk.no"
    integration.erp_shop_id = "NETTBUTIKK-2"
    integration.save()


# --- Visma.net ----------------------------------------------------------------------

VISMA_FIELDS = {
    "customer_type": lambda b: "Customer type: C (company)" in b["note"]["value"],
    "first_and_last_name": lambda b: b["soBillingContact"]["value"]["attention"] == {"value": "Kari Fjord"},
    "company_name": lambda b: b["soBillingContact"]["value"]["name"] == {"value": "Fjordkraft Strikk AS"},
    "org_no": lambda b: "Org. no.: 987654321" in b["note"]["value"],
    "language": lambda b: "Language: nb" in b["note"]["value"],
    "currency": lambda b: b["currency"] == {"value": "NOK"},
    "date": lambda b: b["date"]["value"].endswith("T00:00:00"),
    "customer_number": lambda b: b["customer"] == {"value": "10001"},
    "public_comment": lambda b: b["description"]["value"].endswith("Ring på døra"),
    "internal_comment": lambda b: b["note"]["value"].startswith("S7-"),
    "delivery_address": lambda b: (
        b["soShippingAddress"]["value"]["addressLine1"] == {"value": "Bryggen 3"}
        and b["soShippingAddress"]["value"]["overrideAddress"] == {"value": True}
    ),
    "payment_method_code": lambda b: b["paymentMethod"] == {"value": "KLARNA"},
    "shipping_method_code": lambda b: b["shipVia"] == {"value": "POST"},
    "payment_reference": lambda b: b["paymentRef"] == {"value": "KL-778899"},
    "erp_sends_confirmation": lambda b: "ERP sends the order confirmation: yes" in b["note"]["value"],
    "customer_reference": lambda b: b["customerOrder"] == {"value": "PO-17"},
    "buyer_email": lambda b: b["soBillingContact"]["value"]["email"] == {"value": "innkjop@fjordstrikk.no"},
    "shop_email": lambda b: "Shop e-mail: butikk@fjordstrikk.no" in b["note"]["value"],
    "external_order_no": lambda b: b["customerRefNo"]["value"].startswith("S7-"),
    "shop_id": lambda b: b["branchNumber"] == {"value": "NETTBUTIKK-2"},
    "line_quantity": lambda b: b["lines"][0]["quantity"] == {"value": 2},
    "line_article_no": lambda b: b["lines"][0]["inventoryNumber"] == {"value": "ITEM-1"},
    "line_name": lambda b: b["lines"][0]["lineDescription"] == {"value": "Strikkelue"},
    "line_vat": lambda b: b["lines"][0]["taxCategory"] == {"value": "HIGH"},
    "line_price_excl_vat": lambda b: b["lines"][0]["unitPrice"] == {"value": 199},
}


@pytest.mark.parametrize("field", list(VISMA_FIELDS))
def test_s7_field_reaches_visma(visma_world, field):
    configure(visma_world.integration)
    placed = s7_order(visma_world, erp_customer_no="10001", reference="ITEM-1")
    sync(visma_world)
    [body] = [b for m, p, b in visma_world.visma.requests if (m, p) == ("POST", "/v1/salesorder")]
    assert body["customerRefNo"] == {"value": placed.number}
    assert VISMA_FIELDS[field](body), body


def test_s7_a_private_persons_company_name_is_first_and_last_name_on_visma(visma_world):
    private = CustomerRecord(external_id="p1", first_name="Åse", last_name="Ødegård", erp_customer_no="10001")
    plain = AddressRecord(first_name="Åse", last_name="Ødegård", street="Storgata 1", postcode="0155", city="Oslo")
    s7_order(visma_world, erp_customer_no="10001", reference="ITEM-1", customer=private, billing=plain, delivery=plain)
    sync(visma_world)
    [body] = [b for m, p, b in visma_world.visma.requests if (m, p) == ("POST", "/v1/salesorder")]
    assert body["soBillingContact"]["value"]["name"] == {"value": "Åse Ødegård"}
    assert "Customer type: P (private person)" in body["note"]["value"]


def test_s3_a_changed_shop_card_updates_the_bound_visma_customer_before_the_next_order(visma_world):
    from dataclasses import replace

    from connectors.flows.orders_in import shop_pull_orders

    visma = visma_world.visma
    first = s7_order(visma_world, erp_customer_no="10001", reference="ITEM-1")
    sync(visma_world)
    assert visma.calls.get("PUT /v1/customer/{id}", 0) == 0  # bound; the card is remembered, not sent
    moved = replace(first.customer, billing=replace(ADDRESS, street="Nye Sandviksveien 9"), mobile="+47 400 00 000")
    second = s7_order(visma_world, erp_customer_no="10001", reference="ITEM-1", customer=moved)
    shop_pull_orders(connection=visma_world.shop)
    sync(visma_world)
    assert visma.calls["PUT /v1/customer/{id}"] == 1
    card = visma.state.customers["10001"]
    assert card["mainAddress"]["addressLine1"] == "Nye Sandviksveien 9"
    assert card["mainContact"]["phone2"] == "+47 400 00 000"
    assert card["status"] == "Active"  # an update leaves the status alone
    assert "updated from the shop card" in order_transfer(second.number).attempts.last().request_excerpt
    third = s7_order(visma_world, erp_customer_no="10001", reference="ITEM-1", customer=moved)
    sync(visma_world)
    assert visma.calls["PUT /v1/customer/{id}"] == 1  # unchanged since: not sent again
    assert len(visma.orders_with_ref(third.number)) == 1


def test_s3_the_default_customer_is_never_updated(visma_world):
    guest = CustomerRecord(first_name="Ödön", last_name="Kovács", email="odon@example.hu", is_guest=True)
    visma_world.integration.guest_policy = "default"
    visma_world.integration.save()
    for street in ("A 1", "B 2"):
        address = AddressRecord(first_name="Ödön", last_name="Kovács", street=street, city="Pécs")
        s7_order(visma_world, erp_customer_no="", reference="ITEM-1", customer=guest, billing=address)
        sync(visma_world)
    assert visma_world.visma.calls.get("PUT /v1/customer/{id}", 0) == 0


def test_c3_a_one_time_guest_becomes_a_visma_one_time_customer_once(visma_world):
    visma_world.integration.guest_policy = "one_time"
    visma_world.integration.save()
    guest = CustomerRecord(first_name="Märta", last_name="Sjöström", email="marta@example.se", is_guest=True)
    first = s7_order(visma_world, erp_customer_no="", reference="ITEM-1", customer=guest)
    second = s7_order(visma_world, erp_customer_no="", reference="ITEM-1", customer=guest)
    sync(visma_world)
    made = [c for c in visma_world.visma.state.customers.values() if c["name"] == "Märta Sjöström"]
    assert len(made) == 1 and made[0]["status"] == "One time"
    for placed in (first, second):
        [stored] = visma_world.visma.orders_with_ref(placed.number)
        assert stored["customer"]["number"] == made[0]["number"]


def test_c3_visma_customer_e_mail_is_read_from_the_invoice_contact_too(visma_world):
    from connectors.platforms.visma_net import mapping

    dto = {"number": "1", "name": "X", "mainContact": {"email": ""}, "invoiceContact": {"email": "fak@x.no"}}
    assert mapping.parse_customer(dto).email == "fak@x.no"


# --- Tryton --------------------------------------------------------------------------


@pytest.fixture
def tryton_world(world, tryton):
    """The fake shop's orders go to the real Tryton server."""
    from tests.e2e.conftest import rpc

    connector = rpc(tryton)
    party = connector.create_customer(CustomerRecord(company=f"Fjordkraft Strikk AS {next(_numbers)}"))
    erp = world.erp
    erp.platform = "tryton"
    erp.base_url = tryton.base_url
    erp.parameters = {"workflow": "confirm", "payment_term": tryton.ids["payment_term"]}
    erp.credentials = {"login": "admin", "password": "admin"}
    erp.save()
    integration = world.integration
    integration.vat_map = {"25": "VAT 25%", "15": "VAT 15%", "0": "VAT 0%"}
    integration.payment_method_map = {"klarna": "KLARNA"}
    integration.shipping_method_map = {"flatrate": "POST"}
    integration.warehouse_code = "WH"
    integration.save()
    configure(integration)
    world.party = party
    world.tryton = connector
    return world


def read_sale(world, number: str) -> dict:
    client = world.tryton.client
    [sale] = client.call(
        "sale.sale",
        "search_read",
        [("reference", "=", number)],
        0,
        1,
        None,
        ["reference", "description", "comment", "sale_date", "currency.code", "party.code", "shipment_address",
         "lines"],
    )  # fmt: skip
    [address] = client.call("party.address", "read", [sale["shipment_address"]], ["street"])
    lines = client.call(
        "sale.line",
        "read",
        sale["lines"],
        ["quantity", "product.code", "description", "unit_price", "taxes"],
    )
    sale["address"] = address
    sale["line"] = lines[0]
    tax_names = client.call("account.tax", "read", lines[0]["taxes"], ["name"])
    sale["line"]["tax_names"] = [t["name"] for t in tax_names]
    return sale


TRYTON_FIELDS = {
    "customer_type": lambda s, w: "Customer type: C (company)" in s["comment"],
    "first_and_last_name": lambda s, w: "First name: Kari" in s["comment"] and "Last name: Fjord" in s["comment"],
    "company_name": lambda s, w: "Company: Fjordkraft Strikk AS" in s["comment"],
    "org_no": lambda s, w: "Org. no.: 987654321" in s["comment"],
    "language": lambda s, w: "Language: nb" in s["comment"],
    "currency": lambda s, w: s["currency."]["code"] == "NOK",
    "date": lambda s, w: s["sale_date"] is not None,
    "customer_number": lambda s, w: s["party."]["code"] == w.party,
    "public_comment": lambda s, w: s["description"].endswith("Ring på døra"),
    "internal_comment": lambda s, w: s["comment"].startswith("S7-"),
    "delivery_address": lambda s, w: s["address"]["street"] == "Bryggen 3",
    "payment_method_code": lambda s, w: "Payment method: KLARNA" in s["comment"],
    "shipping_method_code": lambda s, w: "Shipping method: POST" in s["comment"],
    "payment_reference": lambda s, w: "Payment reference: KL-778899" in s["comment"],
    "erp_sends_confirmation": lambda s, w: "ERP sends the order confirmation: yes" in s["comment"],
    "customer_reference": lambda s, w: "Customer reference: PO-17" in s["comment"],
    "buyer_email": lambda s, w: "Buyer e-mail: innkjop@fjordstrikk.no" in s["comment"],
    "shop_email": lambda s, w: "Shop e-mail: butikk@fjordstrikk.no" in s["comment"],
    "external_order_no": lambda s, w: s["reference"].startswith("S7-"),
    "shop_id": lambda s, w: "Shop id: NETTBUTIKK-2" in s["comment"],
    "line_quantity": lambda s, w: s["line"]["quantity"] == 2,
    "line_article_no": lambda s, w: s["line"]["product."]["code"] == "LUE-01",
    "line_name": lambda s, w: s["line"]["description"] == "Strikkelue",
    "line_vat": lambda s, w: s["line"]["tax_names"] == ["VAT 25%"],
    "line_price_excl_vat": lambda s, w: s["line"]["unit_price"] == Decimal("199.0000"),
}


@pytest.mark.parametrize("field", list(TRYTON_FIELDS))
def test_s7_field_reaches_tryton(tryton_world, field):
    placed = s7_order(tryton_world, erp_customer_no=tryton_world.party, reference="LUE-01")
    sync(tryton_world)
    transfer = order_transfer(placed.number)
    assert transfer.state == "sent", f"{transfer.last_error} {transfer.last_hint}"
    sale = read_sale(tryton_world, placed.number)
    assert TRYTON_FIELDS[field](sale, tryton_world), sale


def test_s3_a_changed_shop_card_updates_the_bound_tryton_party(tryton_world):
    from dataclasses import replace

    from connectors.flows.orders_in import shop_pull_orders

    first = s7_order(tryton_world, erp_customer_no=tryton_world.party, reference="LUE-01")
    sync(tryton_world)
    renamed = replace(first.customer, company="Fjordkraft Strikk og Garn AS", email="ny@fjordstrikk.no")
    s7_order(tryton_world, erp_customer_no=tryton_world.party, reference="LUE-01", customer=renamed)
    shop_pull_orders(connection=tryton_world.shop)
    sync(tryton_world)
    client = tryton_world.tryton.client
    [party] = client.call("party.party", "search_read", [("code", "=", tryton_world.party)], 0, 1, None, ["name"])
    assert party["name"] == "Fjordkraft Strikk og Garn AS"
    emails = client.call(
        "party.contact_mechanism", "search_read", [("party", "=", party["id"]), ("type", "=", "email")],
        0, None, None, ["value"],
    )  # fmt: skip
    assert [e["value"] for e in emails] == ["ny@fjordstrikk.no"]
