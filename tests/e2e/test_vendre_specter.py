"""Vendre shop <-> Specter ERP (seed 001) end to end on the two emulators, over real sockets:
S1-S12 field by field, in both directions, and exactly one Specter order however its answer is lost."""

from __future__ import annotations

import pytest

from connectors.emulation import Fault
from connectors.flows.catalogue import erp_pull_items
from connectors.flows.cycles import connection_cycle
from connectors.flows.statuses import erp_pull_statuses
from connectors.flows.stock import erp_sync_stock
from connectors.models import Connection, CustomerPolicy, Integration, Transfer, TransferKind, TransferState
from connectors.platforms.specter.emulator import SpecterEmulator
from connectors.platforms.specter.emulator import seed_demo as seed_specter
from connectors.platforms.vendre.emulator import VendreEmulator
from inventory.models import Product
from orders.models import Order
from tests.engine import process_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def specter():
    emulator = SpecterEmulator(integration_key="integration-key-9").start()
    seed_specter(emulator)
    yield emulator
    emulator.stop()


@pytest.fixture
def vendre():
    emulator = VendreEmulator().start()
    emulator.add_product("MUGG-01", "Kaffemugg", "79.20", stock=40)  # both in Specter's demo catalogue
    emulator.add_product("KNIV-02", "Smörkniv", "39.20", stock=120)
    yield emulator
    emulator.stop()


@pytest.fixture
def sweden(db, specter, vendre) -> Integration:
    shop = Connection.objects.create(
        name="Vendre", role="shop", platform="vendre", base_url=vendre.base_url,
        parameters={"read_timeout": 1}, credentials={"api_key": vendre.api_key},
    )  # fmt: skip
    erp = Connection.objects.create(
        name="Specter", role="erp", platform="specter", base_url=specter.base_url,
        parameters={"sbm_id": specter.sbm_id, "read_timeout": 1}, credentials=specter.credentials,
    )  # fmt: skip
    return Integration.objects.create(
        shop=shop,
        erp=erp,
        transfer_statuses=["new"],
        shipping_item_no="FRAKT",
        discount_item_no="RABATT",
        rounding_item_no="AVRUNDNING",
        payment_method_map={"klarna_checkout": "KG"},
        shipping_method_map={"postnord": "PN"},
        vat_map={"25": "25", "12": "12", "6": "6", "0": "0"},
        status_map={"delivered": "completed", "deleted": "cancelled"},
        policy_no_similar=CustomerPolicy.ADD_NEW,
        warehouse_code="MAIN",
        erp_shop_id="2",
        shop_email="butik@example.se",
        products_to_erp=True,
        products_to_shop=True,
        customers_to_erp=True,
        new_product_category="7",
    )


def cycle(connection: Connection) -> None:
    connection_cycle(connection=connection)
    for _round in range(5):
        if not any(process_due()):
            return


def writes(specter: SpecterEmulator) -> list[tuple[str, str]]:
    """(action, its subject) of every write Specter received, in order."""
    subjects = {
        "newCustomerSubmit": "emailAddress", "newArticleSubmit": "articleNo_1", "newOrderSubmit": "externalOrderNo"
    }  # fmt: skip
    return [(action, form.get(subjects[action], "")) for action, form, _query in specter.state.writes]


def test_s1_s7_s9_an_order_with_a_new_customer_and_product_is_sent_after_both(sweden, specter, vendre):
    buyer = vendre.add_customer(
        "nils@example.se", "Nils", "Östberg", address_street="Drottninggatan 5", address_postcode="11151",
        address_city="Stockholm", address_country_code_alpha2="SE",
    )  # fmt: skip
    vendre.add_product("LAMPA-9", "Bordslampa", "320.00", stock=6)  # new to Specter
    placed = vendre.place_order(rows=[("LAMPA-9", 2), ("MUGG-01", 1)], customer_id=buyer)

    cycle(sweden.shop)

    order = Order.objects.get(shop=sweden.shop, number=placed["order_number"])
    sent = writes(specter)
    # S7: the customer first, then every product of the order, then the order.
    order_at = sent.index(("newOrderSubmit", placed["order_number"]))
    assert sent.index(("newCustomerSubmit", "nils@example.se")) < order_at
    assert sent.index(("newArticleSubmit", "LAMPA-9")) < order_at
    assert sent.index(("newArticleSubmit", "MUGG-01")) < order_at
    [made] = specter.orders_with_external_no(placed["order_number"])
    assert made["form"]["customerId"] in specter.state.customers
    assert specter.article("LAMPA-9")["name"] == "Bordslampa"
    # S9: Specter's order number kept on the order and written to Vendre's order admin.
    assert order.erp_order_no == "5001"
    assert vendre.state.orders[placed["id"]]["admin_comment"] == "ERP order 5001"
    assert vendre.state.emails_sent == 0


