import re
from datetime import UTC, datetime, timedelta

import time_machine
from django.utils import timezone

from outcry.campaigns.models import Campaign, OrganisationName
from outcry.supporters.models import Consent
from outcry.testing import make_campaign, make_organisation, make_petition, post_signature


def get(client, path):
    response = client.get(path)
    return response, response.content.decode()


def test_campaign_page_comes_in_each_language_with_a_switcher(client, db):
    petition = make_petition()
    slug = petition.campaign.slug
    _response, english = get(client, f"/en/c/{slug}/")
    _response, korean = get(client, f"/ko/c/{slug}/")
    assert '<html lang="en">' in english and "Stop the forced return" in english
    assert '<html lang="ko">' in korean and "강제 북송을 멈춰라" in korean
    assert "난민을 보호하라" in korean
    assert f'href="/ko/c/{slug}/" hreflang="ko"' in english
    assert f'href="/en/c/{slug}/" hreflang="en"' in korean


def test_content_missing_in_a_language_falls_back_to_the_first_language(client, db):
    campaign = make_campaign(languages="en,ko", title_ko=None)
    make_petition(campaign=campaign)
    _response, korean = get(client, f"/ko/c/{campaign.slug}/")
    assert '<html lang="ko">' in korean
    assert '<article class="campaign" lang="en">' in korean
    assert "Stop the forced return" in korean


def test_deadline_is_shown_as_a_countdown(client, db):
    deadline = timezone.now() + timedelta(days=3, hours=5)
    campaign = make_campaign(deadline_at=deadline)
    _response, html = get(client, f"/en/c/{campaign.slug}/")
    assert "3 days 4 hours left" in html or "3 days 5 hours left" in html
    assert f'datetime="{deadline.isoformat(timespec="seconds")[:19]}' in html


def test_the_deadline_is_shown_on_the_campaigns_own_clock(client, db):
    campaign = make_campaign(deadline_at=datetime(2026, 12, 10, 14, 59, tzinfo=UTC))
    campaign.time_zone = "Asia/Seoul"
    campaign.save()
    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC), tick=False):
        _response, english = get(client, f"/en/c/{campaign.slug}/")
        _response, korean = get(client, f"/ko/c/{campaign.slug}/")
    assert '<time datetime="2026-12-10T23:59:00+09:00">Dec. 10, 2026, 11:59 p.m. KST</time>' in (
        english
    )
    assert "2026년 12월 10일 오후 11:59 KST</time>" in korean
    assert 'data-deadline="2026-12-10T14:59:00+00:00"' in english  # the same instant, for JS


def test_a_zone_without_a_letter_abbreviation_is_shown_by_its_offset(client, db):
    campaign = make_campaign(deadline_at=datetime(2026, 12, 10, 12, 0, tzinfo=UTC))
    campaign.time_zone = "Asia/Kathmandu"
    campaign.save()
    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC), tick=False):
        _response, html = get(client, f"/en/c/{campaign.slug}/")
    assert "Dec. 10, 2026, 5:45 p.m. UTC+05:45</time>" in html


def test_a_campaign_past_its_deadline_takes_no_signatures(client, db):
    campaign = make_campaign(deadline_at=timezone.now() - timedelta(hours=1))
    petition = make_petition(campaign=campaign)
    _response, html = get(client, f"/en/c/{campaign.slug}/")
    assert "The deadline has passed." in html
    assert "Sign the petition</button>" not in html
    response = post_signature(client, petition, email="late@example.org")
    assert response.status_code == 409
    assert petition.signatures.count() == 0


def test_won_campaign_says_so(client, db):
    campaign = make_campaign(status=Campaign.Status.WON)
    _response, html = get(client, f"/en/c/{campaign.slug}/")
    assert "This campaign was won." in html


def test_draft_campaign_is_not_public(client, db):
    campaign = make_campaign(status=Campaign.Status.DRAFT)
    response, html = get(client, f"/en/c/{campaign.slug}/")
    assert response.status_code == 404
    assert "Page not found" in html
    _response, home = get(client, "/en/")
    assert campaign.slug not in home


def test_home_lists_campaigns_and_has_an_empty_state(client, db):
    _response, empty = get(client, "/en/")
    assert "There are no campaigns here yet." in empty
    campaign = make_campaign()
    _response, home = get(client, "/en/")
    assert f'href="/en/c/{campaign.slug}/"' in home


