"""Reminders and change notices, received by a real SMTP server.

Attendees reply and confirm through the event's page and their email; the
periodic job (``manage.py run_periodic --once``) queues reminders and the real
sender (``manage.py send_mail``) sends them, in this process under time travel
or in other processes across a killed sender. Organisers change events through
the admin.
"""

import re
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client, TestCase
from django.utils import timezone

from outcry.core.models import OutgoingEmail
from outcry.events import reminders
from outcry.events.models import Event, Rsvp
from outcry.events.testing import at, make_event
from outcry.testing import (
    admin_url,
    kill_sender_once_sent,
    logged_in_client,
    make_campaign,
    make_organiser,
    make_supporter,
    received_by,
    run_once_elsewhere,
)

_addresses = iter(range(1, 250))


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message, kind: str) -> str:
    """The confirmation ("confirm") or change/cancel ("manage") link of an email, as a path."""
    for url in re.findall(r"https?://\S+", text_of(message)):
        path = url.removeprefix(django_settings.BASE_URL)
        if ("/confirm/" in path) == (kind == "confirm"):
            return path
    raise AssertionError(f"No {kind} link in {text_of(message)}")


def say_yes(client, event, server, *, email, name="Alex Doe", language="en", day="") -> Rsvp:
    """Reply on the event's page and confirm from the email, as an attendee does."""
    form = {"name": name, "email": email, "guests": "0", "phone": "", "day": day}
    page = f"/{language}/c/{event.campaign.slug}/events/{event.pk}/rsvp/"
    before = len(server.inbox.envelopes)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(page, form, REMOTE_ADDR=f"192.0.2.{next(_addresses)}")
    assert response.status_code == 302, response.content.decode()[:2000]
    [confirmation] = server.inbox.messages()[before:]
    confirm = link_in(confirmation, "confirm")
    shown = re.search(r'name="shown" value="(\w+)"', client.get(confirm).content.decode())
    done = client.post(confirm, {"shown": shown.group(1)})
    assert done.status_code == 200
    rsvp = Rsvp.objects.get(supporter__email=email, event=event)
    assert rsvp.is_confirmed
    return rsvp


def run_job_and_sender() -> None:
    call_command("run_periodic", "--once", stdout=StringIO())
    call_command("send_mail", "--once", stdout=StringIO())


# --- reminders at the right local times, across the clocks' change ------------------------

# Los Angeles leaves daylight saving time on Sunday 7 November 2027 at 02:00.
FIRST = date(2027, 11, 6)


def utc(month_day: tuple[int, int], hour: int, minute: int = 0) -> datetime:
    return datetime(2027, *month_day, hour, minute, tzinfo=UTC)


def test_a_daily_vigil_in_los_angeles_reminds_at_its_local_times_across_the_clock_change(
    client, campaign, mail_server, settings
):
    with time_machine.travel(utc((11, 1), 18), tick=False):
        vigil = make_event(
            campaign=campaign,
            starts=at(FIRST, 14),
            time_zone="America/Los_Angeles",
            recurrence="FREQ=DAILY;COUNT=4",
            country="US",
            venue="Chinese Consulate",
            address="443 Shatto Place, Los Angeles",
            directions="Across the street, by the bus stop.",
        )
        say_yes(client, vigil, mail_server, email="alex@example.org", day="every")
        say_yes(
            client,
            vigil,
            mail_server,
            email="minji@example.org",
            name="김민지",
            language="ko",
            day="2027-11-07",
        )
    settings.MAIL_SEND_ON_COMMIT = False  # as in production: the senders send
    sent = len(mail_server.inbox.envelopes)

    def at_moment(moment: datetime) -> list:
        nonlocal sent
        with time_machine.travel(moment, tick=False):
            run_job_and_sender()
        new = mail_server.inbox.messages()[sent:]
        sent = len(mail_server.inbox.envelopes)
        return [(message["To"], message["Subject"]) for message in new]

    # 6 Nov, 14:00 PDT (21:00 UTC): the day before at 14:00 PDT, two hours before at 12:00.
    assert at_moment(utc((11, 5), 20, 59)) == []
    [day_before] = at_moment(utc((11, 5), 21))
    assert day_before == ("alex@example.org", "Tomorrow at 2 p.m.: Vigil at the embassy")
    assert at_moment(utc((11, 6), 18, 59)) == []
    assert at_moment(utc((11, 6), 19)) == [
        ("alex@example.org", "Today at 2 p.m.: Vigil at the embassy")
    ]
    # 7 Nov, 14:00 PST (22:00 UTC): the day before is 14:00 PDT on the 6th (21:00 UTC) …
    assert at_moment(utc((11, 6), 20, 59)) == []
    day_before = at_moment(utc((11, 6), 21))
    assert sorted(day_before) == [
        ("alex@example.org", "Tomorrow at 2 p.m.: Vigil at the embassy"),
        ("minji@example.org", "내일 오후 2:00: 대사관 앞 집회"),
    ]
    # … two hours before is 12:00 PST (20:00 UTC), not 12:00 PDT.
    assert at_moment(utc((11, 7), 19, 59)) == []
    assert sorted(at_moment(utc((11, 7), 20))) == [
        ("alex@example.org", "Today at 2 p.m.: Vigil at the embassy"),
        ("minji@example.org", "오늘 오후 2:00: 대사관 앞 집회"),
    ]
    assert at_moment(utc((11, 7), 21)) == []  # the job again: nothing twice

    korean = [m for m in mail_server.inbox.messages() if m["To"] == "minji@example.org"][-1]
    assert korean["Content-Language"] == "ko"
    body = text_of(korean)
    assert "김민지님" in body or "김민지" in body
    assert "2027년 11월 7일, 오후 2:00 (PST, America/Los_Angeles)" in body
    assert "Chinese Consulate, 443 Shatto Place, Los Angeles" in body
    assert "Across the street, by the bus stop." in body
    assert "취소" in body and link_in(korean, "manage").startswith("/ko/")
    english = [m for m in mail_server.inbox.messages() if m["To"] == "alex@example.org"][-1]
    assert "Nov. 7, 2027, 2 p.m. (PST, America/Los_Angeles)" in text_of(english)
    assert "How to get there: Across the street, by the bus stop." in text_of(english)
    # The manage link works: cancelling stops the next reminders.
    cancelled = client.post(link_in(english, "manage"), {"do": "cancel"})
    assert cancelled.status_code == 200
    assert at_moment(utc((11, 7), 22, 30)) == []  # the 8th's day-before: nobody going


