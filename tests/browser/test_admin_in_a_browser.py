"""The admin as staff use it, in Chromium: log in, see a failed order, open its red cross and resend,
decide customer conflicts on their page (P2, V4, V5, C4)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from connectors.models import TransferState
from connectors.records import CustomerRecord
from customers.models import ConflictStatus, CustomerConflict
from orders.models import Order
from tests.browser.conftest import log_in, shot
from tests.engine import order_transfer, sync

pytestmark = pytest.mark.django_db(transaction=True)


def _user(group: str) -> User:
    from django.apps import apps

    from sync_portal.roles import apply_roles

    apply_roles(apps)  # the live server's tests flush tables, the roles' migration rows with them
    user = User.objects.create_user(f"{group.lower().replace(' ', '-')}", password="Secret-pass-42", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_p2_v5_staff_log_in_see_a_red_cross_open_it_and_resend_the_order(page, world):
    world.integration.payment_method_map = {}  # the order fails its checks: a red cross with a hint
    world.integration.save()
    placed = world.place()
    good = world.place(payment_method="")
    sync(world)
    _user("Back office")
    log_in(page, "back-office", "Secret-pass-42")
    page.wait_for_selector("#site-name")
    page.goto(f"{page.base}/admin/orders/order/")
    row = page.locator("#result_list tbody tr", has_text=placed.number)
    assert row.locator("img[alt='Failed: needs attention']").count() == 1
    assert page.locator("#result_list tbody tr", has_text=good.number).locator("img[alt='Transferred']").count() == 1
    row.locator("td.field-errors summary").click()  # the error opens in place
    assert row.locator("td.field-errors details p").first.inner_text() == "Payment method 'klarna' has no ERP code."
    shot(page, "order-list")

    world.integration.payment_method_map = {"klarna": "KLARNA"}  # the person fixes the mapping ...
    world.integration.save()
    row.locator("a[title='Resend']").click()  # ... and resends from the red cross
    page.click("input[value='Resend now']")
    assert page.locator(".messagelist").inner_text().startswith(f"Queued to be sent again: Sales order {placed.number}")
    assert order_transfer(placed.number).state == TransferState.PENDING

    order = Order.objects.get(number=placed.number)
    page.goto(f"{page.base}/admin/orders/order/{order.pk}/change/")
    assert "Sales order " + placed.number in page.locator(".transfers-panel").inner_text()
    shot(page, "order-page")


@pytest.mark.parametrize("decision", ["add_new", "merge", "one_time"])
def test_c4_an_accountant_decides_a_conflict_on_its_page(page, world, decision, monkeypatch):
    ran: list[tuple] = []

    def worker(func, *args, **kwargs):  # the queued decision, applied at once as a worker would
        from django.utils.module_loading import import_string

        ran.append((func, args))
        import_string(func)(*args)

    monkeypatch.setattr("django_q.tasks.async_task", worker)
    world.integration.policy_no_similar = "ask"
    world.integration.policy_one_similar = "ask"
    world.integration.save()
    world.place(customer=CustomerRecord(first_name="Märta", last_name="Sjöström", email="marta@example.se",
                                        is_guest=True))  # fmt: skip
    sync(world)
    conflict = CustomerConflict.objects.get()
    conflict.candidates = [{"number": "10001", "name": "Märta Sjöström", "email": "marta@example.se", "org_no": ""}]
    conflict.save()
    _user("Accountant")
    log_in(page, "accountant", "Secret-pass-42")
    page.wait_for_selector("#site-name")
    page.goto(f"{page.base}/admin/customers/customerconflict/{conflict.pk}/change/")
    assert "marta@example.se" in page.locator(".conflict-card.buyer").inner_text()
    assert "10001" in page.locator(".conflict-card.candidate").inner_text()
    if decision == "merge":
        shot(page, "conflict-page")
    button = {"add_new": "button[value='add_new']", "merge": "button[name='merge_with'][value='10001']",
              "one_time": "button[value='one_time']"}[decision]  # fmt: skip
    page.click(button)
    assert "queued" in page.locator(".messagelist").inner_text()
    conflict.refresh_from_db()
    assert (conflict.status, conflict.resolution) == (ConflictStatus.RESOLVED, decision)
    assert [func for func, _args in ran].count("connectors.tasks.resolve_conflict") == 1


def test_ten_wrong_passwords_lock_the_login_page_in_the_browser(page):
    User.objects.create_superuser("anna", "anna@example.no", "right-password-1")
    for _ in range(10):
        log_in(page, "anna", "wrong")
    log_in(page, "anna", "right-password-1")
    assert "Too many failed logins" in page.content()


def test_p2_the_dashboard_follows_a_running_sync_without_a_reload(page, world):
    from django.utils import timezone

    from connectors.models import RunStatus, SyncRun

    world.integration.payment_method_map = {}
    world.integration.save()
    world.place()
    world.place(payment_method="")
    sync(world)
    run = SyncRun.objects.create(connection=world.erp, kind="stock", stats={"read": 120, "total": 2000})
    User.objects.create_superuser("boss", "boss@example.no", "Secret-pass-42")
    log_in(page, "boss", "Secret-pass-42")
    cell = page.locator(f"[data-progress-connection='{world.erp.pk}']")
    assert cell.inner_text().strip() == "stock: 120 / 2000"
    shot(page, "dashboard")
    from playwright.sync_api import expect

    SyncRun.objects.filter(pk=run.pk).update(stats={"read": 1500, "total": 2000})
    expect(cell).to_have_text("stock: 1500 / 2000", timeout=12_000)  # the next poll (every 5 s) shows it
    SyncRun.objects.filter(pk=run.pk).update(status=RunStatus.OK, finished_at=timezone.now())
    expect(cell).to_have_text("–", timeout=12_000)


HEALTH = {"nb": "Synkroniseringshelse", "sv": "Synkroniseringshälsa", "pl": "Stan synchronizacji",
          "hu": "Szinkronizálás állapota", "en": "Sync health"}  # fmt: skip


def _scene(world) -> tuple[Order, CustomerConflict]:
    """An order that went through, one with a red cross, and a customer conflict."""
    world.integration.payment_method_map = {}
    world.integration.policy_no_similar = "ask"
    world.integration.save()
    world.place(payment_method="")
    world.place()
    world.place(customer=CustomerRecord(first_name="Ödön", last_name="Kovács", email="odon@example.hu",
                                        is_guest=True), payment_method="")  # fmt: skip
    sync(world)
    failed = Order.objects.get(erp_order_no="", customer__email__startswith="ase")
    return failed, CustomerConflict.objects.get()


def test_p2_each_person_chooses_their_language_which_follows_them_to_another_browser(page, world, browser):
    failed, conflict = _scene(world)
    User.objects.create_superuser("boss", "boss@example.no", "Secret-pass-42")
    log_in(page, "boss", "Secret-pass-42")
    assert HEALTH["en"] in page.content()
    for lang in ("nb", "sv", "pl", "hu"):
        page.select_option("#language-choice", lang)
        page.click(".language-choice button")
        page.wait_for_selector("#sync-health h2")
        assert page.inner_text("#sync-health h2") == HEALTH[lang], lang
        if lang in ("nb", "hu"):  # the seeds' languages: their screenshots for the docs
            shot(page, f"dashboard-{lang}")
            page.goto(f"{page.base}/admin/orders/order/")
            shot(page, f"order-list-{lang}")
            page.goto(f"{page.base}/admin/orders/order/{failed.pk}/change/")
            shot(page, f"order-page-{lang}")
            page.goto(f"{page.base}/admin/customers/customerconflict/{conflict.pk}/change/")
            shot(page, f"conflict-page-{lang}")
            page.goto(f"{page.base}/admin/")
    # A fresh browser (no cookie) speaks the person's choice once they log in.
    other = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="en-GB").new_page()
    other.base = page.base
    log_in(other, "boss", "Secret-pass-42")
    other.wait_for_selector("#sync-health h2")
    assert other.inner_text("#sync-health h2") == HEALTH["hu"]
    other.context.close()
