# ruff: noqa: F811 - fixtures are imported from tests/e2e/conftest.py
"""Sharing the campaign after signing, in a real browser, with no third party on the page.

The share block offers the phone's share sheet where the browser has one (the
Web Share API, stubbed here: a desktop Chromium has none), a "Copy link"
button that says what it did in a live region, falling back from the Clipboard
API to execCommand("copy") to leaving the link selected with a word on how to
copy it; and a QR code of the campaign's link. Without JavaScript the link is
there to select and the code to scan.

Test data is made in fixtures requested before the page (see tests/e2e/conftest.py).
"""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from outcry.actions.tests.qr import read_qr_svg
from tests.e2e.conftest import browser, page, page_without_javascript, starting  # noqa: F401

pytestmark = pytest.mark.e2e

CAMPAIGN_PATH = "/en/c/save-my-friend/"
PETITION_SLUG = "unhcr-save-my-friend"
COPIED = "Link copied. Paste it into a chat or a post."

# A phone's share sheet, as far as the page can tell: it records what it was given.
SHARE_SHEET = """
window.__shared = [];
Object.defineProperty(navigator, "share", {
  configurable: true,
  value: function (data) { window.__shared.push(data); return Promise.resolve(); },
});
"""
NO_CLIPBOARD_API = """
Object.defineProperty(navigator, "clipboard", { configurable: true, value: undefined });
"""
NO_COPY_AT_ALL = (
    NO_CLIPBOARD_API
    + """
document.execCommand = function () { return false; };
"""
)


@pytest.fixture
def demo(live_server):
    call_command("load_demo", quiet_login=True)
    return live_server


def sign(page: Page, url: str, *, email: str = "minji@example.org") -> None:
    page.goto(url + CAMPAIGN_PATH)
    petition = page.locator(f"#petition-{PETITION_SLUG}")
    petition.get_by_role("textbox", name=starting("Your name")).fill("Min-ji Kim")
    petition.get_by_role("textbox", name=starting("Email address")).fill(email)
    petition.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")


def share_status(page: Page):
    """The share block's live message (the thank-you page has a status of its own)."""
    block = page.get_by_role("region", name=re.compile("^Now ask your friends"))
    return block.get_by_role("status")


def test_copy_link_puts_the_campaign_link_on_the_clipboard_and_says_so(demo, page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo.url)
    sign(page, demo.url)
    link = page.get_by_role("textbox", name="Link to the campaign")
    url = link.input_value()
    assert url.endswith(CAMPAIGN_PATH)
    # A desktop browser has no share sheet: no "Share…" button that would do nothing.
    expect(page.get_by_role("button", name="Share…")).to_be_hidden()

    page.get_by_role("button", name="Copy link").click()
    expect(share_status(page)).to_have_text(COPIED)
    assert page.evaluate("navigator.clipboard.readText()") == url

    # The QR code beside it holds exactly that link.
    svg = page.locator(".share-qr svg").evaluate("element => element.outerHTML")
    assert read_qr_svg(svg) == url
    expect(page.get_by_role("img", name=f"QR code of the link {url}")).to_be_visible()


def test_without_the_clipboard_api_the_older_copy_command_is_used(demo, page):
    page.add_init_script(NO_CLIPBOARD_API)
    sign(page, demo.url)
    page.get_by_role("button", name="Copy link").click()
    expect(share_status(page)).to_have_text(COPIED)


def test_where_nothing_can_copy_the_link_is_selected_and_the_page_says_how(demo, page):
    page.add_init_script(NO_COPY_AT_ALL)
    sign(page, demo.url)
    page.get_by_role("button", name="Copy link").click()
    expect(share_status(page)).to_have_text(re.compile("^The link is selected: copy it"))
    link = page.get_by_role("textbox", name="Link to the campaign")
    expect(link).to_be_focused()
    selected = link.evaluate("field => field.value.slice(field.selectionStart, field.selectionEnd)")
    assert selected == link.input_value()


def test_where_the_browser_has_a_share_sheet_share_opens_it_with_the_link(demo, page):
    page.add_init_script(SHARE_SHEET)
    sign(page, demo.url)
    url = page.get_by_role("textbox", name="Link to the campaign").input_value()
    share = page.get_by_role("button", name="Share…")
    expect(share).to_be_visible()
    # It comes first: on a phone it is the way to KakaoTalk.
    first = page.locator(".share button:visible").first
    expect(first).to_have_text("Share…")
    share.click()
    expect(share_status(page)).to_have_text("Thank you for sharing.")
    [shared] = page.evaluate("window.__shared")
    assert shared["url"] == url
    assert shared["title"]  # the campaign's title goes with it


def test_without_javascript_the_link_and_the_code_are_there(demo, page_without_javascript):
    page = page_without_javascript
    sign(page, demo.url)
    link = page.get_by_role("textbox", name="Link to the campaign")
    expect(link).to_be_visible()
    url = link.input_value()
    assert url.endswith(CAMPAIGN_PATH)
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
    expect(page.get_by_role("button", name="Share…")).to_be_hidden()
    expect(page.get_by_text("Tap “Share…” and choose KakaoTalk")).to_be_visible()
    code = page.get_by_role("img", name=f"QR code of the link {url}")
    expect(code).to_be_visible()
    svg = page.locator(".share-qr svg").evaluate("element => element.outerHTML")
    assert read_qr_svg(svg) == url
    # The link can be selected by hand.
    link.click()
    link.press("ControlOrMeta+a")
    selected = link.evaluate("field => field.value.slice(field.selectionStart, field.selectionEnd)")
    assert selected == url


def test_the_share_block_asks_nothing_of_another_host(demo, page):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign(page, demo.url)
    expect(page.locator(".share-qr svg")).to_be_visible()
    assert [url for url in requested if not url.startswith(demo.url)] == []
