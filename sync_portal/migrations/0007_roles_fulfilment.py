from django.db import migrations

from sync_portal.roles import apply_roles


class Migration(migrations.Migration):
    """Everyone sees purchase orders; back office keeps minimums, bins and purchase orders."""

    dependencies = [
        ("sync_portal", "0006_roles_documents"),
        ("inventory", "0005_computed_reserved_purchase_orders"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
