"""Messages to an event's attendees, relayed: each confirmed reply gets one copy, by SMTP,
and whoever writes never sees an address."""

from datetime import date, timedelta
from functools import partial

import pytest

from outcry.core.mail import engine
from outcry.events import relay, rsvps
from outcry.events.models import HostMessage, Rsvp
from outcry.events.testing import at, make_event
from outcry.events.tests.test_rsvp import links_in, reply, text_of

TODAY = date.today()


@pytest.fixture
def protest(campaign, client, mail_server, run_on_commit):
    """A protest with two confirmed replies (one waiting), one unconfirmed and one cancelled."""
    event = make_event(
        campaign=campaign,
        starts=at(TODAY + timedelta(days=6), 12),
        capacity=3,
        contact="host@example.net",
    )
    for number, (name, guests) in enumerate(
        [("Ana Torres", "2"), ("Min-ji Kim", "0"), ("Joon Park", "0"), ("Lee Cho", "0")]
    ):
        email = f"person{number}@example.org"
        run_on_commit(
            partial(
                reply,
                client,
                event,
                name=name,
                email=email,
                guests=guests,
                address=f"10.1.{number}.1",
            )
        )
        rsvp = Rsvp.objects.get(supporter__email=email)
        if number < 3:
            confirm = links_in(mail_server.inbox.messages()[-1])["confirm"]
            client.post(confirm, {"shown": rsvps.digest(rsvp)})
    rsvps.cancel(Rsvp.objects.get(supporter__email="person2@example.org"))
    mail_server.inbox.envelopes.clear()
    return event


def test_each_confirmed_reply_gets_one_copy_and_the_writer_sees_first_names_only(
    protest, mail_server, run_on_commit
):
    assert [(a.first_name, a.guests, a.waiting) for a in relay.attendees(protest)] == [
        ("Ana", 2, False),
        ("Min-ji", 0, True),
    ]
    assert relay.counts(protest) == {"going": 3, "waiting": 1}

    message = run_on_commit(
        lambda: relay.send_to_attendees(
            event=protest,
            subject="Meet at exit 2",
            body="We gather at exit 2 at 11:45.\nBring water.",
            written_by="host",
        )
    )
    assert message.recipients == 2
    received = mail_server.inbox.messages()
    assert sorted(m["To"] for m in received) == ["person0@example.org", "person1@example.org"]
    copy = received[0]
    assert copy["Subject"] == "Meet at exit 2 (Vigil at the embassy)"
    assert "We gather at exit 2 at 11:45." in text_of(copy)
    assert "your email address was not shown" in text_of(copy)
    assert "To ask a question: host@example.net" in text_of(copy)
    assert "manage" in links_in(copy)
    assert HostMessage.objects.get().written_by == "host"


@pytest.mark.parametrize(
    ("subject", "body", "problem"),
    [
        ("", "Hello", "Please write a subject and a message."),
        ("Hi", "<script>alert(1)</script>", "HTML tags"),
        ("Hi\nBcc: x@example.org", "Hello", "Please write the subject on one line."),
        ("Hi", "x" * 2001, "under 150 and the message under 2,000 characters"),
        ("Hi", "Hello\x07", "invisible control characters"),
    ],
)
def test_bad_messages_are_refused_with_a_reason(protest, subject, body, problem):
    with pytest.raises(relay.RelayRefused, match=problem):
        relay.send_to_attendees(event=protest, subject=subject, body=body, written_by="host")
    assert not HostMessage.objects.exists()


def test_attendees_get_at_most_three_messages_a_day(protest, run_on_commit):
    for number in range(3):
        run_on_commit(
            partial(
                relay.send_to_attendees,
                event=protest,
                subject=f"Note {number}",
                body="Details.",
                written_by="host",
            )
        )
    with pytest.raises(relay.RelayRefused, match="3 messages today"):
        relay.send_to_attendees(event=protest, subject="Again", body="More.", written_by="host")


def test_a_copy_is_not_sent_to_someone_who_cancelled_meanwhile(protest, mail_server):
    message = relay.send_to_attendees(
        event=protest, subject="Meet at exit 2", body="Details.", written_by="host"
    )
    rsvps.cancel(Rsvp.objects.get(supporter__email="person0@example.org"))
    engine.send_due()
    copies = [m["To"] for m in mail_server.inbox.messages() if "exit 2" in m["Subject"]]
    assert copies == ["person1@example.org"]
    assert message.recipients == 2


def test_the_events_organisers_read_what_was_relayed_and_other_organisations_do_not(
    protest, campaign, run_on_commit
):
    from outcry.testing import admin_url, logged_in_client, make_organisation, make_organiser

    relay.send_to_attendees(
        event=protest, subject="Meet at exit 2", body="We gather at 11:45.", written_by="the host"
    )
    organiser = logged_in_client(make_organiser(organisation=campaign.lead_organisation))
    page = organiser.get(admin_url(protest)).content.decode()
    assert "Meet at exit 2" in page and "We gather at 11:45." in page
    stranger = logged_in_client(make_organiser(organisation=make_organisation(name="Other")))
    response = stranger.get(admin_url(protest))
    assert response.status_code in (302, 403, 404)
    assert "We gather at 11:45." not in response.content.decode()
