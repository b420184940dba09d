"""Second attack on the events app as merged: organisations against each other in the admin,
a host against other events and attendees.

"Owner Rights" leads the campaign, "Partner Watch" is its partner, "Other Aid" has
nothing to do with it (make_admin_world). A supporter hosts a local event of the
owner's day of action; people replied to it.
"""

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outcry.core.models import AuditEvent, OutgoingEmail
from outcry.events import hosting
from outcry.events.models import Event, EventHost, HostMessage, Rsvp
from outcry.events.testing import at, make_day_of_action, make_event
from outcry.testing import (
    admin_url,
    logged_in_client,
    make_admin_world,
    make_supporter,
)

_numbers = count(1)
TODAY = date(2027, 3, 1)
NOON_IN_SEOUL = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOON_IN_SEOUL, tick=True):
        yield


def attendee(event, name: str, **fields) -> Rsvp:
    n = next(_numbers)
    supporter = make_supporter(email=fields.pop("email", f"attendee-{n}@example.org"), name=name)
    defaults = {
        "status": Rsvp.Status.GOING,
        "confirmed_at": timezone.now(),
        "language": "en",
        "guests": 0,
    }
    return Rsvp.objects.create(
        event=event,
        supporter=supporter,
        name=name,
        token=f"attack2-{n}",
        **(defaults | fields),
    )


def host_for(event, name="Hana Secretname", *, confirmed=True) -> EventHost:
    n = next(_numbers)
    return EventHost.objects.create(
        event=event,
        supporter=make_supporter(email=f"host-{n}@example.org", name=name),
        name=name,
        phone="+82 10 1234 5678",
        language="en",
        nonce=f"nonce-{n}",
        confirm_token=f"confirm-{n}",
        key=f"key-{n}",
        confirmed_at=timezone.now() if confirmed else None,
    )


@pytest.fixture
def world(db):
    world = make_admin_world()
    campaign = world["campaign"]
    day = make_day_of_action(campaign=campaign, day=TODAY + timedelta(days=5))
    world["hosted"] = make_event(
        campaign=campaign,
        day_of_action=day,
        starts=at(day.date, 18),
        title="Hosted vigil",
        approval=Event.Approval.APPROVED,
    )
    world["host"] = host_for(world["hosted"])
    world["proposal"] = make_event(
        campaign=campaign,
        day_of_action=day,
        starts=at(day.date, 15),
        title="Proposed rally",
        approval=Event.Approval.PROPOSED,
    )
    host_for(world["proposal"], "Proposer Person")
    for key in ("owner", "partner", "other"):
        world[f"{key}_client"] = logged_in_client(world[f"{key}_organiser"])
    return world


def page(response) -> str:
    return response.content.decode()


def host_page_url(host: EventHost) -> str:
    return reverse("events:host_page", args=[hosting.host_code(host)])


def message(client: Client, host: EventHost, subject="Meet at exit 2", body="See you there."):
    return client.post(host_page_url(host), {"do": "message", "subject": subject, "body": body})


# --- organisations against each other -------------------------------------------------------


def test_a_partner_who_does_not_decide_never_reads_the_hosts_name(world):
    """The host's details are for the organisations that decide on the event
    (EventHostInline); the relayed messages on the event's admin page must not
    name the host to the campaign's other organisations either."""
    hosted, host = world["hosted"], world["host"]
    attendee(hosted, "Ji-woo Park")
    assert message(Client(), host).status_code == 200
    assert HostMessage.objects.filter(event=hosted).count() == 1

    owner_page = page(world["owner_client"].get(admin_url(hosted)))
    assert "See you there." in owner_page  # the decider reads the message…
    assert "Hana Secretname" in owner_page  # …and who the host is (host details inline)

    partner = world["partner_client"].get(admin_url(hosted))
    assert partner.status_code == 200
    assert "See you there." in page(partner)  # the partner reads what was relayed
    assert "Secretname" not in page(partner)
    assert "+82 10" not in page(partner)


def test_nobody_decides_proposals_their_organisation_does_not_decide(world):
    proposal = world["proposal"]
    changelist = admin_url(Event, "changelist")
    for who in ("partner", "other"):
        for action in ("approve_proposals", "decline_proposals"):
            world[f"{who}_client"].post(
                changelist, {"action": action, "_selected_action": [proposal.pk]}
            )
    proposal.refresh_from_db()
    assert proposal.approval == Event.Approval.PROPOSED
    assert not AuditEvent.objects.filter(action__endswith="hosted-event").exists()
    assert not OutgoingEmail.objects.filter(purpose__startswith="event-host-").exists()
    # Nor do they see it, its host, or its change page.
    for who in ("partner", "other"):
        listing = page(world[f"{who}_client"].get(changelist + "?proposals=waiting"))
        assert "Proposed rally" not in listing
        assert world[f"{who}_client"].get(admin_url(proposal)).status_code in (302, 404)


@pytest.mark.parametrize(
    "query",
    [
        "rsvps__name=Ji-woo Park",
        "rsvps__supporter__email=victim@example.org",
        "host__name=Hana Secretname",
        "host__supporter__email__startswith=host",
        "host__phone__contains=82",
        "rsvps__name__startswith=J",
    ],
)
def test_the_event_list_cannot_be_filtered_by_attendees_or_hosts(world, query):
    """A filter by hand on who replied or hosted would be an oracle on their names."""
    attendee(world["hosted"], "Ji-woo Park", email="victim@example.org")
    changelist = admin_url(Event, "changelist")
    for who in ("owner", "partner", "other"):
        response = world[f"{who}_client"].get(f"{changelist}?{query}")
        assert response.status_code == 400 or "Hosted vigil" not in page(response)


