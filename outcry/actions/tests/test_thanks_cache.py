"""The thank-you pages every signer's browser opens next (a petition's, a pledge's) are
kept (core.pagecache) by what they show of that browser's cookies, and never show one
browser what was rendered for another's."""

import html

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from outcry.actions.nextstep import CARRY_COOKIE, DONE_COOKIE
from outcry.pledges.models import Pledge
from outcry.pledges.testing import MARCH, make_pledge, post_pledge
from outcry.testing import make_campaign, make_letter_action, make_petition, post_signature

NOTE = "Your name and email address are filled in as you just typed them."
PLEDGE_OFFER = "Now stand with them: make a pledge"


@pytest.fixture(autouse=True)
def cached(settings, db):
    settings.PAGE_CACHE_SECONDS = 3


def thanks_path(petition, language: str = "en") -> str:
    return f"/{language}/petitions/{petition.slug}/thanks/"


def signed(petition, email: str) -> Client:
    """A browser that has just signed *petition* (its cookies say so)."""
    browser = Client()
    response = post_signature(browser, petition, email=email)
    assert response["Location"] == thanks_path(petition)
    return browser


def page_of(browser: Client, path: str) -> tuple[str, int]:
    """The page at *path* as *browser* gets it, and how many queries it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(path)
    assert response.status_code == 200
    assert "Cookie" in response["Vary"]
    return html.unescape(response.content.decode()), len(queries)


def thanks(browser: Client, petition) -> tuple[str, int]:
    """The petition's thank-you page as *browser* gets it, and how many queries it cost."""
    return page_of(browser, thanks_path(petition))


def test_the_second_signers_thank_you_page_is_the_kept_one():
    petition = make_petition()
    make_letter_action(campaign=petition.campaign)
    first, cost = thanks(signed(petition, "one@example.org"), petition)
    assert cost > 0
    second, cost = thanks(signed(petition, "two@example.org"), petition)
    assert cost == 0
    assert NOTE in second
    assert second == first


def test_a_browser_that_carries_nothing_never_gets_the_page_kept_for_one_that_does():
    # The letter's note says the form holds what this browser typed: only true for
    # a browser that carries it (signed within the hour), not for a link opened
    # elsewhere, nor for a forged or expired cookie.
    petition = make_petition()
    make_letter_action(campaign=petition.campaign)
    assert NOTE in thanks(signed(petition, "one@example.org"), petition)[0]
    elsewhere = Client()
    page, _cost = thanks(elsewhere, petition)
    assert NOTE not in page and "Now write a letter" in page
    forged = signed(petition, "two@example.org")
    forged.cookies[CARRY_COOKIE] = forged.cookies[CARRY_COOKIE].value[:-2] + "xx"
    assert NOTE not in thanks(forged, petition)[0]
    # And the other way round: the page kept without the note is not the carrier's.
    assert NOTE in thanks(signed(petition, "three@example.org"), petition)[0]


def test_what_this_browser_did_keeps_its_own_page():
    # A browser that has pledged is offered no pledge; one that has not, is: each
    # gets the page for what it did, whichever was kept first.
    with time_machine.travel(MARCH, tick=False):
        campaign = make_campaign()
        petition = make_petition(campaign=campaign)
        pledge = make_pledge(campaign=campaign, kind=Pledge.Kind.BOYCOTT)
        pledged = Client()
        assert post_pledge(pledged, pledge).status_code == 302
        assert post_signature(pledged, petition, email="both@example.org").status_code == 302
        only_signed = signed(petition, "one@example.org")
        for _round in range(2):
            assert PLEDGE_OFFER not in thanks(pledged, petition)[0]
            assert PLEDGE_OFFER in thanks(only_signed, petition)[0]
        # A forged record of what it did counts as nothing done.
        forged = signed(petition, "two@example.org")
        forged.cookies[DONE_COOKIE] = pledged.cookies[DONE_COOKIE].value[:-2] + "xx"
        assert PLEDGE_OFFER in thanks(forged, petition)[0]


def test_an_edit_shows_on_the_next_thank_you_page():
    petition = make_petition()
    action = make_letter_action(campaign=petition.campaign)
    browser = signed(petition, "one@example.org")
    assert "Now write a letter" in thanks(browser, petition)[0]
    action.delete()
    page, cost = thanks(browser, petition)
    assert cost > 0
    assert "Now write a letter" not in page


def test_a_pledges_thank_you_page_is_kept_by_what_the_browser_did_too():
    # After a pledge the petition is offered, unless this browser signed it.
    with time_machine.travel(MARCH, tick=False):
        campaign = make_campaign()
        petition = make_petition(campaign=campaign)
        pledge = make_pledge(campaign=campaign, kind=Pledge.Kind.BOYCOTT)
        path = f"/en/c/{campaign.slug}/pledges/{pledge.pk}/thanks/"
        signed_first = signed(petition, "both@example.org")
        only_pledged = Client()
        for browser, email in ((signed_first, "both@example.org"), (only_pledged, "p@x.org")):
            assert post_pledge(browser, pledge, email=email)["Location"] == path
        for _round in range(2):
            assert "Now sign the petition" not in page_of(signed_first, path)[0]
            page, cost = page_of(only_pledged, path)
            assert "Now sign the petition" in page
        assert cost == 0


def test_the_updates_thank_you_page_is_kept():
    campaign = make_campaign()
    path = f"/en/c/{campaign.slug}/updates/thanks/"
    first, cost = page_of(Client(), path)
    assert cost > 0 and "inbox" in first
    assert page_of(Client(), path) == (first, 0)
