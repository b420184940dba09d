"""Attacks on RSVPs through the real interface: oracles, other people's replies, capacity,
the waiting list, inbox floods, closed events and bad input.

Each test is one attack. Those that found a hole are marked in their docstring
("Hole:"); the rest document a protection test_rsvp.py does not already show.
"""

import re
from datetime import timedelta
from functools import partial

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from outcry.campaigns.models import Campaign
from outcry.events import rsvps
from outcry.events.models import Event, Rsvp
from outcry.events.testing import at, make_event
from outcry.events.tests.test_rsvp import (
    TODAY,
    at_once,
    event_url,
    links_in,
    page,
    reply,
    text_of,
)
from outcry.petitions import services as petitions
from outcry.testing import make_campaign, make_petition, make_signature

VICTIM = "victim@example.org"


@pytest.fixture(autouse=True)
def no_challenge(settings):
    """The proof-of-work challenge is solvable by a script: attacks go past it."""
    settings.CHALLENGE_PER_NETWORK = 10_000


def places_shown(client, event) -> str:
    """What the event's page says of its places and of who is going."""
    html = page(client.get(event_url(event)))
    said = re.findall(r'<p class="(?:places[^"]*|going)">(.*?)</p>', html, re.S)
    return " | ".join(said)


def confirm(client, rsvp: Rsvp):
    rsvp.refresh_from_db()
    return client.post(
        f"/en/confirm/{rsvps.confirmation_code(rsvp)}/", {"shown": rsvps.digest(rsvp)}
    )


def confirmed_reply(client, event, run_on_commit, email: str, **fields) -> Rsvp:
    """*email*'s reply, confirmed by its owner from the link (the way a real one is)."""
    run_on_commit(partial(reply, client, event, email=email, address="203.0.113.50", **fields))
    rsvp = Rsvp.objects.active().get(event=event, supporter__email=email)
    confirm(client, rsvp)
    rsvp.refresh_from_db()
    assert rsvp.is_confirmed
    return rsvp


@pytest.fixture
def hall(campaign):
    """A meeting in ten days with room for five."""
    return make_event(campaign=campaign, starts=at(TODAY + timedelta(days=10), 18), capacity=5)


# --- oracles: whether an address replied ----------------------------------------------


@pytest.mark.parametrize("victim_replied", ["confirmed", "unconfirmed", "never"])
def test_the_event_page_does_not_tell_a_stranger_whether_an_address_replied(
    client, hall, run_on_commit, victim_replied
):
    """Hole (fixed): the page's "N places left" counted unconfirmed holds, which only a
    reply from a new address adds (a known address changes nothing, or only its guests):
    reading the page before and after typing an address told whether it had replied.
    The page now counts confirmed replies only, which no stranger can change."""
    if victim_replied == "confirmed":
        confirmed_reply(client, hall, run_on_commit, VICTIM)
    elif victim_replied == "unconfirmed":
        run_on_commit(partial(reply, Client(), hall, email=VICTIM, address="203.0.113.50"))
    stranger = Client()
    before = places_shown(stranger, hall)
    for guests in ("0", "3"):
        run_on_commit(partial(reply, stranger, hall, email=VICTIM, guests=guests))
        assert places_shown(stranger, hall) == before


