"""RSVPs through the event's page: the form, the email a real SMTP server receives, its links.

Seats, the waiting list, holds that run out, a second reply with one address,
changing and cancelling only through the emailed link, and bad input.
"""

import re
import threading
from datetime import date, timedelta
from functools import partial

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from outcry.events import rsvps
from outcry.events.models import Rsvp
from outcry.events.testing import at, make_event
from outcry.supporters.models import Consent
from outcry.testing import make_campaign

TODAY = date.today()


def event_url(event, language: str = "en") -> str:
    return f"/{language}/c/{event.campaign.slug}/events/{event.pk}/"


def reply(client, event, language: str = "en", address: str = "192.0.2.7", **fields):
    form = {"name": "Min-ji Kim", "email": "minji@example.org", "guests": "0", "phone": ""}
    form.update(fields)
    return client.post(event_url(event, language) + "rsvp/", form, REMOTE_ADDR=address)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def links_in(message) -> dict[str, str]:
    """The confirmation and manage links of an RSVP email, as paths."""
    found = {}
    for url in re.findall(r"https?://\S+", text_of(message)):
        path = url.removeprefix(django_settings.BASE_URL)
        found["confirm" if "/confirm/" in path else "manage"] = path
    return found


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def vigil(campaign):
    """A protest in ten days, 18:00 in Seoul, with room for three people."""
    return make_event(campaign=campaign, starts=at(TODAY + timedelta(days=10), 18), capacity=3)


def test_a_reply_is_confirmed_from_the_email_and_counts_on_the_page(
    client, vigil, mail_server, run_on_commit
):
    response = run_on_commit(lambda: reply(client, vigil, guests="1", phone="+82 10 1234 5678"))
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert "Check your email" in page(thanks)
    [message] = mail_server.inbox.messages()
    assert message["To"] == "minji@example.org"
    assert message["Subject"] == "Confirm your reply: Vigil at the embassy"
    assert "a place is kept for you for 3 hours until you confirm" in text_of(message)
    # A plain greeting: whoever typed this address typed the name too.
    assert text_of(message).splitlines()[0] == "Hello," and "Min-ji" not in text_of(message)
    links = links_in(message)
    assert set(links) == {"confirm", "manage"}

    # Opening the link confirms nothing; the page shows what will be confirmed.
    shown = client.get(links["confirm"])
    assert "Confirm my reply" in page(shown)
    assert "+82 10 1234 5678" in page(shown)
    assert Rsvp.objects.get().confirmed_at is None
    assert "people are going" not in page(client.get(event_url(vigil)))

    shown_digest = re.search(r'name="shown" value="(\w+)"', page(shown)).group(1)
    done = client.post(links["confirm"], {"shown": shown_digest})
    assert "Your reply is confirmed" in page(done)
    rsvp = Rsvp.objects.get()
    assert rsvp.status == Rsvp.Status.GOING and rsvp.is_confirmed and rsvp.hold_until is None
    event_page = page(client.get(event_url(vigil)))
    assert "<strong>2</strong> people are going" in event_page
    assert "1 place left." in event_page


def test_the_korean_page_sends_a_korean_email(client, vigil, mail_server, run_on_commit):
    run_on_commit(lambda: reply(client, vigil, language="ko", name="김민지"))
    [message] = mail_server.inbox.messages()
    assert message["Content-Language"] == "ko"
    assert "대사관 앞 집회" in message["Subject"]
    assert links_in(message)["manage"].startswith("/ko/")


