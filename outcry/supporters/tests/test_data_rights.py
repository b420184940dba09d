"""A supporter's own data: a link by email, a JSON copy, erasure; all through HTTP."""

import json
import re

import pytest
from django.apps import apps
from django.core import mail
from django.core.signing import TimestampSigner
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import translation

from outcry.core.models import AppendOnly, AuditEvent, OutgoingEmail
from outcry.directory.testing import make_target
from outcry.letters.models import Delivery, Letter
from outcry.letters.tasks import requeue_deliveries
from outcry.petitions.models import Signature
from outcry.petitions.services import confirmation_url, count_signatures, recount_signatures
from outcry.supporters import services
from outcry.supporters.models import Consent, Supporter
from outcry.testing import (
    confirm_all_pending,
    make_campaign,
    make_letter_action,
    make_organisation,
    make_petition,
    open_and_confirm,
    post_letter,
    post_signature,
)

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def request_url(language: str = "en") -> str:
    with translation.override(language):
        return reverse("supporters:data_request")


def committed(action):
    """Run *action* and then what its transactions queued on commit (emails), as in production."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return action()


def ask_for_link(client: Client, email: str, language: str = "en"):
    return committed(lambda: client.post(request_url(language), {"email": email}))


def link_in(message) -> str:
    """The path of the "your data" link in an email."""
    url = re.search(r"http://127\.0\.0\.1:8000(/\S+/your-data/\S+/)", message.body).group(1)
    return url


@pytest.fixture
def signed(client, db):
    """Min signed a petition (confirmed, with a comment, listed by name) and consented to Lead."""
    lead = make_organisation(name="Lead Org")
    petition = make_petition(campaign=make_campaign(lead=lead))
    committed(
        lambda: post_signature(
            client,
            petition,
            email="min@example.org",
            comment="Please act now.",
            public_name=Signature.PublicName.FULL,
            **{f"consent_{lead.pk}": "on"},
        )
    )
    confirm_all_pending(petition)
    mail.outbox.clear()
    return petition


def test_every_page_links_to_your_data(client, signed):
    page = client.get(f"/ko/c/{signed.campaign.slug}/").content.decode()
    assert f'href="{request_url("ko")}"' in page
    assert request_url("ko") == "/ko/your-data/"


def test_the_confirmation_email_links_to_your_data(client, petition_db):
    committed(lambda: post_signature(client, petition_db, email="new@example.org", language="ko"))
    (message,) = mail.outbox
    assert "http://127.0.0.1:8000/ko/your-data/" in message.body
    assert 'href="http://127.0.0.1:8000/ko/your-data/"' in message.alternatives[0].content


@pytest.fixture
def petition_db(db):
    return make_petition()


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(client, signed):
    forms = [CSRF.sub("", client.get(request_url()).content.decode()) for _ in range(2)]
    assert forms[0] == forms[1]
    known = ask_for_link(client, "min@example.org")
    unknown = ask_for_link(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    pages = [client.get(answer["Location"]) for answer in (known, unknown)]
    assert pages[0].content == pages[1].content
    assert "If we hold anything for this address, we have emailed it a link" in (
        pages[0].content.decode()
    )
    (message,) = mail.outbox  # only the known address got an email
    assert message.to == ["min@example.org"]


def test_the_email_carries_a_link_to_the_data_and_is_sent_once_an_hour(client, signed):
    for _ in range(2):
        ask_for_link(client, " MIN@example.org ")
    (message,) = mail.outbox
    assert message.subject == "Your data at outcry"
    entry = OutgoingEmail.objects.get(purpose=services.DATA_LINK_PURPOSE)
    assert entry.status == OutgoingEmail.Status.SENT
    page = client.get(link_in(message))
    assert page.status_code == 200
    assert "min@example.org" in page.content.decode()
    assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]


def test_the_email_and_pages_are_in_korean_for_a_korean_supporter(client, db):
    petition = make_petition()
    post_signature(client, petition, language="ko", email="ji@example.org")
    confirm_all_pending(petition)
    mail.outbox.clear()
    ask_for_link(client, "ji@example.org", language="ko")
    (message,) = mail.outbox
    assert message.subject == "outcry에 있는 내 정보"
    path = link_in(message)
    assert path.startswith("/ko/your-data/")
    assert "내 정보" in client.get(path).content.decode()


def test_the_download_holds_their_signatures_and_nobody_elses(client, signed):
    other = Client()
    post_signature(other, signed, email="other@example.org", name="Other Person", comment="Mine")
    ask_for_link(client, "min@example.org")
    (message,) = mail.outbox
    response = client.get(link_in(message) + "download/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="outcry-data-')
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    data = json.loads(response.content)
    assert data["supporter"]["email"] == "min@example.org"
    assert data["supporter"]["name"] == "Min-jun Kim"
    (signature,) = data["signatures"]
    assert signature["petition"] == "Protect the refugees"
    assert signature["campaign"] == "Stop the forced return"
    assert signature["comment"] == "Please act now."
    assert signature["name"] == "Min-jun Kim" and signature["country"] == "KR"
    (consent,) = data["consents"]
    assert consent["organisation"] == "Lead Org" and consent["wording"]
    assert consent["confirmed_at"]
    assert {email["purpose"] for email in data["emails"]} == {
        "signature-confirmation",
        services.DATA_LINK_PURPOSE,
    }
    text = response.content.decode()
    for secret_or_other in [
        "other@example.org",
        "Other Person",
        "Mine",
        Signature.objects.get(supporter__email="min@example.org").token,
        "idempotency",
        "signature-confirmation:",
    ]:
        assert secret_or_other not in text
    assert AuditEvent.objects.filter(action=services.EXPORT_ACTION).count() == 1


def test_the_download_holds_their_letters_and_deliveries(client, db):
    embassy = make_target(name="Embassy of China", channels={"post": "1 Street\nCity"})
    action = make_letter_action(targets=[embassy])
    post_letter(client, action, channels=("post",), email="writer@example.org", city="Boston")
    letter = Letter.objects.get()
    link = services.data_link_url(letter.supporter).split("127.0.0.1:8000", 1)[1]
    data = json.loads(client.get(link + "download/").content)
    (written,) = data["letters"]
    assert written["sender_city"] == "Boston"
    assert written["deliveries"] == [
        {"to": "Embassy of China", "channel": "post", "status": "queued", "sent_at": None}
    ]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_tampered_or_expired_link_gets_a_clear_page(client, signed, time_machine, language):
    time_machine.move_to("2026-06-01 12:00Z")
    supporter = Supporter.objects.get(email="min@example.org")
    with translation.override(language):
        good = reverse("supporters:data", args=[services.data_link_code(supporter)])
    tampered = good.replace("/your-data/", "/your-data/1").replace(":", "x", 1)
    forged = TimestampSigner(salt="something else").sign(str(supporter.pk))
    with translation.override(language):
        forged_url = reverse("supporters:data_download", args=[forged])
    for url in [tampered, forged_url, f"/{language}/your-data/%FF/erase/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "data.json" not in response.get("Content-Disposition", "")
    # A NUL in any request is refused before a view sees it (core.middleware).
    assert client.get(f"/{language}/your-data/%00%FF/erase/").status_code == 400
    time_machine.shift(25 * 3600)
    for suffix in ["", "download/", "erase/"]:
        response = client.get(good + suffix)
        assert response.status_code == 410
        text = response.content.decode()
        expected = "This link has expired" if language == "en" else "만료된 링크입니다"
        assert expected in text
    assert client.post(good + "erase/").status_code == 410
    assert not Supporter.objects.get(pk=supporter.pk).is_erased


def test_erasure_anonymises_and_the_public_count_stays(client, signed):
    supporter = Supporter.objects.get(email="min@example.org")
    signers_url = reverse("petitions:signers", args=[signed.slug])
    assert "Min-jun Kim" in client.get(signers_url).content.decode()
    assert count_signatures(signed) == 1
    link = services.data_link_url(supporter).split("127.0.0.1:8000", 1)[1]

    confirm_page = client.get(link + "erase/")
    assert confirm_page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in confirm_page.content.decode()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(link + "erase/").status_code == 403  # no token, nothing erased
    assert not Supporter.objects.get(pk=supporter.pk).is_erased

    for _ in range(2):  # a second click or a reload is harmless
        response = client.post(link + "erase/")
        assert response.status_code == 200
        assert "Your data is erased" in response.content.decode()

    supporter.refresh_from_db()
    assert supporter.is_erased
    assert supporter.email.endswith("@erased.invalid") and "min" not in supporter.email
    assert supporter.name == supporter.country == supporter.postcode == ""
    signature = Signature.objects.get(supporter=supporter)
    assert signature.is_confirmed
    assert signature.name == signature.country == signature.comment == ""
    assert signature.public_name == Signature.PublicName.HIDDEN
    assert count_signatures(signed) == 1

    assert recount_signatures(petition=signed) == (1, 1)
    assert "Min-jun Kim" not in client.get(signers_url).content.decode()
    assert all(consent.withdrawn_at for consent in Consent.objects.filter(supporter=supporter))
    assert not OutgoingEmail.objects.filter(to_address="min@example.org").exists()
    (event,) = AuditEvent.objects.filter(action=services.ERASE_ACTION)
    assert "min@example.org" not in json.dumps(event.details) + event.object_repr
    assert "Min-jun" not in json.dumps(event.details) + event.object_repr
    # The link still opens, and says the data is gone; asking again sends nothing.
    assert "has been erased" in client.get(link).content.decode()
    mail.outbox.clear()
    ask_for_link(client, "min@example.org")
    assert mail.outbox == []


def test_erasure_cancels_what_was_not_sent_and_clears_letters(client, db):
    embassy = make_target(channels={"post": "1 Street\nCity"})
    action = make_letter_action(targets=[embassy])
    post_letter(client, action, channels=("post",), email="writer@example.org", city="Boston")
    petition = make_petition()
    post_signature(client, petition, email="writer@example.org")  # never confirmed
    supporter = Supporter.objects.get(email="writer@example.org")
    queued = OutgoingEmail.objects.create(
        idempotency_key="test:1", to_address="writer@example.org", purpose="test"
    )
    link = services.data_link_url(supporter).split("127.0.0.1:8000", 1)[1]
    client.post(link + "erase/")
    letter = Letter.objects.get()
    assert letter.sender_name == letter.sender_city == letter.sender_country == ""
    assert Delivery.objects.get().status == Delivery.Status.FAILED
    assert not Signature.objects.filter(petition=petition).exists()  # never counted: gone
    queued.refresh_from_db()
    assert queued.status == OutgoingEmail.Status.FAILED
    assert queued.to_address.endswith("@erased.invalid")


def test_bad_input_is_answered_with_a_message(client, db):
    for data, expected in [
        ({"email": ""}, "Please give your email address."),
        ({"email": "not an address"}, "This does not look like an email address."),
        ({"email": '"a\x01b"@example.org'}, "This does not look like an email address."),
    ]:
        response = client.post(request_url(), data)
        assert response.status_code == 400
        assert expected in response.content.decode()
    response = client.post(
        request_url(), b"email=\xff@example.org", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert client.put(request_url()).status_code == 405


def test_asking_is_rate_limited_per_address_and_per_network(client, signed, settings):
    settings.RATELIMIT_DATA_PER_EMAIL = 2
    settings.RATELIMIT_DATA_PER_NETWORK = 3
    mail.outbox.clear()
    answers = [ask_for_link(client, "min@example.org") for _ in range(3)]
    # The third is answered like the others (no tell that the address was asked
    # for a moment ago); one link an hour is emailed at most.
    assert [answer.status_code for answer in answers] == [302, 302, 302]
    assert len({answer["Location"] for answer in answers}) == 1
    assert len([m for m in mail.outbox if m.to == ["min@example.org"]]) == 1
    refused = ask_for_link(client, "someone@example.org")  # the network's 4th
    assert refused.status_code == 429
    assert "Too many requests have come from here" in refused.content.decode()
    other_network = Client(REMOTE_ADDR="198.51.100.7")
    assert ask_for_link(other_network, "min@example.org").status_code == 302
    assert len([m for m in mail.outbox if m.to == ["min@example.org"]]) == 1
    assert ask_for_link(other_network, "x@example.org").status_code == 302


def test_no_raw_ip_address_is_stored(client, signed, django_db_blocker):
    client = Client(REMOTE_ADDR="203.0.113.99")
    ask_for_link(client, "min@example.org")
    supporter = Supporter.objects.get(email="min@example.org")
    link = services.data_link_url(supporter).split("127.0.0.1:8000", 1)[1]
    client.get(link + "download/")
    client.post(link + "erase/")

    for model in apps.get_models():
        if not model._meta.managed:
            continue  # no table of its own (django-rq's dashboard entry)
        for row in model.objects.all().values():
            assert "203.0.113.99" not in repr(row), model


def test_a_returning_supporters_details_are_filled_in_once_confirmed_and_audited_without_values(
    client, db
):
    petition, other = make_petition(), make_petition()
    post_signature(client, petition, email="min@example.org", country="", postcode="")
    post_signature(client, other, email="min@example.org", country="KR", postcode="04524")
    supporter = Supporter.objects.get(email="min@example.org")
    assert supporter.country == ""  # nobody confirmed the second form yet
    assert not AuditEvent.objects.filter(action=services.DETAILS_CHANGED_ACTION).exists()
    signature = Signature.objects.get(petition=other)
    path = confirmation_url(signature).split("127.0.0.1:8000", 1)[1]
    open_and_confirm(client, path)
    supporter.refresh_from_db()
    assert supporter.country == "KR"
    (event,) = AuditEvent.objects.filter(action=services.DETAILS_CHANGED_ACTION)
    assert event.details["fields"] == ["country"]
    assert "KR" not in json.dumps(event.details)


def test_the_language_a_supporter_is_written_in_is_the_one_they_confirmed_in(client, db):
    # A stranger types Ann's address first, on the Korean page; Ann signs in English and
    # confirms: her mail (mailings, her data link) is in English from then on.
    petition, other = make_petition(), make_petition()
    post_signature(Client(), petition, "ko", email="ann@example.org", country="KP")
    post_signature(client, other, "en", email="ann@example.org", country="GB")
    supporter = Supporter.objects.get(email="ann@example.org")
    assert supporter.language == "ko"  # the first form's, until one is confirmed
    signature = Signature.objects.get(petition=other)
    open_and_confirm(client, confirmation_url(signature).split("127.0.0.1:8000", 1)[1])
    supporter.refresh_from_db()
    assert (supporter.language, supporter.country) == ("en", "GB")
    (event,) = AuditEvent.objects.filter(action=services.DETAILS_CHANGED_ACTION)
    assert sorted(event.details["fields"]) == ["country", "language"]


def test_the_audit_log_cannot_be_edited(db):
    event = AuditEvent.objects.create(action="test")
    event.action = "changed"
    for attempt in [
        event.save,
        event.delete,
        lambda: AuditEvent.objects.update(action="x"),
        lambda: AuditEvent.objects.all().delete(),
    ]:
        with pytest.raises(AppendOnly):
            attempt()
    assert AuditEvent.objects.get().action == "test"


def test_erasure_cancels_a_letter_waiting_for_its_writer_for_good(client, db):
    embassy = make_target(channels={"email": "embassy@example.net"})
    action = make_letter_action(targets=[embassy])
    post_letter(client, action, channels=("email",), email="writer@example.org")
    assert Delivery.objects.get().status == Delivery.Status.UNCONFIRMED
    supporter = Supporter.objects.get(email="writer@example.org")
    link = services.data_link_url(supporter).split("127.0.0.1:8000", 1)[1]
    client.post(link + "erase/")
    assert Delivery.objects.get().status == Delivery.Status.FAILED
    # An organiser queueing failed deliveries again does not send it without its writer.
    assert requeue_deliveries(deliveries=Delivery.objects.all()) == 0
    assert Delivery.objects.get().status == Delivery.Status.FAILED


def test_a_strangers_form_in_another_language_is_not_confirmed_by_the_owners_link(client, db):
    # Ann signs in English; before she presses her link a stranger types her address,
    # name and country again on the Korean page: the same words keep her English link
    # valid, and pressing it must not write her mail in the stranger's language.
    petition = make_petition()
    post_signature(client, petition, "en", email="ann@example.org", name="Ann", country="GB")
    signature = Signature.objects.get(petition=petition)
    link = confirmation_url(signature).split("127.0.0.1:8000", 1)[1]
    post_signature(Client(), petition, "ko", email="ann@example.org", name="Ann", country="GB")
    signature.refresh_from_db()
    assert signature.language == "ko"  # the newest form's, while it waits
    open_and_confirm(client, link)
    signature.refresh_from_db()
    assert signature.is_email_confirmed
    assert signature.language == "en"  # the page she pressed on
    assert Supporter.objects.get(email="ann@example.org").language == "en"


def test_the_owner_who_presses_on_a_page_in_another_language_is_written_in_it(client, db):
    # Ann's link is English; she switches its page to Korean and presses there.
    petition = make_petition()
    post_signature(client, petition, "en", email="ann@example.org", name="Ann", country="GB")
    signature = Signature.objects.get(petition=petition)
    link = confirmation_url(signature).split("127.0.0.1:8000", 1)[1]
    assert link.startswith("/en/")
    open_and_confirm(client, "/ko/" + link.removeprefix("/en/"))
    signature.refresh_from_db()
    assert signature.is_email_confirmed
    assert signature.language == "ko"
    assert Supporter.objects.get(email="ann@example.org").language == "ko"
