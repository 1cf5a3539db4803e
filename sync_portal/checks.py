"""Start-up checks that refuse queue settings able to run a task twice."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register("sync_portal")
def check_queue_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Refuse a Q_CLUSTER or schedule list that can deliver one task twice.

    - ``retry`` at or below ``timeout``: the broker hands a still-running task
      to a second worker.
    - ``catch_up`` on: after downtime every missed tick runs at once.
    - two schedules with one name: the same cycle is enqueued twice per tick.
    """
    errors: list[Error] = []
    q = getattr(settings, "Q_CLUSTER", {})
    timeout, retry = q.get("timeout"), q.get("retry")
    if timeout is None or retry is None:
        errors.append(
            Error(
                "Q_CLUSTER must set both 'timeout' and 'retry'.",
                hint="Set timeout (seconds a task may run) and retry (seconds before "
                "re-delivery), with retry > timeout.",
                id="sync_portal.E001",
            )
        )
    elif retry <= timeout:
        errors.append(
            Error(
                f"Q_CLUSTER 'retry' ({retry}s) must be greater than 'timeout' ({timeout}s).",
                hint="Otherwise the broker re-delivers a task that is still running and it runs twice.",
                id="sync_portal.E002",
            )
        )
    if q.get("catch_up", True):
        errors.append(
            Error(
                "Q_CLUSTER 'catch_up' must be False.",
                hint="With catch_up every missed schedule tick runs after downtime; sync "
                "cycles only need the latest one.",
                id="sync_portal.E003",
            )
        )
    names = Counter(s.get("name") for s in getattr(settings, "SYNC_SCHEDULES", []))
    for name, count in names.items():
        if count > 1:
            errors.append(
                Error(
                    f"Schedule name {name!r} is used {count} times in SYNC_SCHEDULES.",
                    hint="Give every schedule a unique name.",
                    id="sync_portal.E004",
                )
            )
    return errors