def test_a_reply_made_less_than_a_day_before_gets_only_the_two_hour_reminder(
    client, campaign, mail_server, settings
):
    with time_machine.travel(datetime(2027, 3, 1, 0, 0, tzinfo=UTC), tick=False):
        # 2 March, 18:00 in Seoul (09:00 UTC), replied 1 March, 09:00 Seoul: 33 hours before.
        protest = make_event(campaign=campaign, starts=at(date(2027, 3, 2), 18))
        say_yes(client, protest, mail_server, email="early@example.org")
    with time_machine.travel(datetime(2027, 3, 1, 12, 0, tzinfo=UTC), tick=False):
        say_yes(client, protest, mail_server, email="late@example.org")  # 21 hours before
        pending = Rsvp.objects.create(
            event=protest,
            supporter=make_supporter(email="unconfirmed@example.org"),
            name="Never confirmed",
            language="en",
            status=Rsvp.Status.GOING,
            token="t" * 32,
            hold_until=timezone.now() + timedelta(days=3),
        )
    settings.MAIL_SEND_ON_COMMIT = False
    sent = len(mail_server.inbox.envelopes)
    with time_machine.travel(datetime(2027, 3, 1, 12, 30, tzinfo=UTC), tick=False):
        run_job_and_sender()
    day_before = [m["To"] for m in mail_server.inbox.messages()[sent:]]
    assert day_before == ["early@example.org"]
    with time_machine.travel(datetime(2027, 3, 2, 7, 0, tzinfo=UTC), tick=False):
        run_job_and_sender()
        run_job_and_sender()
    assert received_by(mail_server)["early@example.org"] == 3  # confirmation, day, two hours
    assert received_by(mail_server)["late@example.org"] == 2  # confirmation, two hours
    assert "unconfirmed@example.org" not in received_by(mail_server)
    assert pending.status == Rsvp.Status.GOING


# --- exactly once across a killed sender ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_reminders_reach_each_attendee_once_across_a_killed_sender_and_a_second_job(
    tmp_path, mail_server
):
    campaign = make_campaign()
    now = timezone.now()
    local = (now + timedelta(minutes=90)).astimezone(UTC).replace(second=0, microsecond=0)
    vigil = make_event(
        campaign=campaign, starts=local.replace(tzinfo=None), time_zone="UTC", country="KR"
    )
    client = Client()
    with time_machine.travel(now - timedelta(days=2)):
        people = [f"person{n}@example.org" for n in range(5)]
        for address in people:
            say_yes(client, vigil, mail_server, email=address)
    before = len(mail_server.inbox.envelopes)

    run_once_elsewhere(tmp_path, mail_server, "run_periodic")
    assert OutgoingEmail.objects.filter(purpose=reminders.SOON_PURPOSE).count() == 5
    assert not OutgoingEmail.objects.filter(purpose=reminders.DAY_BEFORE_PURPOSE).exists()
    # Killed once it recorded the five as sent; then the job runs again (as run_periodic
    # does every two minutes), and a new sender starts.
    sent = OutgoingEmail.objects.filter(
        purpose=reminders.SOON_PURPOSE, status=OutgoingEmail.Status.SENT
    )
    kill_sender_once_sent(tmp_path, mail_server, sent, 5)

    reminders_received = mail_server.inbox.messages()[before:]
    assert sorted(m["To"] for m in reminders_received) == sorted(people)
    assert all(m["Subject"].endswith(": Vigil at the embassy") for m in reminders_received)
    assert set(
        OutgoingEmail.objects.filter(purpose=reminders.SOON_PURPOSE).values_list(
            "status", flat=True
        )
    ) == {OutgoingEmail.Status.SENT}


