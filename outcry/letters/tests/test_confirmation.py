"""Letters by email and fax go out in the writer's name only once the writer confirms.

Through HTTP, with a real SMTP server on loopback (aiosmtpd) receiving both the
confirmation emails and the letters. Tasks run at once (the immediate backend)
when the composer's transaction commits.
"""

import html
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from outcry.core.models import OutgoingEmail
from outcry.directory.testing import make_channel, make_target
from outcry.letters import confirmation
from outcry.letters.models import Delivery, Letter
from outcry.letters.tasks import send_letter_confirmation
from outcry.letters.views import SENDER_COOKIE
from outcry.testing import letter_form, make_letter_action, make_organiser

EMBASSY_EMAIL = "chinaembpress_us@mfa.gov.cn"


@pytest.fixture
def embassy(db):
    return make_target(
        name="Embassy of the People's Republic of China in the United States",
        salutation="Your Excellency",
        channels={"email": EMBASSY_EMAIL, "fax": "+12024952138"},
    )


@pytest.fixture
def action(db, embassy):
    return make_letter_action(
        selection="choose", targets=[embassy], campaign=None, languages=("en", "ko")
    )


@pytest.fixture
def post(client, action, embassy, django_capture_on_commit_callbacks):
    """POST the composer's last step as *client* (default: the test client), tasks run."""

    def posting(*, via=None, address="192.0.2.10", language="en", **form):
        form.setdefault("targets", [embassy])
        with translation.override(language):
            url = reverse("letters:compose", args=[action.slug])
        with django_capture_on_commit_callbacks(execute=True):
            return (via or client).post(url, letter_form(action, **form), REMOTE_ADDR=address)

    return posting


@pytest.fixture
def open_link(client, django_capture_on_commit_callbacks):
    def opening(path: str, *, via=None):
        """Open the link, then press its "Send my letter" button, as the writer does."""
        page = (via or client).get(path)
        if page.status_code != 200 or 'name="csrfmiddlewaretoken"' not in page.content.decode():
            return page  # a dead link, or a letter already sent
        with django_capture_on_commit_callbacks(execute=True):
            return (via or client).post(path)

    return opening


def text(response) -> str:
    return html.unescape(response.content.decode())


def to(mail_server, address: str) -> list:
    return [m for m in mail_server.inbox.messages() if m["To"].addresses[0].addr_spec == address]


def links_to(mail_server, address: str) -> list:
    """The confirmation emails to *address* (not the copies of letters sent)."""
    return [m for m in to(mail_server, address) if m["Subject"].startswith("Confirm to send")]


def link_in(message) -> str:
    """The path of the confirmation link in an email's plain text."""
    body = message.get_body(("plain",)).get_content()
    url = next(word for word in body.split() if "/confirm/" in word)
    return urlsplit(url).path


