import re
from io import StringIO

import pytest
from django.core.management import call_command

from outcry.actions import counters
from outcry.actions.models import CounterShard
from outcry.petitions.models import Petition, Signature
from outcry.petitions.services import (
    confirm_signature,
    confirmation_code,
    count_signatures,
    next_milestone,
    recount_signatures,
)
from outcry.testing import (
    admin_url,
    confirm_all_pending,
    logged_in_client,
    make_organiser,
    make_petition,
    post_signature,
)


def campaign_page(client, petition, language="en") -> str:
    return client.get(f"/{language}/c/{petition.campaign.slug}/").content.decode()


def test_confirmations_spread_over_shards_and_sum_to_the_rows(client, petition, settings):
    settings.COUNTER_SHARDS = 4
    for n in range(12):
        post_signature(client, petition, email=f"s{n}@example.org")
    confirm_all_pending(petition)
    assert (
        sum(CounterShard.objects.filter(key=petition.counter_key).values_list("count", flat=True))
        == 12
    )
    assert CounterShard.objects.filter(key=petition.counter_key).count() == 4
    assert '<strong class="count" data-count="12">12</strong>' in campaign_page(client, petition)


def test_recount_repairs_a_counter_that_drifted_from_the_rows(client, petition):
    for n in range(3):
        post_signature(client, petition, email=f"r{n}@example.org")
    confirm_all_pending(petition)
    CounterShard.objects.filter(key=petition.counter_key).update(count=50)  # drift
    out = StringIO()
    call_command("recount_signatures", petition.slug, stdout=out)
    assert f"{petition.slug}:" in out.getvalue() and "→ 3" in out.getvalue()
    assert count_signatures(petition) == 3
    assert recount_signatures(petition=petition) == (3, 3)  # idempotent


def test_unconfirmed_signatures_are_not_counted(client, petition):
    post_signature(client, petition, email="pending@example.org")
    recount_signatures(petition=petition)
    assert count_signatures(petition) == 0
    assert Signature.objects.filter(petition=petition).count() == 1


def test_petition_without_confirmation_counts_at_once_for_its_organisers_only(client, db):
    """The organisers' total counts a signature at once; the public count once its address
    is confirmed, so that it never tells whoever types an address whether its owner signed."""
    petition = make_petition(needs_confirmation=False)
    response = post_signature(client, petition, email="now@example.org")
    assert response["Location"] == f"/en/petitions/{petition.slug}/thanks/"
    assert count_signatures(petition) == 0
    assert "Be among the first 100 to sign." in campaign_page(client, petition)
    organiser = logged_in_client(make_organiser(organisation=petition.campaign.lead_organisation))
    petitions = organiser.get(admin_url(Petition, "changelist")).content.decode()
    assert '<td class="field-confirmed_signatures">1</td>' in petitions
    assert '<td class="field-pending_signatures">0</td>' in petitions
    help_text = organiser.get(admin_url(petition)).content.decode()
    assert "the public count still waits for the link" in help_text

    confirm_all_pending(petition)
    assert count_signatures(petition) == 1
    assert recount_signatures(petition=petition) == (1, 1)


def test_recount_of_unknown_slug_is_refused(db):
    with pytest.raises(Exception, match="No petition with slug: nope"):
        call_command("recount_signatures", "nope")


@pytest.mark.parametrize(
    ("count", "goal", "expected"),
    [
        (0, 1000, 100),
        (99, 1000, 100),
        (100, 1000, 1000),
        (100, 500, 500),
        (900, 1000, 1000),
        (2341, 175000, 10000),
        (23412, 175000, 100000),
        (123412, 175000, 175000),
        (175000, 175000, 1000000),
    ],
)
def test_next_milestone_is_a_round_number_or_the_goal(count, goal, expected):
    assert next_milestone(count, goal) == expected


def test_campaign_page_shows_progress_and_next_milestone(client, db):
    petition = make_petition(goal=500, needs_confirmation=False)
    for n in range(4):
        post_signature(client, petition, email=f"m{n}@example.org")
    for signature in petition.signatures.all()[:3]:
        confirm_signature(code=confirmation_code(signature))
    html = campaign_page(client, petition)
    assert '<progress max="100" value="3"' in html
    assert 'data-count="3">3</strong> people have signed. Be among the first 100.' in html
    assert "Our goal: 500 signatures." in html


def test_the_first_signers_are_asked_to_be_among_the_first_100_not_told_0(client, db):
    petition = make_petition(goal=175000)
    html = campaign_page(client, petition)
    assert "Be among the first 100 to sign." in html
    assert not re.search(r"\b0 (signatures|people)", html)
    korean = campaign_page(client, petition, "ko")
    assert "처음 서명하는 100명이 되어 주세요." in korean


def test_past_100_the_bar_runs_to_the_next_power_of_ten(client, db):
    petition = make_petition(goal=175000)
    counters.add(petition.counter_key, 2341)
    html = campaign_page(client, petition)
    assert '<progress max="10000" value="2341"' in html
    assert "2,341</strong> signatures. Help us reach 10,000." in html
    assert "Our goal: 175,000 signatures." in html


def test_the_first_signer_awaiting_confirmation_is_not_told_0_have_signed(client, db):
    petition = make_petition(goal=175000)
    response = post_signature(client, petition, email="first@example.org")
    html = client.get(response["Location"]).content.decode()
    assert "You are among the first people to sign" in html
    assert "have signed" not in html and "has signed" not in html
