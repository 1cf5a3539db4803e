"""Magento emulator -> engine -> a real Tryton 8.2 server on loopback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from connectors.emulation import Fault
from connectors.flows.cycles import connection_cycle
from connectors.flows.orders_in import shop_pull_orders
from connectors.models import SyncRun, Transfer, TransferState
from connectors.platforms.tryton.connector import TrytonConnector
from orders.models import Order
from tests.engine import order_transfer, process_due

pytestmark = pytest.mark.django_db


def sales_with_reference(connector: TrytonConnector, reference: str) -> list[dict]:
    return connector.client.call(
        "sale.sale",
        "search_read",
        [("reference", "=", reference)],
        0,
        None,
        None,
        ["number", "state", "total_amount", "party", "lines"],
    )


def test_magento_order_becomes_a_confirmed_tryton_sale_with_party_lines_and_total(flow, magento):
    placed = magento.place_order(
        items=[("LUE-01", 2), ("BOK-01", 1)], customer_id=flow.customers["registered_with_erp"]
    )
    shop_pull_orders(connection=flow.shop)
    process_due()
    [sale] = sales_with_reference(flow.tryton, placed["increment_id"])
    assert sale["state"] in ("confirmed", "processing")
    assert sale["total_amount"] == Decimal(str(placed["grand_total"]))
    [party] = flow.tryton.client.call("party.party", "read", [sale["party"]], ["code"])
    assert party["code"] == flow.party_code
    lines = flow.tryton.client.call("sale.line", "read", sale["lines"], ["product.code", "quantity", "unit_price"])
    assert sorted((li["product."]["code"], li["quantity"], li["unit_price"]) for li in lines) == [
        ("BOK-01", 1.0, Decimal("299")),
        ("FRAKT", 1.0, Decimal("79")),
        ("LUE-01", 2.0, Decimal("199")),
    ]
    assert Order.objects.get(number=placed["increment_id"]).erp_order_no == sale["number"]


def test_a_repeat_after_a_lost_answer_makes_no_second_sale(flow, magento):
    flow.proxy.inject(Fault("drop_after_store", path="/rpc/", body="sale.sale.create"))
    placed = magento.place_order(items=[("LUE-01", 1)], customer_id=flow.customers["registered_with_erp"])
    shop_pull_orders(connection=flow.shop)
    process_due()
    transfer = order_transfer(placed["increment_id"])
    assert transfer.state == TransferState.UNKNOWN
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=timezone.now())
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    [sale] = sales_with_reference(flow.tryton, placed["increment_id"])
    assert sale["state"] in ("confirmed", "processing")  # the lookup finished its workflow
    assert transfer.remote_id == sale["number"]


def test_a_product_missing_in_tryton_falls_back_to_the_default_item(flow, magento):
    placed = magento.place_order(items=[("NY-VARE-9", 1)], customer_id=flow.customers["registered_with_erp"])
    shop_pull_orders(connection=flow.shop)
    process_due()
    [sale] = sales_with_reference(flow.tryton, placed["increment_id"])
    lines = flow.tryton.client.call("sale.line", "read", sale["lines"], ["product.code"])
    assert sorted(li["product."]["code"] for li in lines) == ["ANNEN", "FRAKT"]


def test_without_a_default_item_a_missing_product_needs_attention_with_a_hint(flow, magento):
    flow.default_item_no = ""
    flow.save()
    placed = magento.place_order(items=[("NY-VARE-9", 1)], customer_id=flow.customers["registered_with_erp"])
    shop_pull_orders(connection=flow.shop)
    process_due()
    transfer = order_transfer(placed["increment_id"])
    assert transfer.state == TransferState.NEEDS_ATTENTION
    assert "NY-VARE-9" in transfer.last_error and "default item" in transfer.last_hint
    assert sales_with_reference(flow.tryton, placed["increment_id"]) == []


def test_stock_changed_in_tryton_reaches_the_shop(flow, magento, tryton):
    connection_cycle(connection=flow.shop)  # products mirrored
    client = flow.tryton.client
    [product] = client.call(
        "product.product",
        "search_read",
        [("code", "=", "LUE-01")],
        0,
        1,
        None,
        ["id", "default_uom", "quantity"],
        context={"locations": client.call("stock.location", "search", [("code", "=", "WH")], 0, 1, None)},
    )
    supplier = client.call("stock.location", "search", [("type", "=", "supplier")], 0, 1, None)[0]
    storage = client.call("stock.location", "search", [("code", "=", "STO")], 0, 1, None)[0]
    [move] = client.call(
        "stock.move",
        "create",
        [
            {
                "product": product["id"],
                "unit": product["default_uom"],
                "quantity": 5.0,
                "from_location": supplier,
                "to_location": storage,
                "unit_price": Decimal("50"),
                "currency": 1,
                "company": tryton.ids["company"],
                "effective_date": dt.date.today(),
            }
        ],
        writes=True,
    )
    client.call("stock.move", "do", [move], writes=True)
    expected = Decimal(str(product["quantity"])) + 5

    connection_cycle(connection=flow.erp)
    process_due()
    assert magento.stock_of("LUE-01") == expected

    # The next cycle reads the products of the moves written since the last one, not the catalogue.
    [again] = client.call("stock.move", "copy", [move], writes=True)
    client.call("stock.move", "do", [again], writes=True)
    SyncRun.objects.filter(connection=flow.erp).delete()
    connection_cycle(connection=flow.erp)
    process_due()
    run = SyncRun.objects.get(connection=flow.erp, kind="stock")
    assert run.stats["total"] == 1 and magento.stock_of("LUE-01") == expected + 5


def test_s11_tryton_sale_state_is_mapped_to_the_shop_status(flow, magento):
    flow.status_map = {"processing": "complete", "confirmed": "complete"}
    flow.save()
    placed = magento.place_order(items=[("LUE-01", 1)], customer_id=flow.customers["registered_with_erp"])
    shop_pull_orders(connection=flow.shop)
    process_due()
    connection_cycle(connection=flow.erp)
    process_due()
    order = Order.objects.get(number=placed["increment_id"])
    assert order.erp_status in ("processing", "confirmed")
    assert magento.state.orders[placed["entity_id"]]["status"] == "complete"
    assert magento.state.orders[placed["entity_id"]]["status_histories"][-1]["is_customer_notified"] == 0


def test_r7_a_list_price_changed_in_tryton_reaches_the_shop(flow, magento):
    connection_cycle(connection=flow.shop)
    client = flow.tryton.client
    [template] = client.call("product.template", "search", [("code", "=", "VOTTER-01")], 0, 1, None) or [None]
    if template is None:
        [template] = client.call(
            "product.template",
            "create",
            [
                {
                    "name": "Votter",
                    "code": "VOTTER-01",
                    "type": "goods",
                    "default_uom": flow.tryton_ids["unit"],
                    "sale_uom": flow.tryton_ids["unit"],
                    "salable": True,
                    "list_price": Decimal("159"),
                    "account_category": flow.tryton_ids["account_category"],
                    "products": [["create", [{"suffix_code": ""}]]],
                }
            ],
            writes=True,
        )
    connection_cycle(connection=flow.erp)
    process_due()
    client.call("product.template", "write", [template], {"list_price": Decimal("149.50")}, writes=True)
    connection_cycle(connection=flow.erp)
    process_due()
    from connectors.models import SyncRun

    runs = list(SyncRun.objects.filter(connection=flow.erp).values_list("kind", "status", "stats", "error"))
    assert magento.state.products["VOTTER-01"].price == Decimal("149.50"), runs


# --- the catalogue (S1, S4) ------------------------------------------------------------


def _tryton_product(flow, code: str) -> dict | None:
    rows = flow.tryton.client.call(
        "product.product",
        "search_read",
        [("code", "=", code)],
        0,
        1,
        None,
        ["code", "cost_price", "template.name", "template.list_price", "template.type"],
        context={"active_test": False},
    )
    return rows[0] if rows else None


@pytest.fixture
def catalogue_flow(flow):
    flow.products_to_erp = True
    flow.save()
    flow.erp.parameters = {**flow.erp.parameters, "account_category": flow.tryton_ids["account_category"]}
    flow.erp.save()
    return flow


def _new_magento_product(magento, sku: str, *, cost: str = "80") -> None:
    product = magento.add_product(sku, f"Produkt {sku}", "250", qty=2)
    product.cost = Decimal(cost)


def test_s4_a_product_created_in_magento_appears_in_tryton_with_name_price_and_purchase_price(catalogue_flow, magento):
    sku = f"TRY-{catalogue_flow.pk}-A"
    _new_magento_product(magento, sku)
    connection_cycle(connection=catalogue_flow.shop)
    process_due()
    row = _tryton_product(catalogue_flow, sku)
    assert row is not None
    assert (row["template."]["name"], row["template."]["list_price"]) == (f"Produkt {sku}", Decimal("250"))
    assert row["cost_price"] == Decimal("80")  # the ERP keeps no suppliers: the shop's purchase price goes


def test_s4_no_purchase_price_goes_to_an_erp_that_keeps_suppliers(catalogue_flow, magento):
    catalogue_flow.erp_keeps_suppliers = True
    catalogue_flow.save()
    sku = f"TRY-{catalogue_flow.pk}-B"
    _new_magento_product(magento, sku, cost="95")
    connection_cycle(connection=catalogue_flow.shop)
    process_due()
    assert _tryton_product(catalogue_flow, sku)["cost_price"] == Decimal("0")


def test_s1_a_renamed_magento_sku_renames_the_tryton_product_by_its_binding(catalogue_flow, magento):
    from connectors.platforms.magento.emulator import _now

    sku = f"TRY-{catalogue_flow.pk}-C"
    _new_magento_product(magento, sku)
    connection_cycle(connection=catalogue_flow.shop)
    process_due()
    product = magento.state.products.pop(sku)
    product.sku, product.updated_at = sku + "-NY", _now()
    magento.state.products[product.sku] = product
    connection_cycle(connection=catalogue_flow.shop)
    process_due()
    assert _tryton_product(catalogue_flow, sku) is None
    assert _tryton_product(catalogue_flow, sku + "-NY")["template."]["name"] == f"Produkt {sku}"


def test_a_tryton_product_create_whose_answer_was_lost_makes_exactly_one_product(catalogue_flow, magento):
    from connectors.models import TransferKind
    from inventory.models import Product

    sku = f"TRY-{catalogue_flow.pk}-D"
    _new_magento_product(magento, sku)
    catalogue_flow.proxy.inject(
        Fault("timeout_after_store", path="/rpc/", body="model.product.template.create", delay=3)
    )
    catalogue_flow.erp.parameters = {**catalogue_flow.erp.parameters, "read_timeout": 1.5}
    catalogue_flow.erp.save()
    connection_cycle(connection=catalogue_flow.shop)
    process_due()
    product = Product.objects.get(sku=sku)
    transfer = Transfer.objects.get(kind=TransferKind.PRODUCT, object_id=product.pk, connection=catalogue_flow.erp)
    assert transfer.state == TransferState.UNKNOWN
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=timezone.now())
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    rows = catalogue_flow.tryton.client.call(
        "product.product", "search", [("code", "=", sku)], 0, None, None, context={"active_test": False}
    )
    assert len(rows) == 1


def test_a_tryton_party_create_whose_answer_was_lost_makes_exactly_one_party(flow, magento):
    from connectors.models import TransferKind
    from customers.models import Customer

    flow.customers_to_erp = True
    flow.save()
    flow.erp.parameters = {**flow.erp.parameters, "read_timeout": 1.5}
    flow.erp.save()
    email = f"party-{flow.pk}@example.no"
    flow.proxy.inject(Fault("timeout_after_store", path="/rpc/", body=r"party\.party\.create.*Nils Tapt", delay=3))
    magento.add_customer("Nils", "Tapt", email)
    connection_cycle(connection=flow.shop)
    process_due()
    customer = Customer.objects.get(email=email)
    transfer = Transfer.objects.get(kind=TransferKind.CUSTOMER, object_id=customer.pk, connection=flow.erp)
    assert (transfer.state, transfer.needs_lookup) == (TransferState.UNKNOWN, True)
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=timezone.now())
    process_due()
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT
    parties = flow.tryton.client.call(
        "party.party", "search", [("contact_mechanisms.value", "=", email)], 0, None, None
    )
    assert len(parties) == 1


# --- shipments made in Tryton (M3) ------------------------------------------------------


def _ship_in_tryton(flow, reference: str, tracking: str) -> int:
    """Complete the sale's customer shipment in Tryton as a warehouse would: assign, pick, pack, done."""
    client = flow.tryton.client
    [sale] = client.call("sale.sale", "search_read", [("reference", "=", reference)], 0, 1, None, ["shipments"])
    [shipment_id] = sale["shipments"]
    client.call("stock.shipment.out", "write", [shipment_id], {"reference": tracking}, writes=True)
    for button in ("assign_force", "pick", "pack", "do"):
        client.call("stock.shipment.out", button, [shipment_id], writes=True)
    return shipment_id