def test_a_strangers_own_reply_does_not_tell_whether_an_address_replied(
    client, campaign, mail_server, run_on_commit
):
    """Hole (fixed): two events with one place left, the victim going to the first.
    The stranger types the victim's address to both, then their own: their own emails
    said "held" on the first and "waiting list" on the second, so the victim had
    replied to the first. The email and the page behind its link now read the same
    whether a place is kept or not (what is left: the stranger confirming their own
    reply, at the margin of a full event, within the hold; see the issue's note)."""
    said = []
    for n, going in enumerate([VICTIM, "someone@example.org"]):
        event = make_event(
            campaign=campaign,
            starts=at(TODAY + timedelta(days=9), 18),
            capacity=2,
            title=f"Meeting {n}",
        )
        confirmed_reply(client, event, run_on_commit, going)
        stranger = Client()
        run_on_commit(partial(reply, stranger, event, email=VICTIM))
        own = f"stranger{n}@example.org"
        run_on_commit(partial(reply, stranger, event, email=own))
        [email] = [m for m in mail_server.inbox.messages() if m["To"] == own]
        text = re.sub(r"https?://\S+", "<link>", text_of(email)).replace(f"Meeting {n}", "M")
        own_page = stranger.get(re.search(r"http://\S+(/en/confirm/\S+)", text_of(email))[1])
        shown = re.search(r"<dt>Your reply</dt><dd>(.*?)</dd>", own_page.content.decode())[1]
        said.append((text, shown))
    assert said[0] == said[1]
    assert Rsvp.objects.get(supporter__email="stranger0@example.org").status == "going"
    assert Rsvp.objects.get(supporter__email="stranger1@example.org").status == "waiting"


def test_every_reply_gets_the_same_answer_whatever_the_address_did(client, hall, run_on_commit):
    """No oracle in the answer: new, unconfirmed, confirmed, cancelled and rate-limited
    addresses all get the same redirect and the same page."""
    confirmed_reply(client, hall, run_on_commit, "confirmed@example.org")
    cancelled = confirmed_reply(client, hall, run_on_commit, "cancelled@example.org")
    client.post(f"/en/rsvp/{rsvps.manage_code(cancelled)}/", {"do": "cancel"})
    run_on_commit(partial(reply, Client(), hall, email="pending@example.org"))
    stranger = Client()
    answers = set()
    for email in (
        "new@example.org",
        "pending@example.org",
        "confirmed@example.org",
        "cancelled@example.org",
    ):
        response = run_on_commit(partial(reply, stranger, hall, email=email))
        followed = stranger.get(response["Location"])
        answers.add((response.status_code, response["Location"], page(followed)))
    assert len(answers) == 1


# --- changing or cancelling someone else's reply -------------------------------------


def test_no_code_but_the_manage_code_changes_or_cancels_a_reply(client, hall, run_on_commit):
    """Codes of other kinds (a signature's, the RSVP's own confirmation code), altered
    and truncated manage codes: each is a 404 at the manage URL and changes nothing."""
    rsvp = confirmed_reply(client, hall, run_on_commit, VICTIM, guests="1")
    petition = make_petition(campaign=hall.campaign)
    signature = make_signature(petition=petition, confirmed=False, email="s@example.org")
    manage = rsvps.manage_code(rsvp)
    token, _colon, signature_part = manage.rpartition(":")
    codes = [
        rsvps.confirmation_code(rsvp),
        petitions.confirmation_code(signature),
        manage[:-1],
        manage[:-1] + ("A" if manage[-1] != "A" else "B"),
        f"{token}:",
        token,
        f"{token[:-1]}{'A' if token[-1] != 'A' else 'B'}:{signature_part}",
        "%FF%FE",
        "x" * 3000,
        "%00",
        manage.upper(),
    ]
    for code in codes:
        for method, data in (("get", {}), ("post", {"do": "cancel"})):
            response = getattr(client, method)(f"/en/rsvp/{code}/", data)
            # A NUL anywhere in a request is the middleware's 400 (core.middleware).
            assert response.status_code == (400 if "%00" in code else 404), (code, method)
            assert "%00" in code or "This link does not work" in page(response)
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.GOING and rsvp.guests == 1


