from django.db import migrations

from sync_portal.roles import apply_roles


class Migration(migrations.Migration):
    """Every role sees the import problems."""

    dependencies = [("sync_portal", "0003_roles_api_keys"), ("connectors", "0008_shared_bindings_cycle_lease")]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
