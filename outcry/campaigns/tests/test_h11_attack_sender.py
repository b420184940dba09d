"""Issue 11, attacked: one organisation sending in another's name through a campaign's sender."""

import pytest

from outcry.campaigns.models import Campaign
from outcry.campaigns.tests.test_admin import campaign_change_data
from outcry.testing import (
    admin_url,
    logged_in_client,
    make_campaign,
    make_organisation,
    make_organiser,
)

pytestmark = pytest.mark.django_db


def test_a_lead_cannot_send_from_another_organisations_domain(settings):
    # The operator set up both organisations' domains (SPF, DKIM) for their own campaigns.
    alpha = make_organisation(name="Alpha Rights")
    beta = make_organisation(name="Beta Watch")  # no part in Alpha's campaign
    settings.SENDER_DOMAINS = {
        "alpha.example": frozenset({alpha.slug}),
        "beta.example": frozenset({beta.slug}),
    }
    campaign = make_campaign(lead=alpha, title="Alpha campaign")
    client = logged_in_client(make_organiser(organisation=alpha))
    data = campaign_change_data(
        campaign,
        lead_organisation=alpha.pk,
        sender_name="Beta Watch",
        sender_email="director@beta.example",
    )
    response = client.post(admin_url(campaign), data)
    campaign = Campaign.objects.get(pk=campaign.pk)
    # Confirmations of Alpha's campaign would reach supporters from Beta's director, DKIM-signed.
    assert campaign.sender_email == ""
    assert response.status_code == 200


def test_a_lead_may_send_from_its_own_domain_and_the_page_says_why_not_from_anothers(settings):
    alpha = make_organisation(name="Alpha Rights")
    beta = make_organisation(name="Beta Watch")
    settings.SENDER_DOMAINS = {
        "alpha.example": frozenset({alpha.slug}),
        "beta.example": frozenset({beta.slug}),
    }
    campaign = make_campaign(lead=alpha, title="Alpha campaign")
    client = logged_in_client(make_organiser(organisation=alpha))
    refused = client.post(
        admin_url(campaign),
        campaign_change_data(
            campaign, lead_organisation=alpha.pk, sender_email="director@beta.example"
        ),
    )
    assert "beta.example is set up for another organisation" in refused.content.decode()
    accepted = client.post(
        admin_url(campaign),
        campaign_change_data(
            campaign, lead_organisation=alpha.pk, sender_email="campaign@alpha.example"
        ),
    )
    assert accepted.status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).sender("en").endswith("<campaign@alpha.example>")
