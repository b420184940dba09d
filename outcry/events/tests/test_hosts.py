"""Hosting a local event of a day of action: propose, confirm by email, approve, host page.

Through the test client and a real SMTP server on loopback (aiosmtpd): what
the host, the organisers and the public see and receive.
"""

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from outcry.core.env import env_email
from outcry.core.models import AuditEvent
from outcry.events import hosting, rsvps
from outcry.events.models import Event, EventHost, Rsvp
from outcry.events.testing import make_day_of_action
from outcry.supporters.models import Consent
from outcry.supporters.services import erase_supporter, export_supporter_data
from outcry.testing import (
    MailServer,
    admin_url,
    logged_in_client,
    make_campaign,
    make_organisation,
    make_organiser,
    make_supporter,
)

NOW = datetime(2027, 9, 1, 3, 0, tzinfo=UTC)
DAY = date(2027, 9, 22)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def mail_server(settings, monkeypatch):
    server = MailServer()
    server.start()
    monkeypatch.setenv("EMAIL_URL", server.url)
    settings.MAILERS = {"default": env_email("EMAIL_URL", outbox_dir=settings.EMAIL_OUTBOX_DIR)}
    yield server
    server.stop()


@pytest.fixture
def world(db):
    lead = make_organisation(name="Lead Rights")
    partner = make_organisation(name="Partner Watch")
    other = make_organisation(name="Other Org")
    campaign = make_campaign(lead=lead, partners=[partner])
    return {
        "campaign": campaign,
        "day": make_day_of_action(campaign=campaign, day=DAY, title="Worldwide day"),
        "lead": lead,
        "partner": partner,
        "lead_client": logged_in_client(make_organiser(organisation=lead)),
        "partner_client": logged_in_client(make_organiser(organisation=partner)),
        "other_client": logged_in_client(make_organiser(organisation=other)),
    }


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args)


def form_path(day, language: str = "en") -> str:
    return url("events:host_propose", day.campaign.slug, day.pk, language=language)


def host_form(**changes) -> dict:
    data = {
        "name": "Mina Park",
        "email": "mina@example.org",
        "phone": "+1 312 555 0100",
        "language": "en",
        "title": "Chicago vigil for the refugees",
        "description": "Bring a candle.",
        "starts_at": "18:00",
        "ends_at": "19:30",
        "time_zone": "",
        "venue": "Daley Plaza",
        "address": "50 W Washington St",
        "city": "Chicago",
        "country": "US",
        "directions": "Clark/Lake station, exit to the plaza.",
        "accessibility": "Step-free.",
        "capacity": "80",
        "nonce": hosting.new_nonce(),
    }
    data.update(changes)
    return data


def post(client, day, language: str = "en", **changes):
    return client.post(form_path(day, language), host_form(**changes))


def links_in(server: MailServer, to: str, marker: str) -> list[str]:
    found = []
    for message in server.inbox.messages():
        if to not in message["To"]:
            continue
        text = message.get_body(("plain",)).get_content()
        for word in text.split():
            if marker in word:
                found.append(word.removeprefix(django_settings.BASE_URL))
    return found


def changelist(client, **query) -> str:
    return client.get(admin_url(Event, "changelist"), query).content.decode()


def act(client, action: str, events) -> None:
    client.post(
        admin_url(Event, "changelist"),
        {"action": action, "_selected_action": [event.pk for event in events]},
    )


