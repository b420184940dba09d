"""Organisers see RSVP counts, export the attendees who consented to them, and check people in.

Two organisations on one campaign (the lead "Owner Rights" and its partner
"Partner Watch") and a third on its own ("Other Aid") each try the others'
URLs: the export and the check-in page are the event's organisation's only.
"""

import csv
import io
import threading
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from outcry.core.models import AuditEvent
from outcry.core.spreadsheet import BYTE_ORDER_MARK
from outcry.events.models import DayOfAction, Event, Rsvp
from outcry.events.testing import at, make_day_of_action, make_event
from outcry.testing import (
    admin_url,
    give_consent,
    logged_in_client,
    make_admin_world,
    make_campaign,
    make_supporter,
)

_tokens = count(1)
TODAY = date(2027, 3, 1)


@pytest.fixture(autouse=True)
def frozen():
    # Noon in Seoul, where the events happen.
    with time_machine.travel(datetime(2027, 3, 1, 3, 0, tzinfo=UTC), tick=False):
        yield


def rsvp(event, name="Ji-woo Park", *, consents_to=(), day=None, **fields) -> Rsvp:
    """A reply to *event*: going and confirmed unless told otherwise."""
    n = next(_tokens)
    supporter = make_supporter(
        email=fields.pop("email", f"attendee-{n}@example.org"), name=name, consents_to=consents_to
    )
    defaults = {
        "status": Rsvp.Status.GOING,
        "confirmed_at": timezone.now(),
        "language": "en",
        "guests": 0,
    }
    return Rsvp.objects.create(
        event=event,
        supporter=supporter,
        date=day,
        name=name,
        token=f"token-{n}",
        **(defaults | fields),
    )


@pytest.fixture
def world(db):
    world = make_admin_world()
    campaign = world["campaign"]
    world["protest"] = make_event(
        campaign=campaign, starts=at(TODAY + timedelta(days=3), 18), capacity=10, title="Protest"
    )
    world["partner_event"] = make_event(
        campaign=campaign,
        organisation=world["partner"],
        starts=at(TODAY + timedelta(days=4), 18),
        title="Partner vigil",
    )
    other_campaign = make_campaign(lead=world["other"], title="Other campaign")
    world["other_event"] = make_event(
        campaign=other_campaign, starts=at(TODAY + timedelta(days=3), 18), title="Other rally"
    )
    for key in ("owner", "partner", "other"):
        world[f"{key}_client"] = logged_in_client(world[f"{key}_organiser"])
    return world


def page(response) -> str:
    return response.content.decode()


def export_url(event) -> str:
    return reverse("admin:events_event_attendees", args=[event.pk])


