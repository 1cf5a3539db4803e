"""The one pull machinery every import stream shares (orders, products, items, statuses …).

A pull is re-runnable and per record:

1. read from the stream's cursor minus a buffer (late rows are not skipped);
2. each record is validated at the mapping boundary and stored in its own
   savepoint: all of it or nothing;
3. a record that cannot be read or stored is set aside as a visible import
   problem, and the pull goes on with the next one;
4. the cursor moves past every record that was stored or set aside, and not
   past one that failed for a reason a retry may fix (a database error);
5. the run always ends with a status and its counts, whatever happens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import AuthError, ConnectorError
from .models import Connection, ImportProblem, RunStatus, SyncCursor, SyncRun
from .parsing import EXCERPT, BadValue
from .records import BadRecord
from .services import (
    connection_cycle_heartbeat,
    connection_mark_credentials_ok,
    connection_mark_needs_credentials,
)

logger = logging.getLogger("connectors.engine")

# Re-read this much before the cursor: shops stamp updated_at before the
# row is visible to their API, so a strict "> cursor" would skip orders.
CURSOR_BUFFER = dt.timedelta(minutes=10)

# What became of one record.
STORED, SET_ASIDE, FAILED = "stored", "set_aside", "failed"


# The run in progress in this worker, and when its counts were last written (for the dashboard).
_running: ContextVar[tuple[int, list[float]] | None] = ContextVar("running_run", default=None)
PROGRESS_EVERY = 2.0  # seconds between two writes of a running run's counts


def run_progress(counts: Counter[str]) -> None:
    """Write the running run's counts so far (at most every PROGRESS_EVERY seconds): the dashboard
    shows a long pull's progress, "seen" of "total" where the flow knows the total."""
    current = _running.get()
    if current is None:
        return
    run_id, last = current
    now = time.monotonic()
    if now - last[0] < PROGRESS_EVERY:
        return
    last[0] = now
    SyncRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(stats=dict(counts))