def test_a_proposal_is_confirmed_by_email_approved_in_the_admin_and_reaches_its_host(
    client, world, mail_server, django_capture_on_commit_callbacks
):
    day, campaign = world["day"], world["campaign"]
    day_page = url("events:day", campaign.slug, day.pk)
    assert form_path(day) in client.get(day_page).content.decode()
    assert client.get(form_path(day)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, day, language="ko")
    assert response.status_code == 302
    assert response["Location"] == url("events:host_thanks", campaign.slug, day.pk, language="ko")
    event = Event.objects.get()
    assert event.approval == Event.Approval.PROPOSED
    assert (event.country, event.time_zone) == ("US", "America/Chicago")
    assert abs(float(event.latitude) - 41.85) < 0.2
    # Nobody sees it yet: not the public, not the organisers (the host has not confirmed).
    assert "Chicago vigil" not in client.get(day_page).content.decode()
    assert client.get(url("events:detail", campaign.slug, event.pk)).status_code == 404
    assert "Chicago vigil" not in changelist(world["lead_client"])

    [message] = mail_server.inbox.messages()
    assert message["To"] == "mina@example.org"
    assert "Worldwide day" in message["Subject"] or "공동 행동의 날" in message["Subject"]
    assert message["Content-Language"] == "ko"
    # A plain greeting: whoever typed this address typed the name too.
    assert message.get_body(("plain",)).get_content().startswith("안녕하세요.")
    [confirm] = links_in(mail_server, "mina@example.org", "/confirm/")
    page = client.get(confirm)
    assert "Chicago vigil for the refugees" in page.content.decode()
    assert EventHost.objects.get().confirmed_at is None  # opening confirms nothing
    done = client.post(confirm)
    assert done.status_code == 200
    assert EventHost.objects.get().confirmed_at is not None

    # The lead's organisers see it waiting; another organisation's do not, nor can they act.
    waiting = changelist(world["lead_client"], proposals="waiting")
    assert "Chicago vigil for the refugees" in waiting
    assert "Mina Park" not in changelist(world["other_client"])
    assert "Chicago vigil" not in changelist(world["other_client"])
    assert "Chicago vigil" not in changelist(world["partner_client"])
    act(world["other_client"], "approve_proposals", [event])
    act(world["partner_client"], "approve_proposals", [event])
    event.refresh_from_db()
    assert event.approval == Event.Approval.PROPOSED
    assert "Chicago vigil" not in client.get(day_page).content.decode()
    # The lead sees who proposed it on the event's page.
    lead_view = world["lead_client"].get(admin_url(event)).content.decode()
    assert "mina@example.org" in lead_view
    # Decided only with the list's actions (they email the host and are audited).
    assert 'name="approval"' not in lead_view

    with django_capture_on_commit_callbacks(execute=True):
        act(world["lead_client"], "approve_proposals", [event])
    event.refresh_from_db()
    assert event.approval == Event.Approval.APPROVED
    audit = AuditEvent.objects.get(action="approve-hosted-event")
    assert audit.organisation == world["lead"]
    assert "Chicago vigil" in client.get(day_page).content.decode()
    assert "Chicago vigil" not in changelist(world["lead_client"], proposals="waiting")
    # A partner it is not for reads the published event, never its host's details.
    partner_view = world["partner_client"].get(admin_url(event))
    assert partner_view.status_code == 200
    assert "mina@example.org" not in partner_view.content.decode()

    [host_link] = links_in(mail_server, "mina@example.org", "/events/host/")
    approved = mail_server.inbox.messages()[-1]
    assert approved["Content-Language"] == "ko"
    host_page = client.get(host_link)
    assert host_page.status_code == 200
    assert host_page["Cache-Control"] == "private, no-store"
    text = host_page.content.decode()
    assert "Chicago vigil for the refugees" in text and "승인" in text

    # The host cancels; the public page says so.
    client.post(host_link, {"do": "cancel"})
    event.refresh_from_db()
    assert event.is_cancelled
    public = client.get(url("events:detail", campaign.slug, event.pk)).content.decode()
    assert "This event is cancelled." in public
    assert AuditEvent.objects.filter(action="host-cancelled-event").count() == 1

    # A changed link is a 404 page, an old one a 410 page.
    assert client.get(host_link[:-3] + "xyz/").status_code == 404
    with time_machine.travel(NOW + timedelta(days=400)):
        expired = client.get(host_link)
    assert expired.status_code == 410
    assert "expired" in expired.content.decode() or "만료" in expired.content.decode()


