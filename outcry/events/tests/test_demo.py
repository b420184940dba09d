"""The demo's events: the daily Seoul vigil from today to the deadline, the US protests, and a
day of action three weeks out with local events in several countries, all valid as the admin
would check them and reachable from the campaign page."""

import re
import zoneinfo
from datetime import UTC, datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from outcry.campaigns.models import Campaign
from outcry.events.models import DayOfAction, Event

NOW = datetime(2027, 5, 3, 9, 30, tzinfo=UTC)  # 18:30 in Seoul: today's vigil is over
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    with time_machine.travel(NOW, tick=False):
        call_command("load_demo", "--quiet-login", stdout=StringIO(), stderr=StringIO())
        yield Campaign.objects.get(slug="save-my-friend")


def test_the_vigil_runs_daily_at_two_in_seoul_from_today_until_the_deadline(demo, client):
    vigil = Event.objects.get(campaign=demo, time_zone="Asia/Seoul", day_of_action=None)
    assert vigil.starts_on == NOW.astimezone(SEOUL).date()
    assert vigil.starts_at == time(14, 0)
    assert "exit 2" in vigil.directions and "8 to 10 minutes" in vigil.directions
    assert vigil.organisation.slug == "save-my-friend"
    upcoming = vigil.next_occurrences(100)
    assert upcoming[0].local_start.date() == NOW.astimezone(SEOUL).date() + timedelta(days=1)
    assert upcoming[-1].start <= demo.deadline_at
    assert upcoming[-1].local_start.date() == demo.deadline_at.astimezone(SEOUL).date()
    assert all(o.local_start.time() == time(14, 0) for o in upcoming)
    page = client.get(f"/ko/c/{demo.slug}/events/{vigil.pk}/").content.decode()
    assert "경복궁역 3호선 2번 출구" in page


def test_the_us_protests_and_the_day_of_action_fall_in_the_coming_weeks(demo, client):
    protests = Event.objects.filter(campaign=demo, country="US", day_of_action=None)
    assert {e.address.split(",")[0] for e in protests} == {
        "520 12th Avenue",
        "443 Shatto Place",
        "100 West Erie St.",
        "3505 International Place NW",
    }
    for event in protests:
        assert NOW < event.first_start_utc < NOW + timedelta(weeks=3)
    washington = protests.get(address__startswith="3505")
    assert washington.starts_on.weekday() == 3 and washington.starts_at == time(12, 0)

    day = DayOfAction.objects.get(campaign=demo)
    assert day.date == NOW.astimezone(SEOUL).date() + timedelta(days=21)
    local = Event.objects.filter(day_of_action=day)
    assert len({event.country for event in local}) >= 4
    for event in [*protests, *local]:
        event.full_clean()  # valid as the admin would check it

    campaign_page = client.get(f"/en/c/{demo.slug}/").content.decode()
    assert f'href="/en/c/{demo.slug}/days/{day.pk}/"' in campaign_page
    assert f'href="/en/c/{demo.slug}/events/"' in campaign_page
    day_page = client.get(f"/en/c/{demo.slug}/days/{day.pk}/").content.decode()
    for city in ["Seoul", "Washington", "London", "Tokyo", "Toronto"]:
        assert city in day_page
    listing = client.get(f"/en/c/{demo.slug}/events/").content.decode()
    assert (
        len(re.findall(r'<li lang="en">', listing))
        == Event.objects.filter(campaign=demo).public().count()
    )
    # One local event a supporter proposed waits for an organiser's approval, unseen.
    [proposed] = Event.objects.filter(campaign=demo, approval=Event.Approval.PROPOSED)
    assert proposed.host.confirmed_at is not None
    assert proposed.day_of_action == day
    assert "Melbourne" not in day_page and "Melbourne" not in listing


def test_loading_the_demo_again_adds_nothing(demo):
    before = Event.objects.count()
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        call_command("load_demo", "--quiet-login", stdout=StringIO(), stderr=StringIO())
    assert Event.objects.count() == before
    assert DayOfAction.objects.count() == 1
