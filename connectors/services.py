"""Engine services: building connectors, the shared rate limit, enqueueing, and the
state of a connection's credentials. The transfer life cycle is ``connectors.transfers``."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import connection as db
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import registry
from .base import (
    CarrierConnector,
    ConnectionSettings,
    Connector,
    ErpConnector,
    PaymentConnector,
    RateLimiter,
    ShopConnector,
)
from .exceptions import AuthError, RetryableError
from .models import AuthState, Connection, ErrorSource, RatePacer, Transfer
from .selectors import CLAIMABLE

logger = logging.getLogger("connectors.engine")


# --- connectors -------------------------------------------------------------


class DbRateLimiter(RateLimiter):
    """At most ``calls`` calls in any span of ``per_seconds`` to one connection, across every worker
    and process, and as many as that: the calls are paced evenly.

    Servers count in windows that start where they start (Visma.net's fixed windows begin with its
    first counted call; ShopRenter counts a sliding second), so whole-second buckets would let
    twice the rate through across an edge. One row per connection holds when the next call may
    go; each call moves it on by ``per_seconds / (calls × share)`` in one atomic UPDATE and waits
    for its own moment. Any span of ``per_seconds`` then holds at most ``calls`` calls, with a
    margin of (1 − share) for the network's jitter; ``share`` (0.95 by default) is the part of the
    limit used. A rate-limit answer (429, or no calls left in the window by the server's own
    headers) pushes the row to the window's end for every worker (``pause``). A wait longer than
    ``MAX_WAIT`` seconds gives the transfer back to the portal's table instead of holding a worker.
    """

    MAX_WAIT = 5.0

    def __init__(self, connection_id: int, calls: int, *, per_seconds: float = 1.0, share: float = 0.95) -> None:
        self.connection_id = connection_id
        self.interval = per_seconds / (calls * share)

    def _advance(self, *, by: float, at_least: float) -> float | None:
        """Move the pacer on and return where it now stands (None: no row yet)."""
        greatest = "GREATEST" if db.vendor == "postgresql" else "MAX"
        with db.cursor() as cursor:
            cursor.execute(
                f"UPDATE connectors_ratepacer SET next_at = {greatest}(next_at, %s) + %s "  # noqa: S608
                "WHERE connection_id = %s RETURNING next_at",
                [at_least, by, self.connection_id],
            )
            row = cursor.fetchone()
        return float(row[0]) if row else None

    def acquire(self) -> None:
        now = time.time()
        reached = self._advance(by=self.interval, at_least=now)
        if reached is None:
            RatePacer.objects.get_or_create(connection_id=self.connection_id)
            reached = self._advance(by=self.interval, at_least=now)
            assert reached is not None
        wait = reached - self.interval - now
        if wait > self.MAX_WAIT:
            raise RetryableError(
                _("The rate limit of this connection is used up for the next %(seconds).0f s.") % {"seconds": wait},
                retry_after=wait,
                reached_remote=False,
                hint=_("Retried automatically when the window allows it."),
            )
        if wait > 0:
            time.sleep(wait)

    def pause(self, seconds: float) -> None:
        """No call before ``seconds`` from now, for every worker (the server's window is used up)."""
        self._advance(by=0.0, at_least=time.time() + seconds)


def rate_limit_of(connection: Connection, cls: type[Connector]) -> tuple[int, float, float] | None:
    """(calls, per seconds, share) for a connection: its parameter ``rate_limit``
    (``{"calls": 10, "per_seconds": 1, "share": 0.95}``, or ``max_calls_per_second``), else the
    platform's documented limit; None when neither says."""
    params: dict[str, Any] = dict(connection.parameters or {})
    spec = params.get("rate_limit")
    if isinstance(spec, dict) and spec.get("calls"):
        return int(spec["calls"]), float(spec.get("per_seconds", 1)), float(spec.get("share", 0.95))
    per_second = int(params.get("max_calls_per_second") or getattr(cls, "default_calls_per_second", 0) or 0)
    return (per_second, 1.0, 0.95) if per_second else None


def connector_for(connection: Connection) -> Connector:
    """The platform connector for a connection, with the shared rate limiter."""
    cls = registry.get(connection.platform)
    limit = rate_limit_of(connection, cls)
    limiter = DbRateLimiter(connection.pk, limit[0], per_seconds=limit[1], share=limit[2]) if limit else RateLimiter()
    return cls(
        ConnectionSettings(
            name=connection.name,
            base_url=connection.base_url,
            parameters=dict(connection.parameters),
            credentials=dict(cast(dict[str, Any], connection.credentials)),
            limiter=limiter,
            connection_id=connection.pk,
        )
    )


# --- what the ERP knows --------------------------------------------------------

# (connection, item number) -> (known, valid until): per worker process. Known items are
# remembered for a cycle's length; unknown ones briefly, so a newly created item is
# picked up by the next attempt.
_items: dict[tuple[int, str], tuple[bool, float]] = {}


def erp_item_known(*, connection_id: int, erp: ErpConnector, number: str) -> bool:
    """Whether the ERP has an active item with this number (one ``find_item`` call, then cached)."""
    key = (connection_id, number)
    cached = _items.get(key)
    now = time.monotonic()
    if cached is not None and cached[1] > now:
        return cached[0]
    item = erp.find_item(number)
    known = item is not None and item.active
    _items[key] = (known, now + (settings.ITEM_CACHE_SECONDS if known else 30))
    return known


def erp_items_forget() -> None:
    """Drop what this process remembers of the ERPs' items (tests)."""
    _items.clear()


_C = TypeVar("_C", bound=Connector)


def _typed(connection: Connection, kind: type[_C]) -> _C:
    """The connection's connector, checked to be of ``kind`` (so its role's methods are typed)."""
    connector = connector_for(connection)
    if not isinstance(connector, kind):
        raise TypeError(f"{connection} is not a {kind.role} connection")
    return connector


def shop_connector(connection: Connection) -> ShopConnector:
    """The connector of a shop connection (typed: its shop methods are known)."""
    return _typed(connection, ShopConnector)


def erp_connector(connection: Connection) -> ErpConnector:
    """The connector of an ERP connection (typed: its ERP methods are known)."""
    return _typed(connection, ErpConnector)


def payment_connector(connection: Connection) -> PaymentConnector:
    """The connector of a payment provider connection."""
    return _typed(connection, PaymentConnector)


def carrier_connector(connection: Connection) -> CarrierConnector:
    """The connector of a carrier connection."""
    return _typed(connection, CarrierConnector)


# --- enqueueing ---------------------------------------------------------------


def enqueue(func: str, *args: object) -> None:
    """Queue a django-q2 task once the current transaction commits."""
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task(func, *args))


