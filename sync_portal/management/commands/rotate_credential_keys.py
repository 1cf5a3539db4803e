"""Re-encrypt every stored secret with the newest credential key."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from sync_portal.fields import EncryptedJSONField


class Command(BaseCommand):
    help = (
        "Re-encrypt all stored credentials with the first key of FIELD_ENCRYPTION_KEYS. Rotate a key by "
        "putting a new key first and keeping the old ones, running this command, then removing the old keys."
    )

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedJSONField)]
            if not fields:
                continue
            with transaction.atomic():
                # Loading decrypts with whichever listed key made the token; saving encrypts with the first.
                for row in model._default_manager.select_for_update().only("pk", *fields).order_by("pk"):
                    model._default_manager.filter(pk=row.pk).update(**{f: getattr(row, f) for f in fields})
                    total += 1
        self.stdout.write(f"{total} row(s) re-encrypted with the newest key.")
