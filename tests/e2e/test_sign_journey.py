"""A supporter signs the demo petition in a real browser, in Korean, and confirms by email.

The live server runs in this process (pytest-django's ``live_server``), so the
confirmation email lands in Django's locmem outbox, where the test reads it.
"""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

CAMPAIGN_PATH = "/en/c/save-my-friend/"


def starting(text: str) -> re.Pattern:
    """Match an accessible name that starts with *text* (labels may add "(required)")."""
    return re.compile(rf"^{re.escape(text)}")


def ko(message: str) -> str:
    """*message* as the Korean interface shows it (English until the catalogue has it)."""
    with translation.override("ko"):
        return gettext(message)


@pytest.fixture
def demo(live_server):
    """The demo campaign on a live server; mail stays in this process's outbox."""
    assert settings.MAILERS["default"]["BACKEND"] == "django.core.mail.backends.locmem.EmailBackend"
    call_command("load_demo", quiet_login=True)
    return live_server


def confirmation_path() -> str:
    """The link from the one confirmation email sent, without the site's base URL."""
    [message] = mail.outbox
    url = next(word for word in message.body.split() if "/confirm/" in word)
    assert url.startswith(settings.BASE_URL + "/")
    return url.removeprefix(settings.BASE_URL)


def expect_count(page: Page, count: int) -> None:
    petition = page.get_by_role("region", name=re.compile("UNHCR|유엔난민기구"))
    expect(petition.get_by_role("progressbar")).to_have_attribute("value", str(count))
    if count:
        expect(petition.locator(".count")).to_have_text(str(count))
    else:  # the first signers are asked to be among the first 100, not told "0"
        expect(petition.locator(".count")).to_have_count(0)


def test_korean_supporter_signs_confirms_by_email_and_is_counted(demo, page):
    page.goto(demo.url + CAMPAIGN_PATH)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect_count(page, 0)

    page.get_by_role("navigation", name="Language").get_by_role("link", name="한국어").click()
    expect(page).to_have_url(demo.url + "/ko/c/save-my-friend/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "탈북자 31명의 강제 북송을 막아 주세요"
    )

    # The petition's form: the page's "get updates" form asks for a name and address too.
    form = page.locator("form.sign")
    form.get_by_role("textbox", name=starting(ko("Your name"))).fill("김민지")
    form.get_by_role("textbox", name=starting(ko("Email address"))).fill("minji@example.org")
    # The coalition is named as Korean readers know it.
    form.get_by_label("북한자유연합", exact=False).check()
    form.get_by_role("button", name=ko("Sign the petition")).click()

    expect(page).to_have_url(re.compile(r"/ko/petitions/unhcr-save-my-friend/thanks/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", level=1)).to_have_text(ko("Thank you for signing"))
    # site.js ran: it shows the copy button where the Clipboard API exists.
    expect(page.get_by_role("button", name=ko("Copy link"))).to_be_visible()

    page.goto(demo.url + confirmation_path())
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", level=1)).to_have_text(ko("Confirm your signature"))
    page.get_by_role("button", name=ko("Confirm my signature")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ko("Your signature is confirmed"))

    page.get_by_role("link", name=ko("Back to the campaign")).click()
    expect(page).to_have_url(demo.url + "/ko/c/save-my-friend/")
    expect_count(page, 1)


def test_signing_works_with_javascript_turned_off(demo, page_without_javascript):
    page = page_without_javascript
    page.goto(demo.url + CAMPAIGN_PATH)
    expect_count(page, 0)

    form = page.locator("form.sign")
    form.get_by_role("textbox", name=starting("Your name")).fill("Min-jun Kim")
    form.get_by_role("textbox", name=starting("Email address")).fill("min@example.org")
    form.get_by_role("button", name="Sign the petition").click()

    expect(page).to_have_url(re.compile(r"/en/petitions/unhcr-save-my-friend/thanks/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()  # no script ran
    page.goto(demo.url + confirmation_path())
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your signature is confirmed")
    page.goto(demo.url + CAMPAIGN_PATH)
    expect_count(page, 1)


def test_a_page_from_the_page_cache_arrives_compressed_and_its_form_signs(demo, page, settings):
    """A surge's reads: the campaign page answered from the front of the middleware
    (site.middleware.CachedPageMiddleware), gzip-compressed with this browser's token."""
    settings.PAGE_CACHE_SECONDS = 30
    page.goto(demo.url + CAMPAIGN_PATH)  # rendered and kept
    answers = []
    page.on("response", lambda response: answers.append(response))
    page.reload()
    [html] = [answer for answer in answers if answer.url == demo.url + CAMPAIGN_PATH]
    assert html.all_headers()["content-encoding"] == "gzip"
    assert int(html.all_headers()["content-length"]) < len(html.body()) / 2  # body() is inflated
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Stop the forced return of 31 North Korean refugees"
    )
    form = page.locator("form.sign")
    form.get_by_role("textbox", name=starting("Your name")).fill("Min-jun Kim")
    form.get_by_role("textbox", name=starting("Email address")).fill("min@example.org")
    form.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")