def test_root_redirects_to_the_browser_language(client, db):
    response = client.get("/", headers={"accept-language": "ko-KR,ko;q=0.9"})
    assert response.status_code == 302 and response["Location"] == "/ko/"


def test_public_pages_load_nothing_from_another_host(client, db):
    petition = make_petition()
    response = post_signature(client, petition, email="share@example.org")
    for path in [f"/en/c/{petition.campaign.slug}/", response["Location"], "/en/"]:
        response, html = get(client, path)
        assert "default-src 'self'" in response["Content-Security-Policy"]
        loaded = re.sub(r'<link rel="canonical"[^>]*>', "", html)  # a name, not a fetch
        sources = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="([^"]+)"', loaded)
        assert sources and all(s.startswith(("/", "data:")) for s in sources), sources


def test_story_markdown_is_rendered_without_script(client, db):
    campaign = make_campaign()
    text = campaign.texts.get(language="en")
    text.story = "Hello <script>alert(1)</script> [x](javascript:alert(1)) **bold**"
    text.save()
    _response, html = get(client, f"/en/c/{campaign.slug}/")
    assert "<script>alert" not in html and "javascript:" not in html
    assert "<strong>bold</strong>" in html


def campaign_links(html: str) -> list[str]:
    return re.findall(r'<h2 lang="\w+"><a href="/en/c/([^/"]+)/"', html)


def test_home_shows_every_campaign_twenty_to_a_page(client, db, django_assert_num_queries):
    slugs = {make_campaign().slug for _ in range(25)}
    # count, campaigns with their lead, their texts, the leads' names in other languages,
    # their petitions (site.home; the list is then cached)
    with django_assert_num_queries(5):
        _response, first = get(client, "/en/")
    _response, second = get(client, "/en/?page=2")
    assert len(campaign_links(first)) == 20 and len(campaign_links(second)) == 5
    assert set(campaign_links(first)) | set(campaign_links(second)) == slugs

    nav = re.search(r'<nav class="pages" aria-label="Pages of campaigns">.*?</nav>', first, re.S)
    assert nav and "Page 1 of 2" in nav.group(0)
    assert '<a href="?page=2" rel="next">Next page</a>' in nav.group(0)
    assert 'rel="prev"' not in nav.group(0)
    assert "Page 2 of 2" in second
    assert '<a href="/en/" rel="prev">Previous page</a>' in second
    assert 'rel="next"' not in second
    # The language switcher keeps the page.
    assert 'href="/ko/?page=2" hreflang="ko"' in second


def test_a_page_number_that_does_not_fit_shows_the_first_or_last_page(client, db):
    for _ in range(21):
        make_campaign()
    for page, shown in [("abc", "Page 1 of 2"), ("", "Page 1 of 2"), ("99", "Page 2 of 2")]:
        response, html = get(client, f"/en/?page={page}")
        assert response.status_code == 200
        assert shown in html
    response, html = get(client, f"/en/?page={'9' * 5000}")
    assert response.status_code == 200 and "Page 1 of 2" in html


def test_a_home_page_of_few_campaigns_has_no_page_links(client, db):
    make_campaign()
    _response, html = get(client, "/en/")
    assert 'class="pages"' not in html


def test_organisations_are_named_as_readers_of_the_page_know_them(client, db):
    lead = make_organisation(name="Justice for North Korea")
    OrganisationName.objects.create(organisation=lead, language="ko", name="북한정의연대")
    partner = make_organisation(name="Save My Friend")
    petition = make_petition(campaign=make_campaign(lead=lead, partners=[partner]))
    slug = petition.campaign.slug
    _response, korean = get(client, f"/ko/c/{slug}/")
    _response, english = get(client, f"/en/c/{slug}/")
    assert "<li>북한정의연대</li>" in korean and "<li>Save My Friend</li>" in korean
    assert "<li>Justice for North Korea</li>" in english and "북한정의연대" not in english
    _response, home = get(client, "/ko/")
    assert "주관: 북한정의연대" in home

    post_signature(client, petition, language="ko", **{f"consent_{lead.pk}": "on"})
    # The consent keeps the sentence as it was shown, with the name in Korean.
    assert "북한정의연대" in Consent.objects.get().wording