def test_a_letter_by_email_waits_for_the_writers_link_and_then_goes_out_once(
    client, post, open_link, mail_server, embassy
):
    response = post(email="min@example.org", channels=("email", "fax"))
    assert response.status_code == 302

    # Nothing has gone to the embassy: only the writer got an email.
    assert to(mail_server, EMBASSY_EMAIL) == []
    [message] = to(mail_server, "min@example.org")
    assert message["Subject"] == "Confirm to send your letter: Write to the Chinese embassy"
    body = message.get_body(("plain",)).get_content()
    # Not the letter itself (anyone may have typed it): the page behind the link shows it.
    assert "Please do not send the North Korean refugees" not in body
    assert f"{embassy.name} (email)" in body and f"{embassy.name} (fax)" in body
    assert "The link works for 3 days." in body
    assert "If you did not write this letter, ignore this email: nothing will be sent." in body
    assert OutgoingEmail.objects.get().idempotency_key.startswith("letter-confirmation:")

    sent_page = client.get(response["Location"])
    assert sent_page["Cache-Control"] == "private, no-store"
    content = text(sent_page)
    assert "Check your email to send your letter" in content
    assert "Your letter is saved but not sent yet." in content
    assert "Thank you for writing" not in content
    letter = Letter.objects.get()
    assert set(letter.deliveries.values_list("status", flat=True)) == {"unconfirmed"}

    # A mail scanner opens the link first: a page with a button, nothing sent.
    path = link_in(message)
    scanned = client.get(path)
    assert scanned["Cache-Control"] == "private, no-store"
    assert "Send my letter" in text(scanned)
    assert "Your Excellency," in text(scanned)  # the letter, as the embassy reads it
    assert "Please do not send the North Korean refugees" in text(scanned)
    assert to(mail_server, EMBASSY_EMAIL) == []
    # The writer presses the button (twice: harmless); the link then shows what was sent.
    landing = open_link(path)
    assert landing.status_code == 200
    assert landing["Cache-Control"] == "private, no-store"
    assert "Your email address is confirmed and your letter is on its way." in text(landing)
    again = client.post(path)
    assert again.status_code == 200 and "Thank you for writing" in text(again)
    assert "Thank you for writing" in text(client.get(path))
    [letter_email] = to(mail_server, EMBASSY_EMAIL)
    assert letter_email["Reply-To"].addresses[0].addr_spec == "min@example.org"
    statuses = dict(letter.deliveries.values_list("kind", "status"))
    assert statuses == {"email": "sent", "fax": "sent"}
    letter.refresh_from_db()
    assert letter.confirmed_at is not None
    assert "Thank you for writing" in text(client.get(response["Location"]))


def test_typing_someone_elses_address_sends_nothing_and_the_letter_expires(
    client, post, open_link, mail_server, settings, time_machine, embassy, action
):
    time_machine.move_to(timezone.now())
    post(email="victim@example.org", name="Victim Name", channels=("email", "fax"))
    [message] = to(mail_server, "victim@example.org")
    letter = Letter.objects.get()
    settings.LETTER_CONFIRMATION_DAYS = 3

    # Two days on nothing changes; the periodic jobs leave it waiting.
    time_machine.shift(timedelta(days=2))
    call_command("run_periodic", once=True, stdout=StringIO())
    assert set(letter.deliveries.values_list("status", flat=True)) == {"unconfirmed"}

    time_machine.shift(timedelta(days=1, minutes=1))
    out = StringIO()
    call_command("run_periodic", once=True, stdout=out)
    assert "outcry.letters.confirmation.expire_unconfirmed_letters: 2" in out.getvalue()
    assert set(letter.deliveries.values_list("status", flat=True)) == {"expired"}
    letter.refresh_from_db()
    assert letter.network_key == ""  # nothing left to send: its network is forgotten

    # The link no longer sends it, and nothing ever reached the embassy.
    late = open_link(link_in(message))
    assert late.status_code == 410
    assert "The letter was not confirmed in time, so it was not sent." in text(late)
    assert SENDER_COOKIE not in late.cookies
    assert to(mail_server, EMBASSY_EMAIL) == []
    assert "Your letter was not sent" in text(
        client.get(f"/en/letters/{action.slug}/sent/{letter.nonce}/")
    )

    # The organiser sees why in the admin.
    organisation = action.campaign.lead_organisation
    client.force_login(make_organiser(organisation=organisation))
    listing = text(
        client.get(reverse("admin:letters_delivery_changelist") + "?status__exact=expired")
    )
    assert listing.count("expired unconfirmed (never sent)") >= 2


