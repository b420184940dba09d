"""Every thank-you page shares the campaign page with plain links: no third party runs on ours."""

import html
import re
from urllib.parse import quote

import segno
from django.conf import settings

from outcry.actions.tests.qr import modules_of_svg, read_qr_svg
from outcry.testing import (
    letter_form,
    post_signature,
)

SHARE_LINK = r'<li><a href="([^"]+)" rel="noopener noreferrer"[^>]*>([^<]+)</a>'
FOREIGN_RESOURCE = r'<(?:script|img|iframe|link)[^>]+(?:src|href)="(?:https?:)?//'
NETWORKS = ["X", "Facebook", "WhatsApp", "Telegram", "LINE", "KakaoStory", "Email"]


def thank_you_pages(client, petition, action) -> dict[str, str]:
    signed = post_signature(client, petition)
    written = client.post(f"/en/letters/{action.slug}/", letter_form(action, channels=("mailto",)))
    return {
        "petition": client.get(signed["Location"]).content.decode(),
        "letter": client.get(written["Location"]).content.decode(),
    }


def test_both_thank_you_pages_share_the_campaign_page(client, petition, action):
    campaign_url = f"{settings.BASE_URL}/en/c/{petition.campaign.slug}/"
    for kind, page in thank_you_pages(client, petition, action).items():
        links = dict(
            re.findall(r'<li><a href="([^"]+)" rel="noopener noreferrer"[^>]*>([^<]+)</a>', page)
        )
        assert sorted(links.values()) == sorted(NETWORKS), kind
        for url in links:
            assert quote(campaign_url, safe="") in html.unescape(url), (kind, url)
        assert f'value="{campaign_url}"' in page, kind  # the link to copy
        assert "Stop the forced return" in page  # the campaign's title goes with it


def test_thank_you_pages_load_nothing_from_another_host(client, petition, action):
    for kind, page in thank_you_pages(client, petition, action).items():
        assert not re.search(
            r'<(?:script|img|iframe|link)[^>]+(?:src|href)="(?:https?:)?//', page
        ), kind


def test_the_share_text_is_the_campaign_title_in_the_pages_language(client, petition):
    signed = post_signature(client, petition, language="ko")
    page = html.unescape(client.get(signed["Location"]).content.decode())
    assert quote("강제 북송을 멈춰라", safe="") in page
    assert "이제 친구들에게 서명을 부탁해 주세요" in page


def qr_code_of(page: str) -> str:
    match = re.search(
        r'<span class="qr" role="img" aria-label="([^"]+)">(<svg.*?</svg>)</span>', page
    )
    assert match, "no QR code in the share block"
    return match.group(2)


def test_the_qr_code_holds_exactly_the_campaign_link(client, petition, action):
    campaign_url = f"{settings.BASE_URL}/en/c/{petition.campaign.slug}/"
    for kind, page in thank_you_pages(client, petition, action).items():
        svg = qr_code_of(page)
        assert read_qr_svg(svg) == campaign_url, kind
        # What segno itself drew for that link, module for module.
        drawn = modules_of_svg(svg)
        expected = segno.make(campaign_url, error="m", micro=False).matrix
        assert drawn == [[bool(module) for module in row] for row in expected], kind


def test_the_share_block_says_plainly_how_to_share_on_kakaotalk(client, petition):
    signed = post_signature(client, petition)
    page = html.unescape(client.get(signed["Location"]).content.decode())
    assert "Share on KakaoTalk" in page
    assert "Tap “Share…” and choose KakaoTalk, or scan this code with your phone" in page
    campaign_url = f"{settings.BASE_URL}/en/c/{petition.campaign.slug}/"
    assert f'aria-label="QR code of the link {campaign_url}"' in page
    # Without JavaScript the link is there to select; the buttons wait for site.js.
    assert f'<input id="share-url" type="text" readonly value="{campaign_url}">' in page
    assert re.search(r'<button type="button" class="share-button"[^>]* hidden>', page)
    assert re.search(r'<button type="button" class="copy-button"[^>]* hidden>', page)
    assert 'class="share-status" role="status"' in page


def test_the_korean_share_block_gives_the_korean_link_in_its_code(client, petition):
    signed = post_signature(client, petition, language="ko")
    page = html.unescape(client.get(signed["Location"]).content.decode())
    campaign_url = f"{settings.BASE_URL}/ko/c/{petition.campaign.slug}/"
    assert read_qr_svg(qr_code_of(page)) == campaign_url
    assert "카카오톡" in page
