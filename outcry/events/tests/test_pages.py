"""The public event pages, as a visitor without JavaScript reads them, in English and Korean."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from outcry.campaigns.models import Campaign
from outcry.events.models import Event
from outcry.events.testing import at, make_day_of_action, make_event
from outcry.testing import make_campaign

NOW = datetime(2027, 3, 10, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def visible(html: str) -> str:
    """The page's text as read, tags and the JSON-LD block left out."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_daily_vigil_shows_its_time_on_its_own_clock_its_directions_and_next_dates(
    client, campaign
):
    event = make_event(
        campaign=campaign,
        starts=at(NOW.date(), 14),
        recurrence="FREQ=DAILY;COUNT=20",
        cancelled_dates="2027-03-12",
        directions="Gyeongbokgung Station, exit 2, then 8 to 10 minutes on foot.",
        accessibility="Flat pavement; bring a stool.",
        capacity=40,
        contact="vigil@example.org",
    )
    text = visible(page(client, f"/en/c/{campaign.slug}/events/{event.pk}/"))
    assert "Vigil at the embassy" in text
    assert "14:00" in text or "2 p.m." in text
    assert "KST, Asia/Seoul time" in text
    assert "Gyeongbokgung Station, exit 2" in text
    assert "Flat pavement; bring a stool." in text
    assert "Room for 40 people" in text
    assert "vigil@example.org" in text
    # The next seven dates, the cancelled 12 March left out and named.
    dates = re.findall(
        r"datetime=\"(2027-03-\d\dT14:00:00\+09:00)\"",
        page(client, f"/en/c/{campaign.slug}/events/{event.pk}/"),
    )
    days = sorted({d[8:10] for d in dates})
    assert "12" not in days and {"10", "11", "13"} <= set(days)
    assert "Not taking place on: March 12, 2027" in text

    korean = visible(page(client, f"/ko/c/{campaign.slug}/events/{event.pk}/"))
    assert "대사관 앞 집회" in korean
    assert "KST, Asia/Seoul 기준 시각" in korean
    assert "다음 일정" in korean


def test_the_event_page_carries_schema_org_event_data(client, campaign):
    event = make_event(
        campaign=campaign,
        starts=at(NOW.date() + timedelta(days=3), 12),
        time_zone="America/Los_Angeles",
        country="US",
        venue="Consulate General of China in Los Angeles",
        address="443 Shatto Place, Los Angeles, CA 90020",
        latitude="34.06570",
        longitude="-118.29000",
        title="Protest </script><script>alert(1)</script>",
    )
    html = page(client, f"/en/c/{campaign.slug}/events/{event.pk}/")
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(block)
    assert data["@type"] == "Event"
    assert data["name"] == "Protest </script><script>alert(1)</script>"
    assert data["startDate"] == "2027-03-13T12:00:00-08:00"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["location"]["address"]["streetAddress"].startswith("443 Shatto Place")
    assert data["location"]["geo"]["latitude"] == 34.0657
    assert data["url"].endswith(f"/en/c/{campaign.slug}/events/{event.pk}/")
    # The title is escaped in the page, never markup.
    assert "<script>alert(1)</script>" not in html


def test_a_recurring_event_describes_its_schedule_in_json_ld(client, campaign):
    event = make_event(
        campaign=campaign, starts=at(NOW.date(), 14), recurrence="FREQ=DAILY;COUNT=5"
    )
    html = page(client, f"/en/c/{campaign.slug}/events/{event.pk}/")
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["eventSchedule"]["repeatFrequency"] == "P1D"
    assert data["eventSchedule"]["scheduleTimezone"] == "Asia/Seoul"
    assert data["eventSchedule"]["endDate"] == "2027-03-14"


