"""A partner joins a campaign only when its own organisers accept the invitation.

Regression: a lead organisation could tick any organisation as a partner; the
campaign page then named it and asked supporters to consent to its emails.
"""

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from outcry.campaigns.models import PartnerInvitation
from outcry.campaigns.tests.test_coalition_roles import saved_as_is
from outcry.core.models import AuditEvent
from outcry.testing import (
    admin_url,
    logged_in_client,
    make_campaign,
    make_organisation,
    make_organiser,
    make_petition,
)


@pytest.fixture
def setting(db):
    lead = make_organisation(name="Lead Rights")
    invited = make_organisation(name="Invited Watch")
    campaign = make_campaign(lead=lead)
    make_petition(campaign=campaign)
    return {
        "lead": lead,
        "invited": invited,
        "campaign": campaign,
        "lead_client": logged_in_client(make_organiser(organisation=lead, username="lead")),
        "invited_client": logged_in_client(
            make_organiser(organisation=invited, username="invited")
        ),
    }


def campaign_page(campaign) -> str:
    caches["local"].clear()  # the page is cached for a few seconds
    return Client().get(reverse("campaigns:detail", args=[campaign.slug])).content.decode()


def invite(setting):
    """The lead's organiser adds the invited organisation on the campaign's admin page."""
    url = admin_url(setting["campaign"], "change")
    data = saved_as_is(setting["lead_client"], url)
    data |= {
        "invitations-TOTAL_FORMS": ["1"],
        "invitations-0-organisation": [str(setting["invited"].pk)],
        "partners": [str(setting["invited"].pk)],  # ticking it directly does nothing
    }
    response = setting["lead_client"].post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_an_invited_organisation_is_not_shown_nor_asked_consent_for_until_it_accepts(setting):
    campaign, invited = setting["campaign"], setting["invited"]
    invite(setting)

    assert list(campaign.partners.all()) == []
    page = campaign_page(campaign)
    assert "Invited Watch" not in page
    assert f'name="consent_{invited.pk}"' not in page
    # No access for the invited organisation either.
    client = setting["invited_client"]
    assert (
        admin_url(campaign, "change")
        not in client.get(admin_url(campaign, "changelist")).content.decode()
    )
    assert client.get(admin_url(campaign, "change")).status_code == 302

    invitation = PartnerInvitation.objects.get()
    response = client.post(
        admin_url(PartnerInvitation, "changelist"),
        {"action": "accept", "_selected_action": [invitation.pk]},
        follow=True,
    )
    assert "1 invitation updated." in response.content.decode()
    assert list(campaign.partners.all()) == [invited]
    page = campaign_page(campaign)
    assert "Invited Watch" in page and f'name="consent_{invited.pk}"' in page
    assert client.get(admin_url(campaign, "change")).status_code == 200
    assert list(
        AuditEvent.objects.filter(subject_type="campaign", subject_id=campaign.pk)
        .order_by("created_at")
        .values_list("action", "actor_username")
    ) == [("partner-invite", "lead"), ("partner-accept", "invited")]


def test_the_lead_cannot_accept_for_the_invited_organisation(setting):
    invite(setting)
    invitation = PartnerInvitation.objects.get()
    response = setting["lead_client"].post(
        admin_url(PartnerInvitation, "changelist"),
        {"action": "accept", "_selected_action": [invitation.pk]},
        follow=True,
    )
    assert "Only the invited organisation&#x27;s organisers answer" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == PartnerInvitation.Status.PENDING
    assert not setting["campaign"].partners.exists()


def test_a_declined_or_ended_partnership_leaves_the_campaign(setting):
    invite(setting)
    invitation = PartnerInvitation.objects.get()
    changelist = admin_url(PartnerInvitation, "changelist")
    client = setting["invited_client"]
    client.post(changelist, {"action": "accept", "_selected_action": [invitation.pk]})
    setting["lead_client"].post(changelist, {"action": "end", "_selected_action": [invitation.pk]})
    invitation.refresh_from_db()
    assert invitation.status == PartnerInvitation.Status.ENDED
    assert not setting["campaign"].partners.exists()
    assert "Invited Watch" not in campaign_page(setting["campaign"])


def test_an_unrelated_organiser_sees_no_invitation(setting):
    invite(setting)
    stranger = logged_in_client(make_organiser(organisation=make_organisation(name="Stranger")))
    listing = stranger.get(admin_url(PartnerInvitation, "changelist")).content.decode()
    assert "Invited Watch" not in listing
    invitation = PartnerInvitation.objects.get()
    stranger.post(
        admin_url(PartnerInvitation, "changelist"),
        {"action": "accept", "_selected_action": [invitation.pk]},
    )
    invitation.refresh_from_db()
    assert invitation.status == PartnerInvitation.Status.PENDING


def test_inviting_the_same_organisation_twice_is_refused_with_a_message(setting):
    invite(setting)
    url = admin_url(setting["campaign"], "change")
    data = saved_as_is(setting["lead_client"], url)
    data |= {
        "invitations-TOTAL_FORMS": [str(int(data["invitations-TOTAL_FORMS"][0]) + 1)],
        f"invitations-{int(data['invitations-TOTAL_FORMS'][0])}-organisation": [
            str(setting["invited"].pk)
        ],
    }
    response = setting["lead_client"].post(url, data)
    assert response.status_code == 200
    assert "Invited Watch is already invited or a partner." in response.content.decode()
    assert PartnerInvitation.objects.count() == 1