def test_the_manage_code_does_not_confirm_and_a_used_confirmation_never_revives(
    client, hall, run_on_commit
):
    run_on_commit(partial(reply, client, hall, email=VICTIM))
    rsvp = Rsvp.objects.get()
    response = client.post(f"/en/confirm/{rsvps.manage_code(rsvp)}/", {"shown": rsvps.digest(rsvp)})
    assert response.status_code == 404
    rsvp.refresh_from_db()
    assert not rsvp.is_confirmed

    # The owner cancels; the confirmation link, replayed, does not bring it back.
    client.post(f"/en/rsvp/{rsvps.manage_code(rsvp)}/", {"do": "cancel"})
    response = confirm(client, rsvp)
    assert response.status_code == 410
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.CANCELLED and not rsvp.is_confirmed
    # Nor changing its guests through the manage link.
    response = client.post(f"/en/rsvp/{rsvps.manage_code(rsvp)}/", {"do": "guests", "guests": "1"})
    assert response.status_code == 400
    assert "This reply can no longer be changed." in page(response)
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.CANCELLED and rsvp.guests == 0


def test_a_strangers_reply_cannot_touch_a_confirmed_reply_on_any_date(
    client, campaign, run_on_commit
):
    """Typing the owner's address with other details, to their date or every date, from
    other networks: their confirmed reply keeps its guests, name and phone."""
    event = make_event(
        campaign=campaign,
        starts=at(TODAY + timedelta(days=1), 14),
        recurrence="FREQ=DAILY;COUNT=20",
        capacity=20,
    )
    day = (TODAY + timedelta(days=3)).isoformat()
    rsvp = confirmed_reply(
        client, event, run_on_commit, VICTIM, day=day, guests="2", phone="+82 10 1111 2222"
    )
    for n, chosen in enumerate([day, day, "every"]):
        run_on_commit(
            partial(
                reply,
                Client(),
                event,
                email=VICTIM.upper(),
                day=chosen,
                guests="9",
                name="Attacker",
                phone="+1 555 0100",
                address=f"198.51.100.{n}",
            )
        )
    rsvp.refresh_from_db()
    assert (rsvp.guests, rsvp.name, rsvp.phone, rsvp.status) == (
        2,
        "Min-ji Kim",
        "+82 10 1111 2222",
        Rsvp.Status.GOING,
    )


# --- capacity and the waiting list ------------------------------------------------------


def test_a_new_reply_does_not_take_a_lapsed_hold_before_the_confirmed_waiting_list(
    client, campaign, run_on_commit
):
    """Hole (fixed): a hold's seats are free the moment it runs out, but the waiting list
    moved on only when release_lapsed_holds ran (every 5 minutes): a reply (or a late
    confirmation, or more guests) in between took the seat ahead of the confirmed people
    waiting. Seats are now given to the waiting list first."""
    event = make_event(campaign=campaign, starts=at(TODAY + timedelta(days=9), 18), capacity=1)
    run_on_commit(partial(reply, client, event, email="holder@example.org"))
    waiting = confirmed_reply(client, event, run_on_commit, "patient@example.org")
    assert waiting.status == Rsvp.Status.WAITING
    with time_machine.travel(timezone.now() + timedelta(hours=3, minutes=1)):
        run_on_commit(
            partial(reply, Client(), event, email="late@example.org", address="198.51.100.3")
        )
        late = Rsvp.objects.get(supporter__email="late@example.org")
        waiting.refresh_from_db()
        assert waiting.status == Rsvp.Status.GOING
        assert late.status == Rsvp.Status.WAITING
        assert rsvps.seats(event).free(None) == 0


def test_a_late_confirmation_does_not_jump_the_waiting_list_either(client, campaign, run_on_commit):
    event = make_event(campaign=campaign, starts=at(TODAY + timedelta(days=9), 18), capacity=1)
    run_on_commit(partial(reply, client, event, email="holder@example.org"))
    holder = Rsvp.objects.get()
    waiting = confirmed_reply(client, event, run_on_commit, "patient@example.org")
    with time_machine.travel(timezone.now() + timedelta(hours=3, minutes=1)):
        confirm(client, holder)
    holder.refresh_from_db()
    waiting.refresh_from_db()
    assert (waiting.status, holder.status) == (Rsvp.Status.GOING, Rsvp.Status.WAITING)


