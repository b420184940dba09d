"""Public pages kept in each process (core.pagecache): per language, fresh after an edit,
counts never older than PAGE_CACHE_SECONDS, nothing of one visitor shown to another."""

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext

from outcry.actions import counters
from outcry.campaigns.models import Campaign
from outcry.cases.testing import add_change, make_case
from outcry.core import pagecache
from outcry.events.models import Event
from outcry.events.testing import at, make_event
from outcry.petitions import services as petitions
from outcry.testing import (
    admin_url,
    logged_in_client,
    make_campaign,
    make_petition,
    make_update,
    sign_form,
)

NOW = datetime(2027, 3, 10, 0, 0, tzinfo=UTC)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


@pytest.fixture(autouse=True)
def cached(settings, db):
    settings.PAGE_CACHE_SECONDS = 3


def page(client, campaign: Campaign, language: str = "en", suffix: str = "") -> str:
    response = client.get(f"/{language}/c/{campaign.slug}/{suffix}")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def queries_for(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@contextmanager
def in_process(settings, name: str):
    """Requests as web process *name* serves them: with its own local cache, and without
    Redis its own default cache too (where the content version is kept)."""
    before = settings.CACHES
    caches = {alias: dict(config) for alias, config in before.items()}
    caches["local"]["LOCATION"] += name
    if not pagecache.is_shared():
        caches["default"]["LOCATION"] += name
    settings.CACHES = caches
    try:
        yield
    finally:
        settings.CACHES = before


def test_the_english_and_the_korean_page_are_kept_apart(client):
    campaign = make_campaign()
    for _ in range(2):
        english, korean = page(client, campaign, "en"), page(client, campaign, "ko")
        assert "Stop the forced return" in english
        assert "강제 북송을 멈춰라" not in english
        assert "강제 북송을 멈춰라" in korean
        assert 'lang="ko"' in korean
    assert queries_for(client, f"/ko/c/{campaign.slug}/") == 0  # from the cache


def test_each_page_of_a_list_is_kept_under_its_number_and_a_search_is_never_kept(client):
    campaign = make_campaign()
    make_update(campaign=campaign)
    path = f"/en/c/{campaign.slug}/updates/"
    for query in ("", "?page=1", "?page=2"):
        queries_for(client, path + query)
        assert queries_for(client, path + query) == 0
    for query in ("?page=1&x=1", "?country=KR", "?page=abc"):
        queries_for(client, path + query)
        assert queries_for(client, path + query) > 0


def test_the_process_that_saved_an_edit_shows_it_on_the_next_request(client, admin_user):
    campaign = make_campaign()
    update = make_update(campaign=campaign, title="Held in Changchun")
    page(client, campaign)
    assert "Held in Changchun" in page(client, campaign, suffix="updates/")
    text = campaign.texts.get(language="en")
    text.title = "Free them now"
    text.save()
    assert "Free them now" in page(client, campaign)
    # Deleted in the admin: gone from the campaign page and the updates page at once.
    admin = logged_in_client(admin_user)
    assert admin.post(admin_url(update, "delete"), {"post": "yes"}).status_code == 302
    assert "Held in Changchun" not in page(client, campaign)
    assert "Held in Changchun" not in page(client, campaign, suffix="updates/")


def test_a_case_its_timeline_and_an_event_show_their_edits_on_the_next_request(client):
    campaign = make_campaign()
    case = make_case(campaign=campaign, summary="Boy of 16")
    with time_machine.travel(NOW, tick=False):
        event = make_event(campaign=campaign, starts=at(NOW.date() + timedelta(days=1), 14))
        pages = {
            "cases/": "Boy of 16",
            f"cases/{case.pk}/": "Boy of 16",
            "events/": "Vigil at the embassy",
            f"events/{event.pk}/": "Vigil at the embassy",
        }
        for suffix, text in pages.items():
            assert text in page(client, campaign, suffix=suffix)
        case.texts.filter(language="en").update(summary="ignored")  # no signal: not shown yet
        assert "Boy of 16" in page(client, campaign, suffix="cases/")
        text = case.texts.get(language="en")
        text.summary = "Boy of 17"
        text.save()
        event_text = event.texts.get(language="en")
        event_text.title = "Candlelight vigil"
        event_text.save()
        assert "Boy of 17" in page(client, campaign, suffix="cases/")
        assert "Boy of 17" in page(client, campaign, suffix=f"cases/{case.pk}/")
        assert "Candlelight vigil" in page(client, campaign, suffix="events/")
        assert "Candlelight vigil" in page(client, campaign, suffix=f"events/{event.pk}/")
        add_change(case, on=NOW.date(), outlet="Radio Free Asia")
        assert "Radio Free Asia" in page(client, campaign, suffix=f"cases/{case.pk}/")


def test_a_proposed_local_event_leaves_the_cache_alone_until_approved(client):
    campaign = make_campaign()
    with time_machine.travel(NOW, tick=False):
        event = make_event(campaign=campaign, starts=at(NOW.date() + timedelta(days=1), 14))
        event.approval = Event.Approval.PROPOSED
        event.save()
        before = pagecache.version()
        text = event.texts.get(language="en")
        text.title = "A supporter's vigil"
        text.save()
        event.save()
        assert pagecache.version() == before
        event.approval = Event.Approval.APPROVED
        event.save()
        assert pagecache.version() != before
        assert "A supporter&#x27;s vigil" in page(client, campaign, suffix="events/")


@pytest.mark.skipif("not pagecache.is_shared()", reason="needs Redis as the shared cache")
def test_with_redis_every_process_shows_an_edit_within_a_quarter_second(client, settings):
    campaign = make_campaign()
    with time_machine.travel(NOW, tick=False) as clock:
        with in_process(settings, "b"):
            for _ in range(2):  # kept in b
                assert "Stop the forced return" in page(client, campaign)
                assert "Stop the forced return" in client.get("/en/").content.decode()
        with in_process(settings, "a"):
            text = campaign.texts.get(language="en")
            text.title = "Free them now"
            text.save()
            assert "Free them now" in page(client, campaign)  # a knows at once
        clock.shift(pagecache.VERSION_CHECK_SECONDS)
        with in_process(settings, "b"):
            assert "Free them now" in page(client, campaign)
            assert "Free them now" in client.get("/en/").content.decode()


@pytest.mark.skipif("pagecache.is_shared()", reason="the bound without Redis")
def test_without_redis_another_process_shows_an_edit_within_page_cache_seconds(client, settings):
    campaign = make_campaign()
    with time_machine.travel(NOW, tick=False) as clock:
        with in_process(settings, "b"):
            assert "Stop the forced return" in page(client, campaign)
            assert "Stop the forced return" in client.get("/en/").content.decode()
        clock.shift(1)
        with in_process(settings, "a"):
            text = campaign.texts.get(language="en")
            text.title = "Free them now"
            text.save()
            assert "Free them now" in page(client, campaign)
        with in_process(settings, "b"):
            clock.shift(1.5)
            assert "Stop the forced return" in page(client, campaign)  # b has not heard yet
            clock.shift(0.6)  # PAGE_CACHE_SECONDS since b read it
            assert "Free them now" in page(client, campaign)
            assert "Free them now" in client.get("/en/").content.decode()


def test_a_count_on_a_cached_page_is_never_older_than_page_cache_seconds(client):
    petition = make_petition()
    campaign = petition.campaign
    with time_machine.travel(NOW, tick=False) as clock:
        assert petitions.count_signatures(petition) == 0  # counter read and cached at NOW
        counters.add(petition.counter_key, 5)
        clock.shift(2.5)
        assert 'data-count="5"' not in page(client, campaign)  # the count read at NOW
        clock.shift(0.4)
        assert 'data-count="5"' not in page(client, campaign)  # still kept: 2.9 s old
        clock.shift(0.2)
        # 3.1 s after the count was read, though the page was rendered 0.6 s ago.
        assert 'data-count="5"' in page(client, campaign)


def test_a_signed_in_organiser_neither_gets_nor_leaves_the_public_copy(client, organiser_a):
    campaign = make_campaign(lead=organiser_a.organisations.first())
    path = f"/en/c/{campaign.slug}/"
    organiser = logged_in_client(organiser_a)
    assert queries_for(organiser, path) > 0
    assert queries_for(client, path) > 0  # the organiser's page was not kept
    assert queries_for(client, path) == 0
    assert queries_for(organiser, path) > 0  # nor is the public copy served to them
    html = organiser.get(path).content.decode()
    token = TOKEN.search(html).group(1)
    assert _unmask_cipher_token(token) == organiser.cookies["csrftoken"].value


def test_a_draft_is_not_public_and_its_preview_is_never_kept(client, organiser_a):
    campaign = make_campaign(lead=organiser_a.organisations.first(), status=Campaign.Status.DRAFT)
    path = f"/en/c/{campaign.slug}/"
    assert client.get(path).status_code == 404
    preview = logged_in_client(organiser_a).get(f"/en/organise/{campaign.pk}/preview/")
    assert preview.status_code == 200
    assert "no-store" in preview["Cache-Control"]
    assert client.get(path).status_code == 404
    campaign.status = Campaign.Status.ACTIVE
    campaign.save()
    html = page(client, campaign)
    assert "Preview" not in html
    assert "inert" not in html


def test_each_visitor_gets_their_own_csrf_token_and_none_of_anothers_cookies():
    petition = make_petition()
    path = f"/en/c/{petition.campaign.slug}/"
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(path)
    with CaptureQueriesContext(connection) as queries:
        served = second.get(path)
    assert len(queries) == 0  # the first visitor's page, from the cache
    html = served.content.decode()
    assert pagecache.CSRF_PLACEHOLDER not in html
    assert "private" in served["Cache-Control"]
    assert list(served.cookies) == ["csrftoken"]
    assert served.cookies["csrftoken"].value != first.cookies["csrftoken"].value
    tokens = set(TOKEN.findall(html))
    assert len(tokens) == 1
    token = tokens.pop()
    assert _unmask_cipher_token(token) == second.cookies["csrftoken"].value
    # The form on the cached page works: the signature is taken.
    signed = second.post(
        f"/en/petitions/{petition.slug}/sign/", sign_form() | {"csrfmiddlewaretoken": token}
    )
    assert signed.status_code == 302


def test_a_form_written_with_the_csrf_token_tag_gets_each_visitors_token(client):
    campaign = make_campaign()
    with time_machine.travel(NOW, tick=False):
        event = make_event(campaign=campaign, starts=at(NOW.date() + timedelta(days=1), 14))
        path = f"/en/c/{campaign.slug}/events/{event.pk}/"
        first, second = Client(), Client()
        first.get(path)
        assert queries_for(second, path) == 0
        for visitor in (first, second):
            html = visitor.get(path).content.decode()
            assert pagecache.CSRF_PLACEHOLDER not in html
            [token] = TOKEN.findall(html)
            assert _unmask_cipher_token(token) == visitor.cookies["csrftoken"].value
