"""Attacks on pledges: a stranger typing another's address, forged and replayed links, bad input."""

import re
import threading
from datetime import date

import pytest
from django.db import close_old_connections
from django.test import Client

from outcry.campaigns.models import Campaign
from outcry.pledges import services
from outcry.pledges.models import Commitment, Pledge
from outcry.pledges.testing import (
    confirm_commitments,
    confirm_link,
    make_pledge,
    post_pledge,
    stop_link,
)
from outcry.supporters.models import Supporter
from outcry.supporters.services import erase_supporter
from outcry.testing import admin_url, logged_in_client, make_campaign, make_organiser

pytestmark = pytest.mark.usefixtures("march")


def test_a_stranger_with_a_pledgers_address_learns_and_changes_nothing(
    client, campaign, fast, mail_server
):
    post_pledge(client, fast, email="owner@example.org", day="2027-03-05", local_time="19:00")
    confirm_commitments(fast)
    stop = stop_link(mail_server.inbox.messages()[0])
    client.post(stop)
    stranger = Client()
    fresh = post_pledge(stranger, fast, email="fresh@example.org", day="2027-03-06")
    again = post_pledge(
        stranger,
        fast,
        email="OWNER@example.org",
        name="Mallory",
        day="2027-03-09",
        local_time="03:00",
        time_zone="America/New_York",
    )
    assert fresh.status_code == again.status_code == 302
    assert fresh["Location"] == again["Location"]
    commitment = Commitment.objects.get(supporter__email="owner@example.org")
    assert commitment.day_on == date(2027, 3, 5)
    assert commitment.time_zone == "Asia/Seoul"
    assert commitment.name == "Alex Doe"
    assert commitment.reminders_stopped_at is not None  # not started again
    told = mail_server.inbox.messages()[-1]
    assert told["To"] == "owner@example.org"
    assert "Mallory" not in told.as_string()


def test_a_stop_link_works_for_its_own_commitment_only_and_not_after_erasure(
    client, campaign, fast, prayer, mail_server
):
    post_pledge(client, fast, email="a@example.org", day="2027-03-05")
    post_pledge(client, prayer, email="a@example.org", local_time="21:00")
    confirm_commitments(fast)
    confirm_commitments(prayer)
    fast_mail, prayer_mail = mail_server.inbox.messages()[:2]
    fast_stop, prayer_stop = stop_link(fast_mail), stop_link(prayer_mail)
    assert fast_stop != prayer_stop
    other = make_campaign(title="Another")
    assert client.post(fast_stop.replace(campaign.slug, other.slug)).status_code == 404
    assert client.post(fast_stop).status_code == 200
    assert Commitment.objects.get(pledge=prayer).reminders_stopped_at is None
    code = fast_stop.rstrip("/").rsplit("/", 1)[-1]
    _token, _sep, signature = code.rpartition(":")
    prayer_token = Commitment.objects.get(pledge=prayer).token
    forged = fast_stop.replace(code, f"{prayer_token}:{signature}")
    assert client.post(forged).status_code == 404
    assert Commitment.objects.get(pledge=prayer).reminders_stopped_at is None
    assert erase_supporter(supporter_id=Supporter.objects.get(email="a@example.org").pk)
    assert client.get(prayer_stop).status_code == 404
    assert client.post(prayer_stop).status_code == 404
    assert client.get(confirm_link(prayer_mail)).status_code == 404


def test_pages_of_draft_campaigns_and_foreign_pledges_are_not_found(client, campaign, prayer):
    other = make_campaign(title="Another")
    assert client.get(f"/en/c/{other.slug}/pledges/{prayer.pk}/count.json").status_code == 404
    assert client.get(f"/en/c/{other.slug}/pledges/{prayer.pk}/thanks/").status_code == 404
    assert post_pledge(client, prayer, local_time="21:00").status_code == 302
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.DRAFT)
    for path in ("count.json", "thanks/"):
        assert client.get(f"/en/c/{campaign.slug}/pledges/{prayer.pk}/{path}").status_code == 404
    response = client.post(f"/en/c/{campaign.slug}/pledges/{prayer.pk}/", {"name": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["?x=%ff%fe", "?time_zone=%00", "?%c0%af=1", "?" + "a=b&" * 2000])
def test_unreadable_query_strings_never_fail(client, campaign, fast, query):
    for path in (
        f"/en/c/{campaign.slug}/pledges/{fast.pk}/count.json",
        f"/en/c/{campaign.slug}/pledges/{fast.pk}/thanks/",
        f"/en/c/{campaign.slug}/pledges/reminders/abc:def/",
    ):
        assert client.get(path + query).status_code in (200, 400, 404), path
    response = client.post(
        f"/en/c/{campaign.slug}/pledges/{fast.pk}/" + query,
        pledge_body := b"name=%ff%fe&email=a%40example.org&time_zone=Asia%2FSeoul&day=2027-03-05",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (302, 400), pledge_body


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "<script>alert(1)</script>"},
        {"name": "Eve\r\nBcc: victim@example.org"},
        {"email": "a@example.org\r\nBcc: victim@example.org"},
        {"email": "a@example.org,victim@example.org"},
        {"time_zone": "../../etc/passwd"},
        {"time_zone": "Asia/../Asia/Seoul"},
        {"time_zone": "/usr/share/zoneinfo/Asia/Seoul"},
        {"time_zone": "Asia/Seoul\x00"},
        {"day": "0001-01-01"},
        {"day": "9999-12-31"},
        {"day": "2027-03-05\x00"},
        {"local_time": "23:59:59.999999"},
        {"local_time": "24:00"},
        {"wants_reminders": "x" * 100000},
    ],
)
def test_hostile_pledge_fields_are_refused_or_kept_harmless(client, fast, mail_server, fields):
    form = {"day": "2027-03-05"} | fields
    response = post_pledge(client, fast, **form)
    assert response.status_code in (302, 400)
    for message in mail_server.inbox.messages():
        assert message["To"] == "alex@example.org"
        assert "Bcc" not in message
        assert "<script>" not in message.get_body(("html",)).get_content()