def test_replying_again_does_not_keep_an_unconfirmed_hold_alive(client, campaign, run_on_commit):
    """Hole (fixed): each new form with the address of an unconfirmed reply renewed its
    hold for another 3 hours, so one address nobody confirms could keep the seats from
    the confirmed waiting list for ever. A renewal keeps the hold's end."""
    event = make_event(campaign=campaign, starts=at(TODAY + timedelta(days=9), 18), capacity=3)
    run_on_commit(partial(reply, client, event, email="squatter@example.org", guests="2"))
    waiting = confirmed_reply(client, event, run_on_commit, "patient@example.org")
    assert waiting.status == Rsvp.Status.WAITING
    start = timezone.now()
    with time_machine.travel(start + timedelta(hours=2, minutes=50)):
        run_on_commit(
            partial(
                reply,
                Client(),
                event,
                email="squatter@example.org",
                guests="2",
                address="198.51.100.4",
            )
        )
    with time_machine.travel(start + timedelta(hours=3, minutes=1)):
        rsvps.release_lapsed_holds()
        waiting.refresh_from_db()
        assert waiting.status == Rsvp.Status.GOING
        squatter = Rsvp.objects.get(supporter__email="squatter@example.org")
        assert squatter.status == Rsvp.Status.LAPSED


def test_more_guests_by_a_renewal_never_go_over_capacity(client, hall, run_on_commit):
    confirmed_reply(client, hall, run_on_commit, "first@example.org", guests="2")
    run_on_commit(partial(reply, client, hall, email=VICTIM, guests="0"))
    run_on_commit(partial(reply, Client(), hall, email=VICTIM, guests="9", address="198.51.100.5"))
    assert Rsvp.objects.get(supporter__email=VICTIM).status == Rsvp.Status.WAITING
    assert rsvps.seats(hall).free(None) == 2


def test_every_date_and_single_date_replies_share_each_dates_places(
    client, campaign, mail_server, run_on_commit
):
    """An every-date reply takes a seat on every date: a date another filled has no room
    for it, and it leaves none on the date it fills; more guests through the manage link
    stop at the fullest date."""
    event = make_event(
        campaign=campaign,
        starts=at(TODAY + timedelta(days=1), 14),
        recurrence="FREQ=DAILY;COUNT=10",
        capacity=3,
    )
    day = (TODAY + timedelta(days=4)).isoformat()
    confirmed_reply(client, event, run_on_commit, "day@example.org", day=day, guests="1")
    every = confirmed_reply(client, event, run_on_commit, "every@example.org", day="every")
    assert every.status == Rsvp.Status.GOING
    response = client.post(f"/en/rsvp/{rsvps.manage_code(every)}/", {"do": "guests", "guests": "1"})
    assert response.status_code == 400
    assert "There is no room for that many: 1 places are free." in page(response)
    other_day = (TODAY + timedelta(days=5)).isoformat()
    run_on_commit(partial(reply, client, event, email="two@example.org", day=other_day, guests="1"))
    assert Rsvp.objects.get(supporter__email="two@example.org").status == Rsvp.Status.GOING
    run_on_commit(partial(reply, client, event, email="late@example.org", day=day))
    assert Rsvp.objects.get(supporter__email="late@example.org").status == Rsvp.Status.WAITING
    for day_seen in (day, other_day):
        assert rsvps.seats(event).free(timezone.datetime.fromisoformat(day_seen).date()) == 0


def test_a_place_on_a_past_date_is_not_offered_to_its_waiting_list(
    client, campaign, mail_server, run_on_commit
):
    """Hole (fixed): seats freed on any date moved every confirmed waiting reply that
    fitted, even one for a date already over, which was emailed "a place opened up" for
    a day gone by."""
    event = make_event(
        campaign=campaign,
        starts=at(TODAY + timedelta(days=1), 14),
        recurrence="FREQ=DAILY;COUNT=10",
        capacity=1,
    )
    soon = (TODAY + timedelta(days=1)).isoformat()
    later = (TODAY + timedelta(days=5)).isoformat()
    confirmed_reply(client, event, run_on_commit, "soon@example.org", day=soon)
    missed = confirmed_reply(client, event, run_on_commit, "missed@example.org", day=soon)
    assert missed.status == Rsvp.Status.WAITING
    going_later = confirmed_reply(client, event, run_on_commit, "later@example.org", day=later)
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        before = len(mail_server.inbox.messages())
        run_on_commit(
            lambda: client.post(f"/en/rsvp/{rsvps.manage_code(going_later)}/", {"do": "cancel"})
        )
        missed.refresh_from_db()
        assert missed.status == Rsvp.Status.WAITING
        assert [m["To"] for m in mail_server.inbox.messages()[before:]] == []


