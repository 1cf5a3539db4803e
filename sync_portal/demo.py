"""The demo set-up, configured the way a real user would (README "Demo"): a Magento shop and a
Visma.net ERP (both emulators) joined by one Integration; a carrier and a payment provider; a
ShopRenter shop whose back office is the portal itself."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.models import Connection, Integration, Role


def configure_demo(*, magento: Any, visma: Any = None, tryton_url: str = "") -> Integration:
    """Create or update the demo connections and their rules. Idempotent.

    The ERP is the Visma.net emulator, or a real Tryton server when ``tryton_url`` is given.
    """
    shop, _ = Connection.objects.update_or_create(
        name="Demo Magento shop",
        defaults={
            "role": Role.SHOP,
            "platform": "magento",
            "base_url": magento.base_url,
            "parameters": {"stock_api": "legacy", "erp_number_attribute": "erp_customer_no"},
            "sync_interval": 1,
            # Klarna orders arrive authorised (Processing); check/money order waits for payment (Pending).
            "authorised_payment_methods": ["klarna_kp"],
            "document_header": "Demo Nordlys Sport AS\nStorgata 1, 0155 Oslo\nOrg.nr. 923 609 016 MVA\n"
            "Bank 1234.56.78903",
        },
    )
    shop.credentials = {"token": magento.token}
    shop.save()
    if tryton_url:
        erp, _ = Connection.objects.update_or_create(
            name="Demo Tryton ERP",
            defaults={
                "role": Role.ERP,
                "platform": "tryton",
                "base_url": tryton_url,
                "parameters": {"workflow": "confirm"},
                "sync_interval": 1,
            },
        )
        erp.credentials = {"login": "admin", "password": "admin"}
        vat_map = {"25": "VAT 25%", "15": "VAT 15%", "0": "VAT 0%"}
        warehouse = "WH"
    else:
        erp, _ = Connection.objects.update_or_create(
            name="Demo Visma.net ERP",
            defaults={
                "role": Role.ERP,
                "platform": "visma_net",
                "base_url": visma.base_url,
                "parameters": {"token_url": visma.token_url, "read_timeout": 10},
                "sync_interval": 1,
            },
        )
        erp.credentials = visma.credentials
        vat_map = {"25": "HIGH", "15": "MED", "12": "LOW", "0": "ZERO"}
        warehouse = "MAIN"
    erp.save()
    integration, _ = Integration.objects.update_or_create(
        shop=shop,
        defaults={
            "erp": erp,
            "transfer_statuses": ["processing"],
            # No default item: a product unknown to Visma fails with a hint (V5).
            "default_item_no": "",
            "shipping_item_no": "FRAKT",
            "discount_item_no": "RABATT",
            "rounding_item_no": "AVRUNDING",
            "default_customer_no": "WEB",
            "service_item_map": {"Gaveinnpakning": "GAVE"},
            "policy_no_similar": "ask",
            "policy_one_similar": "ask",
            "guest_policy": "regular",
            "payment_method_map": {"klarna_kp": "KLARNA", "checkmo": "FAKTURA"},
            "shipping_method_map": {"flatrate_flatrate": "POST"},
            "vat_map": vat_map,
            "status_map": {"Shipping": "processing", "Completed": "complete", "Invoiced": "complete"},
            "warehouse_code": warehouse,
        },
    )
    return integration


def configure_demo_services(*, bring_url: str, nets_url: str) -> None:
    """The demo carrier (Bring emulator, for the shop's flat rate) and payment provider (Nexi
    Checkout emulator, refunding Klarna-paid orders online). Idempotent."""
    bring, _ = Connection.objects.update_or_create(
        name="Demo Bring",
        defaults={
            "role": Role.CARRIER,
            "platform": "bring",
            "base_url": bring_url,
            "parameters": {
                "shipping_methods": ["flatrate_flatrate"],
                "product_id": "5800",
                "customer_number": "PARCELS_NORWAY-00012341234",
                "test": True,
                "sender": {"name": "Demo Nordlys Sport AS", "street": "Storgata 1", "postcode": "0155", "city": "Oslo"},
            },
        },
    )
    bring.credentials = {"uid": "shop@example.no", "api_key": "bring-demo-key"}
    bring.save()
    nets, _ = Connection.objects.update_or_create(
        name="Demo Nexi Checkout",
        defaults={
            "role": Role.PAYMENT,
            "platform": "nets_easy",
            "base_url": nets_url,
            "parameters": {"payment_methods": ["klarna_kp"]},
        },
    )
    nets.credentials = {"secret_key": "live-secret-key-demo"}
    nets.save()


def configure_demo_backoffice(*, shoprenter: Any, portal_url: str) -> Integration:
    """The demo ShopRenter shop with the portal as its back office (no ERP outside the portal):
    catalogue pulled, the portal's stock counted from the shop's at first set-up, webhooks sent to
    ``portal_url``. Idempotent."""
    from connectors.flows.catalogue import shop_pull_products
    from connectors.flows.cycles import connection_register_webhooks
    from inventory.models import Product, StockLevel, Warehouse

    shop, _ = Connection.objects.update_or_create(
        name="Demo ShopRenter shop",
        defaults={
            "role": Role.SHOP,
            "platform": "shoprenter",
            "base_url": shoprenter.base_url,
            "parameters": {"token_url": shoprenter.token_url, "stock_slots": {"BUD": "stock1"}},
            "sync_interval": 5,  # R1: every 5 minutes; the webhooks bring orders at once
            "document_header": "Demo Kötöde Kft.\nFő utca 1, 9021 Győr\nAdószám: 12345678-2-08",
        },
    )
    shop.replace_credentials({"client_id": shoprenter.client_id, "client_secret": shoprenter.client_secret})
    shop.save()
    back_office, _ = Connection.objects.update_or_create(
        name="Demo back office (the portal)",
        defaults={"role": Role.ERP, "platform": "portal", "base_url": portal_url, "sync_interval": 1},
    )
    integration, _ = Integration.objects.update_or_create(
        shop=shop,
        defaults={
            "erp": back_office,
            "transfer_statuses": ["Függőben"],
            "numbering_series": "SR-",
            "warehouse_code": "BUD",
            "policy_no_similar": "add_new",
            "policy_one_similar": "merge",
            "status_map": {"processing": "Feldolgozás alatt", "complete": "Teljesítve", "canceled": "Törölve"},
        },
    )
    shop_pull_products(connection=shop)
    # A first stocktake in the portal's warehouse (kept on restarts): saved like a person would,
    # so each figure is queued for the shop and replaces the shop's own.
    warehouse = Warehouse.objects.get_or_create(code="BUD", defaults={"name": "Budapest"})[0]
    for product in Product.objects.filter(shop=shop, is_service=False).exclude(stock_levels__warehouse=warehouse):
        StockLevel.objects.create(product=product, warehouse=warehouse, physical=Decimal(12))
    connection_register_webhooks(connection=shop, portal_url=portal_url)
    return integration


def configure_demo_sweden(
    *, vendre_url: str, vendre_key: str, specter_url: str, specter: dict[str, str]
) -> Integration:
    """The demo Vendre shop and Specter ERP (seed 001), both emulators: orders with their customer and
    products first, stock, article changes and statuses back. Idempotent."""
    shop = _demo_connection(
        "Demo Vendre shop",
        credentials={"api_key": vendre_key},
        role=Role.SHOP, platform="vendre", base_url=vendre_url, sync_interval=5,
    )  # fmt: skip
    erp = _demo_connection(
        "Demo Specter",
        credentials={k: v for k, v in specter.items() if k != "sbm_id"},
        role=Role.ERP, platform="specter", base_url=specter_url, parameters={"sbm_id": specter["sbm_id"]},
        sync_interval=5,
    )  # fmt: skip
    integration, _ = Integration.objects.update_or_create(
        shop=shop,
        defaults={
            "erp": erp,
            "transfer_statuses": ["new"],
            "shipping_item_no": "FRAKT",
            "discount_item_no": "RABATT",
            "rounding_item_no": "AVRUNDNING",
            "payment_method_map": {"klarna_checkout": "KG"},
            "shipping_method_map": {"postnord": "PN"},
            "vat_map": {"25": "25", "12": "12", "6": "6", "0": "0"},
            "status_map": {"delivered": "completed", "deleted": "cancelled"},
            "policy_no_similar": "add_new",
            "warehouse_code": "MAIN",
            "products_to_erp": True,
            "products_to_shop": True,
            "customers_to_erp": True,
        },
    )
    return integration


def configure_demo_poland(*, magento_url: str, magento_token: str, bridge_url: str, bridge_secret: str) -> Integration:
    """The Polish demo (seed 002): a Magento shop in PLN and InsERT Subiekt through its bridge (the
    bridge emulator, Koda Plus contract 1.1.0). A new company is added, one similar to a known one
    is asked about, guests without a NIP go to the retail buyer. Idempotent."""
    shop = _demo_connection(
        "Demo Magento shop (PL)",
        credentials={"token": magento_token},
        role=Role.SHOP, platform="magento", base_url=magento_url, parameters={"stock_api": "legacy"}, sync_interval=5,
    )  # fmt: skip
    erp = _demo_connection(
        "Demo Subiekt (bridge)",
        credentials={"secret": bridge_secret},
        role=Role.ERP, platform="subiekt", base_url=bridge_url, sync_interval=5,
        parameters={"price_level": "DETAL", "stock_events": True},
    )  # fmt: skip
    integration, _ = Integration.objects.update_or_create(
        shop=shop,
        defaults={
            "erp": erp,
            "transfer_statuses": ["processing"],
            "payment_method_map": {"klarna_kp": "card", "checkmo": "transfer:14", "cashondelivery": "cash"},
            "policy_no_similar": "add_new",
            "policy_one_similar": "ask",
            "guest_policy": "regular",
            "status_map": {"WZ": "complete", "canceled": "canceled"},
            "warehouse_code": "MAG",
        },
    )
    return integration


def _demo_connection(name: str, *, credentials: dict[str, str], **fields: Any) -> Connection:
    """Create or update one demo connection by name, its credentials encrypted as usual."""
    connection, _ = Connection.objects.update_or_create(name=name, defaults=fields)
    connection.replace_credentials(credentials)
    connection.save()
    return connection
