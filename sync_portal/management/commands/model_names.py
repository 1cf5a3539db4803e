"""Write sync_portal/model_names.py: the model and field names the catalogues must carry."""

from pathlib import Path

from django.core.management.base import BaseCommand

from sync_portal.names import names_module


class Command(BaseCommand):
    help = "List our model and field names for translation (then run scripts/catalogues.sh)."

    def handle(self, *args, **options):
        target = Path(__file__).resolve().parents[2] / "model_names.py"
        target.write_text(names_module())
        self.stdout.write(f"Wrote {target}.")
