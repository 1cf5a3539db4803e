from django.db import migrations

from sync_portal.roles import apply_roles


class Migration(migrations.Migration):
    """Integrators manage API keys."""

    dependencies = [("sync_portal", "0002_api_keys")]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