def test_s2_a_specter_article_number_change_renames_the_vendre_product(sweden, specter, vendre):
    cycle(sweden.shop)  # the shop's products go to Specter and are bound to its articles
    product = Product.objects.get(shop=sweden.shop, sku="MUGG-01")
    vendre_id = vendre.product("MUGG-01")["id"]

    specter.rename_article("MUGG-01", "MUGG-01-V2")
    erp_pull_items(connection=sweden.erp)
    process_due()

    product.refresh_from_db()
    assert (product.reference, product.sku) == ("MUGG-01-V2", "MUGG-01-V2")
    assert vendre.product("MUGG-01-V2")["id"] == vendre_id and vendre.product("MUGG-01") is None


def test_s10_r7_a_specter_stock_change_reaches_vendre_and_only_the_changed_article_is_read(sweden, specter, vendre):
    cycle(sweden.shop)
    specter.set_stock("KNIV-02", 17)
    before = dict(specter.calls)

    erp_sync_stock(connection=sweden.erp)
    process_due()

    assert vendre.product("KNIV-02")["stock"] == 17
    assert vendre.product("MUGG-01")["stock"] == 40  # unchanged in Specter: not written
    reads = specter.calls["GET /getInfo.asp"] - before.get("GET /getInfo.asp", 0)
    assert reads == 4  # the change list and its acknowledgement, the empty next one and its own


def test_s11_a_delivered_specter_order_moves_the_vendre_status_without_mail(sweden, specter, vendre):
    placed = vendre.place_order(rows=[("MUGG-01", 1)], customer_id=None)
    cycle(sweden.shop)
    order = Order.objects.get(shop=sweden.shop, number=placed["order_number"])

    specter.set_order_status(order.erp_order_no, delivered=True, tracking="SE123")
    erp_pull_statuses(connection=sweden.erp)
    process_due()

    assert vendre.state.orders[placed["id"]]["status"] == 3  # completed
    assert vendre.state.emails_sent == 0


@pytest.mark.parametrize("names_existing", [True, False], ids=["refusal-names-the-order", "refusal-without-number"])
def test_stored_then_timeout_on_new_order_submit_makes_exactly_one_specter_order(
    sweden, specter, vendre, names_existing
):
    specter.duplicate_names_order = names_existing
    placed = vendre.place_order(rows=[("MUGG-01", 2)], customer_id=None)
    specter.inject(Fault("timeout_after_store", path="putInfo", body="externalOrderNo", delay=2))

    cycle(sweden.shop)
    transfer = Transfer.objects.get(kind=TransferKind.SALES_ORDER, connection=sweden.erp)
    assert transfer.state == TransferState.UNKNOWN and transfer.needs_lookup
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=transfer.created_at)
    process_due()

    [made] = specter.orders_with_external_no(placed["order_number"])
    assert sum(1 for action, _form, _query in specter.state.writes if action == "newOrderSubmit") == 2
    transfer.refresh_from_db()
    order = Order.objects.get(shop=sweden.shop, number=placed["order_number"])
    if names_existing:
        assert transfer.state == TransferState.SENT and order.erp_order_no == "5001"
        return
    # No number in the refusal: nothing is sent again, and the person is told why ...
    assert transfer.state == TransferState.NEEDS_ATTENTION and not order.erp_order_no
    assert "earlier attempt" in transfer.last_error and "Nothing is sent again" in transfer.last_hint
    # ... until Specter reports a change of that order: its number is then the order's.
    specter.set_order_status("5001", status_id="2")
    erp_pull_statuses(connection=sweden.erp)
    process_due()
    order.refresh_from_db()
    transfer.refresh_from_db()
    assert order.erp_order_no == "5001" and transfer.state == TransferState.SENT
    assert len(specter.orders_with_external_no(placed["order_number"])) == 1