def test_the_page_loads_nothing_from_another_host(client, campaign):
    event = make_event(campaign=campaign, starts=at(NOW.date() + timedelta(days=1), 12))
    html = page(client, f"/en/c/{campaign.slug}/events/{event.pk}/")
    for attribute in re.findall(r'(?:src|href)="([^"]+)"', html):
        if attribute.startswith("http"):
            # Only the plain "add to calendar" links leave the site, and only when followed.
            assert attribute.startswith(
                ("https://calendar.google.com/", "https://outlook.live.com/")
            ), attribute
    assert "<img" not in html and "<iframe" not in html


def test_calendar_links_are_plain_links_with_the_event_filled_in(client, campaign):
    event = make_event(campaign=campaign, starts=at(NOW.date() + timedelta(days=1), 14))
    html = page(client, f"/en/c/{campaign.slug}/events/{event.pk}/").replace("&amp;", "&")
    google = re.search(r'href="(https://calendar.google.com/[^"]+)"', html).group(1)
    assert "dates=20270311T050000Z%2F20270311T060000Z" in google
    assert "ctz=Asia%2FSeoul" in google
    outlook = re.search(r'href="(https://outlook.live.com/[^"]+)"', html).group(1)
    assert "startdt=2027-03-11T05%3A00%3A00Z" in outlook
    assert f'href="/en/c/{campaign.slug}/events/{event.pk}/calendar.ics"' in html


def test_a_cancelled_event_says_so_and_an_over_one_too(client, campaign):
    cancelled = make_event(
        campaign=campaign, starts=at(NOW.date() + timedelta(days=2), 12), status="cancelled"
    )
    text = visible(page(client, f"/en/c/{campaign.slug}/events/{cancelled.pk}/"))
    assert "This event is cancelled." in text
    assert "Add to your calendar" not in text
    with time_machine.travel(NOW + timedelta(days=5), tick=False):
        over = make_event(campaign=campaign, starts=at(NOW.date() + timedelta(days=6), 12))
    with time_machine.travel(NOW + timedelta(days=10), tick=False):
        text = visible(page(client, f"/en/c/{campaign.slug}/events/{over.pk}/"))
    assert "This event is over." in text


@pytest.mark.parametrize(
    "path",
    [
        "/en/c/{slug}/events/{pk}/",
        "/en/c/{slug}/events/{pk}/calendar.ics",
    ],
)
def test_hidden_or_foreign_events_are_404(client, campaign, path):
    other = make_campaign(title="Another campaign")
    foreign = make_event(campaign=other, starts=at(NOW.date() + timedelta(days=2), 12))
    proposed = make_event(
        campaign=campaign, starts=at(NOW.date() + timedelta(days=2), 12), approval="proposed"
    )
    draft = make_campaign(status=Campaign.Status.DRAFT)
    in_draft = make_event(campaign=draft, starts=at(NOW.date() + timedelta(days=2), 12))
    for slug, pk in [
        (campaign.slug, foreign.pk),
        (campaign.slug, proposed.pk),
        (draft.slug, in_draft.pk),
        (campaign.slug, 99999999),
    ]:
        assert client.get(path.format(slug=slug, pk=pk)).status_code == 404


