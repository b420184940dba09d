"""A person signs while the form is flooded: the widget solves the challenge under the site's CSP,
and without JavaScript a short wait lets them through."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

CAMPAIGN_PATH = "/en/c/save-my-friend/"


@pytest.fixture
def flooded(live_server, settings):
    """The demo campaign; the browser's network counts as flooding from its second signature."""
    call_command("load_demo", quiet_login=True)
    settings.CHALLENGE_PER_NETWORK = 1
    settings.CHALLENGE_MAX_NUMBER = 5000
    settings.CHALLENGE_WAIT_SECONDS = 1
    return live_server


def sign(page: Page, url: str, email: str) -> None:
    page.goto(url + CAMPAIGN_PATH)
    fill_and_send(page, email)


def fill_and_send(page: Page, email: str) -> None:
    # The petition's form: the page's "get updates" form asks for an address too.
    form = page.locator("form.sign")
    form.get_by_role("textbox", name=re.compile("^Your name")).fill("Ana Lima")
    form.get_by_role("textbox", name=re.compile("^Email address")).fill(email)
    form.get_by_role("button", name="Sign the petition").click()


def test_the_widget_solves_the_challenge_under_the_csp_and_the_signature_goes_through(
    flooded, page
):
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign(page, flooded.url, "first@example.org")
    expect(page).to_have_url(re.compile(r"/thanks/$"))

    sign(page, flooded.url, "second@example.org")
    expect(page.get_by_role("alert")).to_contain_text("prove that you are not a robot")
    # The widget (from our own origin) finds the number in its web worker and writes
    # the solution into the form.
    solution = page.locator('input[name="altcha"]')
    expect(solution).to_have_value(re.compile(r"^[A-Za-z0-9+/=]{40,}$"))
    page.get_by_role("button", name="Sign the petition").click()
    expect(page).to_have_url(re.compile(r"/thanks/$"))
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems


def test_without_javascript_waiting_a_moment_and_sending_again_goes_through(
    flooded, page_without_javascript
):
    page = page_without_javascript
    sign(page, flooded.url, "first@example.org")
    expect(page).to_have_url(re.compile(r"/thanks/$"))

    sign(page, flooded.url, "second@example.org")
    expect(page.get_by_role("alert")).to_contain_text("wait 1 second and send the form again")
    expect(page.get_by_text("wait 1 second, then press the button again")).to_be_visible()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Sign the petition").click()
    expect(page).to_have_url(re.compile(r"/thanks/$"))
