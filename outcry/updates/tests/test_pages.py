"""Updates in public: the list, one update, the Atom feed, the press page, the campaign page."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outcry.campaigns.models import Campaign
from outcry.testing import make_campaign, make_press_item, make_update

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(feed: bytes) -> ET.Element:
    """The feed as the standard library's parser reads it (our own response, not untrusted)."""
    return ET.fromstring(feed)  # noqa: S314


def test_published_updates_are_listed_newest_first_and_drafts_are_not(client, campaign):
    now = timezone.now()
    make_update(campaign=campaign, title="Older news", published_at=now - timedelta(days=2))
    make_update(campaign=campaign, title="Newer news", published_at=now - timedelta(days=1))
    make_update(campaign=campaign, title="Secret draft", status="draft")
    make_update(campaign=campaign, title="Not yet", published_at=now + timedelta(days=1))
    html = client.get(f"/en/c/{campaign.slug}/updates/").content.decode()
    assert html.index("Newer news") < html.index("Older news")
    assert "Secret draft" not in html and "Not yet" not in html
    assert "<h1>Updates</h1>" in html
    assert 'type="application/atom+xml"' in html


def test_the_list_shows_ten_to_a_page_and_a_bad_page_number_is_no_error(client, campaign):
    now = timezone.now()
    for n in range(12):
        make_update(
            campaign=campaign, title=f"Update number {n:02d}", published_at=now - timedelta(hours=n)
        )
    first = client.get(f"/en/c/{campaign.slug}/updates/").content.decode()
    second = client.get(f"/en/c/{campaign.slug}/updates/?page=2").content.decode()
    assert len(re.findall("Update number", first)) == 10
    assert "Update number 10" in second and "Update number 11" in second
    assert "Update number 09" not in second
    assert "Page 1 of 2" in first and 'rel="next"' in first
    for bad in ["x", "999", "-1", "1e9"]:
        response = client.get(f"/en/c/{campaign.slug}/updates/?page={bad}")
        assert response.status_code == 200, bad
    # A NUL is refused before any view (core.middleware.RefuseNulMiddleware).
    assert client.get(f"/en/c/{campaign.slug}/updates/?page=%00").status_code == 400


def test_a_campaign_without_updates_says_so(client, campaign):
    html = client.get(f"/en/c/{campaign.slug}/updates/").content.decode()
    assert "No updates yet." in html
    press = client.get(f"/en/c/{campaign.slug}/press/").content.decode()
    assert "No press coverage listed yet." in press


def test_one_update_has_its_page_and_a_draft_a_future_one_or_another_campaigns_none(
    client, campaign
):
    update = make_update(campaign=campaign, title="The families speak")
    page = client.get(f"/en/c/{campaign.slug}/updates/{update.pk}/")
    assert page.status_code == 200
    assert "<h1>The families speak</h1>" in page.content.decode()
    draft = make_update(campaign=campaign, status="draft")
    future = make_update(campaign=campaign, published_at=timezone.now() + timedelta(hours=1))
    elsewhere = make_update(campaign=make_campaign())
    for pk in [draft.pk, future.pk, elsewhere.pk, 99999999]:
        assert client.get(f"/en/c/{campaign.slug}/updates/{pk}/").status_code == 404
    too_big = "9" * 30  # past any integer column: still a 404, never a 500
    assert client.get(f"/en/c/{campaign.slug}/updates/{too_big}/").status_code == 404


def test_a_draft_campaign_has_no_updates_pages_feed_or_press_page(client, db):
    draft = make_campaign(status=Campaign.Status.DRAFT)
    make_update(campaign=draft)
    for path in ["updates/", "updates/feed/", "press/"]:
        assert client.get(f"/en/c/{draft.slug}/{path}").status_code == 404


def test_an_update_is_shown_in_the_readers_language_else_the_campaigns_first(client, campaign):
    update = make_update(campaign=campaign, title="English news", title_ko="한국어 소식")
    only_english = make_update(campaign=campaign, title="Only in English", title_ko=None)
    korean = client.get(f"/ko/c/{campaign.slug}/updates/").content.decode()
    assert "한국어 소식" in korean and "English news" not in korean
    assert '<article class="update" lang="en"' in korean and "Only in English" in korean
    page = client.get(f"/ko/c/{campaign.slug}/updates/{update.pk}/").content.decode()
    assert '<article class="update" lang="ko">' in page
    assert "<strong>창춘</strong>" in page
    assert only_english.pk


def test_an_organisers_markup_is_sanitised_scripts_images_and_raw_html_removed(client, campaign):
    body = (
        "Read **this**.\n\n<script>alert('x')</script>\n\n"
        '<img src="https://tracker.example.net/p.gif">\n\n'
        "![pixel](https://tracker.example.net/q.gif)\n\n"
        '<a href="javascript:alert(1)" onclick="x()">bad link</a> '
        "[good link](https://example.org/report)\n\n"
        '<iframe src="https://evil.example"></iframe><div style="color:red">styled</div>'
    )
    update = make_update(campaign=campaign, body=body)
    for path in [f"updates/{update.pk}/", "updates/"]:
        html = client.get(f"/en/c/{campaign.slug}/{path}").content.decode()
        assert "<strong>this</strong>" in html
        assert "<script>alert" not in html and "<img" not in html and "<iframe" not in html
        assert "tracker.example.net" not in html and "javascript:" not in html
        assert "onclick" not in html and 'style="color' not in html
        assert '<a href="https://example.org/report" rel="noopener noreferrer nofollow">' in html
    feed = client.get(f"/en/c/{campaign.slug}/updates/feed/").content.decode()
    assert "tracker.example.net" not in feed and "javascript:" not in feed