def connection_cycle_claim(*, connection_id: int) -> bool:
    """Take the connection's cycle lease; False when another cycle holds it.

    One conditional UPDATE, like a transfer claim. The lease is short and the
    running cycle renews it (``connection_cycle_heartbeat``), so a worker killed
    mid-cycle blocks the next cycle for at most ``CYCLE_LEASE_SECONDS``.
    """
    now = timezone.now()
    until = now + dt.timedelta(seconds=settings.CYCLE_LEASE_SECONDS)
    claimed = (
        Connection.objects.filter(pk=connection_id)
        .filter(Q(cycle_lease_until__isnull=True) | Q(cycle_lease_until__lt=now))
        .update(cycle_lease_until=until, last_cycle_at=now)
    )
    if claimed:
        _heartbeats[connection_id] = time.monotonic()
    return bool(claimed)


def connection_order_pull_claim(*, connection: Connection, now: dt.datetime) -> bool:
    """Mark the shop's order read as started now; False when another tick just did (one
    conditional UPDATE, so two ticks never queue the same read twice)."""
    from .models.connections import CYCLE_SLACK

    due_before = now - dt.timedelta(seconds=connection.order_interval) + CYCLE_SLACK
    claimed = (
        Connection.objects.filter(pk=connection.pk)
        .filter(Q(last_order_pull_at__isnull=True) | Q(last_order_pull_at__lte=due_before))
        .update(last_order_pull_at=now)
    )
    return bool(claimed)


