"""End-to-end fixtures: platform emulators on 127.0.0.1, spoken to over real sockets."""

from __future__ import annotations

import pytest

from connectors.platforms.visma_net.emulator import VismaEmulator, seed_demo


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
