"""A supporter in Los Angeles finds the demo's day of action, reads the Seoul event's time on
Seoul's clock and downloads its calendar file, without JavaScript."""

import re

import pytest
from django.core.management import call_command
from icalendar import Calendar
from playwright.sync_api import expect

from tests.e2e.test_sign_journey import ko

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(live_server):
    call_command("load_demo", quiet_login=True)
    return live_server


@pytest.fixture
def page_in_los_angeles(browser):
    context = browser.new_context(
        locale="en-US", timezone_id="America/Los_Angeles", java_script_enabled=False
    )
    yield context.new_page()
    context.close()


def test_from_the_campaign_page_to_the_seoul_events_calendar_file(demo, page_in_los_angeles):
    page = page_in_los_angeles
    page.goto(demo.url + "/en/c/save-my-friend/")
    events = page.get_by_role("region", name="Vigils and protests")
    events.get_by_role("link", name="Worldwide day of action for North Korean refugees").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Worldwide day of action for North Korean refugees"
    )
    page.get_by_role("link", name="Seoul: demonstration across from the Chinese Embassy").click()
    facts = page.locator(".event-facts")
    expect(facts).to_contain_text("KST, Asia/Seoul time")
    expect(facts).to_contain_text("Gyeongbokgung Station (line 3), exit 2")

    with page.expect_download() as download:
        page.get_by_role("link", name="Calendar file (.ics)").click()
    body = open(download.value.path(), "rb").read()  # noqa: SIM115
    [event] = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Seoul: demonstration across from the Chinese Embassy"
    assert event["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert event["DTSTART"].dt.hour == 12

    # The same page in Korean, reached through the language switcher.
    page.get_by_role("link", name="한국어").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator(".event-facts")).to_contain_text(re.compile("Asia/Seoul 기준 시각"))
    expect(page.get_by_role("link", name=ko("Calendar file (.ics)"))).to_be_visible()