def test_a_wrong_key_marks_the_specter_connection_as_needing_credentials(sweden, specter, vendre):
    sweden.erp.credentials = {**specter.credentials, "api_user_key": "wrong"}
    sweden.erp.save()
    vendre.place_order(rows=[("MUGG-01", 1)], customer_id=None)
    cycle(sweden.shop)
    sweden.erp.refresh_from_db()
    assert sweden.erp.auth_state == "needs_credentials"
    assert "api_user_key" in sweden.erp.auth_hint
    assert not specter.state.orders


def test_s3_customers_go_with_the_force_update_flag_and_a_changed_card_updates_the_same_number(sweden, specter, vendre):
    buyer = vendre.add_customer(
        "eva@example.se", "Eva", "Ek", phone_mobile="070-1", address_street="Ågatan 1", address_postcode="58223",
        address_city="Linköping", address_country_code_alpha2="SE",
    )  # fmt: skip
    cycle(sweden.shop)
    sent = specter.last_write("newCustomerSubmit")
    assert sent["?forceCustomerUpdate"] == "1"
    assert (sent["firstName"], sent["surName"], sent["emailAddress"]) == ("Eva", "Ek", "eva@example.se")
    assert (sent["address"], sent["zipCodeEng"], sent["city"], sent["countryCode"]) == (
        "Ågatan 1", "58223", "Linköping", "SE",
    )  # fmt: skip
    assert sent["mobileNo"] == "070-1" and sent["customerOrganizationalForm"] == "P"
    [number] = [n for n, c in specter.state.customers.items() if c["emailAddress"] == "eva@example.se"]

    vendre.change_customer(buyer, address_city="Norrköping")
    cycle(sweden.shop)
    again = specter.last_write("newCustomerSubmit")
    assert again["?customerId"] == number and again["city"] == "Norrköping"
    assert [n for n, c in specter.state.customers.items() if c["emailAddress"] == "eva@example.se"] == [number]


def test_s4_purchase_price_only_without_suppliers_in_specter_and_stock_only_at_creation(sweden, specter, vendre):
    sweden.send_stock_on_create = True
    sweden.save()
    vendre.add_product("SKAL-3", "Skål", "89.00", stock=14, purchase_price="30", ean="7350000000031", weight="0.6")
    cycle(sweden.shop)
    created = specter.last_write("newArticleSubmit")
    assert created["forceArticleUpdate"] == "1"
    assert (created["articleNo_1"], created["name_1"], created["priceExclVAT_1"], created["vatPercent_1"]) == (
        "SKAL-3", "Skål", "89.00", "25",
    )  # fmt: skip
    assert (created["barCode_1"], created["productWeight_1"]) == ("7350000000031", "0.600")
    assert created["buyPrice_1"] == "30.00"
    assert (created["createArticleStock_1"], created["noItemsInStock_1"]) == ("1", "14")

    # A later change: only the changed field, never the stock again; Specter keeping suppliers, no purchase price.
    sweden.erp_keeps_suppliers = True
    sweden.save()
    vendre.change_product("SKAL-3", price="95.00", purchase_price="31", stock=2)
    cycle(sweden.shop)
    updated = specter.last_write("newArticleSubmit")
    assert updated["priceExclVAT_1"] == "95.00"
    assert not {"buyPrice_1", "noItemsInStock_1", "createArticleStock_1", "name_1"} & set(updated)


def test_s5_a_new_specter_article_becomes_a_vendre_product_and_a_deleted_one_inactive(sweden, specter, vendre):
    sweden.new_product_active = True
    sweden.save()
    specter.add_article(
        "BRICKA-5", "Serveringsbricka", "150.00", vatPercent="12", buyPrice="60", notes="Ek", reorderPoint="4",
        manufacturerArticleNo="TR-5", barCode="7350000000055", productWeight="0.8",
    )  # fmt: skip
    specter.change_article("BRICKA-5")
    erp_pull_items(connection=sweden.erp)
    process_due()

    made = vendre.product("BRICKA-5")
    assert made["stock"] == 0 and made["show"] == 1 and made["is_active"] == 1 and made["category_ids"] == [7]
    assert made["name"] == {"sv": "Serveringsbricka"} and made["price"] == "150.00" and made["tax_class_id"] == "2"
    assert (made["purchase_price"], made["notes"], made["reorder_point"]) == ("60", "Ek", "4")
    assert (made["manufacturer_sku"], made["ean"], made["weight"]) == ("TR-5", "7350000000055", "0.8")

    specter.change_article("BRICKA-5", deleted="1")
    erp_pull_items(connection=sweden.erp)
    process_due()
    assert vendre.product("BRICKA-5")["is_active"] == 0


