"""Create the demo admin user and print how to log in; the password is kept across restarts."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the 'admin' superuser with a random password and print it. On later runs the same "
        "password is printed again (kept in var/admin-password, readable by its owner only); a password "
        "changed in the admin is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, username: str, base_url: str, **options):
        user_model = get_user_model()
        kept = Path(settings.BASE_DIR) / "var" / "admin-password"
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        password = kept.read_text().strip() if kept.exists() else ""
        if password and not created and not user.check_password(password):
            self.stdout.write(
                self.style.SUCCESS(f"\n  Admin: {base_url}/admin/\n  user: {username}\n  password: the one you set\n")
            )
            return
        if created or not password:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.touch(mode=0o600)
            kept.write_text(password + "\n")
        user.is_staff = user.is_superuser = True
        user.save()
        self.stdout.write(
            self.style.SUCCESS(f"\n  Admin: {base_url}/admin/\n  user: {username}\n  password: {password}\n")
        )
