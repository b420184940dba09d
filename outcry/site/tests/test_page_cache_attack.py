"""Attacks on the page cache (core.pagecache): whoever renders a page first, the next
visitor gets the public page with their own token, never the first one's state."""

import re

import pytest
from django.core.cache import caches
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from outcry.core import pagecache
from outcry.testing import make_petition, post_signature

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


@pytest.fixture(autouse=True)
def cached(settings, db):
    settings.PAGE_CACHE_SECONDS = 3


@pytest.fixture
def petition():
    return make_petition()


def own_token(visitor: Client, html: str) -> bool:
    tokens = set(TOKEN.findall(html))
    return len(tokens) == 1 and _unmask_cipher_token(tokens.pop()) == (
        visitor.cookies["csrftoken"].value
    )


def test_a_signer_rendering_the_page_first_leaves_nothing_of_theirs_in_it(petition):
    path = f"/en/c/{petition.campaign.slug}/"
    signer = Client()
    # Refused first (the form comes back with its errors, the name typed), then taken:
    # the browser now holds the carry cookie with the name and address typed.
    assert (
        post_signature(signer, petition, email="not an address", name="Secret Name").status_code
        == 400
    )
    assert (
        post_signature(signer, petition, email="secret@example.org", name="Secret Name").status_code
        == 302
    )
    assert "outcry_carry" in signer.cookies
    first = signer.get(path)
    assert own_token(signer, first.content.decode())
    for visitor in (Client(), Client(HTTP_ACCEPT_LANGUAGE="ko")):
        html = visitor.get(path).content.decode()
        assert "Secret Name" not in html and "secret@example.org" not in html
        assert "not an address" not in html
        assert pagecache.CSRF_PLACEHOLDER not in html
        assert own_token(visitor, html)
        assert 'lang="en"' in html


def test_a_head_or_a_bad_csrf_cookie_first_gives_the_next_visitor_a_whole_page(petition):
    path = f"/en/c/{petition.campaign.slug}/"
    assert Client().head(path).status_code == 200
    broken = Client()
    broken.cookies["csrftoken"] = "not-a-token"
    assert own_token(broken, broken.get(path).content.decode())
    visitor = Client()
    html = visitor.get(path).content.decode()
    assert own_token(visitor, html)
    assert 'action="/en/petitions/' in html


def test_any_number_of_page_numbers_keeps_a_bounded_number_of_pages(petition, client):
    local = caches["local"]
    local.clear()
    path = f"/en/petitions/{petition.slug}/signers/"
    for number in range(400):
        assert client.get(f"{path}?page={number:04d}").status_code == 200
    # Each kept (an out-of-range number shows the last page), and the oldest dropped.
    assert 100 < len(local._cache) <= local._max_entries == 300
