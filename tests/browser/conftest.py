"""A real browser against the portal: Playwright driving Debian's Chromium (``/usr/bin/chromium``,
installed by ``.ci/run``; browser downloads are not possible here) and Django's live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# Chromium's own calls home are refused by a closed network, many at a time: switched off.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API keeps an event loop in this thread, which Django takes for an async
    # context; the ORM calls the tests make beside it are plain synchronous ones. Allowed for this
    # module only, and Playwright stopped after it, so no other test runs with either.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"No Chromium at {CHROMIUM}: install Debian's chromium (see .ci/run)."
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield chromium
            chromium.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base = live_server.url  # type: ignore[attr-defined]
    # Whatever the Content-Security-Policy blocks is a failure: a page that needs it is broken.
    blocked: list[str] = []
    page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield page
    context.close()
    assert not blocked, blocked


def log_in(page, username: str, password: str) -> None:
    page.goto(f"{page.base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def shot(page, name: str) -> None:
    """A screenshot for the docs (``docs/screenshots/<name>.png``)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
