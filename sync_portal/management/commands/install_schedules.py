"""Install (or update) the django-q2 schedules listed in settings.SYNC_SCHEDULES."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django_q.models import Schedule


class Command(BaseCommand):
    help = "Create or update the portal's django-q2 schedules (idempotent)."

    def handle(self, *args, **options):
        for spec in settings.SYNC_SCHEDULES:
            schedule, created = Schedule.objects.update_or_create(
                name=spec["name"],
                defaults={
                    "func": spec["func"],
                    "schedule_type": Schedule.MINUTES,
                    "minutes": spec["minutes"],
                    "repeats": -1,
                },
            )
            if created and spec.get("offset_seconds"):
                # Runs this long after the others, every time (each run is one interval after the last).
                schedule.next_run = timezone.now() + dt.timedelta(seconds=spec["offset_seconds"])
                schedule.save(update_fields=["next_run"])
        if options["verbosity"]:
            self.stdout.write(f"{len(settings.SYNC_SCHEDULES)} schedule(s) installed.")
