"""The campaign page's first screen: what to do, before the story."""

from outcry.testing import make_campaign, make_letter_action, make_petition


def first_screen(client, campaign, language="en") -> str:
    """The campaign page up to the story: what a phone shows before any scrolling."""
    html = client.get(f"/{language}/c/{campaign.slug}/").content.decode()
    return html[: html.index('<div class="story">')]


def test_the_first_screen_has_the_summary_the_progress_and_a_link_to_the_sign_form(client, db):
    petition = make_petition()
    top = first_screen(client, petition.campaign)
    assert "A summary." in top
    assert "Be among the first 100 to sign." in top
    assert f'<a href="#sign-{petition.slug}" class="button">Sign the petition</a>' in top
    # The link leads to the form itself, further down: no script needed.
    html = client.get(f"/en/c/{petition.campaign.slug}/").content.decode()
    assert f'<form method="post" action="/en/petitions/{petition.slug}/sign/"' in html
    assert f'id="sign-{petition.slug}"' in html


def test_the_letter_is_one_tap_away_from_the_first_screen(client, db):
    campaign = make_campaign()
    make_petition(campaign=campaign)
    action = make_letter_action(campaign=campaign)
    top = first_screen(client, campaign)
    assert f'<a href="/en/letters/{action.slug}/">Write a letter</a>' in top
    korean = first_screen(client, campaign, "ko")
    assert f'<a href="/ko/letters/{action.slug}/">편지 쓰기</a>' in korean
    assert "서명하기" in korean


def test_a_closed_campaign_offers_no_action_at_the_top(client, db):
    campaign = make_campaign(status="won")
    make_petition(campaign=campaign)
    make_letter_action(campaign=campaign)
    top = first_screen(client, campaign)
    assert "Sign the petition" not in top and "Write a letter" not in top
    assert "This campaign was won." in top
