"""Health checks for monitors and load balancers (django-health-check): ``/health/``.

Beside the database: the task broker answers, and a ``qcluster`` is alive — the
minute's schedule ran lately. Messages say what is wrong, never a secret.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

TICK = "sync-portal-tick"


@dataclasses.dataclass
class Broker(HealthCheck):
    """The django-q2 broker takes and holds tasks (the ORM queue table, or Redis)."""

    def run(self) -> None:
        from django_q.brokers import get_broker

        try:
            broker = get_broker()
            if not broker.ping():
                raise ServiceUnavailable("The task broker does not answer.")
        except ServiceUnavailable:
            raise
        except Exception as exc:  # any driver error means the same to a monitor
            raise ServiceUnavailable(f"The task broker does not answer ({type(exc).__name__}).") from exc


@dataclasses.dataclass
class Cluster(HealthCheck):
    """A ``qcluster`` runs: the minute's schedule is not overdue by more than ``grace``."""

    grace: dt.timedelta = dataclasses.field(default=dt.timedelta(minutes=3))

    def run(self) -> None:
        from django_q.models import Schedule

        tick = Schedule.objects.filter(name=TICK).values_list("next_run", flat=True).first()
        if tick is None:
            raise ServiceUnavailable("The schedule is not installed (manage.py install_schedules).")
        overdue = timezone.now() - tick
        if overdue > self.grace:
            minutes = int(overdue.total_seconds() // 60)
            raise ServiceUnavailable(f"No qcluster has run the schedule for {minutes} minutes.")


CHECKS = [
    "health_check.checks.Database",
    "sync_portal.health.Broker",
    "sync_portal.health.Cluster",
]