# --- floods ------------------------------------------------------------------------------


def test_replies_to_many_dates_and_events_do_not_flood_an_inbox(
    client, campaign, mail_server, run_on_commit
):
    """Hole (fixed): every date of a recurring event (and every event) is its own RSVP,
    each with its own first email and its own "you replied again" each hour, limited
    only per network (10 per address every 10 minutes): from a few networks a stranger
    had one address sent an email per reply. At most RSVP_EMAILS_PER_HOUR replies with
    one mailbox are now taken in an hour, across networks; the rest are dropped
    silently (the same answer as ever)."""
    from outcry.core import ratelimit

    events = [
        make_event(
            campaign=campaign,
            starts=at(TODAY + timedelta(days=1), 10 + n),
            recurrence="FREQ=DAILY;COUNT=30",
            title=f"Vigil {n}",
        )
        for n in range(3)
    ]
    sent = 0
    for network in range(4):
        stranger = Client()
        for n in range(10):  # the per-network limit: 10 with one address in 10 minutes
            i = network * 10 + n  # 40 replies to 40 different dates of three events
            event = events[i % 3]
            day = (TODAY + timedelta(days=1 + i // 3)).isoformat()
            response = run_on_commit(
                partial(
                    reply,
                    stranger,
                    event,
                    email=VICTIM,
                    day=day,
                    address=f"198.51.100.{network + 10}",
                )
            )
            assert response.status_code == 302
            sent += 1
    assert sent == 40
    received = [m for m in mail_server.inbox.messages() if m["To"] == VICTIM]
    assert len(received) == ratelimit.RSVP_EMAILS_PER_HOUR == 20


def test_renewals_email_each_reply_at_most_once_an_hour(client, hall, mail_server, run_on_commit):
    """The documented bound for one reply: a repeat within the hour sends nothing more."""
    for n in range(6):
        run_on_commit(partial(reply, Client(), hall, email=VICTIM, address=f"198.51.100.{n + 30}"))
    received = [m for m in mail_server.inbox.messages() if m["To"] == VICTIM]
    assert len(received) == 2  # the first link, then one "you replied again" this hour


# --- closed events and dates -------------------------------------------------------------


def test_draft_proposed_and_declined_events_take_no_replies(client, campaign):
    draft = make_campaign(status=Campaign.Status.DRAFT)
    events = [
        make_event(campaign=draft, starts=at(TODAY + timedelta(days=5), 14)),
        make_event(
            campaign=campaign,
            starts=at(TODAY + timedelta(days=5), 14),
            approval=Event.Approval.PROPOSED,
        ),
        make_event(
            campaign=campaign,
            starts=at(TODAY + timedelta(days=5), 14),
            approval=Event.Approval.DECLINED,
        ),
    ]
    for event in events:
        for method in ("get", "post"):
            url = event_url(event) + "rsvp/"
            response = getattr(client, method)(
                url, {"name": "A", "email": "a@example.org", "guests": "0"}
            )
            assert response.status_code == 404
        assert client.get(event_url(event) + "replied/").status_code == 404
    assert not Rsvp.objects.exists()


def test_a_cancelled_a_far_and_a_started_date_take_no_replies(client, campaign):
    start = timezone.now().astimezone(timezone.get_fixed_timezone(9 * 60)).replace(tzinfo=None)
    cancelled_day = TODAY + timedelta(days=3)
    event = make_event(
        campaign=campaign,
        starts=start - timedelta(minutes=10),  # today's date began ten minutes ago
        recurrence="FREQ=DAILY;COUNT=40",
        cancelled_dates=cancelled_day.isoformat(),
    )
    started = (start - timedelta(minutes=10)).date().isoformat()
    far = (start.date() + timedelta(days=rsvps.DATES_OFFERED + 2)).isoformat()
    for day in (cancelled_day.isoformat(), far, started, "2026-02-30", "", "every,every"):
        response = reply(client, event, day=day)
        assert response.status_code == 400, day
    assert not Rsvp.objects.exists()


def test_the_day_field_of_a_single_event_is_ignored(client, hall, run_on_commit):
    run_on_commit(partial(reply, client, hall, day=(TODAY + timedelta(days=1)).isoformat()))
    assert Rsvp.objects.get().date is None


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"guests": "-1"},
        {"guests": "1.0"},
        {"guests": " 1 "},
        {"guests": "٣"},
        {"guests": "99999999999999999999"},
        {"guests": ""},
        {"name": "Min\r\nBcc: everyone@example.org"},
        {"email": "victim@example.org\r\nBcc: x@example.org"},
        {"email": "=?utf-8?b?dmljdGlt?=@example.org"},
        {"phone": "+82 10\n1234 5678"},
        {"phone": "+" + "1" * 60},
        {"phone": "١٢٣٤٥٦٧"},
        {"name": ""},
        {"email": ""},
    ],
)
def test_bad_values_are_a_clear_400(client, hall, fields):
    response = reply(client, hall, **fields)
    assert response.status_code == 400, fields
    assert 'class="error' in page(response) or "error" in page(response)
    assert not Rsvp.objects.exists()