def check_in_url(event, **query) -> str:
    url = reverse("admin:events_event_check_in", args=[event.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def download(client, event, **form) -> list[list[str]]:
    response = client.post(export_url(event), form)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    assert text.startswith(BYTE_ORDER_MARK)
    return list(csv.reader(io.StringIO(text.removeprefix(BYTE_ORDER_MARK))))


# --- counts --------------------------------------------------------------------------------


def cells(html: str, event) -> str:
    """The text of *event*'s row in the change list."""
    start = html.index(f"/admin/events/event/{event.pk}/change/")
    return html[start : html.index("</tr>", start)]


def test_the_event_list_counts_people_going_waiting_and_places_left(world):
    protest = world["protest"]
    owner = world["owner"]
    rsvp(protest, guests=2, consents_to=[owner])  # 3 going
    rsvp(
        protest,
        "Unconfirmed Holder",
        confirmed_at=None,
        hold_until=timezone.now() + timedelta(hours=1),
    )
    rsvp(protest, "Waiting Person", status=Rsvp.Status.WAITING, guests=1)
    rsvp(protest, "Cancelled Person", status=Rsvp.Status.CANCELLED)
    response = world["owner_client"].get(admin_url(Event, "changelist"))
    row = cells(page(response), protest)
    # going 3 (confirmed only), waiting 2 people, places left 10 - 3 - 1 held = 6
    assert '<td class="field-going">3</td>' in row
    assert '<td class="field-waiting">2</td>' in row
    assert '<td class="field-places_left">6</td>' in row


def test_a_daily_vigil_counts_its_next_date_and_every_date_replies(world):
    vigil = make_event(
        campaign=world["campaign"],
        starts=at(TODAY + timedelta(days=1), 14),
        recurrence="FREQ=DAILY;COUNT=5",
        capacity=20,
        title="Daily vigil",
    )
    tomorrow = TODAY + timedelta(days=1)
    rsvp(vigil, day=tomorrow, guests=1)  # 2 tomorrow
    rsvp(vigil, day=tomorrow + timedelta(days=1), guests=4)  # not tomorrow
    rsvp(vigil)  # every date: 1
    row = cells(page(world["owner_client"].get(admin_url(Event, "changelist"))), vigil)
    assert '<td class="field-next_date nowrap">March 2, 2027</td>' in row
    assert '<td class="field-going">3</td>' in row
    assert '<td class="field-places_left">17</td>' in row
    detail = page(world["owner_client"].get(admin_url(vigil)))
    table = detail[detail.index('id="attendance"') :]
    assert "2027-03-02" in table and "2027-03-06" in table
    assert "<td>3</td>" in table  # 2 March
    assert "<td>6</td>" in table  # 3 March: 5 + the every-date 1


def test_the_list_makes_no_query_per_event(world):
    client = world["owner_client"]
    url = admin_url(Event, "changelist")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        event = make_event(
            campaign=world["campaign"],
            starts=at(TODAY + timedelta(days=5 + n), 18),
            recurrence="FREQ=WEEKLY;COUNT=3" if n % 2 else "",
            capacity=5,
        )
        rsvp(event)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    day_url = admin_url(DayOfAction, "changelist")
    with CaptureQueriesContext(connection) as one_day:
        client.get(day_url)
    for n in range(4):
        day = make_day_of_action(campaign=world["campaign"], day=TODAY + timedelta(days=9 + n))
        rsvp(make_event(campaign=world["campaign"], starts=at(day.date, 18), day_of_action=day))
    with CaptureQueriesContext(connection) as five_days:
        client.get(day_url)
    assert len(five_days) == len(one_day)
    # Still the site's change list: a lookup no filter offers is refused (core.admin).
    assert client.get(url + "?rsvps__name__startswith=J").status_code == 400


def test_a_day_of_action_totals_its_local_events_people_and_countries(world):
    campaign = world["campaign"]
    day = make_day_of_action(campaign=campaign, day=TODAY + timedelta(days=20))
    seoul = make_event(campaign=campaign, starts=at(day.date, 14), day_of_action=day)
    tokyo = make_event(
        campaign=campaign,
        starts=at(day.date, 14),
        day_of_action=day,
        time_zone="Asia/Tokyo",
        country="JP",
    )
    busan = make_event(campaign=campaign, starts=at(day.date, 18), day_of_action=day)
    make_event(  # proposed, not approved: not counted
        campaign=campaign,
        starts=at(day.date, 18),
        day_of_action=day,
        country="US",
        time_zone="America/New_York",
        approval=Event.Approval.PROPOSED,
    )
    rsvp(seoul, guests=2)
    rsvp(tokyo)
    rsvp(busan, confirmed_at=None, hold_until=timezone.now() + timedelta(hours=1))
    html = page(world["partner_client"].get(admin_url(type(day), "changelist")))
    start = html.index(f"/admin/events/dayofaction/{day.pk}/change/")
    row = html[start : html.index("</tr>", start)]
    assert '<td class="field-event_total">3</td>' in row
    assert '<td class="field-going_total">4</td>' in row
    assert '<td class="field-country_total">2</td>' in row
    detail = page(world["owner_client"].get(admin_url(day)))
    totals = detail[detail.index('id="day-totals"') :]
    assert "<dt>local events</dt><dd>3</dd>" in totals
    assert "<dt>countries</dt><dd>2</dd>" in totals


# --- the export ----------------------------------------------------------------------------


def test_the_export_names_only_attendees_who_consented_to_the_organisation(world):
    protest, owner, partner = world["protest"], world["owner"], world["partner"]
    rsvp(protest, "Min-ji Kim", consents_to=[owner], email="minji@example.org", phone="010-1234")
    rsvp(protest, "Hidden Person", email="hidden@example.org", phone="010-9999")
    rsvp(protest, "Partner Fan", consents_to=[partner], email="fan@example.org")
    unconfirmed = rsvp(protest, "Not Yet", email="notyet@example.org")
    give_consent(unconfirmed.supporter, owner, confirmed=False)
    withdrawn = rsvp(protest, "Gone Away", consents_to=[owner], email="gone@example.org")
    withdrawn.supporter.consents.update(withdrawn_at=timezone.now())
    rsvp(protest, "Waiting Wu", consents_to=[owner], status=Rsvp.Status.WAITING)

    client = world["owner_client"]
    explained = page(client.get(export_url(protest)))
    assert "The file will hold 2 attendees who agreed to hear from Owner Rights" in explained
    assert "4 more attendees did not consent to share their details with you." in explained

    rows = download(client, protest)
    assert rows[0][:4] == ["date", "name", "email", "phone"]
    named = {row[1]: row for row in rows[1:-1]}
    assert set(named) == {"Min-ji Kim", "Waiting Wu"}
    assert named["Min-ji Kim"][2:4] == ["minji@example.org", "010-1234"]
    assert named["Waiting Wu"][5] == "on the waiting list"
    assert rows[-1] == ["4 more attendees did not consent to share their details with you."]
    text = str(rows)
    for secret in ("hidden", "Hidden", "fan@", "Partner Fan", "notyet", "gone@", "010-9999"):
        assert secret not in text

    audit = AuditEvent.objects.get(action="export-attendees")
    assert audit.actor == world["owner_organiser"]
    assert audit.organisation == owner
    assert audit.details["row_count"] == 2 and audit.details["not_shared_count"] == 4


def test_the_partner_exports_its_own_event_with_its_own_consents(world):
    event, partner = world["partner_event"], world["partner"]
    rsvp(event, "Partner Fan", consents_to=[partner], email="fan@example.org")
    rsvp(event, "Owner Fan", consents_to=[world["owner"]], email="ownerfan@example.org")
    rows = download(world["partner_client"], event)
    assert rows[1][1:3] == ["Partner Fan", "fan@example.org"]
    assert rows[2:] == [["1 more attendee did not consent to share their details with you."]]
    assert "ownerfan@example.org" not in str(rows)


def test_names_that_look_like_formulas_are_exported_as_text(world):
    protest, owner = world["protest"], world["owner"]
    rsvp(protest, '=HYPERLINK("http://evil.example","click")', consents_to=[owner], phone="+1 555")
    rsvp(protest, "@SUM(1+1)", consents_to=[owner], phone="-2")
    rows = download(world["owner_client"], protest)
    names = sorted(row[1] for row in rows[1:])
    assert names == ['\'=HYPERLINK("http://evil.example","click")', "'@SUM(1+1)"]
    phones = sorted(row[3] for row in rows[1:])
    assert phones == ["'+1 555", "'-2"]


def test_a_recurring_events_export_can_be_for_one_date(world):
    vigil = make_event(
        campaign=world["campaign"],
        starts=at(TODAY + timedelta(days=1), 14),
        recurrence="FREQ=DAILY;COUNT=3",
    )
    owner = world["owner"]
    rsvp(vigil, "Day One", day=TODAY + timedelta(days=1), consents_to=[owner])
    rsvp(vigil, "Day Two", day=TODAY + timedelta(days=2), consents_to=[owner])
    rsvp(vigil, "Every Day", consents_to=[owner])
    rows = download(world["owner_client"], vigil, date="2027-03-03")
    assert sorted(row[1] for row in rows[1:]) == ["Day Two", "Every Day"]
    assert {row[0] for row in rows[1:]} == {"2027-03-03", "every date"}
    refused = world["owner_client"].post(export_url(vigil), {"date": "2027-02-30"})
    assert refused.status_code == 400
    assert "Choose one of the dates listed" in page(refused)
    assert AuditEvent.objects.filter(action="export-attendees").count() == 1


@pytest.mark.parametrize(
    ("who", "event"),
    [
        ("partner", "protest"),  # the lead's event, on the partner's own campaign
        ("other", "protest"),  # another organisation altogether
        ("owner", "partner_event"),  # the partner's event, on the lead's campaign
        ("owner", "other_event"),
        ("partner", "other_event"),
    ],
)
def test_nobody_exports_or_checks_in_at_another_organisations_event(world, who, event):
    event = world[event]
    rsvp(event, "Private Person", consents_to=[world["owner"], world["partner"], world["other"]])
    client = world[f"{who}_client"]
    for url in (export_url(event), check_in_url(event)):
        assert client.get(url).status_code == 404
        assert client.post(url, {"rsvp": event.rsvps.get().pk}).status_code == 404
    assert not AuditEvent.objects.filter(action="export-attendees").exists()
    assert event.rsvps.get().checked_in_at is None
    # The event's own page shows no link to either.
    response = client.get(admin_url(event))
    assert "Check people in" not in page(response)
    assert "Export attendees" not in page(response)


def test_the_export_and_check_in_need_a_signed_in_organiser(world):
    protest = world["protest"]
    for url in (export_url(protest), check_in_url(protest)):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_the_event_page_links_its_organisation_to_check_in_and_export(world):
    html = page(world["owner_client"].get(admin_url(world["protest"])))
    assert check_in_url(world["protest"]) in html
    assert export_url(world["protest"]) in html


# --- check-in ------------------------------------------------------------------------------


def test_the_check_in_list_shows_confirmed_attendees_by_first_name_and_initial(world):
    protest, owner = world["protest"], world["owner"]
    rsvp(protest, "Min-ji Kim", consents_to=[owner], guests=2)
    rsvp(protest, "Ji-woo Park")
    rsvp(protest, "Partner Fan", consents_to=[world["partner"]])
    rsvp(protest, "Unconfirmed Person", confirmed_at=None, hold_until=timezone.now())
    rsvp(protest, "Waiting Person", status=Rsvp.Status.WAITING, confirmed_at=timezone.now())
    html = page(world["owner_client"].get(check_in_url(protest)))
    assert "Min-ji Kim" in html and "+ 2 guests" in html
    assert "Ji-woo P." in html and "Park" not in html
    assert "Partner F." in html and "Partner Fan" not in html
    assert "Unconfirmed" not in html and "Waiting" not in html
    assert "Checked in: 0 of 5 people" in html


def test_checking_in_is_idempotent_and_can_be_undone(world):
    protest = world["protest"]
    minji = rsvp(protest, "Min-ji Kim", guests=1)
    rsvp(protest, "Ji-woo Park")
    client = world["owner_client"]
    url = check_in_url(protest)
    response = client.post(url, {"rsvp": minji.pk, "q": "min"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"q=min#rsvp-{minji.pk}")
    minji.refresh_from_db()
    first = minji.checked_in_at
    assert first == timezone.now()
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        again = client.post(url, {"rsvp": minji.pk}, follow=True)
    assert "That was done already." in page(again)
    minji.refresh_from_db()
    assert minji.checked_in_at == first
    html = page(client.get(url))
    assert "Checked in: 2 of 3 people" in html
    assert "Undo check-in of Min-ji K." in html
    client.post(url, {"rsvp": minji.pk, "undo": "1"})
    minji.refresh_from_db()
    assert minji.checked_in_at is None
    assert "Checked in: 0 of 3 people" in page(client.get(url))


def test_the_search_box_finds_people_by_the_name_shown(world):
    protest, owner = world["protest"], world["owner"]
    rsvp(protest, "Min-ji Kim", consents_to=[owner])
    rsvp(protest, "Ji-woo Park")
    client = world["owner_client"]
    found = page(client.get(check_in_url(protest, q="KIM")))
    assert "Min-ji Kim" in found and "Ji-woo" not in found
    assert "Checked in: 0 of 2 people" in found  # the count is the whole list's
    # A surname the organisation may not see finds nobody: no oracle.
    hidden = page(client.get(check_in_url(protest, q="Park")))
    assert "Ji-woo" not in hidden and "Nobody on the list matches" in hidden


@pytest.mark.parametrize(
    "tampered", ["not-a-number", "999999", "", "1 OR 1=1", "other-event", "cancelled"]
)
def test_tampered_check_in_ids_change_nothing(world, tampered):
    protest = world["protest"]
    mine = rsvp(protest, "Min-ji Kim")
    theirs = rsvp(world["other_event"], "Other Person")
    cancelled = rsvp(protest, "Gone Person", status=Rsvp.Status.CANCELLED)
    value = {"other-event": theirs.pk, "cancelled": cancelled.pk}.get(tampered, tampered)
    response = world["owner_client"].post(check_in_url(protest), {"rsvp": value}, follow=True)
    assert response.status_code == 200
    assert "This person is not on the list for this date." in page(response)
    assert not Rsvp.objects.filter(checked_in_at__isnull=False).exists()
    assert mine.pk  # untouched


def test_check_in_needs_the_csrf_token(world):
    protest = world["protest"]
    minji = rsvp(protest, "Min-ji Kim")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["owner_organiser"])
    assert client.post(check_in_url(protest), {"rsvp": minji.pk}).status_code == 403
    minji.refresh_from_db()
    assert minji.checked_in_at is None
    # The page's own forms carry the token.
    assert 'name="csrfmiddlewaretoken"' in page(client.get(check_in_url(protest)))


def test_a_daily_vigil_checks_people_in_on_the_day_only(world):
    vigil = make_event(
        campaign=world["campaign"],
        starts=at(TODAY, 14),
        recurrence="FREQ=DAILY;COUNT=5",
        title="Daily vigil",
    )
    today, tomorrow = TODAY, TODAY + timedelta(days=1)
    everyday = rsvp(vigil, "Every Day")
    only_today = rsvp(vigil, "Only Today", day=today)
    rsvp(vigil, "Only Tomorrow", day=tomorrow)
    client = world["owner_client"]
    html = page(client.get(check_in_url(vigil)))  # today by default
    assert "Every D." in html and "Only T." in html and "Checked in: 0 of 2 people" in html
    for person in (everyday, only_today):
        client.post(check_in_url(vigil), {"rsvp": person.pk, "date": today.isoformat()})
    assert "Checked in: 2 of 2 people" in page(client.get(check_in_url(vigil)))
    # Tomorrow, the every-date reply is expected again, not yet checked in.
    html = page(client.get(check_in_url(vigil, date=tomorrow.isoformat())))
    assert "Checked in: 0 of 2 people" in html
    refused = client.post(
        check_in_url(vigil), {"rsvp": everyday.pk, "date": tomorrow.isoformat()}, follow=True
    )
    assert "People are checked in on the day of the event: 2027-03-02." in page(refused)
    with time_machine.travel(datetime(2027, 3, 2, 5, 0, tzinfo=UTC), tick=False):
        client = logged_in_client(world["owner_organiser"])  # yesterday's session ran out
        client.post(check_in_url(vigil), {"rsvp": everyday.pk, "date": tomorrow.isoformat()})
        assert "Checked in: 1 of 2 people" in page(
            client.get(check_in_url(vigil, date=tomorrow.isoformat()))
        )
    bad = page(client.get(check_in_url(vigil, date="2027-13-01"), follow=True))
    assert "The event does not take place on that date." in bad


def test_the_check_in_page_speaks_korean(world):
    protest = world["protest"]
    rsvp(protest, "Min-ji Kim", guests=1)
    html = page(world["owner_client"].get(check_in_url(protest), HTTP_ACCEPT_LANGUAGE="ko"))
    assert 'lang="ko"' in html
    assert "체크인" in html
    assert "Checked in" not in html


@pytest.mark.django_db(transaction=True)
def test_two_organisers_checking_one_person_in_at_once_check_them_in_once():
    world = make_admin_world()
    protest = make_event(campaign=world["campaign"], starts=at(TODAY + timedelta(days=3), 18))
    person = rsvp(protest, "Min-ji Kim")
    users = [world["owner_organiser"]] * 8
    barrier = threading.Barrier(len(users))
    results: list = [None] * len(users)

    def press(i: int) -> None:
        try:
            client = logged_in_client(users[i])
            barrier.wait()
            response = client.post(check_in_url(protest), {"rsvp": person.pk}, follow=True)
            results[i] = (response.status_code, "That was done already." in page(response))
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(i,)) for i in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Exactly one press checked her in; the seven others found it done.
    assert sorted(results) == [(200, False)] + [(200, True)] * (len(users) - 1)
    person.refresh_from_db()
    assert person.checked_in_at is not None


@pytest.mark.parametrize("object_id", ["abc", "99999999999999999999", "-1", "1.5"])
def test_a_made_up_event_id_is_not_found(world, object_id):
    client = world["owner_client"]
    for view in ("attendees", "check-in"):
        url = f"/admin/events/event/{object_id}/{view}/"
        assert client.get(url).status_code == 404
        assert client.post(url, {"rsvp": "1"}).status_code == 404
    assert client.get(f"/admin/events/event/{object_id}/change/").status_code in {302, 404}
