"""What one email address can reveal or borrow: nothing (security issue 8).

- The name, country and public choice shown belong to the signature, as typed
  with it, never to whatever another form stored for the same address.
- Nothing is listed publicly until the address is confirmed, even where a
  petition counts signatures at once.
- Every well-formed signature gets the same answer, so typing someone's
  address does not tell whether they signed; their inbox does.
"""

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from outcry.petitions.models import Signature
from outcry.petitions.services import count_signatures
from outcry.supporters.models import Consent
from outcry.testing import (
    confirm_all_pending,
    make_campaign,
    make_organisation,
    make_petition,
    open_and_confirm,
    post_signature,
)

CSRF_TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"')


def signer_list(client, petition) -> str:
    return client.get(reverse("petitions:signers", args=[petition.slug])).content.decode()


def link_in(message) -> str:
    url = next(word for word in message.body.split() if "/confirm/" in word)
    return url.split("127.0.0.1:8000", 1)[1]


def test_an_address_never_shows_the_name_it_was_given_on_another_organisations_petition(
    client, db, run_on_commit
):
    first = make_petition(campaign=make_campaign(lead=make_organisation(name="First")))
    run_on_commit(
        lambda: post_signature(
            client,
            first,
            email="victim@example.org",
            name="Eun-ji Choi",
            country="KR",
            public_name=Signature.PublicName.FULL,
        )
    )
    open_and_confirm(client, link_in(mail.outbox[0]))
    assert "Eun-ji Choi, South Korea" in signer_list(client, first)

    # Another organisation's petition that counts signatures at once.
    other = make_petition(
        campaign=make_campaign(lead=make_organisation(name="Other")), needs_confirmation=False
    )
    mail.outbox.clear()
    answer = run_on_commit(
        lambda: post_signature(
            Client(),
            other,
            email="victim@example.org",
            name="Someone Else",
            country="US",
            public_name=Signature.PublicName.FULL,
            comment="Words the owner of the address never wrote.",
        )
    )
    assert answer.status_code == 302
    # Counted at once for the organisers; publicly only once the address is confirmed.
    assert other.signatures.get().confirmed_at is not None
    assert count_signatures(other) == 0
    listed = signer_list(client, other)
    assert "Eun-ji" not in listed and "South Korea" not in listed
    assert "Someone Else" not in listed and "never wrote" not in listed
    assert "Nobody has chosen to be listed yet." in listed

    # The owner of the address is asked (the email repeats none of what was
    # typed: the page behind the link shows it), and the list shows what was
    # typed with this signature once they confirm.
    [message] = mail.outbox
    assert message.to == ["victim@example.org"]
    assert "Someone Else" not in message.body and "never wrote" not in message.body
    page = html.unescape(client.get(link_in(message)).content.decode())
    assert "Someone Else" in page and "Words the owner of the address never wrote." in page
    open_and_confirm(client, link_in(message))
    listed = signer_list(client, other)
    assert "Someone Else, United States" in listed and "never wrote" in listed
    assert "Eun-ji" not in listed


def test_the_name_typed_with_a_later_signature_is_the_one_shown(client, db, run_on_commit):
    earlier, later = make_petition(), make_petition()
    for petition, name, country in [(earlier, "Min", "KR"), (later, "Min-jun Kim", "US")]:
        run_on_commit(
            lambda petition=petition, name=name, country=country: post_signature(
                client,
                petition,
                email="min@example.org",
                name=name,
                country=country,
                public_name=Signature.PublicName.FULL,
            )
        )
        confirm_all_pending(petition)
    assert "Min-jun Kim, United States" in signer_list(client, later)
    assert '<bdi class="name">Min, South Korea</bdi>' in signer_list(client, earlier)


def test_a_signature_on_a_petition_counting_at_once_is_listed_only_after_its_link(
    client, db, run_on_commit
):
    petition = make_petition(needs_confirmation=False)
    run_on_commit(
        lambda: post_signature(
            client,
            petition,
            email="ana@example.org",
            name="Ana Lima",
            public_name=Signature.PublicName.FIRST,
            comment="Free them.",
        )
    )
    assert petition.signatures.get().confirmed_at is not None  # for the organisers
    assert count_signatures(petition) == 0  # publicly, once the address is confirmed
    assert "Ana" not in signer_list(client, petition)
    assert "Free them." not in signer_list(client, petition)
    [message] = mail.outbox
    assert "Your signature is already in the petition we deliver" in message.body
    open_and_confirm(client, link_in(message))
    assert "Ana</bdi>" in signer_list(client, petition)
    assert "Free them." in signer_list(client, petition)
    assert count_signatures(petition) == 1
    open_and_confirm_again = client.post(link_in(message))
    assert open_and_confirm_again.status_code == 200
    assert count_signatures(petition) == 1  # the second press counted nothing twice


