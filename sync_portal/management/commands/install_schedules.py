"""Install (or update) the django-q2 schedules listed in settings.SYNC_SCHEDULES."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django_q.models import Schedule


class Command(BaseCommand):
    help = "Create or update the portal's django-q2 schedules (idempotent)."

    def handle(self, *args, **options):
        for spec in settings.SYNC_SCHEDULES:
            Schedule.objects.update_or_create(
                name=spec["name"],
                defaults={
                    "func": spec["func"],
                    "schedule_type": Schedule.MINUTES,
                    "minutes": spec["minutes"],
                    "repeats": -1,
                },
            )
        self.stdout.write(f"{len(settings.SYNC_SCHEDULES)} schedule(s) installed.")
