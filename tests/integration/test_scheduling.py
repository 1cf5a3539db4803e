"""Scheduling (P3, R1): one tick enqueues due cycles and due transfers; 'sync now' only enqueues."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from connectors.flows.orders_in import shop_pull_orders
from connectors.models import Connection, RatePacer, SyncRun
from connectors.services import DbRateLimiter, connection_sync_now
from connectors.tasks import run_cycle, tick

pytestmark = pytest.mark.django_db


def queued_funcs() -> list[str]:
    return sorted(task.func() for task in OrmQ.objects.all())


def test_p3_tick_enqueues_due_cycles_and_due_transfers(world):
    world.place()
    world.place()
    shop_pull_orders(connection=world.shop)
    Connection.objects.filter(pk=world.erp.pk).update(enabled=False)  # disabled: neither cycles nor transfers
    OrmQ.objects.all().delete()
    counts = tick()
    assert counts == {"watchdog": 0, "orders": 1, "cycles": 1, "transfers": 0, "batches": 0}
    Connection.objects.filter(pk=world.erp.pk).update(enabled=True)
    OrmQ.objects.all().delete()
    counts = tick()
    assert counts["transfers"] == 2
    assert queued_funcs().count("connectors.tasks.process_transfer") == 2


def test_r1_p3_a_connection_is_due_again_only_after_its_interval(world):
    run_cycle(world.shop.pk)
    assert SyncRun.objects.filter(connection=world.shop, kind="orders").count() == 1
    assert tick()["cycles"] == 1  # the ERP has never run
    Connection.objects.update(last_cycle_at=timezone.now() - dt.timedelta(minutes=4))
    assert tick()["cycles"] == 0
    Connection.objects.filter(pk=world.shop.pk).update(last_cycle_at=timezone.now() - dt.timedelta(minutes=5))
    assert tick()["cycles"] == 1


def test_p3_sync_now_only_enqueues(world, django_capture_on_commit_callbacks):
    OrmQ.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        connection_sync_now(connection_id=world.shop.pk)
    assert queued_funcs() == ["connectors.tasks.run_cycle"]
    assert SyncRun.objects.count() == 0  # nothing ran in the request


def test_install_schedules_is_idempotent():
    call_command("install_schedules")
    call_command("install_schedules")
    assert sorted(Schedule.objects.values_list("name", "func", "minutes")) == [
        ("sync-portal-orders", "connectors.tasks.poll_orders", 1),
        ("sync-portal-tick", "connectors.tasks.tick", 1),
    ]
    tick_at, orders_at = (Schedule.objects.get(name=n).next_run for n in ("sync-portal-tick", "sync-portal-orders"))
    assert dt.timedelta(seconds=25) < orders_at - tick_at < dt.timedelta(seconds=35)  # half a minute apart


def test_r1_a_shops_orders_are_read_every_minute_apart_from_its_cycle_and_queued_once(
    world, django_capture_on_commit_callbacks
):
    from connectors.tasks import poll_orders

    OrmQ.objects.all().delete()
    Connection.objects.filter(pk=world.shop.pk).update(last_cycle_at=timezone.now())  # its cycle just ran
    assert poll_orders() == 1  # never read: due at once
    assert poll_orders() == 0  # the same half-minute: already queued
    assert queued_funcs() == ["connectors.tasks.pull_orders"]
    Connection.objects.filter(pk=world.shop.pk).update(last_order_pull_at=timezone.now() - dt.timedelta(seconds=50))
    assert poll_orders() == 1  # a minute's interval, with the schedule's slack
    Connection.objects.filter(pk=world.shop.pk).update(
        order_interval=0, last_order_pull_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert poll_orders() == 0  # 0: orders only with the cycle
    assert tick()["orders"] == 0


@pytest.mark.parametrize("rate", [1, 2, 3, 10])
def test_rate_limit_is_shared_through_the_database_holds_in_any_span_and_uses_the_limit(world, monkeypatch, rate):
    """Two workers calling as fast as they can never put more than ``rate`` calls into any
    one-second span (servers count in windows that start anywhere), yet use 95 % of the limit."""
    import connectors.services as services

    clock = [1_700_000_000.2]  # a controlled clock
    monkeypatch.setattr(services.time, "time", lambda: clock[0])
    monkeypatch.setattr(services.time, "sleep", lambda seconds: clock.__setitem__(0, clock[0] + seconds))
    workers = [DbRateLimiter(world.erp.pk, rate), DbRateLimiter(world.erp.pk, rate)]
    calls = []
    for i in range(60):
        workers[i % 2].acquire()
        calls.append(clock[0])
        clock[0] += 0.01  # the call itself
    busiest = max(sum(1 for t in calls if start <= t < start + 1) for start in calls)
    assert busiest <= rate
    assert (len(calls) - 1) / (calls[-1] - calls[0]) >= 0.94 * rate
    assert RatePacer.objects.filter(connection=world.erp).count() == 1  # one row, however many calls


def test_a_used_up_window_holds_every_worker_back_and_a_long_wait_gives_the_transfer_back(world, monkeypatch):
    import connectors.services as services
    from connectors.exceptions import RetryableError

    clock = [1_700_000_000.0]
    monkeypatch.setattr(services.time, "time", lambda: clock[0])
    monkeypatch.setattr(services.time, "sleep", lambda seconds: clock.__setitem__(0, clock[0] + seconds))
    first, second = DbRateLimiter(world.erp.pk, 10), DbRateLimiter(world.erp.pk, 10)
    first.acquire()
    first.pause(3)  # the server: no calls left for 3 s
    second.acquire()
    assert clock[0] >= 1_700_000_003.0
    first.pause(60)
    with pytest.raises(RetryableError) as refused:
        second.acquire()
    assert refused.value.retry_after > 55 and refused.value.reached_remote is False


def test_a_cycle_asked_for_while_one_runs_is_skipped_and_the_lease_is_given_back(world):
    from connectors.flows.cycles import connection_cycle
    from connectors.services import connection_cycle_claim

    assert connection_cycle_claim(connection_id=world.shop.pk)  # a cycle is running elsewhere
    assert connection_cycle(connection=world.shop) == []
    assert world.shop_state.calls["pull_orders"] == 0
    world.shop.refresh_from_db()
    world.shop.cycle_lease_until = None
    world.shop.save()
    assert [run.kind for run in connection_cycle(connection=world.shop)] == ["orders"]
    world.shop.refresh_from_db()
    assert world.shop.cycle_lease_until is None


def test_r1_a_one_minute_interval_is_due_at_the_next_tick_though_the_last_cycle_began_after_its_tick(world):
    # The last cycle began 0.8 s after its tick; the next tick comes 59.2 s after that.
    Connection.objects.update(sync_interval=1, last_cycle_at=timezone.now() - dt.timedelta(seconds=59.2))
    assert tick()["cycles"] == 2
    # Half a minute after a cycle nothing is due.
    Connection.objects.update(sync_interval=1, last_cycle_at=timezone.now() - dt.timedelta(seconds=30))
    assert tick()["cycles"] == 0
