from django.db import migrations

from sync_portal.roles import apply_roles


class Migration(migrations.Migration):
    """Back office invoices and ships; accountants invoice, record payments, credit and keep the number series."""

    dependencies = [
        ("sync_portal", "0005_roles_shop_codes"),
        ("documents", "0001_initial"),
        ("orders", "0008_cancel_permission"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
