"""Reminders of pledges, received by a real SMTP server: at the supporter's own times,
across the clocks' changes, each once, never after they were stopped.

Supporters pledge and confirm through the campaign page and their email; the
periodic job (``manage.py run_periodic --once``) queues reminders and the real
sender (``manage.py send_mail``) sends them, in this process under time travel
or in other processes across a killed sender.
"""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from outcry.campaigns.models import Campaign
from outcry.core.models import OutgoingEmail
from outcry.pledges import reminders
from outcry.pledges.models import Commitment, Pledge
from outcry.pledges.testing import (
    confirm_link,
    make_pledge,
    post_pledge,
    press_confirm,
    stop_link,
)
from outcry.supporters.tests.test_mail_events import MAILGUN, post_mailgun
from outcry.testing import kill_sender_once_sent, make_campaign, received_by, run_once_elsewhere

_addresses = iter(range(1, 250))


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def pledge_and_confirm(client, pledge, server, *, language="en", **fields) -> Commitment:
    """Pledge on the campaign page and confirm from the email, as a supporter does."""
    before = len(server.inbox.envelopes)
    response = post_pledge(
        client, pledge, language, address=f"192.0.2.{next(_addresses)}", **fields
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    [confirmation] = server.inbox.messages()[before:]
    done = press_confirm(client, confirm_link(confirmation))
    assert done.status_code == 200
    commitment = Commitment.objects.get(pledge=pledge, supporter__email=fields["email"])
    assert commitment.is_confirmed
    return commitment


def run_job_and_sender() -> None:
    call_command("run_periodic", "--once", stdout=StringIO())
    call_command("send_mail", "--once", stdout=StringIO())


class Clock:
    """Run the job and the sender at given moments; what each run delivered."""

    def __init__(self, server) -> None:
        self.server = server
        self.seen = len(server.inbox.envelopes)

    def at(self, moment: datetime) -> list[tuple[str, str]]:
        with time_machine.travel(moment, tick=False):
            run_job_and_sender()
        new = self.server.inbox.messages()[self.seen :]
        self.seen = len(self.server.inbox.envelopes)
        return [(message["To"], message["Subject"]) for message in new]


def utc(year_month_day: tuple[int, int, int], hour: int, minute: int = 0) -> datetime:
    return datetime(*year_month_day, hour, minute, tzinfo=UTC)


# --- a fast: the evening before, in Seoul --------------------------------------------------


def test_a_fast_is_recalled_once_the_evening_before_on_the_supporters_clock(
    client, campaign, mail_server, settings
):
    fast = make_pledge(
        campaign=campaign,
        kind=Pledge.Kind.FAST,
        first_day=date(2027, 3, 1),
        last_day=date(2027, 3, 20),
    )
    with time_machine.travel(utc((2027, 3, 1), 3), tick=False):
        pledge_and_confirm(
            client,
            fast,
            mail_server,
            language="ko",
            name="김민지",
            email="minji@example.org",
            day="2027-03-05",
            time_zone="Asia/Seoul",
        )
        pledge_and_confirm(
            client,
            fast,
            mail_server,
            email="quiet@example.org",
            day="2027-03-05",
            wants_reminders="",
        )
    settings.MAIL_SEND_ON_COMMIT = False  # as in production: the senders send
    clock = Clock(mail_server)
    # 18:00 on 4 March in Seoul is 09:00 UTC.
    assert clock.at(utc((2027, 3, 4), 8, 59)) == []
    assert clock.at(utc((2027, 3, 4), 9, 0)) == [
        ("minji@example.org", "알림: 가족들과 함께 금식하기")
    ]
    assert clock.at(utc((2027, 3, 4), 9, 30)) == []  # the job again: nothing twice
    assert clock.at(utc((2027, 3, 5), 9, 0)) == []  # the day itself: no more

    [reminder] = [m for m in mail_server.inbox.messages() if m["Subject"].startswith("알림")]
    body = text_of(reminder)
    assert "내일 2027년 3월 5일은 금식하기로 서약하신 날입니다." in body
    assert "혼자가 아닙니다. 2명이 함께합니다." in body
    stop = stop_link(reminder)
    assert stop.startswith(f"/ko/c/{campaign.slug}/pledges/reminders/")
    assert reminder["List-Unsubscribe"] == f"<{settings.BASE_URL}{stop}>"
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received_by(mail_server)["quiet@example.org"] == 1  # the confirmation only


# --- prayer every day, across the spring-forward gap ----------------------------------------


def test_a_prayer_time_the_clocks_skip_is_recalled_when_they_jump_and_the_supporter_is_told(
    client, campaign, mail_server, settings
):
    """New York springs forward on 14 March 2027: 02:00 EST becomes 03:00 EDT."""
    prayer = make_pledge(campaign=campaign, kind=Pledge.Kind.PRAY)
    with time_machine.travel(utc((2027, 3, 10), 12), tick=False):
        response = post_pledge(
            client,
            prayer,
            email="night@example.org",
            local_time="02:30",
            time_zone="America/New_York",
            address="192.0.2.200",
        )
        assert response.status_code == 302
        page = press_confirm(client, confirm_link(mail_server.inbox.messages()[-1]))
    told = page.content.decode()
    assert (
        "On March 14, 2027 the clocks in America/New_York jump from 2 a.m. to 3 a.m.: "
        "that day we remind you at 3 a.m., as they jump." in told
    )
    assert "A reminder by email every day at 2:30 a.m. (America/New_York)." in told
    settings.MAIL_SEND_ON_COMMIT = False
    clock = Clock(mail_server)
    subject = ("night@example.org", "Reminder: Pray for them every day")
    # 13 March, 02:30 EST = 07:30 UTC.
    assert clock.at(utc((2027, 3, 13), 7, 29)) == []
    assert clock.at(utc((2027, 3, 13), 7, 30)) == [subject]
    # 14 March: 02:30 does not happen; the clocks jump to 03:00 EDT = 07:00 UTC.
    assert clock.at(utc((2027, 3, 14), 6, 59)) == []
    assert clock.at(utc((2027, 3, 14), 7, 0)) == [subject]
    assert clock.at(utc((2027, 3, 14), 7, 30)) == []
    # 15 March, 02:30 EDT = 06:30 UTC.
    assert clock.at(utc((2027, 3, 15), 6, 29)) == []
    assert clock.at(utc((2027, 3, 15), 6, 30)) == [subject]
    keys = sorted(
        OutgoingEmail.objects.filter(purpose=reminders.REMINDER_PURPOSE).values_list(
            "idempotency_key", flat=True
        )
    )
    commitment = Commitment.objects.get()
    assert keys == sorted(
        f"pledge-reminder:{commitment.pk}:{int(moment.timestamp() // 60)}"
        for moment in (utc((2027, 3, 13), 7, 30), utc((2027, 3, 14), 7), utc((2027, 3, 15), 6, 30))
    )


def test_a_prayer_reminder_is_not_sent_hours_late_and_stops_with_the_campaign(
    client, db, mail_server, settings
):
    campaign = make_campaign(deadline_at=utc((2027, 3, 12), 0))
    prayer = make_pledge(campaign=campaign, kind=Pledge.Kind.PRAY)
    with time_machine.travel(utc((2027, 3, 1), 0), tick=False):
        pledge_and_confirm(
            client,
            prayer,
            mail_server,
            email="dawn@example.org",
            local_time="06:00",
            time_zone="UTC",
        )
    settings.MAIL_SEND_ON_COMMIT = False
    clock = Clock(mail_server)
    assert clock.at(utc((2027, 3, 2), 8, 0)) == []  # two hours late: of no use any more
    assert len(clock.at(utc((2027, 3, 3), 6, 5))) == 1
    assert clock.at(utc((2027, 3, 12), 6, 0)) == []  # the deadline passed
    Campaign.objects.filter(pk=campaign.pk).update(deadline_at=None, status=Campaign.Status.WON)
    assert clock.at(utc((2027, 3, 13), 6, 0)) == []  # closed


# --- a boycott: weekly ----------------------------------------------------------------------


def test_a_boycott_is_recalled_every_saturday_morning(client, campaign, mail_server, settings):
    boycott = make_pledge(campaign=campaign, kind=Pledge.Kind.BOYCOTT)
    with time_machine.travel(utc((2027, 3, 1), 0), tick=False):  # a Monday
        pledge_and_confirm(
            client, boycott, mail_server, email="shopper@example.org", time_zone="Europe/London"
        )
    settings.MAIL_SEND_ON_COMMIT = False
    clock = Clock(mail_server)
    assert clock.at(utc((2027, 3, 5), 10, 0)) == []  # a Friday
    assert clock.at(utc((2027, 3, 6), 9, 59)) == []
    assert clock.at(utc((2027, 3, 6), 10, 0)) == [
        ("shopper@example.org", "Reminder: Boycott goods made in China")
    ]
    assert clock.at(utc((2027, 3, 7), 10, 0)) == []
    # London moves to summer time on 28 March: 10:00 BST is 09:00 UTC.
    assert len(clock.at(utc((2027, 3, 27), 10, 0))) == 1
    assert clock.at(utc((2027, 4, 3), 8, 59)) == []
    assert len(clock.at(utc((2027, 4, 3), 9, 0))) == 1


# --- stopping -------------------------------------------------------------------------------


def test_stopping_from_a_reminder_stops_the_next_ones_and_one_already_queued(
    client, campaign, mail_server, settings
):
    prayer = make_pledge(campaign=campaign, kind=Pledge.Kind.PRAY)
    with time_machine.travel(utc((2027, 3, 1), 0), tick=False):
        pledge_and_confirm(
            client, prayer, mail_server, email="a@example.org", local_time="12:00", time_zone="UTC"
        )
        pledge_and_confirm(
            client, prayer, mail_server, email="b@example.org", local_time="12:00", time_zone="UTC"
        )
    settings.MAIL_SEND_ON_COMMIT = False
    clock = Clock(mail_server)
    first = clock.at(utc((2027, 3, 2), 12, 0))
    assert sorted(first) == [
        ("a@example.org", "Reminder: Pray for them every day"),
        ("b@example.org", "Reminder: Pray for them every day"),
    ]
    reminder_a = next(m for m in mail_server.inbox.messages() if m["To"] == "a@example.org")
    # A mail provider's one-click unsubscribe: a POST without cookie or CSRF token.
    one_click = Client(enforce_csrf_checks=True).post(
        stop_link(reminder_a), {"List-Unsubscribe": "One-Click"}
    )
    assert one_click.status_code == 200
    assert "The reminders are stopped" in one_click.content.decode()

    # b stops after the next reminder was queued but before a sender sent it.
    with time_machine.travel(utc((2027, 3, 3), 12, 0), tick=False):
        call_command("run_periodic", "--once", stdout=StringIO())
    reminder_b = next(m for m in mail_server.inbox.messages() if m["To"] == "b@example.org")
    page = client.get(stop_link(reminder_b))
    assert "Stop the reminders" in page.content.decode()
    assert client.post(stop_link(reminder_b)).status_code == 200
    again = client.post(stop_link(reminder_b)).content.decode()
    assert "were already stopped" in again
    with time_machine.travel(utc((2027, 3, 3), 12, 1), tick=False):
        call_command("send_mail", "--once", stdout=StringIO())
    assert clock.at(utc((2027, 3, 4), 12, 0)) == []
    assert len(mail_server.inbox.envelopes) == clock.seen
    assert received_by(mail_server) == {"a@example.org": 2, "b@example.org": 2}
    assert Commitment.objects.filter(reminders_stopped_at__isnull=False).count() == 2
    assert Commitment.objects.confirmed().count() == 2  # still counted


def test_a_forged_or_cut_stop_link_says_so_and_stops_nothing(client, campaign):
    answer = client.get(f"/en/c/{campaign.slug}/pledges/reminders/not-a-code/")
    assert answer.status_code == 404
    assert "This link does not work" in answer.content.decode()
    assert client.post(f"/en/c/{campaign.slug}/pledges/reminders/x:y/").status_code == 404


# --- exactly once across a killed sender ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_reminders_reach_each_supporter_once_across_a_killed_sender_and_a_second_job(
    tmp_path, mail_server
):
    campaign = make_campaign()
    prayer = make_pledge(campaign=campaign, kind=Pledge.Kind.PRAY)
    now = timezone.now()
    # Their prayer time was five minutes ago (UTC): its reminder is due now.
    at = (now - timedelta(minutes=5)).astimezone(UTC).strftime("%H:%M")
    client = Client()
    people = [f"person{n}@example.org" for n in range(5)]
    with time_machine.travel(now - timedelta(days=2)):
        for address in people:
            pledge_and_confirm(
                client, prayer, mail_server, email=address, local_time=at, time_zone="UTC"
            )
    before = len(mail_server.inbox.envelopes)

    run_once_elsewhere(tmp_path, mail_server, "run_periodic")
    assert OutgoingEmail.objects.filter(purpose=reminders.REMINDER_PURPOSE).count() == 5
    # Killed once it recorded the five as sent; then the job runs again, a new sender starts.
    sent = OutgoingEmail.objects.filter(
        purpose=reminders.REMINDER_PURPOSE, status=OutgoingEmail.Status.SENT
    )
    kill_sender_once_sent(tmp_path, mail_server, sent, 5)

    received = mail_server.inbox.messages()[before:]
    assert sorted(m["To"] for m in received) == sorted(people)
    assert {m["Subject"] for m in received} == {"Reminder: Pray for them every day"}
    assert set(
        OutgoingEmail.objects.filter(purpose=reminders.REMINDER_PURPOSE).values_list(
            "status", flat=True
        )
    ) == {OutgoingEmail.Status.SENT}