def test_declining_emails_a_polite_note_and_never_publishes(
    client, world, mail_server, django_capture_on_commit_callbacks
):
    day = world["day"]
    with django_capture_on_commit_callbacks(execute=True):
        post(client, day, organisation=str(world["partner"].pk))
    [confirm] = links_in(mail_server, "mina@example.org", "/confirm/")
    client.post(confirm)
    event = Event.objects.get()
    assert event.organisation == world["partner"]
    # The partner the event is for sees and decides it too.
    assert "Chicago vigil" in changelist(world["partner_client"], proposals="waiting")
    with django_capture_on_commit_callbacks(execute=True):
        act(world["partner_client"], "decline_proposals", [event])
    event.refresh_from_db()
    assert event.approval == Event.Approval.DECLINED
    assert AuditEvent.objects.filter(action="decline-hosted-event").count() == 1
    note = mail_server.inbox.messages()[-1]
    assert "decided not to publish" in note.get_body(("plain",)).get_content()
    assert "/events/host/" not in note.get_body(("plain",)).get_content()
    day_page = url("events:day", world["campaign"].slug, day.pk)
    assert "Chicago vigil" not in client.get(day_page).content.decode()


def test_a_stranger_typing_someones_address_gets_the_same_page_and_publishes_nothing(
    client, world, mail_server, django_capture_on_commit_callbacks
):
    owner = make_supporter(email="owner@example.org")
    day = world["day"]
    with django_capture_on_commit_callbacks(execute=True):
        mine = post(client, day, email="new@example.org")
        theirs = post(Client(), day, email="owner@example.org", name="Not Owner")
    assert (mine.status_code, theirs.status_code) == (302, 302)
    assert mine["Location"] == theirs["Location"]
    assert client.get(mine["Location"]).content == Client().get(theirs["Location"]).content
    # The owner gets a link they can ignore; nothing reaches the organisers or the public.
    assert links_in(mail_server, "owner@example.org", "/confirm/")
    owner.refresh_from_db()
    assert owner.name != "Not Owner"
    assert Event.objects.filter(approval=Event.Approval.APPROVED).count() == 0
    assert "Chicago vigil" not in changelist(world["lead_client"])
    assert Consent.objects.filter(confirmed_at__isnull=False).count() == 0


