"""Magento shop -> InsERT Subiekt through its bridge (seed 002, Koda Plus bridge contract 1.1.0), over
real sockets: the buyer rules C1-C5 by id, signatures, exactly one ZK however its answer is lost,
unmatched lines, and stock back to the shop."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from connectors.bindings import erp_binding
from connectors.emulation import Fault
from connectors.flows.customers import conflict_resolve
from connectors.flows.cycles import connection_cycle
from connectors.flows.orders_in import shop_pull_orders
from connectors.models import AuthState, Connection, CustomerPolicy, GuestPolicy, Integration, TransferState
from connectors.platforms.magento.emulator import MagentoEmulator
from connectors.platforms.subiekt.emulator import SubiektBridgeEmulator
from connectors.platforms.subiekt.emulator import seed_demo as seed_bridge
from customers.models import ConflictStatus, CustomerConflict
from orders.models import Order
from tests.engine import order_transfer, process_due

pytestmark = pytest.mark.django_db

NIP_NEW = "5261040828"  # valid NIPs Subiekt does not know yet
NIP_OTHER = "7770002903"
NIP_SALON = "1234563218"  # the demo bridge's contractor "Salon Ania"
POZNAN = {"street": ["ul. Długa 5/2"], "postcode": "61-001", "city": "Poznań", "country_id": "PL"}


@pytest.fixture
def bridge():
    emulator = SubiektBridgeEmulator(secret="bridge-secret-1").start()
    seed_bridge(emulator)
    yield emulator
    emulator.stop()


@pytest.fixture
def shop():
    emulator = MagentoEmulator(currency="PLN").start()
    emulator.add_product("GENSER-BLA", "Sweter wełniany – niebieski, M", "243.09", tax_percent="23", qty=15)
    emulator.add_product("LUE-01", "Czapka dziergana", "72.36", tax_percent="23", qty=40)
    emulator.add_product("BOK-01", "Książka", "56.19", tax_percent="5", qty=9)
    emulator.add_product("NOWY-9", "Produkt, którego Subiekt nie zna", "10.00", tax_percent="23", qty=3)
    yield emulator
    emulator.stop()


@pytest.fixture
def poland(db, bridge, shop) -> Integration:
    magento = Connection.objects.create(
        name="Magento PL", role="shop", platform="magento", base_url=shop.base_url,
        parameters={"stock_api": "legacy"}, credentials={"token": shop.token},
    )  # fmt: skip
    subiekt = Connection.objects.create(
        name="Subiekt", role="erp", platform="subiekt", base_url=bridge.base_url,
        parameters={"read_timeout": 1, "price_level": "DETAL"}, credentials={"secret": bridge.secret},
    )  # fmt: skip
    return Integration.objects.create(
        shop=magento,
        erp=subiekt,
        transfer_statuses=["processing"],
        payment_method_map={"klarna_kp": "card", "checkmo": "transfer:14", "cashondelivery": "cash"},
        policy_no_similar=CustomerPolicy.ADD_NEW,
        policy_one_similar=CustomerPolicy.ASK,
        guest_policy=GuestPolicy.REGULAR,
        status_map={"WZ": "complete", "canceled": "canceled"},
        warehouse_code="MAG",
    )


def place(
    shop: MagentoEmulator, *, nip: str = "", company: str = "", email: str = "zakupy@example.pl", name="Anna", **kw
):
    address = {**POZNAN, "company": company} if company else POZNAN
    customer = kw.pop("customer_id", None)
    guest = None if customer else (name, "Kowalska", email)
    return shop.place_order(
        items=kw.pop("items", [("LUE-01", 2)]), customer_id=customer, guest=guest, taxvat=nip, address=address,
        shipping=Decimal("12.19"), shipping_tax=Decimal("23"), **kw,
    )  # fmt: skip


def run(integration: Integration) -> None:
    shop_pull_orders(connection=integration.shop)
    process_due()


def zk_requests(bridge: SubiektBridgeEmulator) -> list[dict]:
    return [body for method, path, body in bridge.requests if method == "POST" and path == "/v1/orders"]


def test_c1_add_new_sends_the_buyers_nip_and_the_bridge_creates_the_contractor_once(poland, shop, bridge):
    placed = place(shop, nip="PL 526-104-08-28", company="Dzianiny sp. z o.o.")
    run(poland)
    order = Order.objects.get(number=placed["increment_id"])
    [zk] = bridge.documents("ZK")
    assert order.erp_order_no == zk["number"] == f"ZK 1/MAG/{dt.date.today().year}"
    [sent] = zk_requests(bridge)
    assert sent["buyer"]["nip"] == NIP_NEW and sent["buyer"]["create_if_missing"] is True
    assert bridge.state.contractors[NIP_NEW]["name"] == "Dzianiny sp. z o.o."
    assert erp_binding(order.customer, poland.erp) == NIP_NEW  # the next order goes straight to it

    again = place(shop, nip=NIP_NEW, company="Dzianiny sp. z o.o.")
    run(poland)
    assert Order.objects.get(number=again["increment_id"]).erp_order_no.startswith("ZK 2/")
    assert len(bridge.state.contractors) == 2  # Salon Ania and this one: not created twice


def test_c1_ask_holds_the_order_as_a_conflict_and_add_new_from_the_order_list_sends_it(poland, shop, bridge):
    poland.policy_no_similar = CustomerPolicy.ASK
    poland.save()
    placed = place(shop, nip=NIP_NEW, company="Dzianiny sp. z o.o.")
    run(poland)
    transfer = order_transfer(placed["increment_id"])
    assert transfer.state == TransferState.CONFLICT and not bridge.documents("ZK")
    conflict = CustomerConflict.objects.get(status=ConflictStatus.OPEN)
    assert "No similar customer" in conflict.reason

    conflict_resolve(conflict=conflict, resolution="add_new", user=None)
    process_due()
    assert order_transfer(placed["increment_id"]).state == TransferState.SENT
    [sent] = zk_requests(bridge)
    assert sent["buyer"] == {**sent["buyer"], "nip": NIP_NEW, "create_if_missing": True}


def test_c2_one_similar_contractor_by_e_mail_asks_and_merge_sends_the_order_to_it(poland, shop, bridge):
    first = place(shop, nip=NIP_SALON, company="Salon Ania sp. z o.o.", email="biuro@salon-ania.pl")
    run(poland)
    assert zk_requests(bridge)[0]["buyer"]["nip"] == NIP_SALON  # known to Subiekt: found by its NIP
    assert Order.objects.get(number=first["increment_id"]).erp_order_no

    # The same buyer's e-mail with another company's NIP: one similar contractor.
    second = place(shop, nip=NIP_OTHER, company="Ania Kosmetyka", email="biuro@salon-ania.pl", name="Joanna")
    run(poland)
    assert order_transfer(second["increment_id"]).state == TransferState.CONFLICT
    conflict = CustomerConflict.objects.get(status=ConflictStatus.OPEN)
    assert [c["number"] for c in conflict.candidates] == [NIP_SALON]

    conflict_resolve(conflict=conflict, resolution="merge", user=None)
    process_due()
    sent = zk_requests(bridge)[-1]
    assert sent["buyer"]["nip"] == NIP_SALON and sent["buyer"]["create_if_missing"] is False
    assert NIP_OTHER not in bridge.state.contractors


@pytest.mark.parametrize(("policy", "nip"), [(CustomerPolicy.ADD_NEW, NIP_OTHER), (CustomerPolicy.MERGE, NIP_SALON)])
def test_c2_one_similar_contractor_by_name_and_address_follows_add_new_or_merge(poland, shop, bridge, policy, nip):
    poland.policy_one_similar = policy
    poland.save()
    place(shop, nip=NIP_SALON, company="Salon Ania sp. z o.o.", email="a@salon-ania.pl")
    run(poland)
    # Another buyer (name, e-mail and NIP) for a company of the same name at the same address.
    place(shop, nip=NIP_OTHER, company="Salon Ania sp. z o.o.", email="b@salon-ania.pl", name="Joanna")
    run(poland)
    assert zk_requests(bridge)[-1]["buyer"]["nip"] == nip
    assert not CustomerConflict.objects.exists()


@pytest.mark.parametrize(("policy", "buyer"), [(GuestPolicy.ONE_TIME, None), (GuestPolicy.REGULAR, NIP_NEW)])
def test_c3_a_guest_company_becomes_a_contractor_or_goes_to_the_one_time_retail_buyer(
    poland, shop, bridge, policy, buyer
):
    poland.guest_policy = policy
    poland.save()
    place(shop, nip=NIP_NEW, company="Dzianiny sp. z o.o.")
    run(poland)
    [sent] = zk_requests(bridge)
    assert (sent["buyer"] or {}).get("nip") == buyer
    assert sent["invoice"]["tax_id"] == NIP_NEW  # the invoice data travel either way


def test_c3_a_private_buyer_without_a_nip_goes_to_the_retail_buyer_with_their_address(poland, shop, bridge):
    placed = place(shop)
    run(poland)
    [sent] = zk_requests(bridge)
    assert sent["buyer"] is None and sent["billing_address"]["city"] == "Poznań"
    assert Order.objects.get(number=placed["increment_id"]).erp_order_no.startswith("ZK ")


def test_a_nip_with_a_wrong_check_digit_stops_the_order_with_a_hint_and_nothing_is_sent(poland, shop, bridge):
    placed = place(shop, nip="5261040829", company="Dzianiny sp. z o.o.")
    run(poland)
    transfer = order_transfer(placed["increment_id"])
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert "5261040829" in transfer.last_error and "check digit" in transfer.last_error
    assert "customer card" in transfer.last_hint
    assert not zk_requests(bridge)


def test_c5_an_unmapped_payment_method_or_one_mapped_to_no_payment_form_blocks_the_order(poland, shop, bridge):
    unmapped = place(shop, payment="banktransfer")
    poland.payment_method_map = {**poland.payment_method_map, "klarna_kp": "przelew"}
    poland.save()
    wrong_form = place(shop)
    run(poland)
    first, second = order_transfer(unmapped["increment_id"]), order_transfer(wrong_form["increment_id"])
    assert first.state == second.state == TransferState.NEEDS_ATTENTION
    assert "banktransfer" in first.last_error and "payment method map" in first.last_hint
    assert "przelew" in second.last_error and "cash, transfer, card or credit" in second.last_hint
    assert first.error_source == second.error_source == "validation"  # the "errors" column
    assert not zk_requests(bridge)


def test_c5_a_missing_document_definition_in_subiekt_is_a_sync_error_and_a_resend_sends_it(poland, shop, bridge):
    bridge.zk_definition = False
    placed = place(shop)
    run(poland)
    transfer = order_transfer(placed["increment_id"])
    assert transfer.state == TransferState.NEEDS_ATTENTION and transfer.error_source == "sync"
    assert "Brak definicji dokumentu ZK" in transfer.last_error and "document definition" in transfer.last_hint
    assert not bridge.documents("ZK")

    bridge.zk_definition = True
    from connectors.transfers import transfer_resend

    transfer_resend(transfer_ids=[transfer.pk])
    process_due()
    assert order_transfer(placed["increment_id"]).state == TransferState.SENT and len(bridge.documents("ZK")) == 1


def test_a_wrong_secret_refused_by_the_bridge_is_a_credentials_problem_with_a_hint(poland, shop, bridge):
    poland.erp.credentials = {"secret": "not-the-bridges"}
    poland.erp.save()
    placed = place(shop)
    run(poland)
    erp = Connection.objects.get(pk=poland.erp_id)
    assert erp.auth_state == AuthState.NEEDS_CREDENTIALS
    assert "shared secret" in erp.auth_hint
    assert order_transfer(placed["increment_id"]).state != TransferState.SENT and not bridge.documents("ZK")


def test_a_clock_more_than_five_minutes_off_is_named_as_the_cause(poland, shop, bridge):
    bridge.clock_offset = 400
    run_cycle = connection_cycle(connection=poland.erp)  # the ERP's cycle reads the stock first
    erp = Connection.objects.get(pk=poland.erp_id)
    assert erp.auth_state == AuthState.NEEDS_CREDENTIALS and "clock" in erp.auth_hint
    assert run_cycle is not None


def test_test_connection_names_the_contract_the_clock_skew_and_what_the_bridge_does(poland, bridge):
    from connectors.services import erp_connector

    bridge.capabilities = ("orders", "fulfillments", "stock", "events", "documents.pa")
    message = erp_connector(poland.erp).test()
    assert "contract 1.1.0" in message and "warehouse MAG" in message and "clocks 0 s apart" in message
    assert "documents.pa, events, fulfillments, orders, stock." in message  # no documents.fs: why an FS is refused


@pytest.mark.parametrize("fault", ["timeout_after_store", "drop_after_store", "error_after_store"])
def test_v1_a_zk_stored_whose_answer_is_lost_is_looked_up_and_made_exactly_once(poland, shop, bridge, fault):
    bridge.inject(Fault(kind=fault, method="POST", path=r"^/v1/orders$", delay=2.5, status=502))
    placed = place(shop)
    run(poland)
    transfer = order_transfer(placed["increment_id"])
    assert transfer.state == TransferState.UNKNOWN and len(bridge.documents("ZK")) == 1
    transfer.__class__.objects.filter(pk=transfer.pk).update(next_attempt_at=dt.datetime.now(dt.UTC))
    process_due()
    order = Order.objects.get(number=placed["increment_id"])
    [zk] = bridge.documents("ZK")
    assert order.erp_order_no == zk["number"]
    assert bridge.calls["GET /v1/orders/{id}"] == 1  # looked up, found: not created again
    assert len(zk_requests(bridge)) == 1


def test_lines_subiekt_cannot_match_need_attention_naming_their_skus(poland, shop, bridge):
    placed = place(shop, items=[("LUE-01", 1), ("NOWY-9", 2)])
    run(poland)
    transfer = order_transfer(placed["increment_id"])
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert "NOWY-9" in transfer.last_error and "LUE-01" not in transfer.last_error.split(":")[1]
    assert "create them in Subiekt" in transfer.last_hint
    assert not bridge.documents("ZK")


def test_r7_stock_changed_in_subiekt_reaches_the_magento_shop(poland, shop, bridge):
    connection_cycle(connection=poland.shop)  # products mirrored
    connection_cycle(connection=poland.erp)
    process_due()
    assert shop.stock_of("LUE-01") == Decimal("40")
    bridge.set_stock("LUE-01", 7)
    connection_cycle(connection=poland.erp)
    process_due()
    assert shop.stock_of("LUE-01") == Decimal("7")
    assert shop.stock_of("GENSER-BLA") == Decimal("15")


def stock_pushes(shop: MagentoEmulator) -> list[str]:
    return [path.split("/")[-3] for method, path, _body in shop.requests if method == "PUT" and "/stockItems/" in path]


def stock_reads(bridge: SubiektBridgeEmulator) -> int:
    return sum(1 for method, path, _body in bridge.requests if method == "GET" and path.startswith("/v1/stock"))


def test_r7_with_stock_events_a_cycle_reads_the_stock_only_when_the_feed_says_it_moved(poland, shop, bridge):
    from connectors.flows.stock import erp_sync_stock

    poland.erp.parameters = {**poland.erp.parameters, "stock_events": True}
    poland.erp.save()
    connection_cycle(connection=poland.shop)
    erp_sync_stock(connection=poland.erp)  # the first read is the full one
    process_due()
    listed = stock_reads(bridge)
    erp_sync_stock(connection=poland.erp)  # nothing moved: the feed is read, the stock is not
    assert stock_reads(bridge) == listed
    bridge.set_stock("LUE-01", 7)
    pushes = stock_pushes(shop)
    erp_sync_stock(connection=poland.erp)
    process_due()
    assert stock_reads(bridge) == listed + 1 and shop.stock_of("LUE-01") == Decimal("7")
    assert stock_pushes(shop) == pushes + ["LUE-01"]  # only the moved one


@pytest.mark.parametrize("published", ["bare", "none"])
def test_r7_a_bridge_whose_stock_events_name_no_symbols_or_never_come_is_read_whole(poland, shop, bridge, published):
    from connectors.flows.stock import erp_sync_stock

    bridge.stock_events = published
    poland.erp.parameters = {**poland.erp.parameters, "stock_events": True}
    poland.erp.save()
    connection_cycle(connection=poland.shop)
    erp_sync_stock(connection=poland.erp)
    process_due()
    bridge.set_stock("LUE-01", 7)
    listed = stock_reads(bridge)
    erp_sync_stock(connection=poland.erp)
    process_due()
    if published == "bare":  # an event without symbols: read everything
        assert stock_reads(bridge) == listed + 1 and shop.stock_of("LUE-01") == Decimal("7")
    else:  # no event at all looks like "nothing moved" until the reconcile: why it is opt-in
        assert stock_reads(bridge) == listed and shop.stock_of("LUE-01") == Decimal("40")


def test_s11_a_wz_issued_in_subiekt_moves_the_shop_order_on_through_the_event_feed(poland, shop, bridge):
    placed = place(shop)
    run(poland)
    bridge.issue_wz(placed["increment_id"])
    connection_cycle(connection=poland.erp)
    process_due()
    order = Order.objects.get(number=placed["increment_id"])
    assert order.erp_status == "WZ"
    assert shop.state.orders[placed["entity_id"]]["status"] == "complete"


def test_m2_m3_a_wz_and_an_fs_issued_in_subiekt_become_the_orders_shipment_and_invoice_in_the_shop(
    poland, shop, bridge
):
    poland.documents_source = "erp"
    poland.save()
    placed = place(shop, items=[("LUE-01", 2), ("BOK-01", 1)])
    run(poland)
    bridge.issue_wz(placed["increment_id"])
    bridge.issue_sales_document(placed["increment_id"], "FS")
    connection_cycle(connection=poland.erp)
    process_due()
    order = Order.objects.get(number=placed["increment_id"])
    [shipment] = order.shipments.all()
    [invoice] = order.invoices.all()
    assert shipment.number.startswith("WZ 1/MAG/") and invoice.number.startswith("FS 1/MAG/")
    assert sorted(line.quantity for line in shipment.lines.all()) == [1, 2]  # the whole order
    assert sorted(line.quantity for line in invoice.lines.all() if not line.is_freight) == [1, 2]
    assert invoice.gross_total == order.grand_total  # freight on the (only) invoice
    connection_cycle(connection=poland.erp)  # read again: nothing made twice
    assert order.shipments.count() == 1 and order.invoices.count() == 1
    assert shop.calls["POST /rest/default/V1/order/{id}/ship"] == 1  # recorded in the shop
    assert shop.calls["POST /rest/default/V1/order/{id}/invoice"] == 1


def fulfilment_requests(bridge: SubiektBridgeEmulator) -> list[dict]:
    return [body for method, path, body in bridge.requests if method == "POST" and path.endswith("/fulfillments")]


def test_m3_an_order_shipped_in_the_portal_has_subiekt_release_its_goods_once_when_nothing_is_left_to_ship(
    poland, shop, bridge
):
    from connectors.models import Transfer, TransferKind
    from documents.services import shipment_create

    poland.documents_source = "erp"  # the feed's WZ is read back too: it must not become a third shipment
    poland.save()
    placed = place(shop, items=[("LUE-01", 2), ("BOK-01", 1)])
    run(poland)
    order = Order.objects.get(number=placed["increment_id"])
    before = {symbol: bridge.state.stock[symbol] for symbol in ("LUE-01", "BOK-01")}
    cap, book = sorted(order.lines.exclude(sku=""), key=lambda line: line.sku)[::-1]
    assert (cap.sku, book.sku) == ("LUE-01", "BOK-01")

    shipment_create(order=order, quantities={cap.pk: 1})  # a first parcel: the rest still to ship
    process_due()
    assert fulfilment_requests(bridge) == [] and bridge.documents("WZ") == []

    last = shipment_create(order=order)  # the rest: now the whole ZK is released
    process_due()
    [body] = fulfilment_requests(bridge)
    assert body["fulfillment_id"] == last.number
    assert sorted((i["line_id"], i["quantity"]) for i in body["items"]) == sorted(
        [(cap.shop_line_id, 2), (book.shop_line_id, 1)]
    )
    [wz] = bridge.documents("WZ")
    transfer = Transfer.objects.get(kind=TransferKind.ERP_GOODS_RELEASE)
    assert transfer.state == TransferState.SENT and transfer.remote_id == wz["number"]
    assert bridge.state.stock["LUE-01"] == before["LUE-01"] - 2 and bridge.state.stock["BOK-01"] == before["BOK-01"] - 1

    connection_cycle(connection=poland.erp)  # the WZ in the feed is the portal's own shipment
    process_due()
    assert order.shipments.count() == 2 and len(bridge.documents("WZ")) == 1


def test_m3_a_goods_release_whose_answer_is_lost_is_asked_again_and_subiekt_keeps_one_wz(poland, shop, bridge):
    from connectors.models import Transfer, TransferKind
    from documents.services import shipment_create

    placed = place(shop)
    run(poland)
    bridge.inject(Fault(kind="timeout_after_store", method="POST", path=r"/fulfillments$", delay=2.5))
    shipment_create(order=Order.objects.get(number=placed["increment_id"]))
    process_due()
    transfer = Transfer.objects.get(kind=TransferKind.ERP_GOODS_RELEASE)
    assert transfer.state == TransferState.UNKNOWN and len(bridge.documents("WZ")) == 1
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=dt.datetime.now(dt.UTC))
    process_due()
    transfer.refresh_from_db()
    [wz] = bridge.documents("WZ")
    assert transfer.state == TransferState.SENT and transfer.remote_id == wz["number"]
    assert len(fulfilment_requests(bridge)) == 2  # asked again: the bridge answered with the same WZ


def test_m3_a_shipment_before_the_order_reached_subiekt_waits_and_releases_the_goods_after(poland, shop, bridge):
    from connectors.models import Transfer, TransferKind
    from documents.services import shipment_create

    bridge.inject(Fault(kind="error", method="POST", path=r"^/v1/orders$", status=503))
    placed = place(shop)
    run(poland)  # the ZK is not there yet (503): the order waits to retry
    order = Order.objects.get(number=placed["increment_id"])
    assert order.erp_order_no == ""
    shipment_create(order=order)
    process_due()
    transfer = Transfer.objects.get(kind=TransferKind.ERP_GOODS_RELEASE)
    assert transfer.state == TransferState.RETRY_WAIT and fulfilment_requests(bridge) == []
    Transfer.objects.update(next_attempt_at=dt.datetime.now(dt.UTC))
    process_due()
    Transfer.objects.filter(kind=TransferKind.ERP_GOODS_RELEASE).update(next_attempt_at=dt.datetime.now(dt.UTC))
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT and len(bridge.documents("WZ")) == 1


def test_m2_the_ksef_number_subiekt_reports_later_for_an_fs_is_kept_on_the_invoice_and_printed(
    poland, shop, bridge, admin_client
):
    from documents.pdf import document_html

    poland.documents_source = "erp"
    poland.save()
    placed = place(shop, nip=NIP_NEW, company="Dzianiny sp. z o.o.")
    run(poland)
    bridge.issue_sales_document(placed["increment_id"], "FS")
    connection_cycle(connection=poland.erp)
    invoice = Order.objects.get(number=placed["increment_id"]).invoices.get()
    assert invoice.e_invoice_number == ""  # KSeF has not accepted it yet
    ksef = bridge.ksef_accepted(placed["increment_id"])
    connection_cycle(connection=poland.erp)
    connection_cycle(connection=poland.erp)  # read again: nothing changes, nothing is made twice
    invoice = Order.objects.get(number=placed["increment_id"]).invoices.get()
    assert invoice.e_invoice_number == ksef
    assert ksef in document_html(invoice)
    assert ksef in admin_client.get(f"/admin/documents/invoice/{invoice.pk}/change/").content.decode()
    assert admin_client.get(f"/api/invoices/{invoice.pk}/").json()["e_invoice_number"] == ksef


def test_the_event_feed_is_read_from_the_cycles_cursor_on_not_from_its_first_event(poland, shop, bridge):
    from connectors.services import erp_connector

    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).isoformat().replace("+00:00", "Z")
    for n in range(1, 3001):  # three days of stock events the bridge still keeps
        bridge.state.events.append({"id": n, "type": "stock.changed", "occurred_at": old, "data": {"symbols": []}})
    placed = place(shop)
    run(poland)  # its ZK's event is the 3001st
    bridge.calls.clear()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    records = list(erp_connector(poland.erp).order_statuses(since))
    assert [(r.external_order_no, r.status) for r in records] == [(placed["increment_id"], "ZK")]
    assert bridge.calls["GET /v1/events"] <= 6  # halving to the cursor, then one page (not 7 pages of 500)


def test_r7_a_price_changed_in_subiekts_price_level_reaches_magento_as_its_net_price(poland, shop, bridge):
    connection_cycle(connection=poland.shop)  # products mirrored
    connection_cycle(connection=poland.erp)
    process_due()
    bridge.set_price("LUE-01", "110.70")  # gross, 23 % VAT: 90.00 net
    connection_cycle(connection=poland.erp)
    process_due()
    assert shop.state.products["LUE-01"].price == Decimal("90.00")
    [(_, _, body)] = [r for r in shop.requests if r[1].endswith("/products/base-prices")][-1:]
    assert [p["sku"] for p in body["prices"]] == ["LUE-01"]


def test_the_bridges_signed_events_nudge_queues_the_subiekt_cycle_and_a_bad_signature_is_refused(
    poland, admin_client, client, django_capture_on_commit_callbacks, monkeypatch
):
    import hashlib
    import hmac
    import json
    import time

    queued: list[tuple] = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kwargs: queued.append(args))
    answer = admin_client.post(
        "/admin/connectors/connection/",
        {"action": "new_callback_url", "_selected_action": [poland.erp.pk]},
        follow=True,
    )
    [message] = [str(m) for m in answer.context["messages"]]
    url = message.split(": ", 1)[1].split(" ")[0].replace("http://testserver", "")
    body = json.dumps({"type": "events.available", "last_id": 44}).encode()
    stamp = int(time.time())

    def signed(secret: str, at: int = stamp) -> str:
        digest = hmac.new(secret.encode(), f"{at}.POST.{url}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={at},v1={digest}"

    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(
            url, body, content_type="application/json", headers={"X-Koda-Signature": signed("bridge-secret-1")}
        )
    assert ok.status_code == 202
    assert queued == [("connectors.tasks.run_cycle", poland.erp.pk)]
    wrong = client.post(url, body, content_type="application/json", headers={"X-Koda-Signature": signed("other")})
    stale = client.post(
        url, body, content_type="application/json", headers={"X-Koda-Signature": signed("bridge-secret-1", stamp - 400)}
    )
    assert wrong.status_code == stale.status_code == 401 and len(queued) == 1


def test_m1_an_order_canceled_in_the_portal_cancels_its_zk_and_once_goods_left_asks_for_a_return(
    poland, shop, bridge, admin_client, django_capture_on_commit_callbacks
):
    from connectors.models import Transfer, TransferKind

    kept, released = place(shop), place(shop, items=[("BOK-01", 1)])
    run(poland)
    bridge.issue_wz(released["increment_id"])
    orders = Order.objects.filter(number__in=[kept["increment_id"], released["increment_id"]])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/orders/order/", {"action": "cancel", "_selected_action": [o.pk for o in orders]}, follow=True
        )
    process_due()
    cancels = {t.object_id: t for t in Transfer.objects.filter(connection=poland.erp, kind=TransferKind.ORDER_CANCEL)}
    first, second = (cancels[Order.objects.get(number=p["increment_id"]).pk] for p in (kept, released))
    assert first.state == TransferState.SENT
    assert bridge.state.orders[kept["increment_id"]]["documents"][0]["status"] == "canceled"
    assert second.state == TransferState.NEEDS_ATTENTION and "return" in second.last_hint
    assert bridge.state.orders[released["increment_id"]]["canceled"] is False


def test_a_contract_1_0_bridge_without_product_listing_still_gives_stock_and_the_cycle_succeeds(poland, shop, bridge):
    bridge.capabilities = ("orders", "fulfillments", "stock", "events")
    connection_cycle(connection=poland.shop)
    runs = connection_cycle(connection=poland.erp)
    process_due()
    assert all(run.status == "ok" for run in runs), [(run.kind, run.error) for run in runs]
    assert shop.stock_of("LUE-01") == Decimal("40")


def test_m2_an_invoice_for_a_company_and_a_receipt_for_a_person_are_issued_in_subiekt_once_each(
    poland, shop, bridge, admin_client, django_capture_on_commit_callbacks
):
    from connectors.models import Transfer, TransferKind

    poland.documents_source = "erp"
    poland.save()
    company, person = place(shop, nip=NIP_NEW, company="Dzianiny sp. z o.o."), place(shop, name="Łucja")
    run(poland)
    orders = Order.objects.filter(number__in=[company["increment_id"], person["increment_id"]])
    for _twice in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(
                "/admin/orders/order/",
                {"action": "erp_sales_document", "_selected_action": [o.pk for o in orders]},
                follow=True,
            )
        process_due()
    kinds = {o["request"]["order_id"]: [d["kind"] for d in o["documents"]] for o in bridge.state.orders.values()}
    assert kinds == {company["increment_id"]: ["ZK", "FS"], person["increment_id"]: ["ZK", "PA"]}
    transfers = Transfer.objects.filter(connection=poland.erp, kind=TransferKind.ERP_SALES_DOCUMENT)
    assert sorted(t.remote_id.split()[0] for t in transfers) == ["FS", "PA"]

    connection_cycle(connection=poland.erp)  # the documents come back as the orders' invoices
    invoice = Order.objects.get(number=company["increment_id"]).invoices.get()
    assert invoice.number.startswith("FS 1/MAG/")


def test_v1_zk_documents_and_cancels_under_random_faults_are_made_exactly_once(
    poland, shop, bridge, admin_client, django_capture_on_commit_callbacks
):
    """Faults drawn per request from a seeded source on every bridge call (5xx, 503, stored-then-timeout,
    stored-then-drop, dropped): each order has one ZK, one FS or PA, one WZ when shipped in the portal,
    and a canceled one is canceled."""
    import random

    from django.utils import timezone

    from connectors.emulation import RandomFaults
    from connectors.models import Transfer, TransferKind
    from connectors.transfers import transfer_resend
    from documents.services import shipment_create

    seed = random.randrange(1_000_000)
    print(f"seed={seed}")
    placed = [place(shop, name=f"Kupujący{n}", items=[("LUE-01", 1 + n % 3)]) for n in range(6)]
    shop_pull_orders(connection=poland.shop)
    bridge.random_faults = RandomFaults(
        seed=seed,
        rates={"error": 0.15, "timeout_after_store": 0.15, "drop_after_store": 0.1, "drop": 0.05},
        methods=("GET", "POST"),
        path=r"^/v1/orders",
        delay=2.0,
        statuses=(500, 502, 503, 504),
    )
    transfers = Transfer.objects.filter(connection=poland.erp)

    def settle() -> None:
        for _round in range(40):
            transfer_resend(
                transfer_ids=list(transfers.filter(state=TransferState.NEEDS_ATTENTION).values_list("pk", flat=True))
            )
            transfers.exclude(state=TransferState.SENT).update(next_attempt_at=timezone.now())
            process_due()
            if not transfers.exclude(state=TransferState.SENT).exists():
                return

    settle()
    orders = list(Order.objects.filter(number__in=[p["increment_id"] for p in placed]).order_by("pk"))
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/orders/order/", {"action": "erp_sales_document", "_selected_action": [o.pk for o in orders[:3]]}
        )
        admin_client.post("/admin/orders/order/", {"action": "cancel", "_selected_action": [o.pk for o in orders[3:]]})
        for order in orders[:2]:
            shipment_create(order=order)
    settle()
    stuck = list(transfers.exclude(state=TransferState.SENT).values_list("kind", "state", "last_error"))
    assert stuck == [], f"seed={seed}"
    for n, p in enumerate(placed):
        documents = sorted(d["kind"] for d in bridge.state.orders[p["increment_id"]]["documents"])
        assert documents == (["PA", "WZ", "ZK"] if n < 2 else ["PA", "ZK"] if n < 3 else ["ZK"]), f"seed={seed}"
        assert bridge.state.orders[p["increment_id"]]["canceled"] == (n >= 3), f"seed={seed}"
    assert transfers.filter(kind=TransferKind.ORDER_CANCEL).count() == 3
    assert transfers.filter(kind=TransferKind.ERP_GOODS_RELEASE).count() == 2
    print(f"faults={dict(bridge.random_faults.drawn)} seed={seed}")