def test_a_browser_that_confirmed_once_is_remembered_for_that_address_only(
    client, post, open_link, mail_server, embassy
):

    post(email="min@example.org")
    open_link(link_in(to(mail_server, "min@example.org")[0]))
    assert client.cookies[SENDER_COOKIE]["httponly"]
    assert client.cookies[SENDER_COOKIE]["samesite"] == "Lax"
    assert "min@example.org" not in client.cookies[SENDER_COOKIE].value  # a keyed hash

    # The same browser and address: no second link, the letter goes at once.
    second = post(email="min@example.org")
    assert "Thank you for writing" in text(client.get(second["Location"]))
    assert len(links_to(mail_server, "min@example.org")) == 1
    assert len(to(mail_server, EMBASSY_EMAIL)) == 2

    # Another address in this browser, or this address in another browser, must confirm.
    post(email="someone-else@example.org")
    stranger = Client()
    post(email="min@example.org", via=stranger)
    # A cookie made up by hand is not this site's signature.
    forger = Client()
    forger.cookies[SENDER_COOKIE] = confirmation.sender_proof("min@example.org")
    post(email="min@example.org", via=forger)
    assert len(to(mail_server, EMBASSY_EMAIL)) == 2
    assert len(to(mail_server, "someone-else@example.org")) == 1
    assert len(links_to(mail_server, "min@example.org")) == 3


def test_post_mailto_web_form_and_phone_need_no_confirmation(client, post, mail_server, embassy):
    make_channel(target=embassy, kind="post", value="3505 International Place, N.W.")
    make_channel(target=embassy, kind="webform", value="https://example.org/contact")
    make_channel(target=embassy, kind="phone", value="+12024952266")
    response = post(channels=("post", "webform", "phone", "mailto"))
    assert mail_server.inbox.envelopes == []  # no confirmation email
    content = text(client.get(response["Location"]))
    assert "Thank you for writing" in content
    assert "Check your email" not in content
    assert not Delivery.objects.filter(status="unconfirmed").exists()


def test_links_mailed_at_the_old_letters_address_still_show_the_button_and_send(
    client, post, mail_server
):
    # Letters' links were /<lang>/letters/confirm/<code>/ until every action shared
    # /<lang>/confirm/<code>/; those in inboxes stay valid for their days.
    post(email="min@example.org")
    new_path = link_in(to(mail_server, "min@example.org")[0])
    assert new_path.startswith("/en/confirm/")
    old_path = new_path.replace("/en/confirm/", "/en/letters/confirm/")
    page = client.get(old_path)
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    assert "Send my letter" in text(page)
    assert f'action="{new_path}"' in page.content.decode()  # the button posts to the new URL
    assert to(mail_server, EMBASSY_EMAIL) == []
    pressed = client.post(old_path)
    assert pressed.status_code == 200
    assert "Your email address is confirmed and your letter is on its way." in text(pressed)
    assert Letter.objects.get().confirmed_at is not None


def test_a_changed_link_does_not_work(client, post, open_link, mail_server):
    post(email="min@example.org")
    path = link_in(to(mail_server, "min@example.org")[0])
    response = open_link(path[:-3] + "xx/")
    assert response.status_code == 404
    assert "The confirmation link is incomplete or was changed." in text(response)
    assert open_link("/en/letters/confirm/nothing/").status_code == 404
    assert to(mail_server, EMBASSY_EMAIL) == []


def test_the_confirmation_email_is_sent_once_however_often_its_task_runs(post, mail_server):
    post(email="min@example.org")
    letter = Letter.objects.get()
    for _ in range(2):
        send_letter_confirmation.enqueue(letter_id=letter.pk)
    assert len(to(mail_server, "min@example.org")) == 1
    entry = OutgoingEmail.objects.get()
    assert (entry.idempotency_key, entry.status) == (f"letter-confirmation:{letter.pk}:0", "sent")


def test_the_confirmation_email_is_in_the_writers_language(post, mail_server, embassy):
    embassy.names.create(language="ko", name="주미 중국대사관")
    post(email="min@example.org", language="ko")
    [message] = to(mail_server, "min@example.org")
    assert message["Content-Language"] == "ko"
    assert "편지" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "/ko/confirm/" in body
    assert "주미 중국대사관" in body  # the office's name in Korean
    assert "Embassy of" not in body