def test_searching_the_event_list_for_an_attendees_name_finds_nothing(world):
    attendee(world["hosted"], "Ji-woo Park", email="victim@example.org")
    changelist = admin_url(Event, "changelist")
    for who in ("owner", "partner"):
        for q in ("Ji-woo", "victim@example.org", "Secretname"):
            assert "Hosted vigil" not in page(world[f"{who}_client"].get(f"{changelist}?q={q}"))


def test_another_organisation_cannot_read_a_hosted_events_messages_or_host(world):
    hosted = world["hosted"]
    attendee(hosted, "Ji-woo Park")
    message(Client(), world["host"])
    response = world["other_client"].get(admin_url(hosted))
    assert response.status_code in (302, 404)
    assert "See you there." not in page(response)
    assert world["other_client"].get(admin_url(hosted, "history")).status_code in (302, 404)


# --- a host against other events and the attendees ------------------------------------------


def test_a_host_cannot_message_attendees_once_the_event_is_over(world):
    """The page hides the form once the event is over; the POST must refuse too, or a host
    could write to the attendees three times a day for a year."""
    hosted, host = world["hosted"], world["host"]
    attendee(hosted, "Ji-woo Park")
    with time_machine.travel(hosted.last_end_utc + timedelta(days=30), tick=False):
        response = message(Client(), host)
        assert response.status_code == 400
        assert "Message the people coming" not in page(response)
    assert not HostMessage.objects.exists()
    assert not OutgoingEmail.objects.filter(purpose="rsvp-message").exists()


def test_a_host_cannot_cancel_an_event_that_is_over(world):
    hosted, host = world["hosted"], world["host"]
    attendee(hosted, "Ji-woo Park")
    with time_machine.travel(hosted.last_end_utc + timedelta(days=1), tick=False):
        Client().post(host_page_url(host), {"do": "cancel"})
    hosted.refresh_from_db()
    assert not hosted.is_cancelled
    assert not OutgoingEmail.objects.filter(purpose="event-notice").exists()


def test_a_host_link_reaches_only_its_own_event(world):
    """Extra fields naming another event change nothing: the signed key picks the event."""
    other_event = make_event(
        campaign=world["campaign"], starts=at(TODAY + timedelta(days=6), 18), title="Lead rally"
    )
    attendee(other_event, "Seo-yeon Lim")
    attendee(world["hosted"], "Ji-woo Park")
    url = host_page_url(world["host"])
    text = page(Client().get(url, {"event": other_event.pk, "pk": other_event.pk}))
    assert "Ji-woo" in text and "Seo-yeon" not in text and "Lead rally" not in text
    Client().post(url, {"do": "cancel", "event": other_event.pk, "pk": other_event.pk})
    other_event.refresh_from_db()
    assert not other_event.is_cancelled
    # An unconfirmed host's code, and a code with its key swapped, open nothing.
    unconfirmed = world["proposal"].host
    unconfirmed.confirmed_at = None
    unconfirmed.save()
    assert Client().get(host_page_url(unconfirmed)).status_code == 404
    forged = hosting.host_code(world["host"]).replace(world["host"].key, unconfirmed.key)
    assert Client().get(reverse("events:host_page", args=[forged])).status_code == 404


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Hi\r\nBcc: everyone@example.org", "Hello"),
        ("Hi", '<a href="https://evil.example">Log in</a>'),
        ("<b>Urgent</b>", "Hello"),
    ],
)
def test_a_host_cannot_inject_headers_or_markup_into_the_relayed_email(world, subject, body):
    attendee(world["hosted"], "Ji-woo Park")
    response = message(Client(), world["host"], subject, body)
    assert response.status_code == 400
    assert not HostMessage.objects.exists()


def test_a_subject_never_holds_a_line_break_of_any_kind(world):
    """The form turns U+2028 and the like into spaces; the relay refuses them in any case."""
    from outcry.events import relay

    hosted = world["hosted"]
    attendee(hosted, "Ji-woo Park")
    assert message(Client(), world["host"], "Hi\u2028Bcc: x@example.org").status_code == 200
    assert [len(m.subject.splitlines()) for m in HostMessage.objects.all()] == [1]
    for subject in ("Hi\u2028Bcc: x@example.org", "Hi\x85Bcc: x@example.org", "Hi\x0bthere"):
        with pytest.raises(relay.RelayRefused):
            relay.send_to_attendees(event=hosted, subject=subject, body="Hello", written_by="x")


def test_another_site_cannot_post_to_a_host_page(world):
    """A page elsewhere that knows a host link still cannot cancel or message through it."""
    hosted = world["hosted"]
    attendee(hosted, "Ji-woo Park")
    browser = Client(enforce_csrf_checks=True)
    url = host_page_url(world["host"])
    assert browser.post(url, {"do": "cancel"}).status_code == 403
    assert browser.post(url, {"do": "message", "subject": "Hi", "body": "Hi"}).status_code == 403
    hosted.refresh_from_db()
    assert not hosted.is_cancelled
    assert not HostMessage.objects.exists()


def test_a_host_cannot_message_attendees_once_the_campaign_is_closed(world):
    """Organisers closing the campaign stop hosts writing in its name (the page says why)."""
    hosted, host = world["hosted"], world["host"]
    attendee(hosted, "Ji-woo Park")
    assert "Message the people coming" in page(Client().get(host_page_url(host)))
    world["campaign"].status = "closed"
    world["campaign"].save()
    response = message(Client(), host)
    assert response.status_code == 400
    assert "Only an approved event that is still on can message its attendees." in page(response)
    assert "Message the people coming" not in page(response)
    assert not HostMessage.objects.exists()
