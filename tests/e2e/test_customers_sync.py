"""Registered shop customers downloaded (R4) and, when enabled, created and kept up to date in the ERP (S1, S3)."""

from __future__ import annotations

import pytest

from connectors.emulation import Fault
from connectors.flows.cycles import connection_cycle
from connectors.models import Transfer, TransferKind, TransferState
from connectors.platforms.magento.emulator import _now
from customers.models import Customer
from tests.engine import process_due

pytestmark = pytest.mark.django_db


def cycle(connection) -> None:
    connection_cycle(connection=connection)
    process_due()


def with_address(magento, customer_id: int, street: str) -> None:
    card = magento.state.customers[customer_id]
    card["addresses"] = [
        {"id": 1, "firstname": card["firstname"], "lastname": card["lastname"], "street": [street],
         "postcode": "0155", "city": "Oslo", "country_id": "NO", "telephone": "+47 22 00 00 00"}
    ]  # fmt: skip
    card["default_billing"] = card["default_shipping"] = "1"
    card["updated_at"] = _now()


def test_r4_registered_customers_are_downloaded_and_shown_even_without_orders(demo, magento):
    cycle(demo.shop)
    assert Customer.objects.filter(shop=demo.shop, is_guest=False).count() == len(magento.state.customers)
    zoltan = Customer.objects.get(email="zoltan.k@example.hu")
    assert zoltan.full_name == "Zoltán Kovács"


def test_s1_s3_a_new_shop_customer_is_created_in_visma_with_its_card(demo, magento, visma):
    demo.customers_to_erp = True
    demo.save()
    new = magento.add_customer("Nils", "Nordmann", "nils@example.no")
    with_address(magento, new, "Karl Johans gate 1")
    cycle(demo.shop)
    [made] = [c for c in visma.state.customers.values() if c["name"] == "Nils Nordmann"]
    assert made["mainContact"]["email"] == "nils@example.no"
    assert made["mainAddress"]["addressLine1"] == "Karl Johans gate 1"
    # Zoltán is in Visma already under his e-mail and name: bound, not created again.
    assert len([c for c in visma.state.customers.values() if c["name"] == "Zoltán Kovács"]) == 1
    posts = visma.calls["POST /v1/customer"]
    cycle(demo.shop)
    assert visma.calls["POST /v1/customer"] == posts  # nothing new: nothing sent


def test_s3_a_changed_shop_card_is_sent_to_the_erp_once(demo, magento, visma):
    demo.customers_to_erp = True
    demo.save()
    new = magento.add_customer("Nils", "Nordmann", "nils@example.no")
    with_address(magento, new, "Karl Johans gate 1")
    cycle(demo.shop)
    with_address(magento, new, "Storgata 99")
    cycle(demo.shop)
    [made] = [c for c in visma.state.customers.values() if c["name"] == "Nils Nordmann"]
    assert made["mainAddress"]["addressLine1"] == "Storgata 99"
    assert visma.calls["PUT /v1/customer/{id}"] == 1
    cycle(demo.shop)
    assert visma.calls["PUT /v1/customer/{id}"] == 1


def test_a_customer_create_whose_answer_was_lost_makes_exactly_one_customer(demo, magento, visma):
    demo.customers_to_erp = True
    demo.save()
    demo.erp.parameters = {**demo.erp.parameters, "read_timeout": 1}
    demo.erp.save()
    visma.inject(Fault("timeout_after_store", method="POST", path="/v1/customer$", delay=2.0))
    magento.add_customer("Nils", "Nordmann", "nils@example.no")
    cycle(demo.shop)
    customer = Customer.objects.get(email="nils@example.no")
    transfer = Transfer.objects.get(kind=TransferKind.CUSTOMER, object_id=customer.pk)
    assert (transfer.state, transfer.needs_lookup) == (TransferState.UNKNOWN, True)
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=transfer.created_at)
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    assert len([c for c in visma.state.customers.values() if c["name"] == "Nils Nordmann"]) == 1


def test_r4_payment_and_shipping_methods_and_coupons_are_downloaded_and_shown_with_their_erp_code(
    demo, magento, client, admin_user
):
    from connectors.models import ShopCode

    magento.place_order(
        items=[("LUE-01", 1)], customer_id=demo.customers["registered_with_erp"], coupon=("HOST10", "by_percent", "10")
    )
    magento.place_order(items=[("LUE-01", 1)], customer_id=demo.customers["registered_with_erp"], payment="vipps")
    cycle(demo.shop)
    codes = {(c.kind, c.code): c for c in ShopCode.objects.filter(connection=demo.shop)}
    assert codes[("payment", "klarna_kp")].times_seen == 1 and codes[("payment", "vipps")].times_seen == 1
    assert codes[("shipping", "flatrate_flatrate")].times_seen == 2
    assert codes[("coupon", "HOST10")].title == "Høstsalg 10 %: by_percent 10.0"
    assert ("coupon", "GAVEKORT100") in codes  # from the shop's coupon list, though no order used it yet
    client.force_login(admin_user)
    html = client.get("/admin/connectors/shopcode/").content.decode()
    assert "KLARNA" in html and "Not mapped: orders using it stop" in html  # vipps has no ERP code


def test_r4_the_order_comment_goes_into_the_internal_note_when_set(demo, magento, visma):
    demo.order_comment_to_internal_note = True
    demo.save()
    placed = magento.place_order(
        items=[("LUE-01", 1)], customer_id=demo.customers["registered_with_erp"], comment="Ring på døra"
    )
    cycle(demo.shop)
    [stored] = visma.orders_with_ref(placed["increment_id"])
    assert stored["note"].startswith(f"{placed['increment_id']} Ring på døra")
    assert stored["description"] == f"{placed['increment_id']} Ring på døra"  # the public comment, as before
