"""End-to-end fixtures: platform emulators on 127.0.0.1, spoken to over real sockets."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from connectors.base import ConnectionSettings
from connectors.emulation import ForwardingProxy
from connectors.models import Connection, Integration
from connectors.platforms.magento.emulator import seed_demo as seed_magento_demo
from connectors.platforms.tryton.connector import TrytonConnector
from connectors.platforms.visma_net.emulator import VismaEmulator, seed_demo
from connectors.records import CustomerRecord


@pytest.fixture
def visma():
    emulator = VismaEmulator().start()
    seed_demo(emulator)
    for number in ("ITEM-1", "ITEM-2", "ITEM-3"):
        emulator.add_item(number, f"Item {number}", "100")
    yield emulator
    emulator.stop()


@pytest.fixture
def visma_world(world, visma):
    """The fake shop's orders go to the Visma.net emulator."""
    erp = world.erp
    erp.platform = "visma_net"
    erp.base_url = visma.base_url
    erp.parameters = {"token_url": visma.token_url, "read_timeout": 1}
    erp.credentials = visma.credentials
    erp.save()
    integration = world.integration
    integration.default_item_no = "ANNEN"
    integration.shipping_item_no = "FRAKT"
    integration.default_customer_no = "WEB"
    integration.payment_method_map = {"klarna": "KLARNA"}
    integration.shipping_method_map = {"flatrate": "POST"}
    integration.save()
    world.visma = visma
    return world


@pytest.fixture
def magento():
    from connectors.platforms.magento.emulator import MagentoEmulator

    emulator = MagentoEmulator().start()
    yield emulator
    emulator.stop()


@pytest.fixture
def demo(db, magento, visma):
    """Magento emulator -> engine -> Visma.net emulator, configured like the demo."""
    from connectors.platforms.magento.emulator import seed_demo as seed_magento
    from sync_portal.demo import configure_demo

    customers = seed_magento(magento)
    integration = configure_demo(magento=magento, visma=visma)
    integration.customers = customers
    return integration


@pytest.fixture(scope="session")
def tryton_server(tmp_path_factory):
    """A real Tryton 8.2 server, built once per test run (REAL_PEERS.md §1)."""
    from sync_portal.peers import tryton

    server = tryton.start(tmp_path_factory.mktemp("tryton"))
    yield server
    server.stop()


# --- a real Tryton ------------------------------------------------------------------

CATALOGUE = {"LUE-01": "199", "GENSER-BLA": "640", "BOK-01": "299", "ANNEN": "0", "FRAKT": "79"}
_parties = itertools.count(1)


def rpc(server) -> TrytonConnector:
    return TrytonConnector(
        ConnectionSettings(name="t", base_url=server.base_url, credentials={"login": "admin", "password": "admin"})
    )


@pytest.fixture(scope="session")
def tryton(tryton_server):
    """The server with the shop's products (idempotent: the database lives for the whole run)."""
    client = rpc(tryton_server).client
    ids = tryton_server.ids
    for code, price in CATALOGUE.items():
        if client.call("product.product", "search", [("code", "=", code)], 0, 1, None):
            continue
        client.call(
            "product.template",
            "create",
            [
                {
                    "name": code,
                    "code": code,
                    "type": "goods" if code != "FRAKT" else "service",
                    "default_uom": ids["unit"],
                    "sale_uom": ids["unit"],
                    "salable": True,
                    "list_price": Decimal(price),
                    "account_category": ids["account_category"],
                    "products": [["create", [{"suffix_code": ""}]]],
                }
            ],
            writes=True,
        )
    return tryton_server


@pytest.fixture
def flow(db, tryton, magento):
    """Demo-like shop -> Tryton integration; Magento SKUs are not Tryton codes by assumption."""
    customers = seed_magento_demo(magento)
    # The Tryton database lives for the whole run: shop order numbers must not repeat across tests.
    magento.state.next_increment = 200_000_000 + 1000 * next(_parties)
    connector = rpc(tryton)
    party_code = connector.create_customer(
        CustomerRecord(first_name="Åse", last_name=f"Ødegård {next(_parties)}", email="ase@example.no")
    )
    magento.state.customers[customers["registered_with_erp"]]["custom_attributes"] = [
        {"attribute_code": "erp_customer_no", "value": party_code}
    ]
    proxy = ForwardingProxy(tryton.base_url.rsplit("/", 2)[0]).start()
    shop = Connection.objects.create(
        name="Magento",
        role="shop",
        platform="magento",
        base_url=magento.base_url,
        parameters={"sku_is_item_number": False},
        credentials={"token": magento.token},
    )
    erp = Connection.objects.create(
        name="Tryton",
        role="erp",
        platform="tryton",
        base_url=f"{proxy.root}/shop/",
        parameters={"workflow": "confirm", "payment_term": tryton.ids["payment_term"]},
        credentials={"login": "admin", "password": "admin"},
    )
    integration = Integration.objects.create(
        shop=shop,
        erp=erp,
        transfer_statuses=["processing"],
        default_item_no="ANNEN",
        shipping_item_no="FRAKT",
        default_customer_no="",
        payment_method_map={"klarna_kp": "KLARNA"},
        shipping_method_map={"flatrate_flatrate": "POST"},
        vat_map={"25": "VAT 25%", "15": "VAT 15%", "0": "VAT 0%"},
        warehouse_code="WH",
    )
    integration.customers = customers
    integration.party_code = party_code
    integration.proxy = proxy
    integration.tryton = connector
    integration.tryton_ids = tryton.ids
    yield integration
    proxy.stop()


@pytest.fixture
def shoprenter():
    from connectors.platforms.shoprenter.emulator import ShopRenterEmulator, seed_demo

    emulator = ShopRenterEmulator().start()
    seed_demo(emulator)
    yield emulator
    emulator.stop()


def shoprenter_shop(emulator, name: str = "ShopRenter") -> Connection:
    return Connection.objects.create(
        name=name,
        role="shop",
        platform="shoprenter",
        base_url=emulator.base_url,
        parameters={"token_url": emulator.token_url, "stock_slots": {"MAIN": "stock1", "GYR": "stock2"}},
        credentials={"client_id": emulator.client_id, "client_secret": emulator.client_secret},
    )
