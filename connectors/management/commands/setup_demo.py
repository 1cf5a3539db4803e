"""Configure the demo connections to the emulators started by ``make run``."""

from types import SimpleNamespace

from django.core.management.base import BaseCommand

from sync_portal.demo import (
    configure_demo,
    configure_demo_backoffice,
    configure_demo_poland,
    configure_demo_services,
    configure_demo_sweden,
)


class Command(BaseCommand):
    help = "Create/update the demo connections to the emulators on 127.0.0.1 (Magento, Visma.net, ShopRenter ...)."

    def add_arguments(self, parser):
        parser.add_argument("--magento-port", type=int, default=8102)
        parser.add_argument("--visma-port", type=int, default=8101)
        parser.add_argument("--erp", choices=["visma", "tryton"], default="visma")
        parser.add_argument("--tryton-port", type=int, default=8103)
        parser.add_argument("--bring-port", type=int, default=8104)
        parser.add_argument("--nets-port", type=int, default=8105)
        parser.add_argument("--shoprenter-port", type=int, default=8106)
        parser.add_argument("--specter-port", type=int, default=8107)
        parser.add_argument("--vendre-port", type=int, default=8108)
        parser.add_argument("--subiekt-port", type=int, default=8109)
        parser.add_argument("--magento-pl-port", type=int, default=8110)
        parser.add_argument("--portal-url", default="http://127.0.0.1:8000", help="where the shops reach the portal")

    def handle(
        self,
        *args,
        magento_port: int,
        visma_port: int,
        erp: str,
        tryton_port: int,
        bring_port: int,
        nets_port: int,
        shoprenter_port: int,
        specter_port: int,
        vendre_port: int,
        subiekt_port: int,
        magento_pl_port: int,
        portal_url: str,
        **options,
    ):
        visma_root = f"http://127.0.0.1:{visma_port}"
        magento = SimpleNamespace(
            base_url=f"http://127.0.0.1:{magento_port}/rest/default/V1/", token="demo-integration-token"
        )
        visma = SimpleNamespace(
            base_url=f"{visma_root}/v1/",
            token_url=f"{visma_root}/connect/token",
            credentials={"client_id": "demo-client", "client_secret": "demo-secret", "tenant_id": "demo-tenant"},
        )
        tryton_url = f"http://127.0.0.1:{tryton_port}/shop/" if erp == "tryton" else ""
        integration = configure_demo(magento=magento, visma=visma, tryton_url=tryton_url)
        configure_demo_services(
            bring_url=f"http://127.0.0.1:{bring_port}/booking/", nets_url=f"http://127.0.0.1:{nets_port}/"
        )
        self.stdout.write(f"Demo: {integration} (shop {magento.base_url}, ERP {integration.erp.base_url})")
        shoprenter_root = f"http://127.0.0.1:{shoprenter_port}"
        shoprenter = SimpleNamespace(
            base_url=f"{shoprenter_root}/api/",
            token_url=f"{shoprenter_root}/oauth/demoshop/app/token",
            client_id="sr-client",
            client_secret="sr-secret",
        )
        backoffice = configure_demo_backoffice(shoprenter=shoprenter, portal_url=portal_url)
        self.stdout.write(f"Demo: {backoffice} (shop {shoprenter.base_url}, webhooks to {portal_url})")
        sweden = configure_demo_sweden(
            vendre_url=f"http://127.0.0.1:{vendre_port}/",
            vendre_key="vendre-key",
            specter_url=f"http://127.0.0.1:{specter_port}/",
            specter={"sbm_id": "4711", "api_user_id": "webapi", "api_user_key": "user-key-123"},
        )
        self.stdout.write(f"Demo: {sweden} (Vendre on port {vendre_port}, Specter on port {specter_port})")
        poland = configure_demo_poland(
            magento_url=f"http://127.0.0.1:{magento_pl_port}/rest/default/V1/",
            magento_token="demo-integration-token",
            bridge_url=f"http://127.0.0.1:{subiekt_port}/",
            bridge_secret="demo-bridge-secret",
        )
        self.stdout.write(f"Demo: {poland} (Magento on port {magento_pl_port}, Subiekt bridge on port {subiekt_port})")
