"""A signer's choice of how their name is shown is theirs: organisers may only show less.

Regression: any organiser who could see a signature (a partner's too) could
change "do not show my name" to "full name", and the public list of signers
then showed that person's name and country.
"""

import pytest
from django.core.cache import caches
from django.test import Client

from outcry.core.models import AuditEvent
from outcry.petitions.models import Signature
from outcry.testing import (
    accept_partner,
    admin_url,
    logged_in_client,
    make_campaign,
    make_organisation,
    make_organiser,
    make_petition,
    make_signature,
)


@pytest.fixture
def petition(db):
    lead, partner = make_organisation(name="Lead Rights"), make_organisation(name="Partner Watch")
    campaign = make_campaign(lead=lead)
    accept_partner(campaign, partner)
    return make_petition(campaign=campaign)


def signers_page(petition) -> str:
    caches["local"].clear()
    return Client().get(f"/en/petitions/{petition.slug}/signers/").content.decode()


def form(signature: Signature, public_name: str) -> dict:
    return {"public_name": public_name}


@pytest.mark.parametrize("who", ["lead", "partner"])
def test_an_organiser_cannot_publish_a_hidden_signer(petition, who):
    organisation = (
        petition.campaign.lead_organisation if who == "lead" else petition.campaign.partners.get()
    )
    signature = make_signature(
        petition=petition,
        name="Kim Hidden",
        country="KP",
        consents_to=[organisation],
        public_name=Signature.PublicName.HIDDEN,
    )
    client = logged_in_client(make_organiser(organisation=organisation))
    page = client.get(admin_url(signature)).content.decode()
    assert 'value="full"' not in page

    response = client.post(admin_url(signature), form(signature, Signature.PublicName.FULL))
    if who == "lead":
        assert 'value="hidden"' in page
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    else:
        assert response.status_code == 403  # a partner reads the signer, changes nothing
    signature.refresh_from_db()
    assert signature.public_name == Signature.PublicName.HIDDEN
    assert "Kim Hidden" not in signers_page(petition)
    assert not AuditEvent.objects.exists()


def test_an_organiser_may_hide_a_name_and_that_is_audited(petition):
    lead = petition.campaign.lead_organisation
    signature = make_signature(
        petition=petition,
        name="Sarah Lee",
        country="US",
        consents_to=[lead],
        public_name=Signature.PublicName.FULL,
    )
    assert "Sarah Lee" in signers_page(petition)
    client = logged_in_client(make_organiser(organisation=lead, username="lead-organiser"))
    response = client.post(admin_url(signature), form(signature, Signature.PublicName.FIRST))
    assert response.status_code == 302
    signature.refresh_from_db()
    assert signature.public_name == Signature.PublicName.FIRST
    assert "Sarah Lee" not in signers_page(petition)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_username) == ("signature-public-name", "lead-organiser")
    assert event.details["public_name"] == ["full", "first"]
    assert (event.subject_type, event.subject_id) == ("campaign", petition.campaign_id)

    # Back up to full name: refused, even though the signer once chose it.
    response = client.post(admin_url(signature), form(signature, Signature.PublicName.FULL))
    assert response.status_code == 200
    signature.refresh_from_db()
    assert signature.public_name == Signature.PublicName.FIRST
