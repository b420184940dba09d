"""Organisers add and change their own organisation's events in the admin; bad input explained."""

import re
from datetime import UTC, datetime

import pytest
import time_machine

from outcry.events.models import Event
from outcry.events.testing import at, make_event
from outcry.testing import (
    admin_url,
    logged_in_client,
    make_campaign,
    make_organisation,
    make_organiser,
)

NOW = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)  # noon in Seoul


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(db):
    lead = make_organisation(name="Lead Rights")
    partner = make_organisation(name="Partner Watch")
    campaign = make_campaign(lead=lead, partners=[partner])
    return {
        "campaign": campaign,
        "lead": lead,
        "partner": partner,
        "lead_client": logged_in_client(make_organiser(organisation=lead)),
        "partner_client": logged_in_client(make_organiser(organisation=partner)),
    }


def form(campaign, organisation, **changes) -> dict:
    data = {
        "campaign": campaign.pk,
        "organisation": organisation.pk,
        "day_of_action": "",
        "status": "published",
        "approval": "approved",
        "time_zone": "Asia/Seoul",
        "starts_on": "2027-03-02",
        "starts_at": "14:00",
        "ends_on": "2027-03-02",
        "ends_at": "15:00",
        "recurrence": "",
        "cancelled_dates": "",
        "venue": "Across from the embassy",
        "address": "Jongno-gu, Seoul",
        "country": "KR",
        "latitude": "",
        "longitude": "",
        "directions": "Gyeongbokgung Station, exit 2.",
        "accessibility": "",
        "capacity": "",
        "contact": "",
        "texts-TOTAL_FORMS": "2",
        "texts-INITIAL_FORMS": "0",
        "texts-MIN_NUM_FORMS": "1",
        "texts-MAX_NUM_FORMS": "1000",
        "texts-0-language": "en",
        "texts-0-title": "Daily vigil",
        "texts-0-description": "Every day at 2 p.m.",
        "texts-1-language": "ko",
        "texts-1-title": "매일 집회",
        "texts-1-description": "매일 오후 2시.",
    }
    data.update(changes)
    return data


