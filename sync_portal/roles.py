"""The three staff roles and the least permissions each needs.

Applied by a data migration; call ``apply_roles`` again from a later
migration when new models or permissions appear.
"""

from __future__ import annotations

from typing import Any

VIEW_ALL = [
    "orders.view_order",
    "orders.view_orderline",
    "orders.view_orderaddress",
    "orders.view_orderdiscount",
    "customers.view_customer",
    "customers.view_customerconflict",
    "inventory.view_product",
    "inventory.view_stocklevel",
    "inventory.view_warehouse",
    "inventory.view_supplier",
    "inventory.view_productsupplier",
    "connectors.view_transfer",
    "connectors.view_transferattempt",
    "connectors.view_syncrun",
    "connectors.view_connection",
    "connectors.view_integration",
    "connectors.view_importproblem",
    "connectors.view_shopcode",
    "inventory.view_productalias",
    "orders.view_orderstatechange",
    "documents.view_invoice",
    "documents.view_invoiceline",
    "documents.view_shipment",
    "documents.view_shipmentline",
    "documents.view_creditnote",
    "documents.view_creditnoteline",
    "documents.view_numberseries",
    "inventory.view_purchaseorder",
    "inventory.view_purchaseorderline",
]

ROLES: dict[str, list[str]] = {
    # Sees every transfer, fixes product data and resends; no connection settings.
    "Back office": VIEW_ALL
    + [
        "connectors.resend_transfer",
        "inventory.change_product",
        "orders.change_order",
        # Invoices and ships orders, e-mails the documents (M2, M3, R3).
        "documents.add_invoice",
        "documents.add_shipment",
        "orders.cancel_order",
        # Keeps minimums and bins, records purchase orders and what was received (R5, R6).
        "inventory.change_stocklevel",
        "inventory.add_purchaseorder",
        "inventory.change_purchaseorder",
        "inventory.add_purchaseorderline",
        "inventory.change_purchaseorderline",
    ],
    # Decides customer conflicts and keeps customer cards right.
    "Accountant": VIEW_ALL
    + [
        "customers.change_customer",
        "customers.resolve_conflict",
        "connectors.resend_transfer",
        # Invoices, records payments, credits paid invoices, keeps the number series (M2, M4, R2).
        "documents.add_invoice",
        "documents.change_invoice",
        "documents.add_creditnote",
        "documents.change_numberseries",
        "documents.add_numberseries",
    ],
    # Sets up connections and their rules, runs cycles; does not edit orders.
    "Integrator": VIEW_ALL
    + [
        "connectors.add_connection",
        "connectors.change_connection",
        "connectors.add_integration",
        "connectors.change_integration",
        "connectors.sync_connection",
        "connectors.test_connection",
        "connectors.view_externalref",
        "connectors.view_synccursor",
        "connectors.resend_transfer",
        "inventory.add_warehouse",
        "inventory.change_warehouse",
    ],
}


def apply_roles(apps: Any, schema_editor: Any = None) -> None:
    """Create the groups and set their permissions to exactly ROLES."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations (post_migrate);
    # create them now so this migration can assign them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for group_name, codes in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=group_name)
        perms = []
        for code in codes:
            app_label, codename = code.split(".")
            # A permission of a model a later migration adds does not exist yet: that
            # migration calls apply_roles again.
            perm = permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
