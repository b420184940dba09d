# ruff: noqa: F811 - the browser fixtures are imported from tests/e2e and used as arguments
"""The composer in a real browser: live preview and count with JavaScript, and the same
letter sent without it.

Test data is made in fixtures requested before ``page`` (see tests/e2e/conftest.py).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from outcry.directory.testing import make_channel, make_target
from outcry.testing import make_letter_action
from tests.e2e.conftest import browser, page, page_without_javascript  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e


@pytest.fixture
def action(live_server, transactional_db):
    white_house = make_target(
        name="The White House",
        category="government",
        represents="",
        salutation="Dear Mr. President",
        channels={"email": "president@example.org"},
    )
    make_channel(
        target=white_house, kind="webform", value="https://example.org/contact", char_limit=500
    )
    return make_letter_action(selection="choose", targets=[white_house], languages=("en",))


def to_the_letter(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_label(re.compile("^Your name")).fill("Min-jun Kim")
    page.get_by_label(re.compile("^Email address")).fill("min@example.org")
    page.get_by_label(re.compile("^Country")).select_option("KR")
    page.get_by_label(re.compile("^City or town")).fill("Seoul")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(re.compile("The White House")).check()
    page.get_by_role("button", name="Continue").click()


def test_the_preview_and_count_follow_ticks_and_edits(live_server, action, page):
    to_the_letter(page, f"{live_server.url}/en/letters/{action.slug}/")
    preview = page.locator("#letter-preview")
    count = page.locator("#letter-count")
    expect(preview).to_contain_text("Dear Mr. President,")
    expect(preview).to_contain_text("from Min-jun Kim in Seoul")
    expect(page.get_by_role("button", name="Update the preview")).to_be_hidden()

    # Ticking the unticked optional paragraph puts it in the preview at once.
    trafficking = "most North Korean women who flee end up trafficked"
    expect(preview).not_to_contain_text(trafficking)
    page.get_by_label(re.compile("Violence and trafficking")).check()
    expect(preview).to_contain_text(trafficking)

    # Editing the editable paragraph shows in the preview as it is typed.
    editable = page.locator("textarea[name^='e_']")
    editable.fill("My aunt is among them. Please let her go to Seoul.")
    expect(preview).to_contain_text("My aunt is among them.")

    # Choosing the web form counts against its 500 characters, and says when over.
    expect(count).to_have_text(re.compile(r"^\d[\d,]* characters$"))
    page.get_by_label(re.compile("web contact form")).check()
    expect(count).to_have_text(
        re.compile(r"of 500 characters \(the limit of the web form of The White House\)")
    )
    expect(page.locator("#letter-too-long")).to_be_visible()
    expect(page.locator("#letter-too-long")).to_contain_text("but its web form takes at most 500")
    page.get_by_label(re.compile("Violence and trafficking")).uncheck()
    page.get_by_label(re.compile("China's obligations")).uncheck()
    expect(page.locator("#letter-too-long")).to_be_hidden()

    page.get_by_role("button", name="Send my letter").click()
    # The email waits for the emailed link; the web form text is there to copy.
    expect(page.get_by_role("heading", name="Check your email to send your letter")).to_be_visible()
    expect(page.locator("textarea[readonly]").first).to_have_value(
        re.compile("My aunt is among them.")
    )


def test_without_javascript_the_same_letter_goes_out(live_server, action, page_without_javascript):
    page = page_without_javascript
    to_the_letter(page, f"{live_server.url}/en/letters/{action.slug}/")
    page.get_by_label(re.compile("Violence and trafficking")).check()
    page.get_by_role("button", name="Update the preview").click()
    expect(page.locator("#letter-preview")).to_contain_text("end up trafficked")
    page.get_by_role("button", name="Send my letter").click()
    expect(page.get_by_role("heading", name="Check your email to send your letter")).to_be_visible()
