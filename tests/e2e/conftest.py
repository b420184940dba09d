"""Browser fixtures for the journeys in tests/e2e/: Debian's Chromium, driven by Playwright."""

import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Room for a slow CI machine; a passing run never waits this long.
expect.set_options(timeout=10_000)


@pytest.fixture
def browser(live_server):
    """A headless Chromium for one test, started after the live server and stopped before it.

    Playwright's sync API keeps an asyncio loop running in this thread while it
    is started, and Django then refuses ORM calls here (SynchronousOnlyOperation).
    Starting it per test, after the database fixtures, keeps every ORM call
    (setting up and flushing the test database) outside that window, without
    switching off Django's check with DJANGO_ALLOW_ASYNC_UNSAFE. It costs about
    half a second per test. So: make test data in fixtures requested before
    ``page``, and none in the test body.
    """
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium) "
            "to run the browser journeys; .ci/run does."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) with JavaScript on, as most supporters have."""
    context = browser.new_context(locale="en-GB")
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_javascript(browser):
    """A fresh context with JavaScript off: every page must still work."""
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    yield context.new_page()
    context.close()


def ko(message: str) -> str:
    """*message* as the Korean interface shows it (English until the catalogue has it)."""
    with translation.override("ko"):
        return gettext(message)


def starting(text: str) -> re.Pattern:
    """An accessible name that starts with *text* (labels may add "(required)")."""
    return re.compile(rf"^{re.escape(text)}")


def squeezed(text: str) -> str:
    """*text* without any whitespace: PDF text extraction breaks lines where it likes."""
    return "".join(text.split())