def test_m3_a_shipment_done_in_tryton_with_tracking_becomes_a_magento_shipment_once(flow, magento):
    from connectors.flows.documents import erp_pull_shipments
    from documents.models import Shipment

    flow.documents_source = "erp"
    flow.save()
    placed = magento.place_order(
        items=[("LUE-01", 2), ("BOK-01", 1)], customer_id=flow.customers["registered_with_erp"]
    )
    shop_pull_orders(connection=flow.shop)
    process_due()
    tryton_id = _ship_in_tryton(flow, placed["increment_id"], "70712345678")
    connection_cycle(connection=flow.erp)  # reads the done shipment
    process_due()  # records it in Magento
    erp_pull_shipments(connection=flow.erp)  # a re-read makes nothing twice
    process_due()
    order = Order.objects.get(number=placed["increment_id"])
    [shipment] = Shipment.objects.filter(order=order)
    assert shipment.tracking_number == "70712345678"
    assert sorted((li.order_line.sku, li.quantity) for li in shipment.lines.all()) == [
        ("BOK-01", Decimal("1.000")),
        ("LUE-01", Decimal("2.000")),
    ]
    [made] = [d for d in magento.state.shipments.values() if d["order_id"] == placed["entity_id"]]
    assert made["tracks"][0]["track_number"] == "70712345678"
    assert {i["sku"]: i["qty"] for i in made["items"]} == {"LUE-01": 2.0, "BOK-01": 1.0}
    assert str(tryton_id) in {ref.external_id for ref in shipment_refs(flow.erp)}