def test_the_composer_and_letter_pages_are_private(client, post, action, embassy):
    url = reverse("letters:compose", args=[action.slug])
    sender = {"name": "Min", "email": "min@example.org", "country": "US", "goto": "targets"}
    assert client.post(url, sender)["Cache-Control"] == "private, no-store"
    preview = client.post(url, letter_form(action, targets=[embassy], goto="compose"))
    assert preview["Cache-Control"] == "private, no-store"
    response = post()
    assert client.get(response["Location"])["Cache-Control"] == "private, no-store"


def test_other_networks_confirmed_letter_goes_out_within_the_hour_despite_a_flood(
    client, post, open_link, mail_server, settings
):
    """58 letters from one network once filled an embassy's hour; now it gets a share."""

    settings.DELIVERY_RATE_PER_TARGET_HOUR = {"email": 8, "fax": 8}
    settings.DELIVERY_NETWORK_SHARE_PERCENT = 25  # two an hour for one network
    settings.RATELIMIT_LETTER_PER_NETWORK = settings.RATELIMIT_LETTER_PER_EMAIL = 100
    flood = "203.0.113.5"

    # Unconfirmed letters use none of the limit.
    for n in range(5):
        post(via=Client(), email=f"typed-{n}@example.org", address=flood)
    # One writer on that network confirms once, then sends ten letters at once.
    post(email="flood@example.org", address=flood)
    open_link(link_in(to(mail_server, "flood@example.org")[0]))
    for _ in range(10):
        post(email="flood@example.org", address=flood)
    assert len(to(mail_server, EMBASSY_EMAIL)) == 2

    # Someone on another network writes and confirms: it goes out now.
    elsewhere = Client()
    post(via=elsewhere, email="ana@example.org", address="198.51.100.7")
    open_link(link_in(to(mail_server, "ana@example.org")[0]), via=elsewhere)
    received = to(mail_server, EMBASSY_EMAIL)
    assert len(received) == 3
    assert received[-1]["Reply-To"].addresses[0].addr_spec == "ana@example.org"

    waiting = Delivery.objects.filter(status=Delivery.Status.QUEUED)
    assert waiting.count() == 9  # the flood's rest, spread over the next hours
    assert all(row.next_attempt_at > timezone.now() for row in waiting)
    assert Delivery.objects.filter(status=Delivery.Status.UNCONFIRMED).count() == 5
    # Only the keyed hash of the network is kept, never the address itself.
    assert not Letter.objects.filter(network_key__contains="203.0.113").exists()
    assert {len(key) for key in Letter.objects.values_list("network_key", flat=True)} == {32}


def test_typing_someone_elses_address_again_and_again_sends_at_most_five_links_an_hour(
    post, mail_server
):

    answers = [post(via=Client(), email="victim@example.org") for _ in range(7)]
    # Every answer is the same (no tell that this address wrote a moment ago) ...
    assert {answer.status_code for answer in answers} == {302}
    pages = [text(Client().get(answer["Location"])) for answer in answers]
    assert all("Check your email to send your letter" in page for page in pages)
    # ... but only five links were emailed; the rest wait unconfirmed and expire.
    assert len(to(mail_server, "victim@example.org")) == 5
    assert Letter.objects.count() == 7
    assert Letter.objects.filter(confirmed_at__isnull=True).count() == 7


def test_opening_the_link_alone_sends_nothing(client, post, mail_server, embassy):
    """Mail scanners and link previews open links by themselves: only the button sends."""
    post(email="someone-else@example.org")
    link = link_in(mail_server.inbox.messages()[0])
    for _ in range(3):
        page = client.get(link)
        assert page.status_code == 200
        assert "Send my letter" in text(page)
    assert Letter.objects.get().confirmed_at is None
    assert {d.status for d in Delivery.objects.all()} == {Delivery.Status.UNCONFIRMED}
