"""Compression: anonymous visitors' pages are gzipped; nothing that could leak a secret is."""

import gzip

from outcry.actions.nextstep import CARRY_COOKIE
from outcry.testing import logged_in_client, make_organiser, make_petition

GZIP = {"accept-encoding": "gzip, deflate, br"}


def test_the_campaign_page_is_compressed_for_an_anonymous_visitor(client, db):
    petition = make_petition()
    response = client.get(f"/en/c/{petition.campaign.slug}/", headers=GZIP)
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert "Sign the petition" in html
    assert len(response.content) < len(html.encode()) / 2


def test_a_signed_in_organiser_gets_pages_uncompressed(db):
    petition = make_petition()
    organiser = logged_in_client(make_organiser(organisation=petition.campaign.lead_organisation))
    for path in [f"/en/c/{petition.campaign.slug}/", "/admin/"]:
        response = organiser.get(path, headers=GZIP)
        assert response.status_code == 200
        assert not response.has_header("Content-Encoding")


def test_a_page_that_fills_in_what_this_browser_typed_is_not_compressed(client, db):
    petition = make_petition()
    client.cookies[CARRY_COOKIE] = "anything"
    response = client.get(f"/en/c/{petition.campaign.slug}/", headers=GZIP)
    assert not response.has_header("Content-Encoding")