def test_missing_fields_unreadable_bodies_and_other_methods_are_never_a_500(client, hall):
    url = event_url(hall) + "rsvp/"
    assert client.post(url, {}).status_code == 400
    response = client.post(
        url,
        b"name=Min%FF&email=\xff\xfe@example.org&guests=0",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "characters we could not read" in page(response)
    for method in ("put", "delete", "patch"):
        assert getattr(client, method)(url).status_code == 405
        assert getattr(client, method)(event_url(hall) + "replied/").status_code == 405
        assert getattr(client, method)("/en/rsvp/abc/").status_code == 405
    assert client.post(event_url(hall) + "replied/").status_code == 405
    assert client.get(url).status_code == 302
    assert not Rsvp.objects.exists()


def test_the_manage_page_refuses_odd_posts_without_a_500(client, hall, run_on_commit):
    rsvp = confirmed_reply(client, hall, run_on_commit, VICTIM)
    manage = f"/en/rsvp/{rsvps.manage_code(rsvp)}/"
    for data in (
        {},
        {"do": "nothing"},
        {"do": "guests"},
        {"do": "guests", "guests": "-1"},
        {"do": "guests", "guests": "10"},
    ):
        response = client.post(manage, data)
        assert response.status_code in (400, 405), data
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.GOING and rsvp.guests == 0


def test_markup_in_a_name_is_shown_as_text_in_pages_and_emails(
    client, hall, mail_server, run_on_commit
):
    name = '<script>alert(1)</script><a href="https://evil.example">x</a>'
    run_on_commit(partial(reply, client, hall, name=name))
    [message] = mail_server.inbox.messages()
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and '<a href="https://evil' not in html
    assert "\n" not in message["Subject"] and "script" not in message["Subject"]
    shown = page(client.get(links_in(message)["confirm"]))
    assert "<script>alert(1)</script>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown


# --- other attendees' details ------------------------------------------------------------


def test_no_public_page_or_feed_shows_an_attendee(client, campaign, run_on_commit):
    event = make_event(
        campaign=campaign,
        starts=at(TODAY + timedelta(days=1), 14),
        recurrence="FREQ=DAILY;COUNT=5",
        capacity=10,
    )
    confirmed_reply(
        client,
        event,
        run_on_commit,
        "hidden-attendee@example.org",
        day="every",
        name="Secretname Attendee",
        phone="+82 10 9999 8888",
    )
    slug = campaign.slug
    paths = [
        event_url(event),
        event_url(event, "ko"),
        event_url(event) + "calendar.ics",
        f"/en/c/{slug}/events/",
        f"/en/c/{slug}/events/calendar.ics",
        event_url(event) + "replied/",
    ]
    for path in paths:
        body = client.get(path).content.decode()
        for secret in ("Secretname", "9999", "hidden-attendee"):
            assert secret not in body, (path, secret)


# --- consents typed by a stranger --------------------------------------------------------


def test_the_confirmation_page_shows_the_consents_it_confirms_and_a_stale_page_confirms_none(
    client, hall, campaign, mail_server, run_on_commit
):
    """Hole (fixed): the confirmation page showed the reply's name, guests and phone but
    not the organisations whose boxes were ticked, and its button's digest left them out:
    a stranger replying again with the owner's address and the same details, ticking
    every box, had the owner's press of the page agree to all of them unseen."""
    partner = campaign.partners.get()
    run_on_commit(partial(reply, client, hall, email=VICTIM))
    link = links_in(mail_server.inbox.messages()[0])["confirm"]
    stale = re.search(r'name="shown" value="(\w+)"', page(client.get(link))).group(1)
    assert "Partner Watch" not in page(client.get(link))

    run_on_commit(
        partial(
            reply,
            Client(),
            hall,
            email=VICTIM,
            address="198.51.100.77",
            **{f"consent_{partner.pk}": "on"},
        )
    )
    response = client.post(link, {"shown": stale})
    assert response.status_code == 409
    assert "Partner Watch" in page(response)
    assert "May email you" in page(response)
    assert not partner.consents.filter(confirmed_at__isnull=False).exists()
    rsvp = Rsvp.objects.get()
    assert not rsvp.is_confirmed


def test_a_long_waiting_list_does_not_slow_every_reply(client, campaign, run_on_commit):
    """Replies to a capped event now move the waiting list first (see above): that costs
    the same few queries whether ten or a hundred confirmed people wait, not one seat
    count per person waiting, under the event's lock."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from outcry.testing import make_supporter

    event = make_event(campaign=campaign, starts=at(TODAY + timedelta(days=9), 18), capacity=3)
    confirmed_reply(client, event, run_on_commit, "going@example.org")  # two places left
    counted = []
    for waiting in (10, 100):
        now = timezone.now()
        Rsvp.objects.bulk_create(
            Rsvp(
                event=event,
                supporter=make_supporter(),
                name="Waiting",
                language="en",
                guests=2,
                status=Rsvp.Status.WAITING,
                token=f"w{waiting}-{n}",
                confirmed_at=now,
                waiting_since=now,
            )
            for n in range(waiting - Rsvp.objects.filter(status=Rsvp.Status.WAITING).count())
        )
        with CaptureQueriesContext(connection) as queries:
            run_on_commit(partial(reply, Client(), event, email=f"new{waiting}@example.org"))
        counted.append(len(queries))
    assert counted[0] == counted[1]


# --- at once ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_one_address_replying_at_once_from_many_networks_gets_one_reply(settings):
    """A single event's replies have no date, which the unique constraint does not cover
    (NULLs differ): the event's lock alone keeps one reply per address."""
    settings.CHALLENGE_SITE_PER_MINUTE = 10_000
    event = make_event(
        campaign=make_campaign(), starts=at(TODAY + timedelta(days=5), 14), capacity=10
    )
    results = at_once(
        8, lambda i: reply(Client(), event, email=VICTIM, address=f"10.1.{i}.1").status_code
    )
    assert results == [302] * 8
    assert Rsvp.objects.active().count() == 1
    assert rsvps.seats(event).free(None) == 9


@pytest.mark.django_db(transaction=True)
def test_guests_raised_at_once_never_go_over_capacity(settings):
    event = make_event(
        campaign=make_campaign(), starts=at(TODAY + timedelta(days=5), 14), capacity=4
    )
    client = Client()
    mine = []
    for n in range(2):
        reply(client, event, email=f"p{n}@example.org", address=f"10.2.{n}.1")
        rsvp = Rsvp.objects.get(supporter__email=f"p{n}@example.org")
        confirm(client, rsvp)
        mine.append(rsvps.manage_code(rsvp))
    results = at_once(
        2,
        lambda i: (
            Client().post(f"/en/rsvp/{mine[i]}/", {"do": "guests", "guests": "2"}).status_code
        ),
    )
    assert sorted(results) == [200, 400]
    assert rsvps.seats(event).free(None) == 0


@pytest.mark.parametrize(
    "closing",
    [
        {"status": Event.Status.CANCELLED},
        {"approval": Event.Approval.DECLINED},
        {"approval": Event.Approval.PROPOSED},
    ],
)
def test_a_reply_to_an_event_closed_since_cannot_be_confirmed(
    client, hall, campaign, mail_server, run_on_commit, closing
):
    """Hole (fixed): a reply not yet confirmed when the event was cancelled or taken
    off the site could still be confirmed ("We will remind you the day before"), with
    its consents. Its link now says it has expired, like one for an event over."""
    partner = campaign.partners.get()
    run_on_commit(partial(reply, client, hall, **{f"consent_{partner.pk}": "on"}))
    link = links_in(mail_server.inbox.messages()[0])["confirm"]
    rsvp = Rsvp.objects.get()
    Event.objects.filter(pk=hall.pk).update(**closing)
    assert client.get(link).status_code == 410
    response = client.post(link, {"shown": rsvps.digest(rsvp)})
    assert response.status_code == 410
    assert "This link has expired" in page(response)
    rsvp.refresh_from_db()
    assert not rsvp.is_confirmed
    assert not partner.consents.filter(confirmed_at__isnull=False).exists()


def test_a_reply_to_a_campaign_made_draft_since_cannot_be_confirmed(
    client, hall, campaign, run_on_commit
):
    run_on_commit(partial(reply, client, hall))
    rsvp = Rsvp.objects.get()
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.DRAFT)
    assert confirm(client, rsvp).status_code == 410
    rsvp.refresh_from_db()
    assert not rsvp.is_confirmed


