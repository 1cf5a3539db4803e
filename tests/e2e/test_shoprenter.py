"""ShopRenter shops (seed 003): orders in, statuses back, stock and prices out in /batch calls (R1, R2, R4, R7)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.flows.cycles import connection_cycle
from connectors.models import Connection, Integration, Transfer, TransferKind, TransferState
from connectors.platforms.shoprenter.emulator import ShopRenterEmulator, seed_demo
from orders.models import Order
from tests.e2e.conftest import shoprenter_shop
from tests.engine import process_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def hungary(db, shoprenter, visma):
    from connectors.platforms.visma_net.emulator import seed_demo as seed_visma
    from sync_portal.demo import configure_demo

    visma_demo = configure_demo(magento=_Magento(), visma=visma)  # the ERP connection, as in the demo
    seed_visma(visma) if not visma.state.items else None
    shop = shoprenter_shop(shoprenter)
    integration = Integration.objects.create(
        shop=shop,
        erp=visma_demo.erp,
        transfer_statuses=["Függőben"],
        shipping_item_no="FRAKT",
        default_customer_no="WEB",
        payment_method_map={"COD": "KLARNA"},
        shipping_method_map={"WSESHIP": "POST"},
        vat_map={"27": "HIGH", "5": "LOW", "0": "ZERO"},
        status_map={"Shipping": "Feldolgozás alatt", "Completed": "Teljesítve"},
        warehouse_code="MAIN",
    )
    return integration


class _Magento:
    base_url = "http://127.0.0.1:9/rest/default/V1/"
    token = "unused"


def test_r1_r4_a_shoprenter_order_reaches_visma_with_its_lines_freight_and_guest_match(hungary, shoprenter, visma):
    # A guest with the name and e-mail of an ERP customer is that customer (R4).
    placed = shoprenter.place_order(items=[("LUE-01", 2), ("BOK-01", 1)], customer_id=None, email="zoltan.k@example.hu")
    connection_cycle(connection=hungary.shop)
    process_due()
    order = Order.objects.get(shop=hungary.shop, number=placed["innerId"])
    assert order.shop_status == "Függőben" and order.currency == "HUF"
    assert [(li.sku, li.quantity, li.unit_price_excl_vat) for li in order.lines.all()] == [
        ("LUE-01", Decimal("2.000"), Decimal("5500.0000")),
        ("BOK-01", Decimal("1.000"), Decimal("8000.0000")),
    ]
    assert order.shipping_excl_vat == Decimal("1000.00") and order.grand_total == Decimal(placed["total"])
    [sent] = visma.orders_with_ref(placed["innerId"])
    assert [li["inventory"]["number"] for li in sent["lines"]] == ["LUE-01", "BOK-01", "FRAKT"]
    assert sent["customer"]["number"] == "10003"


def test_r7_stock_and_prices_of_many_products_go_in_one_batch_call_within_the_rate_limit(hungary, shoprenter, visma):
    for sku in ("LUE-01", "BOK-01", "SJAL-01"):
        visma.set_stock(sku, "MAIN", 3) if sku in visma.state.items else None
    from connectors.platforms.shoprenter.connector import ShopRenterConnector
    from connectors.records import PriceRecord, StockRecord
    from connectors.services import connector_for

    shop = connector_for(hungary.shop)
    assert isinstance(shop, ShopRenterConnector)
    outcome = shop.push_stock_and_prices(
        stock=[StockRecord("LUE-01", Decimal("3"), "MAIN"), StockRecord("NOPE", Decimal("1"), "MAIN")],
        prices=[PriceRecord("LUE-01", Decimal("5990")), PriceRecord("BOK-01", Decimal("8100"))],
    )
    # One sub-request per SKU carries its stock and price: both learn its status.
    assert outcome[("stock", "LUE-01")] == outcome[("price", "LUE-01")] == (200, "")
    assert outcome[("price", "BOK-01")] == (200, "")
    assert outcome[("stock", "NOPE")] == (404, "Product not found with sku: NOPE")
    assert shoprenter.calls["POST /api/batch"] == 1
    assert (shoprenter.state.products["LUE-01"]["stock1"], shoprenter.state.products["LUE-01"]["price"]) == (
        "3",
        "5990.0000",
    )
    assert shoprenter.calls["429"] == 0


def test_s11_an_erp_status_moves_the_shoprenter_order_status(hungary, shoprenter, visma):
    placed = shoprenter.place_order(items=[("LUE-01", 1)], customer_id=None, email="zoltan.k@example.hu")
    connection_cycle(connection=hungary.shop)
    process_due()
    [sent] = visma.orders_with_ref(placed["innerId"])
    visma.set_order_status(sent["orderNo"], "Shipping")
    connection_cycle(connection=hungary.erp)
    process_due()
    order = shoprenter.state.orders[int(placed["innerId"])]
    assert order["orderStatus"]["href"].endswith("b3JkZXJTdGF0dXMtb3JkZXJfc3RhdHVzX2lkPTI=")  # status 2
    transfer = Transfer.objects.get(kind=TransferKind.ORDER_STATUS, connection=hungary.shop)
    assert transfer.state == TransferState.SENT


def test_a_wrong_api_client_secret_marks_the_connection_as_needing_credentials(hungary, shoprenter):
    hungary.shop.credentials = {"client_id": shoprenter.client_id, "client_secret": "wrong"}
    hungary.shop.save()
    [run] = connection_cycle(connection=hungary.shop)[:1]
    hungary.shop.refresh_from_db()
    assert hungary.shop.auth_state == "needs_credentials"
    assert "refused the API client" in hungary.shop.auth_error


def test_r7_one_percent_of_10000_skus_changed_goes_in_one_batch_call_and_nothing_else(hungary, shoprenter, monkeypatch):
    """100 of 10 000 products changed: the minute's tick groups their stock and price transfers into one
    batch run, which makes exactly one /batch call (100 sub-requests), no other write, no 429."""
    from connectors.flows.batches import batch_push
    from connectors.models import TransferKind
    from connectors.tasks import tick
    from connectors.transfers import transfer_ensure
    from inventory.models import Product, StockLevel, Warehouse

    warehouse = Warehouse.objects.get_or_create(code="MAIN", defaults={"name": "Main"})[0]
    for i in range(10_000):
        shoprenter.add_product(f"SKU-{i:05d}", f"Termék {i}", "1000", stock=5)
    products = Product.objects.bulk_create(
        Product(shop=hungary.shop, sku=f"SKU-{i:05d}", name=f"Termék {i}", price_excl_vat=Decimal("1000"))
        for i in range(10_000)
    )
    StockLevel.objects.bulk_create(StockLevel(product=p, warehouse=warehouse, physical=Decimal(5)) for p in products)
    changed = products[::100]  # 1 %
    for product in changed:
        StockLevel.objects.filter(product=product).update(physical=Decimal(2))
        transfer_ensure(connection=hungary.shop, obj=product, kind=TransferKind.STOCK)
    for product in changed[:20]:
        Product.objects.filter(pk=product.pk).update(price_excl_vat=Decimal("1200"))
        transfer_ensure(connection=hungary.shop, obj=product, kind=TransferKind.PRICE)
    queued: list[tuple] = []
    monkeypatch.setattr("connectors.tasks.async_task", lambda *args, **kwargs: queued.append(args))
    tick()
    assert [args for args in queued if args[0] == "connectors.tasks.push_batch"] == [
        ("connectors.tasks.push_batch", hungary.shop.pk)
    ]
    assert not [args for args in queued if args[0] == "connectors.tasks.process_transfer"]
    writes_before = {k: v for k, v in shoprenter.calls.items() if not k.startswith("GET")}
    counts = batch_push(connection=hungary.shop)
    assert counts["sent"] == 120 and counts["failed"] == 0
    writes = {k: v - writes_before.get(k, 0) for k, v in shoprenter.calls.items() if not k.startswith("GET")}
    writes = {k: v for k, v in writes.items() if v and "/oauth/" not in k}  # (the token is no write)
    assert writes.pop("POST /api/batch") == 1
    assert shoprenter.calls["429"] == 0
    assert set(writes) <= {"batch POST /api/productExtend", "batch PUT /api/productExtend"}  # the sub-requests
    assert sum(writes.values()) == 100  # one sub-request per product: stock and price together
    assert shoprenter.state.products["SKU-00000"]["stock1"] == "2"
    assert shoprenter.state.products["SKU-00000"]["price"] == "1200.0000"
    assert not Transfer.objects.exclude(state=TransferState.SENT).filter(kind__in=["stock", "price"]).exists()


# --- webhooks -------------------------------------------------------------------------


def test_r1_a_webhook_with_the_right_secret_queues_one_pull_and_a_repeat_queues_nothing(
    hungary, shoprenter, client, django_capture_on_commit_callbacks, monkeypatch
):

    queued: list[tuple] = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kwargs: queued.append(args))
    token = hungary.shop.webhook_token()
    body = b'{"orders":{"order":[{"innerId":"1234","storeName":"demoshop"}]}}'
    url = f"/hooks/{hungary.shop.pk}/{token}/"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, body, content_type="application/json")
        again = client.post(url, body, content_type="application/json")
    assert (first.status_code, again.status_code) == (202, 200)
    assert queued == [("connectors.tasks.pull_orders", hungary.shop.pk)]  # one pull: the order is re-read


@pytest.mark.parametrize("token", ["wrong", ""])
def test_a_webhook_with_a_bad_or_missing_secret_is_refused_and_logged(hungary, client, token, caplog):

    hungary.shop.webhook_token()
    response = client.post(f"/hooks/{hungary.shop.pk}/{token or 'x'}/", b"{}", content_type="application/json")
    assert response.status_code == 403
    assert "Webhook refused" in caplog.text


def test_r1_an_order_whose_webhook_was_lost_arrives_with_the_next_scheduled_pull(hungary, shoprenter):
    from connectors.tasks import pull_orders

    placed = shoprenter.place_order(items=[("LUE-01", 1)], customer_id=None, email="zoltan.k@example.hu")
    assert pull_orders(hungary.shop.pk) == "ok"  # no webhook came: the schedule's pull finds it
    assert Order.objects.filter(shop=hungary.shop, number=placed["innerId"]).exists()


def test_r2_two_shoprenter_shops_on_one_erp_keep_their_series_and_warehouses(hungary, shoprenter, visma):
    import itertools

    from connectors.tasks import push_batch

    second = ShopRenterEmulator(shop="gyorshop").start()
    second._ids = itertools.count(50_001)  # the second shop's own order numbers
    try:
        seed_demo(second)
        second_shop = shoprenter_shop(second, name="ShopRenter Győr")
        gyor = Integration.objects.get(pk=hungary.pk)
        gyor.pk, gyor.shop = None, second_shop
        gyor.numbering_series, gyor.warehouse_code = "WO", "GYR"
        gyor.save()
        visma.state.order_types.add("WO")
        visma.set_stock("LUE-01", "MAIN", 4)
        visma.set_stock("LUE-01", "GYR", 9)
        first = shoprenter.place_order(items=[("LUE-01", 1)], customer_id=None, email="zoltan.k@example.hu")
        other = second.place_order(items=[("LUE-01", 1)], customer_id=None, email="zoltan.k@example.hu")
        for connection in (hungary.shop, second_shop):
            connection_cycle(connection=connection)
            process_due()
        [sent_first] = visma.orders_with_ref(first["innerId"])
        [sent_other] = visma.orders_with_ref(other["innerId"])
        assert (sent_first["orderType"], sent_other["orderType"]) == ("SO", "WO")
        connection_cycle(connection=hungary.erp)
        for connection in (hungary.shop, second_shop):
            push_batch(connection.pk)
        assert shoprenter.state.products["LUE-01"]["stock1"] == "4"  # MAIN -> stock1 in the first shop
        assert second.state.products["LUE-01"]["stock2"] == "9"  # GYR -> stock2 in the second
        assert shoprenter.calls["429"] == second.calls["429"] == 0
    finally:
        second.stop()


def test_r4_shoprenter_products_are_downloaded_with_net_price_status_and_the_shops_vat(hungary, shoprenter):
    from inventory.models import Product

    shoprenter.state.products["SJAL-01"]["status"] = "0"
    connection_cycle(connection=hungary.shop)
    products = {p.sku: p for p in Product.objects.filter(shop=hungary.shop)}
    assert set(products) == {"LUE-01", "BOK-01", "SJAL-01"}
    lue = products["LUE-01"]
    assert (lue.name, lue.price_excl_vat, lue.vat_rate, lue.reference) == (
        "Kötött sapka",
        Decimal("5500"),
        Decimal("27"),
        "LUE-01",
    )
    assert products["SJAL-01"].status == "inactive"


# --- registering the webhooks ----------------------------------------------------------


def test_r1_registering_webhooks_subscribes_both_order_events_to_the_secret_url_once(hungary, shoprenter):
    from connectors.flows.cycles import connection_register_webhooks

    first = connection_register_webhooks(connection=hungary.shop, portal_url="https://portal.example.hu/")
    again = connection_register_webhooks(connection=hungary.shop, portal_url="https://portal.example.hu")
    assert (first.status, first.stats["registered"], again.stats["registered"]) == ("ok", 2, 0)
    hooks = list(shoprenter.state.webhooks.values())
    assert sorted(h["event"] for h in hooks) == ["order_confirm", "order_status_change"]
    token = hungary.shop.webhook_token()
    assert {p["url"] for h in hooks for p in h["webHookParameters"]} == {
        f"https://portal.example.hu/hooks/{hungary.shop.pk}/{token}/"
    }
    assert all(h["status"] == "1" and h["webHookParameters"][0]["type"] == "json" for h in hooks)
    # Switched off in the shop's admin: registering again switches it back on, still one hook per event.
    hooks[0]["status"] = "0"
    connection_register_webhooks(connection=hungary.shop, portal_url="https://portal.example.hu")
    assert [h["status"] for h in shoprenter.state.webhooks.values()] == ["1", "1"]


def test_new_credentials_keep_the_webhook_secret_so_registered_webhooks_keep_working(hungary):
    token = hungary.shop.webhook_token()
    hungary.shop.replace_credentials({"client_id": "new-id", "client_secret": "new-secret"})
    hungary.shop.save()
    hungary.shop.refresh_from_db()
    assert hungary.shop.webhook_token() == token
    assert hungary.shop.credentials["client_id"] == "new-id"


def test_r1_an_order_placed_in_shoprenter_arrives_through_its_webhook_without_waiting_for_the_schedule(
    hungary, shoprenter, live_server, monkeypatch
):
    """The shop calls the portal over HTTP; the intake queues a pull (run at once here, as a worker
    would), which reads the order from the API."""
    import time

    from connectors.flows.cycles import connection_register_webhooks
    from connectors.tasks import pull_orders

    ran: list[str] = []

    def worker(func: str, *args, **kwargs) -> None:
        if func == "connectors.tasks.pull_orders":
            ran.append(pull_orders(*args))

    monkeypatch.setattr("django_q.tasks.async_task", worker)
    connection_register_webhooks(connection=hungary.shop, portal_url=live_server.url)
    placed = shoprenter.place_order(items=[("LUE-01", 1)], customer_id=None, email="webhook@example.hu")
    deadline = time.monotonic() + 10
    while not Order.objects.filter(shop=hungary.shop, number=placed["innerId"]).exists():
        assert time.monotonic() < deadline, f"no order after the webhook; deliveries: {shoprenter.deliveries}"
        time.sleep(0.05)
    while not shoprenter.deliveries:  # the shop notes the answer once the portal's reply reaches it
        assert time.monotonic() < deadline, "the shop never got the portal's answer"
        time.sleep(0.05)
    assert [status for _url, status in shoprenter.deliveries] == [202]
    assert ran == ["ok"]


def test_the_register_webhooks_action_queues_shops_that_can_and_names_those_that_cannot(
    hungary, admin_client, django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.PORTAL_URL = "https://portal.example.hu"
    queued: list[tuple] = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kwargs: queued.append(args))
    magento_shop = Connection.objects.create(name="Nettbutikk", role="shop", platform="magento", base_url="http://x/")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/connectors/connection/",
            {"action": "register_webhooks", "_selected_action": [hungary.shop.pk, magento_shop.pk]},
            follow=True,
        )
    assert queued == [("connectors.tasks.register_webhooks", hungary.shop.pk, "https://portal.example.hu")]
    text = response.content.decode()
    assert "Nettbutikk cannot send webhooks" in text


def test_the_webhook_secret_is_masked_in_access_logs():
    import logging

    from sync_portal.logfilters import MaskUrlSecrets

    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("POST /hooks/5/s3cr3t-T0ken_x/ HTTP/1.1", 202, 20),
        None,
    )
    assert MaskUrlSecrets().filter(record)
    assert record.getMessage() == '"POST /hooks/5/***/ HTTP/1.1" 202 20'