def test_the_same_form_posted_twice_is_one_proposal(client, world, mail_server):
    form = host_form()
    first = client.post(form_path(world["day"]), form)
    second = client.post(form_path(world["day"]), form)
    assert first["Location"] == second["Location"]
    assert Event.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_form_from_five_browsers_at_once_is_one_proposal():
    lead = make_organisation(name="Lead Rights")
    day = make_day_of_action(campaign=make_campaign(lead=lead), day=DAY)
    form = host_form()
    barrier = threading.Barrier(5)
    results: list = [None] * 5

    def send(i: int) -> None:
        try:
            barrier.wait()
            response = Client().post(form_path(day), form)
            results[i] = response.status_code
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [302] * 5
    assert Event.objects.count() == 1
    assert EventHost.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "<b>Vigil</b>"}, "title", "HTML tags"),
        ({"venue": "Plaza <script>"}, "venue", "HTML tags"),
        ({"description": "<a href=x>x</a>"}, "description", "HTML tags"),
        ({"name": "<i>Mina</i>"}, "name", "HTML tags"),
        ({"city": "<b>Chicago</b>"}, "city", "HTML tags"),
        ({"venue": "Daley\x07Plaza"}, "venue", "control characters"),
        ({"city": "Xyzzyqwv"}, "city", "We found no place called"),
        ({"city": "Seoul"}, "city", "is in South Korea, not in United States"),
        ({"ends_at": "17:00"}, "ends_at", "must end after it starts"),
        ({"starts_at": "25:00"}, "starts_at", "hours and minutes"),
        ({"phone": "call me <maybe>"}, "phone", "digits"),
        ({"email": "not-an-address"}, "email", "does not look like an email"),
        ({"capacity": "-3"}, "capacity", ""),
        ({"country": "ZZ"}, "country", "choose the country"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_kept(
    client, world, changes, field, message
):
    response = post(client, world["day"], **changes)
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert message in " ".join(form.errors[field])
    assert Event.objects.count() == 0


def test_a_form_without_its_token_is_sent_back_with_a_new_one(client, world):
    response = post(client, world["day"], nonce="")
    assert response.status_code == 409
    assert "open for a long time" in response.content.decode()
    assert Event.objects.count() == 0
    again = host_form(nonce=response.context["form"].data["nonce"])
    assert client.post(form_path(world["day"]), again).status_code == 302
    assert Event.objects.count() == 1


def test_a_time_the_clocks_skip_is_refused(client, db):
    campaign = make_campaign()
    day = make_day_of_action(campaign=campaign, day=date(2028, 3, 12))  # US clocks go forward
    response = post(client, day, starts_at="02:30", ends_at="04:00", city="New York")
    assert response.status_code == 400
    assert "does not exist" in " ".join(response.context["form"].errors["starts_at"])
    # Ending after midnight is fine when said so.
    ok = post(client, day, starts_at="22:00", ends_at="01:00", ends_next_day="on")
    assert ok.status_code == 302
    event = Event.objects.get()
    assert event.ends_on == date(2028, 3, 13)


def test_messages_are_in_korean_on_the_korean_form(client, world):
    response = post(client, world["day"], language="ko", title="<b>집회</b>", city="Seoul")
    text = response.content.decode()
    assert "HTML" in text and "태그" in text
    assert "대한민국" in text or "미국" in text


def test_a_day_of_action_in_the_past_takes_no_proposals(client, db):
    campaign = make_campaign()
    day = make_day_of_action(campaign=campaign, day=date(2027, 8, 30))
    assert client.get(form_path(day)).status_code == 410
    response = post(client, day)
    assert response.status_code == 410
    assert "takes no more proposals" in response.content.decode()
    assert Event.objects.count() == 0
    assert (
        form_path(day) not in client.get(url("events:day", campaign.slug, day.pk)).content.decode()
    )


def test_a_host_is_in_the_supporters_data_export_and_erasure(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, world["day"])
    host = EventHost.objects.get()
    exported = export_supporter_data(supporter=host.supporter)
    [row] = exported["event_hosts"]
    assert (row["name"], row["phone"], row["venue"]) == (
        "Mina Park",
        "+1 312 555 0100",
        "Daley Plaza",
    )
    assert "key" not in row and "nonce" not in row
    erase_supporter(supporter_id=host.supporter_id)
    assert Event.objects.count() == 0  # never published: gone with its host's data


def test_too_many_proposals_from_one_network_are_refused_with_a_message(client, world):
    answers = [post(client, world["day"], email=f"host{i}@example.org") for i in range(11)]
    assert [answer.status_code for answer in answers[:10]] == [302] * 10
    assert answers[10].status_code == 429
    assert "Too many event proposals" in answers[10].content.decode()


def test_an_unconfirmed_proposal_link_expires(
    client, world, mail_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, world["day"])
    [confirm] = links_in(mail_server, "mina@example.org", "/confirm/")
    with time_machine.travel(NOW + timedelta(days=15)):
        assert client.get(confirm).status_code == 410
        assert client.post(confirm).status_code == 410
    assert EventHost.objects.get().confirmed_at is None
    assert client.get(re.sub(r".(/)$", r"x\1", confirm)).status_code == 404


def test_a_flooded_form_asks_for_the_challenge_and_keeps_what_was_typed(client, world, settings):
    settings.CHALLENGE_PER_NETWORK = 1
    assert post(client, world["day"], email="first@example.org").status_code == 302
    flooded = post(client, world["day"], email="second@example.org")
    assert flooded.status_code == 429
    page = flooded.content.decode()
    assert "altcha-widget" in page and 'name="challenge_wait"' in page
    assert 'value="Daley Plaza"' in page
    assert Event.objects.count() == 1


def test_the_host_sees_first_names_and_messages_attendees_without_their_addresses(
    client, world, mail_server, django_capture_on_commit_callbacks
):
    day = world["day"]
    with django_capture_on_commit_callbacks(execute=True):
        post(client, day)
    [confirm] = links_in(mail_server, "mina@example.org", "/confirm/")
    client.post(confirm)
    event = Event.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        act(world["lead_client"], "approve_proposals", [event])
    [host_link] = links_in(mail_server, "mina@example.org", "/events/host/")
    assert "Nobody has confirmed yet." in client.get(host_link).content.decode()

    for email, name in [("ana@example.org", "Ana Torres"), ("joon@example.org", "Joon Park")]:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                url("events:reply", day.campaign.slug, event.pk),
                {"name": name, "email": email, "guests": "1", "phone": "+1 312 555 0199"},
            )
        rsvp = Rsvp.objects.get(supporter__email=email)
        client.post(f"/en/confirm/{rsvps.confirmation_code(rsvp)}/", {"shown": rsvps.digest(rsvp)})
    page = client.get(host_link).content.decode()
    assert "4 people confirmed they are coming" in page
    assert "Ana +1" in page and "Joon +1" in page
    for private in ("Torres", "Park", "ana@example.org", "joon@example.org", "555 0199"):
        assert private not in page

    mail_server.inbox.envelopes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            host_link,
            {
                "do": "message",
                "subject": "Bring candles",
                "body": "We meet at 17:45 by the fountain.",
            },
        )
    assert "Your message is on its way to 2 people." in sent.content.decode()
    copies = mail_server.inbox.messages()
    assert sorted(m["To"] for m in copies) == ["ana@example.org", "joon@example.org"]
    assert "We meet at 17:45 by the fountain." in copies[0].get_body(("plain",)).get_content()

    refused = client.post(host_link, {"do": "message", "subject": "Hi", "body": "<b>Come</b>"})
    assert refused.status_code == 400
    assert "HTML tags" in refused.content.decode()