def test_a_stranger_cannot_confirm_or_start_reminders_on_an_unconfirmed_pledge_they_typed(
    client, campaign, prayer, mail_server
):
    post_pledge(client, prayer, email="owner@example.org", local_time="21:00", wants_reminders="")
    first = mail_server.inbox.messages()[0]
    assert "/pledges/reminders/" not in first.as_string()  # no reminders asked: no stop link
    # the stranger never sees a link: nothing on their page leads to the confirmation
    page = Client().get(f"/en/c/{campaign.slug}/pledges/{prayer.pk}/thanks/").content.decode()
    assert "/confirm/" not in page
    assert services.count(prayer) == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submissions_keep_one_row_and_count_one(mail_server):
    campaign = make_campaign()
    prayer = make_pledge(campaign=campaign, kind=Pledge.Kind.PRAY)
    errors = []

    def submit():
        try:
            response = Client().post(
                f"/en/c/{campaign.slug}/pledges/{prayer.pk}/",
                {
                    "name": "Twin",
                    "email": "twin@example.org",
                    "local_time": "21:00",
                    "time_zone": "Asia/Seoul",
                },
            )
            if response.status_code != 302:
                errors.append(response.status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Commitment.objects.count() == 1
    confirm_commitments(prayer)
    assert services.recount(pledge=prayer) == (1, 1)
    assert re.search("1 person", Client().get(f"/en/c/{campaign.slug}/").content.decode())


def test_a_pledge_people_took_keeps_its_kind_and_campaign_in_the_admin(
    client, campaign, fast, mail_server
):
    """Turning a fast into a daily prayer would email each faster every day, unasked."""
    post_pledge(client, fast, email="faster@example.org", day="2027-03-05", local_time="19:00")
    confirm_commitments(fast)
    other = make_campaign(lead=campaign.lead_organisation, title="Another of the lead")
    organiser = logged_in_client(make_organiser(organisation=campaign.lead_organisation))
    text = fast.texts.get(language="en")
    form = {
        "campaign": other.pk,
        "kind": "pray",
        "first_day_on": "2027-02-20",
        "last_day_on": "2027-03-20",
        "position": "0",
        "texts-TOTAL_FORMS": "1",
        "texts-INITIAL_FORMS": "1",
        "texts-MIN_NUM_FORMS": "1",
        "texts-MAX_NUM_FORMS": "1000",
        "texts-0-id": text.pk,
        "texts-0-pledge": fast.pk,
        "texts-0-language": "en",
        "texts-0-title": "Fast with the families",
        "texts-0-asks": "Join them.",
        "texts-0-companies": "",
    }
    page = organiser.get(admin_url(fast)).content.decode()
    assert 'name="kind"' not in page and 'name="campaign"' not in page
    response = organiser.post(admin_url(fast), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    fast.refresh_from_db()
    assert (fast.kind, fast.campaign_id) == (Pledge.Kind.FAST, campaign.pk)
    # A pledge nobody took yet is still the organisers' to change.
    empty = make_pledge(campaign=campaign, kind=Pledge.Kind.BOYCOTT)
    assert 'name="kind"' in organiser.get(admin_url(empty)).content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "commitments__supporter__email__icontains=faster",
        "commitments__time_zone=Asia/Seoul",
        "commitments__name__startswith=A",
        "commitments__day_on=2027-03-05",
    ],
)
def test_no_organiser_filters_pledges_by_who_took_them(client, campaign, fast, query):
    post_pledge(client, fast, email="faster@example.org", day="2027-03-05")
    confirm_commitments(fast)
    lead = logged_in_client(make_organiser(organisation=campaign.lead_organisation))
    partner = logged_in_client(make_organiser(organisation=campaign.partners.get()))
    stranger = logged_in_client(make_organiser(organisation=make_campaign().lead_organisation))
    for organiser in (lead, partner, stranger):
        response = organiser.get(admin_url(Pledge, "changelist") + "?" + query)
        assert response.status_code == 400
    listing = stranger.get(admin_url(Pledge, "changelist")).content.decode()
    assert "Fast with the families" not in listing
    assert stranger.get(admin_url(fast)).status_code == 302  # "does not exist"


def test_the_admin_autocomplete_names_no_pledger_who_did_not_consent(client, campaign, fast):
    """Commitments are not in the admin, but the JSON autocomplete reads any foreign key."""
    post_pledge(client, fast, email="faster@example.org", name="Faster Kim", day="2027-03-05")
    confirm_commitments(fast)
    lead = logged_in_client(make_organiser(organisation=campaign.lead_organisation))
    partner = logged_in_client(make_organiser(organisation=campaign.partners.get()))
    for organiser in (lead, partner):
        for field in ("supporter", "pledge"):
            response = organiser.get(
                "/admin/autocomplete/",
                {
                    "app_label": "pledges",
                    "model_name": "commitment",
                    "field_name": field,
                    "term": "faster",
                },
            )
            assert response.status_code in (200, 403, 404)
            assert "faster@example.org" not in response.content.decode()
            assert "Faster" not in response.content.decode()
