from django.db import migrations

from sync_portal.roles import apply_roles


class Migration(migrations.Migration):
    """Every role sees the shops' codes and the products' former names."""

    dependencies = [
        ("sync_portal", "0004_roles_import_problems"),
        ("connectors", "0011_shop_codes"),
        ("inventory", "0003_product_alias"),
    ]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
