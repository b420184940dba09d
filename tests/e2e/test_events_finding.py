"""A supporter in Los Angeles finds the demo's day of action, reads the Seoul event's time on
Seoul's clock and on their own (events.js), downloads its calendar file, and finds the
events near them by typing a place or with "Use my location"; the same in Korean."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from icalendar import Calendar
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

LOS_ANGELES = {"latitude": 34.0522, "longitude": -118.2437}
SEOUL_EVENT = "Seoul: demonstration across from the Chinese Embassy"


@pytest.fixture
def demo(live_server):
    call_command("load_demo", quiet_login=True)
    return live_server


def in_los_angeles(browser, **options):
    return browser.new_context(locale="en-US", timezone_id="America/Los_Angeles", **options)


@pytest.fixture
def page_in_los_angeles(browser):
    context = in_los_angeles(browser)
    yield context.new_page()
    context.close()


def los_angeles_clock(iso_start: str) -> tuple[str, str]:
    """The hour ("7:00") and zone ("PDT") a Los Angeles clock shows at *iso_start*."""
    there = datetime.fromisoformat(iso_start).astimezone(ZoneInfo("America/Los_Angeles"))
    return f"{there.hour % 12 or 12}:{there.minute:02d}", there.tzname()


def test_the_seoul_event_on_seoul_and_los_angeles_clocks_and_its_calendar_file(
    demo, page_in_los_angeles
):
    page = page_in_los_angeles
    page.goto(demo.url + "/en/c/save-my-friend/")
    events = page.get_by_role("region", name="Vigils and protests")
    events.get_by_role("link", name="Worldwide day of action for North Korean refugees").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Worldwide day of action for North Korean refugees"
    )
    # The day's map: a point per local event with coordinates, each a link to its page.
    expect(page.locator("figure.events-map svg a")).not_to_have_count(0)
    page.get_by_role("link", name=SEOUL_EVENT).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SEOUL_EVENT)

    facts = page.locator(".event-facts")
    expect(facts).to_contain_text("KST, Asia/Seoul time")
    start = facts.locator(".when-at").get_attribute("data-start")
    assert start.endswith("T12:00:00+09:00")
    hour, zone = los_angeles_clock(start)
    mine = facts.locator(".your-time")
    expect(mine).to_contain_text("Your time: ")
    expect(mine).to_contain_text(hour)
    expect(mine).to_contain_text(zone)

    with page.expect_download() as download:
        page.get_by_role("link", name="Calendar file (.ics)").click()
    with open(download.value.path(), "rb") as file:
        [event] = Calendar.from_ical(file.read()).walk("VEVENT")
    assert str(event["SUMMARY"]) == SEOUL_EVENT
    assert event["DTSTART"].params["TZID"] == "Asia/Seoul"
    assert event["DTSTART"].dt.isoformat() == start

    # In Korean: the page's own clock, and the visitor's in Korean order ("오후 7:00").
    page.get_by_role("link", name="한국어").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    facts = page.locator(".event-facts")
    expect(facts).to_contain_text("Asia/Seoul 기준 시각")
    expect(facts.locator(".your-time")).to_contain_text(re.compile(r"내 시각: .*(오전|오후) "))


def test_a_visitor_in_seoul_is_not_told_their_time_twice(demo, browser):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    page = context.new_page()
    page.goto(demo.url + "/ko/c/save-my-friend/events/")
    expect(page.locator(".when-at").first).to_be_visible()
    assert page.locator('.when-at[data-zone="Asia/Seoul"] .your-time').count() == 0
    # A New York protest, on a Seoul clock (Korean names the zone by its offset).
    expect(page.locator('.when-at[data-zone="America/New_York"] .your-time').first).to_contain_text(
        re.compile(r"내 시각: .*GMT\+9")
    )
    context.close()


def test_typing_a_place_lists_the_events_near_it_on_a_map(demo, page_in_los_angeles):
    page = page_in_los_angeles
    page.goto(demo.url + "/en/c/save-my-friend/events/")
    page.get_by_label("Near").fill("Long Beach")
    page.get_by_label("Distance").select_option("50")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(
        "within 50 km of Long Beach, CA, United States, nearest first"
    )
    rows = page.locator(".event-list > li")
    expect(rows.first).to_contain_text("Los Angeles")
    expect(rows.first.locator(".distance")).to_have_text(re.compile(r"^[1-4]\d km away$"))
    expect(page.get_by_text("Washington")).to_have_count(0)
    point = page.locator("figure.events-map svg a").first
    expect(point).to_have_attribute("href", re.compile(r"/en/c/save-my-friend/events/\d+/\?place="))
    # Springfield is several places: each is a link that searches it.
    page.get_by_label("Near").fill("Springfield")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_contain_text("Several places are called “Springfield”")
    page.get_by_role("link", name="Springfield, IL, United States", exact=True).click()
    expect(page.get_by_label("Near")).to_have_value("Springfield, IL")


def test_use_my_location_finds_the_events_near_the_visitor(demo, browser):
    context = in_los_angeles(browser, geolocation=LOS_ANGELES, permissions=["geolocation"])
    page = context.new_page()
    page.goto(demo.url + "/en/c/save-my-friend/events/")
    page.get_by_label("Distance").select_option("25")
    page.get_by_role("button", name="Use my location").click()
    expect(page.get_by_label("Near")).to_have_value("34.05, -118.24")
    expect(page.get_by_role("heading", level=2)).to_contain_text("within 25 km of Los Angeles")
    expect(page.locator(".event-list > li").first).to_contain_text("Los Angeles")
    context.close()


def test_a_browser_that_refuses_is_asked_to_type_a_place_in_korean(demo, browser):
    context = in_los_angeles(browser)  # no permission: the browser says no
    page = context.new_page()
    page.goto(demo.url + "/ko/c/save-my-friend/events/")
    page.get_by_role("button", name="내 위치 사용").click()
    expect(page.locator(".near-me-status")).to_have_text(
        "브라우저가 위치를 알려 주지 않았습니다. 대신 장소를 입력해 주세요."
    )
    context.close()


def test_without_javascript_the_search_works_and_there_is_no_location_button(demo, browser):
    context = in_los_angeles(browser, java_script_enabled=False)
    page = context.new_page()
    page.goto(demo.url + "/ko/c/save-my-friend/events/")
    expect(page.get_by_role("button", name="내 위치 사용")).to_be_hidden()
    page.get_by_label("장소").fill("시카고")
    page.get_by_role("button", name="보기").click()
    expect(page.locator(".event-list > li").first).to_contain_text("시카고")
    expect(page.locator(".event-list .distance").first).to_contain_text("km 거리")
    assert page.locator(".your-time").count() == 0
    context.close()
