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
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

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
from .exceptions import AuthError
from .models import AuthState, Connection, ErrorSource, RateWindow, Transfer
from .selectors import CLAIMABLE

logger = logging.getLogger("connectors.engine")


# --- connectors -------------------------------------------------------------


class DbRateLimiter(RateLimiter):
    """At most ``per_second`` calls in any one-second span to one connection, across all workers.

    Servers count in a sliding second (ShopRenter answers 429 beyond 3 per
    second), so fixed one-second windows would allow twice the rate across a
    window edge. Time is cut into slots of 1/(rate-1) s (2 s for a rate of 1)
    with one call each: any one-second span then touches at most ``rate``
    slots. The counter is one row per (connection, slot), bumped with a
    conditional F() UPDATE, so processes on one database share it without a
    lock server.
    """

    def __init__(self, connection_id: int, per_second: int) -> None:
        self.connection_id = connection_id
        self.per_second = per_second
        self.slot_seconds = 1 / (per_second - 1) if per_second > 1 else 2.0

    def acquire(self) -> None:
        while True:
            now = time.time()
            slot = int(now / self.slot_seconds)
            bumped = RateWindow.objects.filter(connection_id=self.connection_id, second=slot, count__lt=1).update(
                count=F("count") + 1
            )
            if bumped:
                return
            try:
                with transaction.atomic():
                    RateWindow.objects.create(connection_id=self.connection_id, second=slot, count=1)
                old = slot - int(60 / self.slot_seconds)
                RateWindow.objects.filter(connection_id=self.connection_id, second__lt=old).delete()
                return
            except IntegrityError:
                # The slot is taken: wait for the next one (a hair past its start, so float
                # rounding cannot put this worker back into the slot it just found taken).
                time.sleep(max(0.001, (slot + 1) * self.slot_seconds - time.time() + 1e-6))


def connector_for(connection: Connection) -> Connector:
    """The platform connector for a connection, with the shared rate limiter."""
    cls = registry.get(connection.platform)
    per_second = int(connection.parameters.get("max_calls_per_second") or getattr(cls, "default_calls_per_second", 0))
    limiter = DbRateLimiter(connection.pk, per_second) if per_second else RateLimiter()
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
