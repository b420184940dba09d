from datetime import UTC, datetime, timedelta

import time_machine
from django.core import mail
from django.urls import reverse

from outcry.campaigns.models import OrganisationName
from outcry.petitions.models import Signature
from outcry.petitions.services import count_signatures, recount_signatures
from outcry.supporters.models import Consent, Supporter
from outcry.testing import (
    confirm_all_pending,
    make_campaign,
    make_organisation,
    make_petition,
    open_and_confirm,
    post_signature,
)


def test_campaign_page_shows_story_counter_and_sign_form(client, petition):
    response = client.get(reverse("campaigns:detail", args=[petition.campaign.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Stop the forced return" in html
    assert "<strong>story</strong>" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "__outcry_csrf_token__" not in html
    assert "Sign the petition" in html
    assert '<progress max="100" value="0"' in html


def test_signing_sends_confirmation_and_confirming_counts_once(client, petition, run_on_commit):
    response = run_on_commit(lambda: post_signature(client, petition, email="  Min@Example.ORG "))
    assert response.status_code == 302
    assert response["Location"] == f"/en/petitions/{petition.slug}/thanks/"
    assert count_signatures(petition) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["min@example.org"]
    link = next(line for line in message.body.splitlines() if "/confirm/" in line)
    path = link.split("127.0.0.1:8000", 1)[1].strip()
    for _ in range(2):  # a mail scanner opens the link first, maybe twice: nothing happens
        page = client.get(path)
        assert page.status_code == 200
        assert "Confirm my signature" in page.content.decode()
        assert page["Cache-Control"] == "private, no-store"
    assert count_signatures(petition) == 0
    for _ in range(2):  # the person presses the button, then again
        page = client.post(path)
        assert page.status_code == 200
        assert "Your signature is confirmed" in page.content.decode()
    assert count_signatures(petition) == 1
    assert "Your signature is confirmed" in client.get(path).content.decode()


def test_signing_twice_with_one_address_counts_once(client, petition):
    for email in ["Min@Example.org", " min@example.org"]:
        post_signature(client, petition, email=email)
    confirm_all_pending(petition)
    response = post_signature(client, petition, email="MIN@EXAMPLE.ORG")
    assert response["Location"] == f"/en/petitions/{petition.slug}/thanks/"
    assert Signature.objects.filter(petition=petition).count() == 1
    assert count_signatures(petition) == 1


def test_consent_is_asked_per_organisation_and_recorded_with_its_wording(client, db):
    lead, partner = make_organisation(name="Lead Org"), make_organisation(name="Partner Org")
    petition = make_petition(campaign=make_campaign(lead=lead, partners=[partner]))
    page = client.get(reverse("campaigns:detail", args=[petition.campaign.slug])).content.decode()
    assert f'name="consent_{lead.pk}"' in page and f'name="consent_{partner.pk}"' in page
    assert "checked" not in page.split('name="consent_', 1)[1].split(">", 1)[0]
    post_signature(client, petition, **{f"consent_{partner.pk}": "on"})
    consent = Consent.objects.get()
    assert consent.organisation == partner
    assert "Partner Org may email me" in consent.wording
    assert consent.confirmed_at is None
    confirm_all_pending(petition)
    consent.refresh_from_db()
    assert consent.confirmed_at is not None


def test_where_signatures_count_at_once_consent_still_waits_for_the_emailed_link(
    client, db, run_on_commit
):
    lead = make_organisation(name="Lead Org")
    petition = make_petition(campaign=make_campaign(lead=lead), needs_confirmation=False)
    response = run_on_commit(
        lambda: post_signature(
            client, petition, email="min@example.org", **{f"consent_{lead.pk}": "on"}
        )
    )
    assert response["Location"] == f"/en/petitions/{petition.slug}/thanks/"
    assert count_signatures(petition) == 0  # publicly, once the address is confirmed
    consent = Consent.objects.get()
    assert consent.confirmed_at is None  # typing an address proves nothing
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.startswith("Please confirm your email address")
    assert "Your signature is already in the petition we deliver" in message.body
    assert "Lead Org" in message.body
    link = next(line for line in message.body.splitlines() if "/confirm/" in line)
    path = link.split("127.0.0.1:8000", 1)[1].strip()
    client.get(path)  # a mail scanner
    consent.refresh_from_db()
    assert consent.confirmed_at is None
    assert open_and_confirm(client, path).status_code == 200
    consent.refresh_from_db()
    assert consent.confirmed_at is not None
    assert count_signatures(petition) == 1


def test_where_signatures_count_at_once_the_public_count_still_waits_for_the_link(
    client, db, run_on_commit
):
    """The organisers count it at once; the public count only once its address is confirmed.

    Else the public count would rise for a new address and not for one that had
    signed, telling whoever types an address whether its owner signed.
    """
    petition = make_petition(needs_confirmation=False)
    run_on_commit(lambda: post_signature(client, petition, email="min@example.org"))
    assert petition.signatures.get().confirmed_at is not None
    assert count_signatures(petition) == 0
    [message] = mail.outbox
    assert message.subject.startswith("Please confirm your email address")
    assert "so that it is also in the public count" in message.body
    assert "the name as it would be listed, the country and any comment" in message.body
    link = next(line for line in message.body.splitlines() if "/confirm/" in line)
    open_and_confirm(client, link.split("127.0.0.1:8000", 1)[1].strip())
    assert count_signatures(petition) == 1
    assert recount_signatures(petition=petition) == (1, 1)


def test_the_confirmation_email_names_who_the_supporter_agreed_to_hear_from(
    client, db, run_on_commit
):
    lead = make_organisation(name="Lead Org")
    petition = make_petition(campaign=make_campaign(lead=lead))
    run_on_commit(
        lambda: post_signature(
            client, petition, email="min@example.org", **{f"consent_{lead.pk}": "on"}
        )
    )
    body = mail.outbox[0].body
    assert "To make your signature count" in body
    assert "It also confirms that Lead Org may email you" in body


def test_signing_again_unconfirmed_resends_the_email_only_after_an_hour(
    client, petition, run_on_commit
):
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False) as clock:
        run_on_commit(lambda: post_signature(client, petition, email="min@example.org"))
        assert len(mail.outbox) == 1
        clock.shift(timedelta(minutes=5))
        again = run_on_commit(lambda: post_signature(client, petition, email="min@example.org"))
        assert again["Location"] == f"/en/petitions/{petition.slug}/thanks/"
        assert len(mail.outbox) == 1  # the first one may still be on its way
        clock.shift(timedelta(minutes=56))
        run_on_commit(lambda: post_signature(client, petition, email="min@example.org"))
        assert len(mail.outbox) == 2
        resent = mail.outbox[1]
        assert resent.subject == "You have already signed: Protect the refugees"
        assert "To make your signature count, open this link:" in resent.body
        clock.shift(timedelta(minutes=30))
        run_on_commit(lambda: post_signature(client, petition, email="min@example.org"))
        assert len(mail.outbox) == 2
    assert Signature.objects.filter(petition=petition).count() == 1


def test_signing_in_korean_answers_in_korean(client, petition):
    response = post_signature(client, petition, language="ko", name="", email="bad")
    assert response.status_code == 400
    assert Supporter.objects.count() == 0
    assert 'lang="ko"' in response.content.decode()


def test_an_address_typed_with_combining_accents_is_the_same_person(client, petition):
    post_signature(client, petition, email="min@ex\u00e4mple.org")
    post_signature(client, petition, email="MIN@exa\u0308mple.org")
    assert Supporter.objects.count() == 1
    assert Signature.objects.count() == 1


def test_the_confirmation_email_names_the_organisation_as_readers_of_its_language_know_it(
    client, db, run_on_commit
):

    lead = make_organisation(name="Justice for North Korea")
    OrganisationName.objects.create(organisation=lead, language="ko", name="북한정의연대")
    petition = make_petition(campaign=make_campaign(lead=lead))
    run_on_commit(
        lambda: post_signature(
            client, petition, language="ko", email="min@example.org", **{f"consent_{lead.pk}": "on"}
        )
    )
    body = mail.outbox[0].body
    assert "북한정의연대" in body and "Justice for North Korea" not in body
