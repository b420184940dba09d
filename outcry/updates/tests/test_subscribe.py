"""Get updates: the form, double opt-in through the one confirmation link, no oracle, bad input."""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client

from outcry.core.models import OutgoingEmail
from outcry.supporters import preferences
from outcry.supporters import services as supporters
from outcry.supporters.models import Consent, Supporter
from outcry.updates.models import Subscription

CSRF_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')


def subscribe_path(campaign, language: str = "en") -> str:
    return f"/{language}/c/{campaign.slug}/updates/subscribe/"


def sign_up(client, campaign, language: str = "en", **fields):
    data = {"email": "min@example.org", "name": "Min-jun Kim"} | fields
    return client.post(subscribe_path(campaign, language), data)


def link_in(message) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/\S+/confirm/\S+/)", message.body).group(1)


def test_signing_up_emails_a_link_whose_button_starts_the_updates_and_confirms_consents(
    client, campaign, run_on_commit
):
    lead, partner = campaign.coalition()
    response = run_on_commit(
        lambda: sign_up(client, campaign, email=" Min@Example.ORG ", **{f"consent_{lead.pk}": "on"})
    )
    assert response.status_code == 302
    assert response["Location"] == f"/en/c/{campaign.slug}/updates/thanks/"
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.PENDING
    assert subscription.supporter.email == "min@example.org"
    assert subscription.language == "en"
    consent = Consent.objects.get()
    assert consent.organisation == lead and consent.confirmed_at is None
    [message] = mail.outbox
    assert message.to == ["min@example.org"]
    assert message.subject == "Please confirm you want the updates: Stop the forced return"
    assert message.from_email.startswith("Stop the forced return <")  # the campaign's name
    # Whoever typed the address typed the name: until it is confirmed, a plain greeting.
    assert message.body.startswith("Hello,\n") and "Min-jun" not in message.body
    assert f"It also confirms that {lead.name} may email you" in message.body
    assert partner.name not in message.body
    path = link_in(message)
    assert path.startswith("/en/confirm/")

    for _ in range(2):  # a mail scanner opens the link, maybe twice: nothing happens
        page = client.get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert f'<form method="post" action="{path}">' in html
        assert "Yes, send me the updates" in html and lead.name in html
        assert page["Cache-Control"] == "private, no-store"
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PENDING

    for _ in range(2):  # the person presses the button, then again
        done = client.post(path)
        assert done.status_code == 200
        assert "You will get the updates" in done.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.confirmed_at is not None
    assert Consent.objects.get().confirmed_at is not None


def test_the_name_is_optional(client, campaign, run_on_commit):
    response = run_on_commit(lambda: sign_up(client, campaign, name=""))
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.body.startswith("Hello,\n")
    assert Supporter.objects.get().name == ""


def test_a_name_a_stranger_typed_is_never_mailed_to_the_address_they_typed(
    client, campaign, run_on_commit
):
    response = run_on_commit(
        lambda: sign_up(client, campaign, email="victim@example.org", name="evil.example/pay 한국")
    )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["victim@example.org"]
    assert message.body.startswith("Hello,\n")
    html = message.alternatives[0][0]
    assert "evil.example" not in message.body and "evil.example" not in html


def answer_and_page(campaign, email: str) -> tuple:
    """The answer to one sign-up from a browser of its own, and the page it leads to."""
    browser = Client()
    answer = sign_up(browser, campaign, email=email)
    page = browser.get(answer["Location"])
    text = CSRF_TOKEN.sub(r'\1"', page.content.decode())
    return answer.status_code, sorted(answer.items()), sorted(answer.cookies), text


def test_a_known_and_an_unknown_address_get_the_same_answer_and_only_the_inbox_tells(
    campaign, settings, run_on_commit, time_machine
):
    settings.RATELIMIT_UPDATES_PER_EMAIL = 2
    time_machine.move_to("2026-12-01 09:00Z", tick=False)
    run_on_commit(lambda: sign_up(Client(), campaign, email="active@example.org"))
    active_link = link_in(mail.outbox[0])
    Client().post(active_link)
    run_on_commit(lambda: sign_up(Client(), campaign, email="pending@example.org"))
    time_machine.shift(timedelta(hours=2))
    mail.outbox.clear()

    answers = {
        email: run_on_commit(lambda email=email: answer_and_page(campaign, email))
        for email in [
            "new@example.org",
            "active@example.org",
            "pending@example.org",
            "ACTIVE@example.org",  # the same address again
            "active@example.org",  # and again: over its limit now, so nothing is done
        ]
    }
    first = answers["new@example.org"]
    for email, answer in answers.items():
        assert answer == first, email
    assert "If this address had already signed up, the email says so." in first[3]

    inbox = {message.to[0]: message for message in mail.outbox}
    assert sorted(inbox) == ["active@example.org", "new@example.org", "pending@example.org"]
    assert len(mail.outbox) == 3  # one an hour for the repeated address
    active = inbox["active@example.org"]
    assert active.subject == "You already get the updates: Stop the forced return"
    assert "/confirm/" not in active.body
    assert "/confirm/" in inbox["pending@example.org"].body
    assert Subscription.objects.count() == 3


