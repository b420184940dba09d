"""The next step after a pledge, the organisers' admin, commitments in supporters' data rights."""

from datetime import date

import pytest

from outcry.petitions.models import Petition
from outcry.pledges import services
from outcry.pledges.models import Commitment, Pledge
from outcry.pledges.testing import (
    confirm_commitments,
    make_pledge,
    post_pledge,
)
from outcry.supporters.models import Supporter
from outcry.supporters.services import erase_supporter, export_supporter_data
from outcry.testing import (
    admin_url,
    logged_in_client,
    make_organiser,
    make_petition,
    post_signature,
)

pytestmark = pytest.mark.usefixtures("march")


def test_after_signing_a_pledge_is_offered_and_after_pledging_sharing(client, campaign, prayer):
    petition = make_petition(campaign=campaign)
    signed = post_signature(client, petition)
    thanks = client.get(signed["Location"]).content.decode()
    assert "Now stand with them: make a pledge" in thanks
    assert f"#pledge-{prayer.pk}" in thanks
    assert "0 people stand together" in thanks

    other = make_pledge(campaign=campaign, kind=Pledge.Kind.BOYCOTT)
    answer = post_pledge(client, prayer, local_time="21:00")
    page = client.get(answer["Location"]).content.decode()
    assert "Thank you for your pledge" in page
    # This browser signed, and another kind of action is what a next step offers:
    # none is left, so sharing is.
    assert "next-step" not in page and f"#pledge-{other.pk}" not in page
    assert "Now ask your friends to stand with you" in page
    assert Petition.objects.count() == 1


def test_the_campaign_page_shows_each_kind_with_its_form_in_korean(client, campaign, prayer):
    make_pledge(campaign=campaign, kind=Pledge.Kind.BOYCOTT)
    html = client.get(f"/ko/c/{campaign.slug}/").content.decode()
    assert "매일 그들을 위해 기도하기" in html
    assert "몇 시에 기도하시겠어요?" in html
    assert "<li>Made in China goods</li>" in html
    assert "매주 토요일 10:00" in html
    assert 'src="/static/outcry/pledges.js"' in html
    assert "<script>" not in html  # no inline script (CSP default-src 'self')


def test_organisers_add_a_fast_and_see_how_many_confirmed(campaign):
    organiser = logged_in_client(make_organiser(organisation=campaign.lead_organisation))
    form = {
        "campaign": campaign.pk,
        "kind": "fast",
        "first_day_on": "2027-03-10",
        "last_day_on": "2027-03-01",
        "position": "0",
        "texts-TOTAL_FORMS": "1",
        "texts-INITIAL_FORMS": "0",
        "texts-MIN_NUM_FORMS": "1",
        "texts-MAX_NUM_FORMS": "1000",
        "texts-0-language": "en",
        "texts-0-title": "Fast with the families",
        "texts-0-asks": "One day without food.",
        "texts-0-companies": "",
    }
    refused = organiser.post(admin_url(Pledge, "add"), form)
    assert refused.status_code == 200
    assert "The last day offered comes before the first." in refused.content.decode()
    saved = organiser.post(admin_url(Pledge, "add"), form | {"last_day_on": "2027-03-20"})
    assert saved.status_code == 302
    fast = Pledge.objects.get()
    assert fast.days_offered(date(2027, 3, 18)) == [date(2027, 3, d) for d in (18, 19, 20)]
    listing = organiser.get(admin_url(Pledge, "changelist")).content.decode()
    assert '<td class="field-confirmed">0</td>' in listing


def test_a_supporters_copy_has_their_pledges_and_erasure_takes_them_off_the_count(
    client, campaign, prayer
):
    post_pledge(client, prayer, email="min@example.org", local_time="21:15", time_zone="Asia/Seoul")
    post_pledge(client, prayer, email="kim@example.org", local_time="06:00")
    confirm_commitments(prayer)
    assert services.count(prayer) == 2
    supporter = Supporter.objects.get(email="min@example.org")
    [exported] = export_supporter_data(supporter=supporter)["commitments"]
    assert exported["pledge"] == "Pray for them every day"
    assert exported["time"] == "21:15"
    assert exported["time_zone"] == "Asia/Seoul"
    assert exported["confirmed_at"] is not None
    assert "token" not in exported

    assert erase_supporter(supporter_id=supporter.pk)
    assert not Commitment.objects.filter(supporter=supporter).exists()
    assert services.count(prayer) == 1
    assert services.recount(pledge=prayer) == (1, 1)
    assert "1 person stands together" in client.get(f"/en/c/{campaign.slug}/").content.decode()