def test_s6_a_variant_is_its_own_article_and_its_parent_relation_is_not_sent(sweden, specter, vendre):
    parent = vendre.add_product("TROJA", "Tröja", "300.00")
    vendre.add_product("TROJA-BLA-M", "Tröja blå M", "300.00", parent_id=parent, variant_choice_name_1_sv="Blå")
    cycle(sweden.shop)
    assert specter.article("TROJA") is not None and specter.article("TROJA-BLA-M") is not None
    for action, form, _query in specter.state.writes:
        assert not [k for k in form if "parent" in k.lower() or "variant" in k.lower()], (action, form)


def test_s8_a_percentage_code_is_spread_over_the_rows_and_a_fixed_amount_is_its_own_row(sweden, specter, vendre):
    ten = {"code": "SOMMAR10", "type": "percent", "value": "10"}
    fifty = {"code": "BONUS50", "type": "amount", "value": "50"}
    percent = vendre.place_order(rows=[("MUGG-01", 2)], discount_codes=[ten])
    fixed = vendre.place_order(rows=[("MUGG-01", 2)], discount_codes=[fifty])
    cycle(sweden.shop)

    [spread] = specter.orders_with_external_no(percent["order_number"])
    rows = spread["form"]
    assert (rows["articleNo_1"], rows["priceExclVAT_1"], rows["noOfItems_1"]) == ("MUGG-01", "71.28", "2")
    assert rows["articleComment_1"] == "Discount 10 %" and rows["articleNo_2"] == "FRAKT" and "articleNo_3" not in rows

    [own] = specter.orders_with_external_no(fixed["order_number"])
    rows = own["form"]
    assert (rows["articleNo_1"], rows["priceExclVAT_1"]) == ("MUGG-01", "79.2")
    assert (rows["articleNo_2"], rows["priceExclVAT_2"], rows["vatPercent_2"]) == ("RABATT", "-40", "25")
    assert rows["articleNo_3"] == "FRAKT"


def test_s12_nothing_of_suppliers_or_price_lists_reaches_specter(sweden, specter, vendre):
    vendre.add_product("SKAL-4", "Skål liten", "49.00", supplier_id=3, price_list_prices={"B2B": "40.00"})
    cycle(sweden.shop)
    sent = specter.last_write("newArticleSubmit")
    assert sent["addSupplier"] == "0"
    assert not [k for k in sent if k.startswith(("supplier", "priceList", "manufacturingCountry"))]


def test_specters_callback_url_is_shown_once_queues_the_erp_cycle_and_an_old_one_is_refused(
    sweden, admin_client, client, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[tuple] = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kwargs: queued.append(args))

    def new_url() -> str:
        answer = admin_client.post(
            "/admin/connectors/connection/",
            {"action": "new_callback_url", "_selected_action": [sweden.erp.pk]},
            follow=True,
        )
        [message] = [str(m) for m in answer.context["messages"]]
        return message.split(": ", 1)[1].split(" ")[0].replace("http://testserver", "")

    first = new_url()
    assert first.startswith(f"/hooks/{sweden.erp.pk}/")
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.get(first, {"calltype": "1", "pskey": "x"})
    assert (answer.status_code, answer.content) == (200, b"1;Done")
    assert queued == [("connectors.tasks.run_cycle", sweden.erp.pk)]

    second = new_url()
    assert client.get(first, {"calltype": "1"}).status_code == 403  # the old URL no longer works
    assert client.get(second, {"calltype": "4"}).status_code == 200
    secret = second.rstrip("/").rsplit("/", 1)[1]
    page = admin_client.get(f"/admin/connectors/connection/{sweden.erp.pk}/change/").content.decode()
    assert secret not in page  # shown once, never again


def test_s1_s4_a_vendre_sku_change_renames_the_specter_article_it_is_bound_to(sweden, specter, vendre):
    cycle(sweden.shop)
    article_id = next(i for i, a in specter.state.articles.items() if a["articleNo"] == "KNIV-02")

    vendre.change_product("KNIV-02", sku="KNIV-02-STAL")
    cycle(sweden.shop)

    sent = specter.last_write("newArticleSubmit")
    assert (sent["articleNo_1"], sent["newArticleNo_1"]) == ("KNIV-02", "KNIV-02-STAL")
    assert specter.state.articles[article_id]["articleNo"] == "KNIV-02-STAL"  # the same article, renamed
    assert specter.article("KNIV-02") is None