# --- change notices, from the admin --------------------------------------------------------


def admin_form(event: Event, **changes) -> dict:
    """The event's admin change form as the organiser sees it, with *changes*."""
    texts = list(event.texts.order_by("language"))
    data = {
        "campaign": event.campaign_id,
        "organisation": event.organisation_id,
        "day_of_action": "",
        "status": event.status,
        "approval": event.approval,
        "time_zone": event.time_zone,
        "starts_on": event.starts_on.isoformat(),
        "starts_at": event.starts_at.strftime("%H:%M"),
        "ends_on": event.ends_on.isoformat(),
        "ends_at": event.ends_at.strftime("%H:%M"),
        "recurrence": event.recurrence,
        "cancelled_dates": event.cancelled_dates,
        "venue": event.venue,
        "address": event.address,
        "country": event.country,
        "latitude": "",
        "longitude": "",
        "directions": event.directions,
        "accessibility": event.accessibility,
        "capacity": event.capacity or "",
        "contact": event.contact,
        "texts-TOTAL_FORMS": str(len(texts)),
        "texts-INITIAL_FORMS": str(len(texts)),
        "texts-MIN_NUM_FORMS": "1",
        "texts-MAX_NUM_FORMS": "1000",
    }
    for n, text in enumerate(texts):
        data |= {
            f"texts-{n}-id": text.pk,
            f"texts-{n}-event": event.pk,
            f"texts-{n}-language": text.language,
            f"texts-{n}-title": text.title,
            f"texts-{n}-description": text.description,
        }
    return data | changes


def organiser_saves(event: Event, **changes) -> None:
    organiser = logged_in_client(make_organiser(organisation=event.organisation))
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = organiser.post(admin_url(event, "change"), admin_form(event, **changes))
    assert response.status_code == 302, response.content.decode()[:3000]
    event.refresh_from_db()


NOW = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)  # noon in Seoul


@pytest.fixture
def march():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_moved_time_and_place_is_told_once_to_who_said_yes_in_their_language(
    client, campaign, mail_server, march
):
    protest = make_event(campaign=campaign, starts=at(date(2027, 3, 10), 18), capacity=1)
    say_yes(client, protest, mail_server, email="going@example.org")
    say_yes(client, protest, mail_server, email="kim@example.org", name="김민지", language="ko")
    waiting = Rsvp.objects.get(supporter__email="kim@example.org")
    assert waiting.status == Rsvp.Status.WAITING  # full: not told of a new time
    protest.capacity = None
    protest.save()
    Rsvp.objects.filter(pk=waiting.pk).update(status=Rsvp.Status.GOING)
    say_yes(client, protest, mail_server, email="later@example.org")
    client.post(
        link_in(mail_server.inbox.messages()[-1], "manage"), {"do": "cancel"}
    )  # cancelled: not told
    sent = len(mail_server.inbox.envelopes)

    organiser_saves(protest, starts_at="19:00", ends_at="20:00", venue="Gwanghwamun Square")
    notices = mail_server.inbox.messages()[sent:]
    assert sorted(m["To"] for m in notices) == ["going@example.org", "kim@example.org"]
    english = next(m for m in notices if m["To"] == "going@example.org")
    assert english["Subject"] == "Changed: Vigil at the embassy"
    body = text_of(english)
    assert (
        "When: March 10, 2027, 6 p.m.\N{EN DASH}7 p.m. (KST, Asia/Seoul) → "
        "March 10, 2027, 7 p.m.\N{EN DASH}8 p.m. (KST, Asia/Seoul)" in body
    )
    assert (
        "Where: Across from the embassy, Jongno-gu, Seoul → Gwanghwamun Square, Jongno-gu, Seoul"
        in body
    )
    assert link_in(english, "manage")
    korean = next(m for m in notices if m["To"] == "kim@example.org")
    assert korean["Content-Language"] == "ko"
    assert korean["Subject"] == "변경: 대사관 앞 집회"
    assert "2027년 3월 10일, 오후 7:00" in text_of(korean)

    organiser_saves(protest, contact="+82 2 123 4567")  # nothing attendees act on
    organiser_saves(protest)
    assert len(mail_server.inbox.envelopes) == sent + 2


