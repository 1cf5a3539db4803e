"""The demo set-up: a Magento shop and a Visma.net ERP (both emulators) joined by
one Integration, configured the way a real user would (README "Demo")."""

from __future__ import annotations

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