@MAILGUN
def test_reminders_stop_for_an_address_that_complained_or_bounced(
    client, campaign, mail_server, settings
):
    """A daily reminder to someone who marked it as spam would get the site's mail refused."""
    prayer = make_pledge(campaign=campaign, kind=Pledge.Kind.PRAY)
    with time_machine.travel(utc((2027, 3, 1), 0), tick=False):
        for address in ("a@example.org", "b@example.org", "c@example.org"):
            pledge_and_confirm(
                client, prayer, mail_server, email=address, local_time="12:00", time_zone="UTC"
            )
    settings.MAIL_SEND_ON_COMMIT = False
    clock = Clock(mail_server)
    assert len(clock.at(utc((2027, 3, 2), 12, 0))) == 3

    complained = {"event": "complained", "recipient": "a@example.org"}
    assert post_mailgun(client, complained).status_code == 200
    # c's mailbox is gone, found once the next reminder was queued but before it went.
    with time_machine.travel(utc((2027, 3, 3), 12, 0), tick=False):
        call_command("run_periodic", "--once", stdout=StringIO())
    bounced = {"event": "failed", "severity": "permanent", "recipient": "c@example.org"}
    assert post_mailgun(client, bounced).status_code == 200
    with time_machine.travel(utc((2027, 3, 3), 12, 1), tick=False):
        call_command("send_mail", "--once", stdout=StringIO())

    # Since the first reminders: b's of the 3rd and the 4th, nobody else's.
    assert [to for to, _subject in clock.at(utc((2027, 3, 4), 12, 0))] == ["b@example.org"] * 2
    assert received_by(mail_server) == {
        "a@example.org": 2,  # the confirmation and the first reminder
        "b@example.org": 4,
        "c@example.org": 2,
    }