def test_the_atom_feed_is_valid_xml_with_absolute_links_and_no_drafts(client, campaign, settings):
    now = timezone.now()
    make_update(
        campaign=campaign, title="First & foremost <news>", published_at=now - timedelta(days=1)
    )
    latest = make_update(campaign=campaign, title="Latest", published_at=now)
    make_update(campaign=campaign, title="Secret draft", status="draft")
    response = client.get(f"/en/c/{campaign.slug}/updates/feed/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = parse(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Stop the forced return: updates"
    assert root.find(f"{ATOM}id").text.startswith(settings.BASE_URL)
    assert root.findtext(f"{ATOM}updated")
    entries = root.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        "Latest",
        "First & foremost <news>",
    ]
    first = entries[0]
    link = first.find(f"{ATOM}link").get("href")
    assert link == f"{settings.BASE_URL}/en/c/{campaign.slug}/updates/{latest.pk}/"
    assert first.findtext(f"{ATOM}id") == link
    assert first.findtext(f"{ATOM}updated") and first.findtext(f"{ATOM}published")
    assert first.find(f"{ATOM}author").findtext(f"{ATOM}name") == campaign.lead_organisation.name
    summary = first.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert "<strong>Changchun</strong>" in summary.text
    korean = parse(client.get(f"/ko/c/{campaign.slug}/updates/feed/").content)
    assert korean.findall(f"{ATOM}entry")[0].findtext(f"{ATOM}title") == "국경 소식"
    assert korean.get("{http://www.w3.org/XML/1998/namespace}lang") == "ko"


def test_an_empty_feed_is_still_a_valid_feed(client, campaign):
    root = parse(client.get(f"/en/c/{campaign.slug}/updates/feed/").content)
    assert root.tag == f"{ATOM}feed" and root.findall(f"{ATOM}entry") == []


def test_the_press_page_lists_coverage_newest_first_with_its_outlet(client, campaign):
    today = timezone.now().date()
    make_press_item(campaign=campaign, title="Older story", published_on=today - timedelta(days=3))
    make_press_item(campaign=campaign, title="Print story", url="", outlet="Korea Times")
    make_press_item(campaign=make_campaign(), title="Another campaign's story")
    html = client.get(f"/en/c/{campaign.slug}/press/").content.decode()
    assert html.index("Print story") < html.index("Older story")
    assert (
        '<a href="https://news.example.org/refugees" rel="noopener noreferrer nofollow">'
        "Older story</a>" in html
    )
    assert "Korea Times" in html and "Another campaign" not in html


def test_the_campaign_page_shows_the_latest_three_updates_and_the_sign_up_form(client, campaign):
    now = timezone.now()
    for n in range(4):
        make_update(campaign=campaign, title=f"News {n}", published_at=now - timedelta(days=n))
    make_update(campaign=campaign, title="Hidden draft", status="draft")
    html = client.get(f"/en/c/{campaign.slug}/").content.decode()
    section = html[html.index('<section class="updates"') :]
    section = section[: section.index("</section>")]
    assert [title for title in ["News 0", "News 1", "News 2"] if title in section] == [
        "News 0",
        "News 1",
        "News 2",
    ]
    assert "News 3" not in section and "Hidden draft" not in section
    assert '<h2 id="updates-title">Latest updates</h2>' in section
    assert f'action="/en/c/{campaign.slug}/updates/subscribe/"' in section
    assert '<label for="u-email">Email address' in section
    assert '<label for="u-name">Your name (optional)</label>' in section
    assert "Partner Watch may email me" in section
    assert "__outcry_csrf_token__" not in html


def test_no_page_of_updates_loads_anything_from_another_host(client, campaign):
    update = make_update(campaign=campaign)
    make_press_item(campaign=campaign)
    for path in ["updates/", f"updates/{update.pk}/", "press/", ""]:
        html = client.get(f"/en/c/{campaign.slug}/{path}").content.decode()
        # Links a person follows are fine; nothing is loaded from elsewhere.
        assert not re.findall(r'(?:src|srcset|data)="(?:https?:)?//', html), path
        assert not re.findall(r'<link rel="(?:stylesheet|icon|preload)[^>]+//', html), path


def test_the_campaign_page_costs_the_same_queries_with_one_update_or_many(client, campaign):
    make_update(campaign=campaign)
    with CaptureQueriesContext(connection) as one:
        client.get(f"/en/c/{campaign.slug}/")
    for _ in range(5):
        make_update(campaign=campaign)
    with CaptureQueriesContext(connection) as many:
        client.get(f"/en/c/{campaign.slug}/")
    assert len(many) == len(one)