def test_someone_typing_an_active_subscribers_address_changes_nothing(
    client, campaign, run_on_commit
):
    run_on_commit(lambda: sign_up(client, campaign))
    client.post(link_in(mail.outbox[0]))
    run_on_commit(lambda: sign_up(Client(), campaign, "ko", name="Stranger"))
    subscription = Subscription.objects.get()
    assert subscription.is_active and subscription.language == "en"
    assert Supporter.objects.get().name == "Min-jun Kim"


def test_a_korean_sign_up_gets_its_email_and_pages_in_korean(client, campaign, run_on_commit):
    response = run_on_commit(lambda: sign_up(client, campaign, "ko", name="김민준"))
    assert response["Location"] == f"/ko/c/{campaign.slug}/updates/thanks/"
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "ko"
    assert "강제 북송을 멈춰라" in message.subject
    path = link_in(message)
    assert path.startswith("/ko/confirm/")
    page = client.get(path).content.decode()
    assert '<html lang="ko">' in page
    assert Subscription.objects.get().language == "ko"


def test_an_expired_or_tampered_link_gets_a_clear_page_and_confirms_nothing(
    client, campaign, run_on_commit, time_machine
):
    time_machine.move_to("2026-12-01 09:00Z", tick=False)
    run_on_commit(lambda: sign_up(client, campaign))
    path = link_in(mail.outbox[0])
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    assert client.post(tampered).status_code == 404
    time_machine.shift(timedelta(days=15))
    expired = client.post(path)
    assert expired.status_code == 410
    assert "This confirmation link has expired" in expired.content.decode()
    assert Subscription.objects.get().status == Subscription.Status.PENDING


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": ""}, "Please give your email address."),
        ({"email": "not an address"}, "This does not look like an email address."),
        ({"email": "a" * 250 + "@example.org"}, "Ensure this value has at most 254 characters"),
        ({"email": "min@localhost"}, "Please give an address with a full domain name"),
        ({"email": "=?utf-8?q?x?=@example.org"}, "This does not look like an email address."),
        ({"name": "M" * 101}, "Ensure this value has at most 100 characters"),
        ({"name": "Min\x00jun"}, "invisible control characters"),
        ({"name": "Min\r\nBcc: victim@example.net"}, "Please write this on one line."),
        ({"name": "..."}, "Please write your name with letters, or leave it empty."),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(
    client, campaign, run_on_commit, fields, message
):
    response = run_on_commit(lambda: sign_up(client, campaign, **fields))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert '<section class="updates"' in html and 'role="alert"' in html
    assert Subscription.objects.count() == Supporter.objects.count() == 0
    assert mail.outbox == []


def test_an_oversized_or_unreadable_body_is_refused_without_an_error(client, campaign):
    huge = client.post(subscribe_path(campaign), {"email": "x" * 100_000 + "@example.org"})
    assert huge.status_code == 400
    unreadable = client.post(
        subscribe_path(campaign),
        b"email=min%40example.org&name=\xff\xfe",
        content_type="application/x-www-form-urlencoded",
    )
    assert unreadable.status_code == 400
    assert "characters we could not read" in unreadable.content.decode()
    assert Subscription.objects.count() == 0


def test_html_and_encoded_words_in_a_name_stay_text_and_never_reach_a_header(
    client, campaign, run_on_commit
):
    name = '<b>Min</b> =?utf-8?b?QmNjOiBldmlsQGV4YW1wbGUub3Jn?= "Kim"'
    response = run_on_commit(lambda: sign_up(client, campaign, name=name))
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["min@example.org"] and message.cc == message.bcc == []
    mime = message.message()
    assert mime.get_all("To") == ["min@example.org"]
    assert "Bcc" not in mime and "evil@example.org" not in str(mime["To"])
    html = message.alternatives[0].content
    # Not confirmed yet: the name is not in the email at all, escaped or not.
    assert "<b>Min</b>" not in html and "&lt;b&gt;Min" not in html


def test_a_get_or_another_method_changes_nothing(client, campaign):
    assert client.get(subscribe_path(campaign)).status_code == 302
    assert client.put(subscribe_path(campaign)).status_code == 405
    assert client.post("/en/c/no-such-campaign/updates/subscribe/", {}).status_code == 404
    assert Subscription.objects.count() == 0