def test_a_host_cancelling_tells_everyone_who_said_yes(
    client, world, mail_server, django_capture_on_commit_callbacks
):
    day = world["day"]
    with django_capture_on_commit_callbacks(execute=True):
        post(client, day)
    client.post(links_in(mail_server, "mina@example.org", "/confirm/")[0])
    event = Event.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        act(world["lead_client"], "approve_proposals", [event])
    [host_link] = links_in(mail_server, "mina@example.org", "/events/host/")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url("events:reply", day.campaign.slug, event.pk),
            {"name": "Ana Torres", "email": "ana@example.org", "guests": "0"},
        )
    rsvp = Rsvp.objects.get()
    client.post(f"/en/confirm/{rsvps.confirmation_code(rsvp)}/", {"shown": rsvps.digest(rsvp)})
    mail_server.inbox.envelopes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(host_link, {"do": "cancel"})
    [notice] = mail_server.inbox.messages()
    assert notice["To"] == "ana@example.org"
    assert "cancelled" in notice.get_body(("plain",)).get_content().lower()


def test_a_proposal_never_confirmed_is_forgotten_with_its_consents_once_its_link_expires(
    client, world, mail_server, django_capture_on_commit_callbacks
):
    lead = world["lead"]
    with django_capture_on_commit_callbacks(execute=True):
        post(client, world["day"], **{f"consent_{lead.pk}": "on"})
        post(client, world["day"], email="real@example.org", nonce=hosting.new_nonce())
    client.post(links_in(mail_server, "real@example.org", "/confirm/")[0])
    assert Consent.objects.filter(supporter__email="mina@example.org").count() == 1
    assert hosting.forget_unconfirmed_proposals() == 0
    with time_machine.travel(NOW + timedelta(days=15)):
        assert hosting.forget_unconfirmed_proposals() == 1
        assert hosting.forget_unconfirmed_proposals() == 0
    assert list(EventHost.objects.values_list("supporter__email", flat=True)) == [
        "real@example.org"
    ]
    assert Event.objects.count() == 1
    assert not Consent.objects.filter(supporter__email="mina@example.org").exists()
