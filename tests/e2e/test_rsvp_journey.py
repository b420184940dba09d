# ruff: noqa: F811 - fixtures are imported from tests/e2e and outcry.letters.testing
"""A supporter in Los Angeles replies to the Seoul event of the day of action, in a real browser.

She finds the day of action from the campaign page, says she will come with a guest,
confirms from the email a real SMTP server received, adds the event to her calendar, and
later cancels through the link in the email; her seats go back to the event.
"""

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from icalendar import Calendar
from playwright.sync_api import expect

from outcry.letters.testing import mail_server  # noqa: F401 - fixture
from tests.e2e.conftest import browser  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

SEOUL_EVENT = "Seoul: demonstration across from the Chinese Embassy"


@pytest.fixture
def demo(live_server, mail_server):
    call_command("load_demo", quiet_login=True, stdout=StringIO(), stderr=StringIO())
    return live_server


@pytest.fixture
def page_in_los_angeles(browser):
    context = browser.new_context(locale="en-US", timezone_id="America/Los_Angeles")
    yield context.new_page()
    context.close()


def links_in(message) -> dict[str, str]:
    text = message.get_body(("plain",)).get_content()
    words = [word for word in text.split() if word.startswith("http")]
    return {
        "confirm": next(urlsplit(w).path for w in words if "/confirm/" in w),
        "manage": next(urlsplit(w).path for w in words if "/rsvp/" in w),
    }


def test_a_supporter_in_los_angeles_replies_confirms_and_cancels(
    demo, mail_server, page_in_los_angeles
):
    page = page_in_los_angeles
    page.goto(demo.url + "/en/c/save-my-friend/")
    events = page.get_by_role("region", name="Vigils and protests")
    events.get_by_role("link", name="Worldwide day of action for North Korean refugees").click()
    page.get_by_role("link", name=SEOUL_EVENT).click()
    expect(page.locator(".event-facts")).to_contain_text("KST, Asia/Seoul time")
    rsvp = page.get_by_role("region", name="Will you come?")
    expect(rsvp).to_contain_text("60 places left.")

    rsvp.get_by_label("Your name").fill("Ana Torres")
    rsvp.get_by_label("Email address").fill("ana@example.org")
    rsvp.get_by_label("Guests coming with you").select_option("1")
    rsvp.get_by_role("button", name="I will be there").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    [message] = mail_server.inbox.messages()
    assert message["To"] == "ana@example.org"
    # (Python folds this long subject right after "Subject:"; unfolded, it keeps that space.)
    assert message["Subject"].strip() == f"Confirm your reply: {SEOUL_EVENT}"
    links = links_in(message)
    page.goto(demo.url + links["confirm"])
    expect(page.locator(".event-facts")).to_contain_text("Ana Torres")
    page.get_by_role("button", name="Confirm my reply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reply is confirmed")

    page.get_by_role("link", name=SEOUL_EVENT).click()
    expect(page.get_by_role("region", name="Will you come?")).to_contain_text("2 people are going")
    expect(page.get_by_role("region", name="Will you come?")).to_contain_text("58 places left.")
    with page.expect_download() as download:
        page.get_by_role("link", name="Calendar file (.ics)").click()
    [event] = Calendar.from_ical(open(download.value.path(), "rb").read()).walk("VEVENT")  # noqa: SIM115
    assert str(event["SUMMARY"]) == SEOUL_EVENT
    assert event["DTSTART"].params["TZID"] == "Asia/Seoul"

    # Plans change: she cancels through the link in the email, and the seats go back.
    page.goto(demo.url + links["manage"])
    page.get_by_role("button", name="Cancel my reply").click()
    expect(page.get_by_role("status")).to_contain_text("Your reply is cancelled.")
    page.get_by_role("link", name="Back to the event").click()
    expect(page.get_by_role("region", name="Will you come?")).to_contain_text("60 places left.")
