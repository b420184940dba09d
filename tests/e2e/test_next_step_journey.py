# ruff: noqa: F811 - fixtures are imported from tests/e2e/conftest.py
"""From one action to the next on the demo campaign, in a real browser.

A supporter signs the petition; its thank-you page offers the letter, whose form
opens with her name and email as she typed them (carried by a cookie of this
browser, never in a URL); she sends the letter from her own email program
(mailto, so no confirmation email is needed), and the letter's thank-you page
does not ask her to sign again. Someone else, in another browser without
JavaScript, writes a letter first: the petition is offered to them.

Test data is made in fixtures requested before the page (see tests/e2e/conftest.py).
"""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from outcry.letters.demo import ACTION_SLUG
from tests.e2e.conftest import browser, page, page_without_javascript  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

CAMPAIGN_PATH = "/en/c/save-my-friend/"
PETITION_SLUG = "unhcr-save-my-friend"


def starting(text: str) -> re.Pattern:
    """An accessible name that starts with *text* (labels may add "(required)")."""
    return re.compile(rf"^{re.escape(text)}")


@pytest.fixture
def demo(live_server):
    call_command("load_demo", quiet_login=True)
    return live_server


def write_from_own_email_program(page: Page) -> None:
    """Go through the composer from its first step, choosing mailto only, and send."""
    page.get_by_label(starting("Country")).select_option("KR")
    page.get_by_label(starting("City or town")).fill("Seoul")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label(re.compile("China in the Re"))).to_be_checked()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Email from your own email program").check()
    page.get_by_role("button", name="Send my letter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for writing")


def test_signing_leads_to_the_letter_with_name_and_email_filled_in_and_not_back(demo, page):
    page.goto(demo.url + CAMPAIGN_PATH)
    petition = page.locator(f"#petition-{PETITION_SLUG}")
    petition.get_by_role("textbox", name=starting("Your name")).fill("Min-ji Kim")
    petition.get_by_role("textbox", name=starting("Email address")).fill("minji@example.org")
    petition.get_by_role("button", name="Sign the petition").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")
    offer = page.get_by_role("region", name="Now write a letter")
    expect(offer).to_contain_text("filled in as you just typed them")
    offer.get_by_role("link", name="Write your letter").click()

    expect(page).to_have_url(f"{demo.url}/en/letters/{ACTION_SLUG}/")  # nothing in the URL
    expect(page.get_by_label(starting("Your name"))).to_have_value("Min-ji Kim")
    expect(page.get_by_label(starting("Email address"))).to_have_value("minji@example.org")
    write_from_own_email_program(page)

    assert "minji" not in page.url and "Min-ji" not in page.url
    expect(
        page.get_by_role("link", name=re.compile("Open the letter in your email program"))
    ).to_be_visible()
    expect(page.get_by_role("region", name="Now sign the petition")).to_have_count(0)
    share = page.get_by_role("region", name="Now ask your friends to write too")
    expect(share.get_by_role("link", name="Telegram")).to_be_visible()


def test_a_letter_written_first_leads_to_the_petition(demo, page_without_javascript):
    page = page_without_javascript
    page.goto(demo.url + CAMPAIGN_PATH)
    page.locator(f"#letter-{ACTION_SLUG}").get_by_role("link", name="Write your letter").click()
    expect(page.get_by_label(starting("Your name"))).to_have_value("")
    page.get_by_label(starting("Your name")).fill("Ana Lima")
    page.get_by_label(starting("Email address")).fill("ana@example.org")
    write_from_own_email_program(page)

    offer = page.get_by_role("region", name="Now sign the petition")
    offer.get_by_role("link", name="Read and sign the petition").click()
    expect(page).to_have_url(f"{demo.url}{CAMPAIGN_PATH}#petition-{PETITION_SLUG}")
    form = page.locator(f"#petition-{PETITION_SLUG}")
    expect(form.get_by_role("button", name="Sign the petition")).to_be_visible()
    expect(form.get_by_role("textbox", name=starting("Email address"))).to_have_value("")