def test_a_network_past_its_limit_is_told_to_wait_and_an_address_past_its_limit_is_not(
    campaign, settings, run_on_commit
):
    settings.RATELIMIT_UPDATES_PER_NETWORK = 3
    settings.RATELIMIT_UPDATES_PER_EMAIL = 1
    flood = Client(REMOTE_ADDR="203.0.113.7")
    answers = [
        run_on_commit(lambda n=n: sign_up(flood, campaign, email="same@example.org"))
        for n in range(3)
    ]
    assert [answer.status_code for answer in answers] == [302, 302, 302]
    assert len(mail.outbox) == 1  # the repeats past the address's limit send nothing
    refused = sign_up(flood, campaign, email="other@example.org")
    assert refused.status_code == 429
    assert "Too many sign-ups have come from here" in refused.content.decode()
    # Another network is not held back by the first one's flood.
    elsewhere = Client(REMOTE_ADDR="198.51.100.9")
    assert sign_up(elsewhere, campaign, email="other@example.org").status_code == 302


def test_a_subscribers_data_copy_and_erasure_cover_their_subscription(
    client, campaign, run_on_commit
):
    run_on_commit(lambda: sign_up(client, campaign))
    client.post(link_in(mail.outbox[0]))
    supporter = Supporter.objects.get()
    link = supporters.data_link_url(supporter).split("127.0.0.1:8000", 1)[1]
    assert "Updates from 1 campaign asked for" in client.get(link).content.decode()
    data = json.loads(client.get(link + "download/").content)
    [entry] = data["subscriptions"]
    assert entry["campaign"] == "Stop the forced return"
    assert entry["campaign_slug"] == campaign.slug
    assert entry["status"] == "active" and entry["language"] == "en"
    assert "token" not in json.dumps(data["subscriptions"])

    assert client.post(link + "erase/").status_code == 200
    assert Subscription.objects.count() == 0
    assert OutgoingEmail.objects.filter(to_address="min@example.org").count() == 0


def test_stopping_the_lead_organisations_mail_from_an_email_stops_the_updates_and_old_links(
    client, campaign, run_on_commit, time_machine
):
    time_machine.move_to("2026-12-01 09:00Z", tick=False)
    lead, partner = campaign.coalition()
    run_on_commit(lambda: sign_up(client, campaign, **{f"consent_{lead.pk}": "on"}))
    first_link = link_in(mail.outbox[0])
    client.post(first_link)
    subscription = Subscription.objects.get()
    assert subscription.is_active

    # The one-click unsubscribe of a mailing from the partner leaves the lead's campaign alone.
    supporter = subscription.supporter
    to_partner = preferences.unsubscribe_url(supporter, partner).split("127.0.0.1:8000", 1)[1]
    run_on_commit(lambda: client.post(to_partner, {"List-Unsubscribe": "One-Click"}))
    subscription.refresh_from_db()
    assert subscription.is_active
    # The lead's ends it.
    to_lead = preferences.unsubscribe_url(supporter, lead).split("127.0.0.1:8000", 1)[1]
    run_on_commit(lambda: client.post(to_lead, {"List-Unsubscribe": "One-Click"}))
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
    assert subscription.unsubscribed_at is not None

    # The old link no longer starts them; signing up again sends a new one that does.
    stale = client.post(first_link)
    assert stale.status_code == 410
    assert Subscription.objects.get().status == Subscription.Status.UNSUBSCRIBED
    mail.outbox.clear()
    time_machine.shift(timedelta(hours=2))  # at most one email an hour about one sign-up
    run_on_commit(lambda: sign_up(Client(), campaign))
    [message] = mail.outbox
    new_link = link_in(message)
    assert new_link != first_link
    assert client.post(new_link).status_code == 200
    assert Subscription.objects.get().is_active


def test_a_link_emailed_before_a_newer_sign_up_changed_it_confirms_nothing(
    client, campaign, run_on_commit, time_machine
):
    time_machine.move_to("2026-12-01 09:00Z", tick=False)
    lead, partner = campaign.coalition()
    run_on_commit(lambda: sign_up(client, campaign, **{f"consent_{lead.pk}": "on"}))
    owners_link = link_in(mail.outbox[0])
    time_machine.shift(timedelta(hours=2))
    # Someone else types the address, with another organisation ticked.
    run_on_commit(lambda: sign_up(Client(), campaign, **{f"consent_{partner.pk}": "on"}))
    newest_link = link_in(mail.outbox[1])

    stale = client.post(owners_link)
    assert stale.status_code == 410
    assert "This link is out of date" in stale.content.decode()
    assert Subscription.objects.get().status == Subscription.Status.PENDING
    assert not Consent.objects.filter(confirmed_at__isnull=False).exists()

    page = client.get(newest_link).content.decode()
    assert partner.name in page and lead.name not in page  # what pressing agrees to
    assert client.post(newest_link).status_code == 200
    assert Subscription.objects.get().is_active