def test_a_full_event_puts_the_reply_on_the_waiting_list_and_a_cancellation_moves_it_up(
    client, vigil, mail_server, run_on_commit
):
    run_on_commit(lambda: reply(client, vigil, email="first@example.org", guests="2"))
    first_links = links_in(mail_server.inbox.messages()[-1])
    client.post(first_links["confirm"], {"shown": rsvps.digest(Rsvp.objects.get())})
    assert "Full for now" in page(client.get(event_url(vigil)))

    run_on_commit(lambda: reply(client, vigil, email="second@example.org"))
    waiting_email = mail_server.inbox.messages()[-1]
    # The same words as for a kept place: an email that said which would tell a
    # stranger whether someone else's address had replied (test_rsvp_attack.py).
    assert "if the event is full, confirming puts you on the waiting list" in text_of(waiting_email)
    second = Rsvp.objects.get(supporter__email="second@example.org")
    assert second.status == Rsvp.Status.WAITING
    client.post(links_in(waiting_email)["confirm"], {"shown": rsvps.digest(second)})
    second.refresh_from_db()
    assert second.status == Rsvp.Status.WAITING and second.is_confirmed

    cancelled = run_on_commit(lambda: client.post(first_links["manage"], {"do": "cancel"}))
    assert "Your reply is cancelled" in page(cancelled)
    second.refresh_from_db()
    assert second.status == Rsvp.Status.GOING
    opened = mail_server.inbox.messages()[-1]
    assert opened["To"] == "second@example.org"
    assert opened["Subject"] == "A place opened up for you: Vigil at the embassy"
    assert "manage" in links_in(opened)