def answer_and_page(petition, email: str) -> tuple[int, list, str]:
    """The answer to one signature from a browser of its own, and the page it leads to."""
    client = Client()
    answer = post_signature(client, petition, email=email)
    page = client.get(answer["Location"])
    headers = sorted(answer.items())
    cookies = sorted(answer.cookies)
    text = CSRF_TOKEN.sub(r'\1"', page.content.decode())
    return answer.status_code, [headers, cookies, page.status_code], text


@pytest.mark.parametrize("needs_confirmation", [True, False])
def test_every_well_formed_signature_gets_the_same_answer(
    db, settings, run_on_commit, time_machine, needs_confirmation
):
    settings.RATELIMIT_SIGN_PER_EMAIL = 2
    time_machine.move_to("2026-12-01 09:00Z", tick=False)
    petition = make_petition(needs_confirmation=needs_confirmation)
    run_on_commit(lambda: post_signature(Client(), petition, email="confirmed@example.org"))
    confirm_all_pending(petition)
    run_on_commit(
        lambda: post_signature(
            Client(),
            petition,
            email="pending@example.org",
            public_name=Signature.PublicName.FIRST,
        )
    )
    time_machine.shift(timedelta(hours=2))
    mail.outbox.clear()

    answers = {
        email: run_on_commit(lambda email=email: answer_and_page(petition, email))
        for email in [
            "new@example.org",
            "confirmed@example.org",
            "pending@example.org",
            "CONFIRMED@example.org",  # the same address again
            "confirmed@example.org",  # and again: now over its limit, so nothing is done
        ]
    }
    first = answers["new@example.org"]
    for email, answer in answers.items():
        assert answer == first, email
    status, (headers, _cookies, _page_status), page = first
    assert status == 302
    assert dict(headers)["Location"] == f"/en/petitions/{petition.slug}/thanks/"
    assert "If this address had already signed, the email says so." in page

    # The inboxes tell each owner what happened (a new signature always gets
    # its link: even where the petition counts at once, the public count waits for it).
    inbox = {message.to[0]: message for message in mail.outbox}
    assert sorted(inbox) == ["confirmed@example.org", "new@example.org", "pending@example.org"]
    again = inbox["confirmed@example.org"]
    assert again.subject == "You have already signed: Protect the refugees"
    assert "has just signed “Protect the refugees” again" in again.body
    assert "/confirm/" not in again.body  # nothing waits for a link
    pending = inbox["pending@example.org"]
    assert pending.subject == "You have already signed: Protect the refugees"
    assert "/confirm/" in pending.body  # the link again, since it still matters
    assert Signature.objects.filter(petition=petition).count() == 3


def test_a_flood_of_signatures_from_one_address_sends_one_email_an_hour(
    client, petition, settings, run_on_commit, time_machine
):
    settings.RATELIMIT_SIGN_PER_EMAIL = 1000
    settings.RATELIMIT_SIGN_PER_NETWORK = 1000
    time_machine.move_to("2026-12-01 09:00Z", tick=False)
    run_on_commit(lambda: post_signature(client, petition, email="min@example.org"))
    confirm_all_pending(petition)
    time_machine.shift(timedelta(hours=2))
    mail.outbox.clear()
    for _ in range(30):
        run_on_commit(lambda: post_signature(client, petition, email="min@example.org"))
        time_machine.shift(timedelta(minutes=1))
    # Thirty signatures in half an hour: one email.
    assert len(mail.outbox) == 1
    # Forty more: the hour since that email passes once, so one more.
    for _ in range(40):
        run_on_commit(lambda: post_signature(client, petition, email="min@example.org"))
        time_machine.shift(timedelta(minutes=1))
    assert len(mail.outbox) == 2
    assert {message.subject for message in mail.outbox} == {
        "You have already signed: Protect the refugees"
    }


def test_a_mail_scanner_opening_the_link_confirms_nothing_a_stranger_typed(
    client, db, run_on_commit
):
    lead = make_organisation(name="Lead Org")
    petition = make_petition(campaign=make_campaign(lead=lead))
    run_on_commit(
        lambda: post_signature(
            Client(),
            petition,
            email="victim@example.org",
            name="Typed By A Stranger",
            public_name=Signature.PublicName.FULL,
            **{f"consent_{lead.pk}": "on"},
        )
    )
    [message] = mail.outbox
    scanner = Client()
    for _ in range(3):  # link previews and scanners open links, sometimes more than once
        page = scanner.get(link_in(message))
        assert page.status_code == 200
        assert page["Cache-Control"] == "private, no-store"
    signature = Signature.objects.get()
    assert signature.email_confirmed_at is None and signature.confirmed_at is None
    assert Consent.objects.get().confirmed_at is None
    assert count_signatures(petition) == 0
    assert "Typed By A Stranger" not in signer_list(client, petition)

    open_and_confirm(client, link_in(message))  # the owner presses the button
    assert Consent.objects.get().confirmed_at is not None
    assert count_signatures(petition) == 1
    assert "Typed By A Stranger" in signer_list(client, petition)