def shipment_refs(erp):
    from connectors.bindings import ct
    from connectors.models import ExternalRef
    from documents.models import Shipment

    return ExternalRef.objects.filter(connection=erp, content_type=ct(Shipment))


def _post_confirming_warnings(client, invoice_ids: list[int]) -> None:
    """Post as a clerk would: Tryton asks (a UserWarning: the test products' taxes differ from
    their defaults); the clerk confirms once, as the client does, by a res.user.warning record."""
    import re

    from connectors.exceptions import PermanentError

    try:
        client.call("account.invoice", "post", invoice_ids, writes=True)
    except PermanentError as exc:
        key = re.search(r"UserWarning: (\S+)", str(exc))
        assert key, exc
        [uid] = client.call("res.user", "search", [("login", "=", "admin")], 0, 1, None)
        client.call("res.user.warning", "create", [{"user": uid, "name": key.group(1), "always": False}], writes=True)
        client.call("account.invoice", "post", invoice_ids, writes=True)


def test_m2_an_invoice_posted_in_tryton_becomes_the_order_s_invoice_and_a_magento_invoice_once(flow, magento):
    from connectors.flows.documents import erp_pull_invoices
    from documents.models import Invoice

    flow.documents_source = "erp"
    flow.save()
    placed = magento.place_order(items=[("LUE-01", 2)], customer_id=flow.customers["registered_with_erp"])
    shop_pull_orders(connection=flow.shop)
    process_due()
    client = flow.tryton.client
    [sale] = client.call(
        "sale.sale", "search_read", [("reference", "=", placed["increment_id"])], 0, 1, None, ["invoices"]
    )
    _post_confirming_warnings(client, sale["invoices"])
    [posted] = client.call("account.invoice", "read", sale["invoices"], ["number", "state"])
    assert posted["state"] == "posted"
    connection_cycle(connection=flow.erp)
    process_due()
    erp_pull_invoices(connection=flow.erp)  # a re-read makes nothing twice
    process_due()
    order = Order.objects.get(number=placed["increment_id"])
    [invoice] = Invoice.objects.filter(order=order)
    assert invoice.number == posted["number"]
    assert [(li.sku, li.quantity) for li in invoice.lines.exclude(order_line=None)] == [("LUE-01", Decimal("2.000"))]
    [made] = [d for d in magento.state.invoices.values() if d["order_id"] == placed["entity_id"]]
    assert made["comments"][0]["comment"] == f"Sync Portal {posted['number']}"