def at_once(count: int, action) -> list:
    """Run action(i) for i in range(count) in as many threads, released together."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = action(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_people_replying_and_confirming_at_once_fill_the_places_exactly(settings):
    """On SQLite and on PostgreSQL (DATABASE_URL): 50 replies, then 50 confirmations, at once."""
    settings.RATELIMIT_RSVP_PER_NETWORK = 1000
    settings.CHALLENGE_SITE_PER_MINUTE = 10_000
    campaign = make_campaign()
    event = make_event(campaign=campaign, starts=at(TODAY + timedelta(days=5), 14), capacity=40)

    def post(i: int) -> int:
        response = reply(Client(), event, email=f"person{i}@example.org", address=f"10.0.{i}.1")
        return response.status_code

    assert at_once(50, post) == [302] * 50
    assert Rsvp.objects.count() == 50
    # Unconfirmed replies hold half the places at most; the rest wait for their links.
    assert Rsvp.objects.filter(status=Rsvp.Status.GOING).count() == 20
    assert Rsvp.objects.filter(status=Rsvp.Status.WAITING).count() == 30

    codes = [(rsvps.confirmation_code(r), rsvps.digest(r)) for r in Rsvp.objects.order_by("pk")]

    def confirm(i: int) -> int:
        code, shown = codes[i]
        return Client().post(f"/en/confirm/{code}/", {"shown": shown}).status_code

    assert at_once(50, confirm) == [200] * 50
    assert Rsvp.objects.filter(confirmed_at__isnull=False).count() == 50
    assert Rsvp.objects.filter(status=Rsvp.Status.GOING).count() == 40
    assert Rsvp.objects.filter(status=Rsvp.Status.WAITING).count() == 10
    assert rsvps.seats(event).free(None) == 0


def test_unconfirmed_replies_hold_half_the_places_of_a_large_event(client, campaign, run_on_commit):
    event = make_event(campaign=campaign, starts=at(TODAY + timedelta(days=4), 19), capacity=30)
    for number in range(3):
        run_on_commit(partial(reply, client, event, email=f"p{number}@example.org", guests="5"))
    assert [r.status for r in Rsvp.objects.order_by("pk")] == ["going", "going", "waiting"]
    late = Rsvp.objects.order_by("pk").last()
    client.post(f"/en/confirm/{rsvps.confirmation_code(late)}/", {"shown": rsvps.digest(late)})
    late.refresh_from_db()
    assert late.status == Rsvp.Status.GOING  # confirmed, it takes one of the free places


def test_an_unconfirmed_hold_runs_out_and_the_seat_goes_back(client, vigil, run_on_commit):
    run_on_commit(lambda: reply(client, vigil, guests="2"))
    assert rsvps.seats(vigil).free(None) == 0
    with time_machine.travel(timezone.now() + timedelta(hours=3, minutes=1)):
        assert rsvps.seats(vigil).free(None) == 3  # counted from the rows: free at once
        assert rsvps.release_lapsed_holds() == 1
        rsvp = Rsvp.objects.get()
        assert rsvp.status == Rsvp.Status.LAPSED
        # Confirming late still works while there is room.
        code = rsvps.confirmation_code(rsvp)
        client.post(f"/en/confirm/{code}/", {"shown": rsvps.digest(rsvp)})
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.GOING and rsvp.is_confirmed


def test_a_late_confirmation_of_a_lapsed_hold_joins_the_waiting_list_when_full(
    client, vigil, run_on_commit
):
    run_on_commit(lambda: reply(client, vigil, email="slow@example.org", guests="2"))
    slow = Rsvp.objects.get()
    with time_machine.travel(timezone.now() + timedelta(hours=4)):
        rsvps.release_lapsed_holds()
        run_on_commit(lambda: reply(client, vigil, email="quick@example.org", guests="2"))
        client.post(f"/en/confirm/{rsvps.confirmation_code(slow)}/", {"shown": rsvps.digest(slow)})
    slow.refresh_from_db()
    assert slow.status == Rsvp.Status.WAITING and slow.is_confirmed


def test_a_second_reply_with_the_same_address_gets_the_same_page_and_changes_nothing(
    client, vigil, mail_server, run_on_commit
):
    first = run_on_commit(lambda: reply(client, vigil, guests="1"))
    rsvp = Rsvp.objects.get()
    links = links_in(mail_server.inbox.messages()[0])
    client.post(links["confirm"], {"shown": rsvps.digest(rsvp)})

    # A stranger types the same address with other details.
    second = run_on_commit(
        lambda: reply(Client(), vigil, name="Someone Else", guests="0", address="198.51.100.9")
    )
    assert second.status_code == first.status_code == 302
    assert second["Location"] == first["Location"]
    rsvp.refresh_from_db()
    assert (rsvp.name, rsvp.guests) == ("Min-ji Kim", 1)
    assert Rsvp.objects.count() == 1
    again = mail_server.inbox.messages()[-1]
    assert again["Subject"] == "You already replied: Vigil at the embassy"
    assert "nothing changed" in text_of(again)
    # The address is confirmed: greeted by the name it confirmed, not the stranger's.
    assert text_of(again).startswith("Hello Min-ji,")
    assert set(links_in(again)) == {"manage"}


def test_an_unconfirmed_reply_takes_the_newest_form_and_its_page_shows_it(
    client, vigil, mail_server, run_on_commit
):
    run_on_commit(lambda: reply(client, vigil, name="Stranger", guests="2"))
    stale_code = links_in(mail_server.inbox.messages()[0])["confirm"]
    stale_page = page(client.get(stale_code))
    stale_digest = re.search(r'name="shown" value="(\w+)"', stale_page).group(1)
    run_on_commit(lambda: reply(Client(), vigil, name="Min-ji Kim", guests="0"))
    rsvp = Rsvp.objects.get()
    assert (rsvp.name, rsvp.guests) == ("Min-ji Kim", 0)
    # Pressing a page that showed the older details confirms nothing: shown again.
    response = client.post(stale_code, {"shown": stale_digest})
    assert response.status_code == 409
    assert "changed since the page was shown" in page(response)
    rsvp.refresh_from_db()
    assert not rsvp.is_confirmed


def test_guests_change_only_within_the_places_left(client, vigil, mail_server, run_on_commit):
    run_on_commit(lambda: reply(client, vigil, guests="0"))
    manage = links_in(mail_server.inbox.messages()[0])["manage"]
    response = client.post(manage, {"do": "guests", "guests": "3"})
    assert response.status_code == 400
    assert "There is no room for that many: 3 places are free." in page(response)
    assert Rsvp.objects.get().guests == 0
    response = client.post(manage, {"do": "guests", "guests": "2"})
    assert "Your reply is changed." in page(response)
    assert Rsvp.objects.get().guests == 2


def test_consents_wait_for_the_confirmation(client, vigil, campaign, mail_server, run_on_commit):
    lead = campaign.lead_organisation
    run_on_commit(lambda: reply(client, vigil, **{f"consent_{lead.pk}": "on"}))
    consent = Consent.objects.get(organisation=lead)
    assert consent.confirmed_at is None
    rsvp = Rsvp.objects.get()
    client.post(links_in(mail_server.inbox.messages()[0])["confirm"], {"shown": rsvps.digest(rsvp)})
    consent.refresh_from_db()
    assert consent.confirmed_at is not None


def test_a_recurring_vigil_offers_dates_and_every_date(client, campaign, run_on_commit):
    vigil = make_event(
        campaign=campaign,
        starts=at(TODAY + timedelta(days=1), 14),
        recurrence="FREQ=DAILY;COUNT=30",
    )
    shown = page(client.get(event_url(vigil)))
    assert 'name="day"' in shown and 'value="every"' in shown
    next_day = (TODAY + timedelta(days=2)).isoformat()
    run_on_commit(lambda: reply(client, vigil, day=next_day))
    run_on_commit(lambda: reply(client, vigil, day="every", address="192.0.2.8"))
    assert sorted(str(r.date) for r in Rsvp.objects.all()) == [next_day, "None"]

    refused = reply(client, vigil, day=(TODAY - timedelta(days=3)).isoformat())
    assert refused.status_code == 400
    assert "Please choose one of the dates offered." in page(refused)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"guests": "50"}, "Please choose how many guests from the list."),
        ({"name": "Min\x00ji"}, "invisible control characters"),
        ({"phone": "call me maybe"}, "A phone number has digits"),
        ({"email": "not an address"}, "does not look like an email address"),
        ({"name": "x" * 5000}, "at most 100 characters"),
    ],
)
def test_bad_input_gets_a_clear_message(client, vigil, fields, message):
    response = reply(client, vigil, **fields)
    assert response.status_code == 400
    assert message in page(response)
    assert not Rsvp.objects.exists()


def test_a_cancelled_or_past_event_takes_no_replies(client, campaign):
    past = make_event(campaign=campaign, starts=at(TODAY - timedelta(days=3), 14))
    response = reply(client, past)
    assert response.status_code in (400, 404)
    assert not Rsvp.objects.exists()
    cancelled = make_event(
        campaign=campaign, starts=at(TODAY + timedelta(days=3), 14), status="cancelled"
    )
    assert 'class="rsvp-form"' not in page(client.get(event_url(cancelled)))
    response = reply(client, cancelled)
    assert response.status_code == 400
    assert "This event is not taking replies." in page(response)


def test_a_tampered_manage_link_is_a_clear_404(client):
    response = client.get("/en/rsvp/not-a-code/")
    assert response.status_code == 404
    assert "This link does not work" in page(response)


def test_an_attendee_gets_their_replies_in_their_data_and_erasure_frees_the_seats(
    client, vigil, mail_server, run_on_commit
):
    from outcry.supporters.services import erase_supporter, export_supporter_data

    run_on_commit(lambda: reply(client, vigil, guests="2", phone="+82 10 1234 5678"))
    run_on_commit(lambda: reply(client, vigil, email="next@example.org", address="192.0.2.99"))
    waiting = Rsvp.objects.get(supporter__email="next@example.org")
    client.post(
        f"/en/confirm/{rsvps.confirmation_code(waiting)}/", {"shown": rsvps.digest(waiting)}
    )
    rsvp = Rsvp.objects.get(supporter__email="minji@example.org")
    [exported] = export_supporter_data(supporter=rsvp.supporter)["rsvps"]
    assert exported["event"] == "Vigil at the embassy"
    assert (exported["guests"], exported["phone"]) == (2, "+82 10 1234 5678")
    assert "token" not in exported

    erase_supporter(supporter_id=rsvp.supporter_id)
    rsvp.refresh_from_db()
    assert rsvp.status == Rsvp.Status.CANCELLED and (rsvp.name, rsvp.phone) == ("", "")
    waiting.refresh_from_db()
    assert waiting.status == Rsvp.Status.GOING
