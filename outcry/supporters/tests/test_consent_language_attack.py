"""Attack review: a stranger's form in another language must not set what the owner's
confirmation records in the owner's name (the consent's words and language)."""

from django.test import Client

from outcry.petitions.models import Signature
from outcry.petitions.services import confirmation_url
from outcry.supporters.models import Consent, Supporter
from outcry.testing import (
    make_campaign,
    make_organisation,
    make_petition,
    open_and_confirm,
    post_signature,
)


def test_a_strangers_korean_form_does_not_become_the_consent_the_owner_confirms(client, db):
    # Ann signs in English and agrees that Lead Org may email her. Before she presses
    # her link a stranger types her address, name and country again on the Korean
    # page with the same box ticked: the same words keep her English link valid.
    lead = make_organisation(name="Lead Org")
    petition = make_petition(campaign=make_campaign(lead=lead))
    consent = {f"consent_{lead.pk}": "on"}
    post_signature(
        client, petition, "en", email="ann@example.org", name="Ann", country="GB", **consent
    )
    signature = Signature.objects.get(petition=petition)
    link = confirmation_url(signature).split("127.0.0.1:8000", 1)[1]
    english = Consent.objects.get()
    assert english.language == "en"
    post_signature(
        Client(), petition, "ko", email="ann@example.org", name="Ann", country="GB", **consent
    )
    open_and_confirm(client, link)  # she presses on the English page
    signature.refresh_from_db()
    assert signature.is_email_confirmed and signature.language == "en"
    assert Supporter.objects.get(email="ann@example.org").language == "en"
    # What the records say she agreed to: the words she was shown, in her language.
    confirmed = Consent.objects.get()
    assert confirmed.confirmed_at is not None
    assert confirmed.language == "en"
    assert confirmed.wording == english.wording
