"""Another organisation's drafts are out of reach through every organise URL."""

import pytest
from django.test import Client
from django.urls import reverse

from outcry.campaigns.models import Campaign
from outcry.organise.tests.conftest import letter_data, petition_data, story_data
from outcry.testing import accept_partner, logged_in_client, make_organisation, make_organiser

STEPS = ["story", "petition", "letter", "partners", "review", "preview"]


@pytest.fixture
def draft_a(organiser_a, shared_list) -> Campaign:
    client = logged_in_client(organiser_a)
    client.post(reverse("organise:new"), story_data())
    campaign = Campaign.objects.get()
    client.post(reverse("organise:petition", args=[campaign.pk]), petition_data())
    client.post(reverse("organise:letter", args=[campaign.pk]), letter_data(shared_list))
    return campaign


def snapshot(campaign: Campaign) -> tuple:
    campaign.refresh_from_db()
    return (
        campaign.status,
        campaign.languages,
        list(campaign.texts.values_list("title", flat=True)),
        list(campaign.petitions.get().texts.values_list("text", flat=True)),
        list(campaign.invitations.values_list("organisation_id", flat=True)),
    )


@pytest.mark.parametrize("step", STEPS)
def test_an_organiser_of_another_organisation_gets_404_on_every_url(
    draft_a, organiser_b, shared_list, step
):
    before = snapshot(draft_a)
    client = logged_in_client(organiser_b)
    url = reverse(f"organise:{step}", args=[draft_a.pk])
    assert client.get(url).status_code == 404
    data = {
        "story": story_data(**{"en-title": "Hijacked"}),
        "petition": petition_data(**{"en-text": "Hijacked"}),
        "letter": letter_data(shared_list),
        "partners": {"partners": [make_organisation().pk]},
        "review": {},
        "preview": {},
    }[step]
    assert client.post(url, data).status_code in {404, 405}
    assert snapshot(draft_a) == before
    assert "Stop the forced return" not in client.get(reverse("organise:index")).content.decode()


def test_a_partner_previews_but_cannot_edit_or_publish(draft_a, org_b, organiser_b, shared_list):
    accept_partner(draft_a, org_b)
    before = snapshot(draft_a)
    client = logged_in_client(organiser_b)
    assert client.get(reverse("organise:preview", args=[draft_a.pk])).status_code == 200
    for step in ["story", "petition", "letter", "partners", "review"]:
        url = reverse(f"organise:{step}", args=[draft_a.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, petition_data()).status_code == 404
    assert snapshot(draft_a) == before


def test_anonymous_visitors_are_sent_to_sign_in_and_the_public_gets_404(draft_a):
    client = Client()
    for step in STEPS:
        url = reverse(f"organise:{step}", args=[draft_a.pk])
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        assert client.post(url, story_data()).status_code in {302, 403}
    assert client.get(reverse("organise:new")).status_code == 302
    assert client.get(draft_a.get_absolute_url()).status_code == 404
    assert snapshot(draft_a)[0] == Campaign.Status.DRAFT


def test_a_staff_user_of_no_organisation_is_refused(db):
    orphan_org = make_organisation()
    user = make_organiser(organisation=orphan_org)
    orphan_org.members.remove(user)
    client = logged_in_client(user)
    assert client.get(reverse("organise:new")).status_code == 403
    assert client.post(reverse("organise:new"), story_data()).status_code == 403
    assert not Campaign.objects.exists()


def test_a_lead_cannot_be_chosen_from_another_organisation(organiser_a, org_b):
    client = logged_in_client(organiser_a)
    refused = client.post(reverse("organise:new"), story_data(lead=org_b.pk))
    assert refused.status_code == 400
    assert not Campaign.objects.exists()


def test_a_bad_id_or_mangled_input_never_gives_a_500(organiser_a):
    client = logged_in_client(organiser_a)
    assert client.get("/en/organise/999999/story/").status_code == 404
    odd = client.post(
        reverse("organise:new"),
        story_data(goal="lots", deadline="tomorrow", time_zone="Mars/Olympus", languages=["xx"]),
    )
    assert odd.status_code == 400
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Seoul"])
def test_a_deadline_at_the_end_of_the_calendar_is_refused_not_a_500(organiser_a, zone):
    client = logged_in_client(organiser_a)
    refused = client.post(
        reverse("organise:new"), story_data(deadline="9999-12-31T23:59", time_zone=zone)
    )
    if zone == "America/New_York":  # past the year 9999 in UTC: no database keeps it
        assert refused.status_code == 400
        assert "Give the deadline as a date and a time" in refused.content.decode()
        assert not Campaign.objects.exists()
    else:
        assert refused.status_code == 302
