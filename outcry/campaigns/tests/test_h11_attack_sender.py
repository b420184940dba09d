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


@pytest.mark.xfail(
    strict=True,
    reason="SENDER_DOMAINS is one list for the whole site: any lead may send from any"
    " organisation's domain. Fix: domains per organisation, set by a superuser, and"
    " Campaign.clean accepting only the lead's (or the site's own address).",
)
def test_a_lead_cannot_send_from_another_organisations_domain(settings):
    # The operator set up both organisations' domains (SPF, DKIM) for their own campaigns.
    settings.SENDER_DOMAINS = ["alpha.example", "beta.example"]
    alpha = make_organisation(name="Alpha Rights")
    make_organisation(name="Beta Watch")  # owns beta.example; no part in Alpha's campaign
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