def run_guarded(*, connection: Connection, kind: str, body: Callable[[Counter[str]], None]) -> SyncRun:
    """Run one step of a cycle as a SyncRun that always ends with a status and its counts.

    ``body`` fills the counts. A refusal of credentials marks the connection;
    any other error fails the run with its message; a bug is logged and shown.
    """
    run = SyncRun.objects.create(connection=connection, kind=kind)
    counts: Counter[str] = Counter()
    token = _running.set((run.pk, [time.monotonic()]))
    try:
        body(counts)
    except AuthError as exc:
        connection_mark_needs_credentials(connection_id=connection.pk, error=exc.message, hint=exc.hint)
        run.finish(status=RunStatus.FAILED, error=f"{exc.message} {exc.hint}".strip(), stats=counts)
    except ConnectorError as exc:
        run.finish(status=RunStatus.FAILED, error=f"{exc.message} {exc.hint}".strip(), stats=counts)
    except Exception as exc:  # a bug must not leave the run 'running' for ever
        logger.exception("%s of %s failed", kind, connection)
        error = _("Internal error: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
        run.finish(status=RunStatus.FAILED, error=error, stats=counts)
    else:
        connection_mark_credentials_ok(connection_id=connection.pk)
        run.finish(status=RunStatus.OK, stats=counts)
    finally:
        _running.reset(token)
    return run


def pull_stream(
    *,
    connection: Connection,
    stream: str,
    pull: Callable[[dt.datetime | None], Iterable[Any]],
    store: Callable[[Any], tuple[bool, bool]],
    stamp: Callable[[Any], dt.datetime | None],
    check: Callable[[Any], None] | None = None,
    key: Callable[[Any], str] = lambda record: record.external_id,
    label: Callable[[Any], str] = lambda record: "",
) -> SyncRun:
    """Import one stream of one connection; see the module's recipe.

    ``store`` returns (changed, queued); ``check`` raises BadValue for a record
    that must not be stored.
    """

    def body(counts: Counter[str]) -> None:
        cursor, _created = SyncCursor.objects.get_or_create(connection=connection, stream=stream)
        since = cursor.value - CURSOR_BUFFER if cursor.value else None
        newest, hold = cursor.value, None
        # Loaded once: clearing a problem costs a query only when there is one to clear.
        open_problems = set(
            ImportProblem.objects.filter(connection=connection, stream=stream, resolved_at__isnull=True).values_list(
                "key", flat=True
            )
        )
        for record in pull(since):
            connection_cycle_heartbeat(connection_id=connection.pk)
            counts["seen"] += 1
            run_progress(counts)
            when = record.updated_at if isinstance(record, BadRecord) else stamp(record)
            outcome = import_one(
                connection, stream, record, store=store, check=check, key=key, label=label, counts=counts
            )
            if outcome == STORED and key(record)[:120] in open_problems:
                import_problem_resolve(connection=connection, stream=stream, external_id=key(record))
            if outcome == FAILED:
                # A fault a retry may fix: the next pull reads this record again.
                hold = when if hold is None or (when and when < hold) else hold
            if when is not None:
                newest = max(newest, when) if newest else when
        # Only now: a pull that failed halfway starts again from the old cursor.
        target = min(newest, hold) if newest and hold else newest
        if target and target != cursor.value:
            cursor.value = target
            cursor.save(update_fields=["value", "updated_at"])

    return run_guarded(connection=connection, kind=stream, body=body)


def import_one(
    connection: Connection,
    stream: str,
    record: Any,
    *,
    store: Callable[[Any], tuple[bool, bool]],
    check: Callable[[Any], None] | None,
    key: Callable[[Any], str],
    label: Callable[[Any], str],
    counts: Counter[str],
) -> str:
    """Store one record or set it aside; return STORED, SET_ASIDE, or FAILED (a retry may fix it)."""
    if isinstance(record, BadRecord):
        import_problem_record(connection=connection, stream=stream, bad=record)
        counts["problems"] += 1
        return SET_ASIDE
    try:
        if check is not None:
            check(record)
        with transaction.atomic():
            changed, queued = store(record)
    except BadValue as exc:
        bad = BadRecord(
            external_id=key(record), error=exc.message, hint=exc.hint, excerpt=_repr(record), label=label(record)
        )
        import_problem_record(connection=connection, stream=stream, bad=bad)
        counts["problems"] += 1
        return SET_ASIDE
    except ConnectorError:
        raise  # a call the store made failed: the pull as a whole fails and starts again
    except Exception as exc:
        logger.exception("Storing %s %s of %s failed", stream, key(record), connection)
        bad = BadRecord(
            external_id=key(record),
            error=_("Could not be stored: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"[:500]},
            hint=_("Tried again by the next sync. If it keeps failing, report it to the integrator."),
            excerpt=_repr(record),
            label=label(record),
        )
        import_problem_record(connection=connection, stream=stream, bad=bad)
        counts["problems"] += 1
        return FAILED
    counts["changed"] += bool(changed)
    counts["queued"] += bool(queued)
    return STORED


def _repr(record: object) -> str:
    text = getattr(record, "raw", "") or repr(record)
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def problem_key(bad: BadRecord) -> str:
    """The record's remote id, or a hash of its raw data when it had none."""
    if bad.external_id:
        return bad.external_id[:120]
    return "raw:" + hashlib.sha256(bad.excerpt.encode()).hexdigest()[:32]


def import_problem_record(*, connection: Connection, stream: str, bad: BadRecord) -> ImportProblem:
    """Set a record aside as an open import problem (once per record, counted when seen again)."""
    now = timezone.now()
    problem, created = ImportProblem.objects.get_or_create(
        connection=connection,
        stream=stream,
        key=problem_key(bad),
        defaults={
            "external_id": bad.external_id[:120],
            "label": bad.label[:200],
            "error": bad.error,
            "hint": bad.hint,
            "excerpt": bad.excerpt,
        },
    )
    if not created:
        problem.error, problem.hint, problem.excerpt = bad.error, bad.hint, bad.excerpt
        problem.label = bad.label[:200] or problem.label
        if problem.resolved_at is not None:
            problem.resolved_at, problem.times_seen, problem.first_seen_at = None, 0, now
        problem.times_seen += 1
        problem.last_seen_at = now
        problem.save()
    logger.warning("Import problem on %s %s %s: %s", connection, stream, problem.key, bad.error)
    return problem


def import_problem_resolve(*, connection: Connection, stream: str, external_id: str) -> int:
    """A record imported successfully clears its open problem; returns how many were cleared."""
    if not external_id:
        return 0
    return ImportProblem.objects.filter(
        connection=connection, stream=stream, key=external_id[:120], resolved_at__isnull=True
    ).update(resolved_at=timezone.now())


def runs_watchdog(*, now: dt.datetime | None = None) -> int:
    """Close runs left 'running' by a worker that was killed; return how many.

    A run longer than a task may live (the queue's timeout) cannot still be going.
    """
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=settings.Q_CLUSTER["timeout"] + 60)
    return SyncRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=limit).update(
        status=RunStatus.FAILED,
        finished_at=now,
        error=_("The worker stopped before this run finished; the next cycle reads the same records again."),
    )