def test_the_links_pages_are_never_cached_and_other_sites_cannot_post_them(
    client, hall, run_on_commit
):
    """A page with a manage or confirmation code is never stored (shared computers,
    proxies), and a form on another site cannot cancel a reply or reply for a visitor."""
    run_on_commit(partial(reply, client, hall))
    rsvp = Rsvp.objects.get()
    for path in (
        f"/en/rsvp/{rsvps.manage_code(rsvp)}/",
        f"/en/confirm/{rsvps.confirmation_code(rsvp)}/",
    ):
        response = client.get(path)
        assert "no-store" in response["Cache-Control"], path
    forged = Client(enforce_csrf_checks=True)
    assert forged.post(f"/en/rsvp/{rsvps.manage_code(rsvp)}/", {"do": "cancel"}).status_code == 403
    assert reply(forged, hall, email="other@example.org").status_code == 403
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.GOING and Rsvp.objects.count() == 1


def test_made_up_addresses_from_one_network_cannot_fill_an_event(client, campaign, run_on_commit):
    """Made-up addresses from one network (within its limits) hold at most half the
    places (main's UNCONFIRMED_SHARE): a real supporter who confirms gets one."""
    event = make_event(campaign=campaign, starts=at(TODAY + timedelta(days=9), 18), capacity=100)
    squatter = Client()
    for n in range(10):
        run_on_commit(partial(reply, squatter, event, email=f"nobody{n}@example.net", guests="9"))
    run_on_commit(partial(reply, Client(), event, email="real@example.org", address="203.0.113.9"))
    real = Rsvp.objects.get(supporter__email="real@example.org")
    confirm(client, real)
    real.refresh_from_db()
    assert real.status == Rsvp.Status.GOING
