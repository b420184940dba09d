"""A partner organisation attacking the lead's rows through the admin (security issue 8).

Found by attacking the merged security work: each test here failed before its fix.
"""

from django.core.cache import caches
from django.test import Client

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


def test_a_partner_cannot_hide_a_name_on_the_leads_public_list(db):
    """The lead runs the campaign: a partner reads a shared signer, but changes nothing of it."""
    lead, partner = make_organisation(name="Lead Rights"), make_organisation(name="Partner Watch")
    campaign = make_campaign(lead=lead)
    accept_partner(campaign, partner)
    petition = make_petition(campaign=campaign)
    signature = make_signature(
        petition=petition,
        name="Sarah Lee",
        country="US",
        consents_to=[lead, partner],
        public_name=Signature.PublicName.FULL,
    )
    client = logged_in_client(make_organiser(organisation=partner, username="partner-organiser"))
    page = client.get(admin_url(signature))
    assert page.status_code == 200  # the partner may read it: the signer consented to it
    assert 'name="_save"' not in page.content.decode()
    response = client.post(admin_url(signature), {"public_name": Signature.PublicName.HIDDEN})
    assert response.status_code == 403
    signature.refresh_from_db()
    assert signature.public_name == Signature.PublicName.FULL
    caches["local"].clear()
    assert "Sarah Lee" in Client().get(f"/en/petitions/{petition.slug}/signers/").content.decode()