# When each connection's lease was last renewed by this process.
_heartbeats: dict[int, float] = {}


def connection_cycle_heartbeat(*, connection_id: int) -> None:
    """Renew a running cycle's lease; cheap to call often (writes at most every few seconds)."""
    if time.monotonic() - _heartbeats.get(connection_id, 0.0) < settings.CYCLE_LEASE_SECONDS / 6:
        return
    until = timezone.now() + dt.timedelta(seconds=settings.CYCLE_LEASE_SECONDS)
    Connection.objects.filter(pk=connection_id, cycle_lease_until__isnull=False).update(cycle_lease_until=until)
    _heartbeats[connection_id] = time.monotonic()


def connection_cycle_release(*, connection_id: int) -> None:
    """Give the cycle lease back once the cycle ended."""
    Connection.objects.filter(pk=connection_id).update(cycle_lease_until=None)
    _heartbeats.pop(connection_id, None)


def connection_sync_now(*, connection_id: int) -> None:
    """Queue a sync cycle for one connection now (admin/API 'sync now')."""
    enqueue("connectors.tasks.run_cycle", connection_id)


def connection_webhooks_enqueue(*, connection_id: int, portal_url: str) -> None:
    """Queue the registration of a shop's webhooks at ``portal_url`` (the portal's public address)."""
    enqueue("connectors.tasks.register_webhooks", connection_id, portal_url)


def connection_test_enqueue(*, connection_id: int) -> None:
    """Queue a connection test; its outcome is recorded as a SyncRun of kind 'test'."""
    enqueue("connectors.tasks.test_connection", connection_id)


# --- credentials ---------------------------------------------------------------


@contextmanager
def speaking_to(connection: Connection) -> Iterator[None]:
    """Attribute a refusal of credentials inside the block to ``connection``.

    A handler working for one connection may call another (an ERP transfer
    re-reads the order from the shop): the right connection is then marked.
    """
    try:
        yield
    except AuthError as exc:
        if exc.connection_id is None:
            exc.connection_id = connection.pk
        raise


def connection_mark_needs_credentials(*, connection_id: int, error: str, hint: str) -> None:
    """Record that the remote system refused the connection's credentials.

    Its transfers wait (``transfer_claim`` skips them) instead of failing one by one.
    """
    Connection.objects.filter(pk=connection_id).update(
        auth_state=AuthState.NEEDS_CREDENTIALS, auth_error=error, auth_hint=hint, auth_checked_at=timezone.now()
    )


def connection_mark_credentials_ok(*, connection_id: int) -> list[int]:
    """Record that the credentials work (a test or a call succeeded) and resume what waited.

    Returns the ids of the transfers queued again. Transfers that waited for
    any connection's credentials are re-tried: one whose wait was for this
    connection goes through now, another one waits again.
    """
    was_refused = Connection.objects.filter(pk=connection_id, auth_state=AuthState.NEEDS_CREDENTIALS).update(
        auth_state=AuthState.OK, auth_error="", auth_hint="", auth_checked_at=timezone.now()
    )
    if not was_refused:
        return []
    waiting = Transfer.objects.filter(state__in=CLAIMABLE, error_source=ErrorSource.CREDENTIALS)
    ids = list(waiting.values_list("pk", flat=True))
    waiting.update(next_attempt_at=timezone.now())
    for pk in ids:
        enqueue("connectors.tasks.process_transfer", pk)
    logger.info("Connection %s accepts its credentials again; %d transfer(s) resumed", connection_id, len(ids))
    return ids
