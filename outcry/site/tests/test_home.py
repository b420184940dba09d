"""The home page: each campaign's count, deadline, picture and a call to action."""

from datetime import UTC, datetime

import time_machine
from django.core.cache import cache

from outcry.actions import counters
from outcry.campaigns.models import Campaign
from outcry.core.pagecache import version
from outcry.testing import make_campaign, make_petition


def home(client, language="en") -> str:
    return client.get(f"/{language}/").content.decode()


def test_each_campaign_shows_its_count_deadline_and_a_call_to_action(client, db):
    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC), tick=False):
        campaign = make_campaign(deadline_at=datetime(2026, 12, 10, 14, 59, tzinfo=UTC))
        campaign.time_zone = "Asia/Seoul"
        campaign.save()
        petition = make_petition(campaign=campaign, goal=175000)
        counters.add(petition.counter_key, 2341)
        english, korean = home(client), home(client, "ko")
    assert "<strong>2,341</strong> signatures" in english
    assert "9 days 14 hours left" in english
    assert "Dec. 10, 2026, 11:59 p.m. KST" in english
    assert (
        f'<a class="button" href="/en/c/{campaign.slug}/"' in english and ">Act now</a>" in english
    )
    assert "active" not in english.split("<main", 1)[1].lower()
    assert "2026년 12월 10일 오후 11:59 KST" in korean
    assert "9일 14시간 남음" in korean
    assert "지금 행동하기" in korean


def test_a_campaign_without_signatures_asks_for_the_first(client, db):
    make_petition()
    assert "Be among the first to sign" in home(client)


def test_a_won_campaign_says_so_and_asks_nothing(client, db):
    make_petition(campaign=make_campaign(status=Campaign.Status.WON))
    html = home(client)
    assert "Won — thank you to everyone who acted." in html
    assert "Act now" not in html


def test_the_list_is_cached_and_read_afresh_when_a_campaign_or_count_changes(
    client, db, settings, django_assert_num_queries
):
    # Without Redis the list is kept for PAGE_CACHE_SECONDS (0 in tests), like the page
    # (core.pagecache) and the counts.
    settings.PAGE_CACHE_SECONDS = 3
    petition = make_petition()
    with time_machine.travel(datetime(2027, 3, 1, tzinfo=UTC), tick=False) as clock:
        home(client)
        with django_assert_num_queries(0):
            html = home(client)
        assert "Stop the forced return" in html
        with django_assert_num_queries(0):  # the page gone, the list and count kept
            client.get("/en/?page=abc")
        counters.add(petition.counter_key, 5)
        clock.shift(3)  # the count and the page expire together
        assert "<strong>5</strong> signatures" in home(client)
    text = petition.campaign.texts.get(language="en")
    text.title = "Free them now"
    text.save()
    assert "Free them now" in home(client)
    petition.campaign.status = Campaign.Status.CLOSED
    petition.campaign.save()
    assert "This campaign is closed." in home(client)


def test_a_page_number_typed_any_way_is_cached_once_under_the_page_shown(
    client, db, settings, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 3
    make_petition()
    home(client)
    prefix = f"home-page:{version()}:en"
    junk = ["abc", "1x", "٣", "0", "-4", "99999", "9" * 5000]  # (a NUL is a 400 before)
    for typed in junk:
        assert "Stop the forced return" in client.get("/en/", {"page": typed}).content.decode()
    # Each showed the first (and only) page, kept under its number, not under what was typed.
    assert cache.get(f"{prefix}:1") is not None
    assert all(cache.get(f"{prefix}:{typed[:100]}") is None for typed in junk)
    with django_assert_num_queries(0):  # "abc" reads as page 1: from the cache
        assert "Stop the forced return" in client.get("/en/?page=abc").content.decode()