def test_an_organiser_adds_a_daily_vigil_that_ends_at_the_campaign_deadline(world):
    campaign = world["campaign"]
    campaign.deadline_at = datetime(2027, 3, 10, 14, 59, tzinfo=UTC)
    campaign.save()
    response = world["lead_client"].post(
        admin_url(Event, "add"),
        form(campaign, world["lead"], recurrence="rrule:freq=daily", cancelled_dates="2027-03-05"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get()
    assert event.recurrence == "FREQ=DAILY;UNTIL=20270310T145900Z"
    assert event.first_start_utc == datetime(2027, 3, 2, 5, 0, tzinfo=UTC)
    assert event.last_end_utc == datetime(2027, 3, 10, 6, 0, tzinfo=UTC)
    assert event.cancelled_dates == "2027-03-05"
    assert sorted(t.language for t in event.texts.all()) == ["en", "ko"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_on": "2027-02-28", "ends_on": "2027-02-28"}, "has already passed"),
        (
            {
                "starts_at": "11:00",
                "ends_at": "12:00",
                "starts_on": "2027-03-01",
                "ends_on": "2027-03-01",
            },
            "has already passed",
        ),
        ({"ends_at": "13:00"}, "The event must end after it starts."),
        ({"ends_on": "2027-03-01"}, "The event must end after it starts."),
        ({"time_zone": "Mars/Olympus_Mons"}, "Select a valid choice."),
        ({"time_zone": "KST"}, "Select a valid choice."),
        ({"recurrence": "FREQ=DAILY"}, "This recurrence never ends."),
        ({"recurrence": "FREQ=DAILY;COUNT=5000"}, "at most two years"),
        ({"recurrence": "FREQ=HOURLY;COUNT=3"}, "at most once a day"),
        ({"recurrence": "whenever"}, "not a recurrence rule we can read"),
        (
            {"recurrence": "FREQ=DAILY;COUNT=3", "cancelled_dates": "2027-03-09"},
            "does not take place on: 2027-03-09",
        ),
        ({"recurrence": "FREQ=DAILY;COUNT=3", "cancelled_dates": "next tuesday"}, "as YYYY-MM-DD"),
        ({"texts-0-title": "<b>Vigil</b>"}, "HTML tags such as"),
        ({"venue": "<script>alert(1)</script>"}, "HTML tags such as"),
        ({"directions": "Exit 2 <a href=x>map</a>"}, "HTML tags such as"),
        ({"texts-1-title": "매일\x07집회"}, "control characters"),
        ({"country": "XX"}, "Select a valid choice."),
        ({"latitude": "123"}, "less than or equal to 90"),
        ({"starts_on": "2027-02-30"}, "Enter a valid date."),
        ({"ends_on": "2027-03-20"}, "at most a week"),
        ({"texts-1-language": "zh-hans"}, "This campaign is written in: en, ko."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(world, changes, message):
    response = world["lead_client"].post(
        admin_url(Event, "add"), form(world["campaign"], world["lead"], **changes)
    )
    assert response.status_code == 200
    assert message in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    assert not Event.objects.exists()


def test_a_time_the_clocks_skip_is_refused(world):
    response = world["lead_client"].post(
        admin_url(Event, "add"),
        form(
            world["campaign"],
            world["lead"],
            time_zone="America/Los_Angeles",
            starts_on="2027-03-14",
            starts_at="02:30",
            ends_on="2027-03-14",
            ends_at="04:00",
            country="US",
        ),
    )
    assert response.status_code == 200
    assert "02:30 does not exist on 2027-03-14 in America/Los_Angeles" in response.content.decode()


def test_messages_come_in_the_organisers_language(world):
    client = world["lead_client"]
    response = client.post(
        admin_url(Event, "add").replace("/admin/", "/admin/"),
        form(world["campaign"], world["lead"], recurrence="FREQ=DAILY"),
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert response.status_code == 200
    assert "이 반복 일정은 끝나지 않습니다." in response.content.decode()


def test_a_partner_adds_its_own_event_but_cannot_touch_the_leads(world):
    campaign = world["campaign"]
    leads_event = make_event(campaign=campaign, starts=at(NOW.date(), 18), title="Lead's vigil")
    partner = world["partner_client"]

    # The partner adds an event in its own name on the lead's campaign.
    response = partner.post(admin_url(Event, "add"), form(campaign, world["partner"]))
    assert response.status_code == 302
    partners_event = Event.objects.get(organisation=world["partner"])

    # …but never in the lead's name.
    response = partner.post(
        admin_url(Event, "add"), form(campaign, world["lead"], venue="Borrowed")
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Event.objects.filter(venue="Borrowed").exists()

    # It reads the lead's event, and saving it changes nothing.
    page = partner.get(admin_url(leads_event, "change"))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    partner.post(admin_url(leads_event, "change"), form(campaign, world["partner"], venue="Taken"))
    partner.post(admin_url(leads_event, "delete"), {"post": "yes"})
    leads_event.refresh_from_db()
    assert leads_event.venue == "Across from the embassy"
    assert leads_event.organisation == world["lead"]

    # Nor does the lead change the partner's event.
    lead = world["lead_client"]
    assert 'name="_save"' not in lead.get(admin_url(partners_event, "change")).content.decode()
    lead.post(admin_url(partners_event, "delete"), {"post": "yes"})
    assert Event.objects.filter(pk=partners_event.pk).exists()


def test_another_organisation_neither_sees_nor_adds_events_to_the_campaign(world):
    campaign = world["campaign"]
    event = make_event(campaign=campaign, starts=at(NOW.date(), 18))
    outsider = make_organisation(name="Other Aid")
    client = logged_in_client(make_organiser(organisation=outsider))
    listing = client.get(admin_url(Event, "changelist"))
    assert admin_url(event, "change") not in listing.content.decode()
    assert client.get(admin_url(event, "change")).status_code in {302, 404}
    response = client.post(admin_url(Event, "add"), form(campaign, outsider))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Event.objects.count() == 1


def test_editing_an_event_whose_first_day_has_passed_is_allowed(world):
    campaign = world["campaign"]
    with time_machine.travel(datetime(2027, 2, 1, tzinfo=UTC), tick=False):
        event = make_event(
            campaign=campaign,
            starts=at(datetime(2027, 2, 2).date(), 14),
            recurrence="FREQ=DAILY;COUNT=60",
        )
    data = form(
        campaign,
        world["lead"],
        starts_on="2027-02-02",
        ends_on="2027-02-02",
        recurrence="FREQ=DAILY;COUNT=60",
        cancelled_dates="2027-03-03",
        **{"texts-INITIAL_FORMS": "2", "texts-0-id": "", "texts-1-id": ""},
    )
    texts = list(event.texts.order_by("language"))
    data.update(
        {
            "texts-0-id": texts[0].pk,
            "texts-0-event": event.pk,
            "texts-1-id": texts[1].pk,
            "texts-1-event": event.pk,
        }
    )
    response = world["lead_client"].post(admin_url(event, "change"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    event.refresh_from_db()
    assert event.cancelled_dates == "2027-03-03"


def test_the_add_page_offers_only_the_organisers_campaigns_organisations_and_days(
    world, django_assert_max_num_queries
):
    from outcry.events.testing import make_day_of_action

    campaign = world["campaign"]
    day = make_day_of_action(campaign=campaign, day=NOW.date())
    elsewhere = make_campaign(title="Elsewhere")
    make_day_of_action(campaign=elsewhere, day=NOW.date())  # never offered below
    with django_assert_max_num_queries(40):
        page = world["partner_client"].get(admin_url(Event, "add")).content.decode()

    def offered(name: str) -> set[str]:
        select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
        return set(re.findall(r'<option value="(\d+)"', select))

    assert offered("campaign") == {str(campaign.pk)}
    assert offered("organisation") == {str(world["partner"].pk)}
    assert offered("day_of_action") == {str(day.pk)}
    assert "Asia/Seoul" in page