def test_a_cancelled_event_is_told_to_who_is_going_or_waiting_and_sends_no_reminder(
    client, campaign, mail_server, march, settings
):
    protest = make_event(campaign=campaign, starts=at(date(2027, 3, 2), 18), capacity=1)
    say_yes(client, protest, mail_server, email="going@example.org")
    say_yes(client, protest, mail_server, email="waiting@example.org")
    sent = len(mail_server.inbox.envelopes)

    organiser_saves(protest, status="cancelled")
    notices = mail_server.inbox.messages()[sent:]
    assert sorted(m["To"] for m in notices) == ["going@example.org", "waiting@example.org"]
    assert {m["Subject"] for m in notices} == {"Cancelled: Vigil at the embassy"}
    assert "The event is cancelled." in text_of(notices[0])
    settings.MAIL_SEND_ON_COMMIT = False
    with time_machine.travel(datetime(2027, 3, 2, 8, tzinfo=UTC), tick=False):
        run_job_and_sender()
    assert len(mail_server.inbox.envelopes) == sent + 2

    # Restored: who is going hears it takes place again (the waiting list does not).
    settings.MAIL_SEND_ON_COMMIT = True
    organiser_saves(protest, status="published")
    [restored] = mail_server.inbox.messages()[sent + 2 :]
    assert restored["To"] == "going@example.org"
    assert restored["Subject"] == "Changed: Vigil at the embassy"
    assert "The event takes place again." in text_of(restored)


def test_a_cancelled_date_cancels_its_replies_and_tells_them_and_every_date_attendees(
    client, campaign, mail_server, march
):
    vigil = make_event(
        campaign=campaign, starts=at(date(2027, 3, 2), 14), recurrence="FREQ=DAILY;COUNT=10"
    )
    on_the_5th = say_yes(client, vigil, mail_server, email="fifth@example.org", day="2027-03-05")
    say_yes(client, vigil, mail_server, email="sixth@example.org", day="2027-03-06")
    say_yes(client, vigil, mail_server, email="every@example.org", day="every")
    sent = len(mail_server.inbox.envelopes)

    organiser_saves(vigil, cancelled_dates="2027-03-05")
    notices = mail_server.inbox.messages()[sent:]
    assert sorted(m["To"] for m in notices) == ["every@example.org", "fifth@example.org"]
    fifth = next(m for m in notices if m["To"] == "fifth@example.org")
    assert fifth["Subject"] == "Cancelled: Vigil at the embassy"
    assert "It does not take place on: March 5, 2027." in text_of(fifth)
    assert "Your reply for that date is cancelled." in text_of(fifth)
    every = next(m for m in notices if m["To"] == "every@example.org")
    assert every["Subject"] == "Changed: Vigil at the embassy"
    assert "Your reply stands: Every date" in text_of(every)
    on_the_5th.refresh_from_db()
    assert on_the_5th.status == Rsvp.Status.CANCELLED
    assert Rsvp.objects.get(supporter__email="sixth@example.org").status == Rsvp.Status.GOING


def test_a_reminder_queued_for_the_old_time_is_not_sent_and_the_new_time_gets_its_own(
    client, campaign, mail_server, march, settings
):
    protest = make_event(campaign=campaign, starts=at(date(2027, 3, 3), 18))
    say_yes(client, protest, mail_server, email="going@example.org")
    settings.MAIL_SEND_ON_COMMIT = False
    sent = len(mail_server.inbox.envelopes)
    with time_machine.travel(datetime(2027, 3, 2, 9, 30, tzinfo=UTC), tick=False):
        # 18:30 in Seoul the day before: the job queues the reminder, no sender runs yet.
        call_command("run_periodic", "--once", stdout=StringIO())
        assert OutgoingEmail.objects.filter(purpose=reminders.DAY_BEFORE_PURPOSE).count() == 1
        organiser_saves(protest, starts_on="2027-03-04", ends_on="2027-03-04")
        call_command("send_mail", "--once", stdout=StringIO())
    [notice] = mail_server.inbox.messages()[sent:]
    assert notice["Subject"] == "Changed: Vigil at the embassy"
    assert "When: March 3, 2027, 6 p.m." in text_of(notice)
    assert "→ March 4, 2027, 6 p.m." in text_of(notice)
    with time_machine.travel(datetime(2027, 3, 3, 9, 0, tzinfo=UTC), tick=False):
        run_job_and_sender()
        run_job_and_sender()
    [reminder] = mail_server.inbox.messages()[sent + 1 :]
    assert reminder["Subject"] == "Tomorrow at 6 p.m.: Vigil at the embassy"
    assert "March 4, 2027, 6 p.m. (KST, Asia/Seoul)" in text_of(reminder)
    assert OutgoingEmail.objects.filter(purpose=reminders.DAY_BEFORE_PURPOSE).count() == 2