def test_the_list_shows_upcoming_events_soonest_first_and_filters_by_country(client, campaign):
    vigil = make_event(
        campaign=campaign,
        starts=at(NOW.date() - timedelta(days=10), 14),
        recurrence="FREQ=DAILY;COUNT=60",
        title="Seoul vigil",
    )
    make_event(
        campaign=campaign,
        starts=at(NOW.date() + timedelta(days=4), 12),
        time_zone="America/Chicago",
        country="US",
        title="Chicago protest",
    )
    make_event(
        campaign=campaign,
        starts=at(NOW.date() + timedelta(days=2), 12),
        time_zone="America/New_York",
        country="US",
        title="New York protest",
    )
    make_event(
        campaign=campaign, starts=at(NOW.date() - timedelta(days=3), 12), title="Last week's"
    )
    make_event(
        campaign=campaign,
        starts=at(NOW.date() + timedelta(days=1), 12),
        approval="proposed",
        title="Waiting for approval",
    )
    assert vigil.first_start_utc < NOW
    text = visible(page(client, f"/en/c/{campaign.slug}/events/"))
    assert (
        text.index("Seoul vigil") < text.index("New York protest") < text.index("Chicago protest")
    )
    assert "Last week's" not in text and "Waiting for approval" not in text

    us_only = visible(page(client, f"/en/c/{campaign.slug}/events/?country=us"))
    assert "New York protest" in us_only and "Chicago protest" in us_only
    assert "Seoul vigil" not in us_only
    korean = visible(page(client, f"/ko/c/{campaign.slug}/events/?country=US"))
    assert "미국" in korean

    for nonsense in ["ZZ", "<script>", "x" * 5000, "%00"]:
        response = client.get(f"/en/c/{campaign.slug}/events/", {"country": nonsense})
        assert response.status_code in {200, 400}
        if response.status_code == 200:
            assert "There are no upcoming events in that country" in response.content.decode()


def test_the_campaign_page_links_to_the_events_and_the_day_of_action(client, campaign):
    day = make_day_of_action(
        campaign=campaign, day=NOW.date() + timedelta(days=21), title="Worldwide day"
    )
    make_event(
        campaign=campaign,
        starts=at(day.date, 12),
        day_of_action=day,
        title="London vigil",
        time_zone="Europe/London",
        country="GB",
    )
    html = page(client, f"/en/c/{campaign.slug}/")
    assert f'href="/en/c/{campaign.slug}/events/"' in html
    assert f'href="/en/c/{campaign.slug}/days/{day.pk}/"' in html
    assert "London vigil" in visible(html)
    assert f'href="/en/c/{campaign.slug}/events/calendar.ics"' in html


def test_a_campaign_without_events_shows_no_events_section(client, campaign):
    html = page(client, f"/en/c/{campaign.slug}/")
    assert 'id="events"' not in html


def test_the_day_of_action_lists_its_events_by_country_each_on_its_clock(client, campaign):
    day = make_day_of_action(
        campaign=campaign, day=NOW.date() + timedelta(days=10), title="Worldwide day"
    )
    for zone, country, title in [
        ("Asia/Seoul", "KR", "Seoul demonstration"),
        ("Europe/London", "GB", "London vigil"),
        ("America/Toronto", "CA", "Toronto vigil"),
    ]:
        make_event(
            campaign=campaign,
            starts=at(day.date, 12),
            day_of_action=day,
            title=title,
            time_zone=zone,
            country=country,
        )
    make_event(campaign=campaign, starts=at(day.date, 12), title="Not part of the day")
    text = visible(page(client, f"/en/c/{campaign.slug}/days/{day.pk}/"))
    assert "Worldwide day" in text
    assert "3 events in 3 countries or regions." in text
    assert text.index("Canada") < text.index("South Korea") < text.index("United Kingdom")
    assert "Not part of the day" not in text
    # 20 March 2027: Toronto has moved to summer time, London not yet.
    assert "GMT, Europe/London time" in text
    assert "EDT, America/Toronto time" in text and "EST" not in text
    korean = visible(page(client, f"/ko/c/{campaign.slug}/days/{day.pk}/"))
    assert "공동 행동의 날" in korean and "캐나다" in korean
    other = make_campaign()
    assert client.get(f"/en/c/{other.slug}/days/{day.pk}/").status_code == 404


def test_event_pages_answer_html_escaped_texts(client, campaign):
    event = make_event(
        campaign=campaign,
        starts=at(NOW.date() + timedelta(days=1), 12),
        description="Line one\nLine <two>",
    )
    Event.objects.filter(pk=event.pk).update(directions="Exit 2 & <b>left</b>")
    html = page(client, f"/en/c/{campaign.slug}/events/{event.pk}/")
    assert "Exit 2 &amp; &lt;b&gt;left&lt;/b&gt;" in html
    assert "Line &lt;two&gt;" in html
