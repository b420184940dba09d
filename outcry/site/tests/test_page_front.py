"""A kept public page answered in front of the middleware (site.middleware.CachedPageMiddleware):
the same answer as the page rendered afresh, each visitor's own token and cookie, a gzip
any browser reads, and never for a request the cache must not serve."""

import gzip
import re
import zlib

import pytest
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from outcry.actions.nextstep import CARRY_COOKIE
from outcry.core import pagecache
from outcry.testing import logged_in_client, make_organiser, make_petition, sign_form

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')
GZIP = {"accept-encoding": "gzip, deflate, br, zstd"}
# Made for each answer whichever way it is made.
PER_ANSWER = {"Date", "Content-Length", "Set-Cookie"}


@pytest.fixture(autouse=True)
def cached(settings, db):
    settings.PAGE_CACHE_SECONDS = 3


@pytest.fixture
def petition():
    return make_petition()


def from_front(response) -> bool:
    """Whether the answer came from the front: the middleware behind it never ran."""
    return not hasattr(response.wsgi_request, "session")


def body(response) -> str:
    content = response.content
    if response.get("Content-Encoding") == "gzip":
        content = gzip.decompress(content)
    return content.decode()


def headers(response) -> dict:
    return {name: value for name, value in response.headers.items() if name not in PER_ANSWER}


def token_of(response, client: Client) -> str:
    """The page's one CSRF token, checked to be *client*'s own."""
    [token] = set(TOKEN.findall(body(response)))
    assert _unmask_cipher_token(token) == client.cookies["csrftoken"].value
    return token


@pytest.mark.parametrize(
    "asks",
    [{}, GZIP, {"accept-encoding": "identity"}],
    ids=["no encoding", "gzip", "identity"],
)
def test_the_front_answers_as_the_page_rendered_afresh_does(petition, asks):
    path = f"/en/c/{petition.campaign.slug}/"
    rendered = Client().get(path, headers=asks)
    assert rendered.status_code == 200 and not from_front(rendered)
    visitor = Client()
    with CaptureQueriesContext(connection) as queries:
        answer = visitor.get(path, headers=asks)
    assert answer.status_code == 200 and from_front(answer)
    assert len(queries) == 0
    assert headers(answer) == headers(rendered)
    assert int(answer["Content-Length"]) == len(answer.content)
    assert answer.cookies["csrftoken"]["samesite"] == rendered.cookies["csrftoken"]["samesite"]
    token = token_of(answer, visitor)
    # The same page, but for the token.
    assert body(answer) == TOKEN.sub(f'name="csrfmiddlewaretoken" value="{token}"', body(rendered))
    assert pagecache.CSRF_PLACEHOLDER not in body(answer)


def test_the_fronts_gzip_is_one_whole_stream_each_visitor_with_their_own_token(petition):
    path = f"/en/c/{petition.campaign.slug}/"
    Client().get(path)
    tokens = set()
    for _ in range(3):
        visitor = Client()
        answer = visitor.get(path, headers=GZIP)
        assert from_front(answer)
        assert answer["Content-Encoding"] == "gzip"
        assert set(re.split(r",\s*", answer["Vary"])) == {"Cookie", "Accept-Encoding"}
        assert "private" in answer["Cache-Control"]
        # One gzip member read to its end by a strict inflater, nothing after it.
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        html = inflater.decompress(answer.content)
        assert inflater.eof and not inflater.unused_data
        assert html == gzip.decompress(answer.content)
        assert len(answer.content) < len(html) / 2
        tokens.add(token_of(answer, visitor))
    assert len(tokens) == 3


def test_a_visitor_with_a_cookie_keeps_it_and_their_form_from_the_front_signs(petition):
    path = f"/en/c/{petition.campaign.slug}/"
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(path)
    secret = visitor.cookies["csrftoken"].value
    answer = visitor.get(path, headers=GZIP)
    assert from_front(answer)
    assert visitor.cookies["csrftoken"].value == secret
    token = token_of(answer, visitor)
    signed = visitor.post(
        f"/en/petitions/{petition.slug}/sign/", sign_form() | {"csrfmiddlewaretoken": token}
    )
    assert signed.status_code == 302


def test_a_broken_csrf_cookie_gets_a_new_one_from_the_front(petition):
    path = f"/en/c/{petition.campaign.slug}/"
    Client().get(path)
    visitor = Client()
    visitor.cookies["csrftoken"] = "not a token"
    answer = visitor.get(path)
    assert from_front(answer)
    assert visitor.cookies["csrftoken"].value != "not a token"
    token_of(answer, visitor)


def test_a_browser_that_carries_what_it_typed_gets_the_page_uncompressed(petition):
    path = f"/en/c/{petition.campaign.slug}/"
    Client().get(path)
    visitor = Client()
    visitor.cookies[CARRY_COOKIE] = "anything"
    answer = visitor.get(path, headers=GZIP)
    assert from_front(answer)
    assert not answer.has_header("Content-Encoding")
    assert "Sign the petition" in body(answer)


def test_the_front_never_answers_an_organiser_a_head_a_post_or_a_search(petition):
    campaign = petition.campaign
    path = f"/en/c/{campaign.slug}/"
    Client().get(path)
    assert from_front(Client().get(path))
    organiser = logged_in_client(make_organiser(organisation=campaign.lead_organisation))
    assert not from_front(organiser.get(path, headers=GZIP))
    assert not from_front(Client().head(path))
    assert not from_front(Client().post(path))
    updates = f"/en/c/{campaign.slug}/updates/"
    for query in ("", "?page=1"):
        Client().get(updates + query)
        assert from_front(Client().get(updates + query))
    for query in ("?page=1&x=1", "?country=KR"):
        Client().get(updates + query)
        assert not from_front(Client().get(updates + query))


def test_an_edit_is_shown_by_the_front_on_the_next_request(petition):
    campaign = petition.campaign
    path = f"/en/c/{campaign.slug}/"
    Client().get(path)
    text = campaign.texts.get(language="en")
    text.title = "Free them before the deadline"
    text.save()
    answer = Client().get(path)
    assert not from_front(answer)
    assert "Free them before the deadline" in body(answer)
    assert from_front(Client().get(path))


@pytest.mark.parametrize(
    "added",
    [
        ("cookie", "sessionid"),
        ("vary", "Accept-Language"),
        ("encoding", "gzip"),
        ("status", 203),
    ],
)
def test_an_answer_the_middleware_made_for_one_visitor_is_not_kept_in_front(added):
    request = RequestFactory().get("/en/c/x/")
    key = pagecache.front_key(request)
    setattr(request, pagecache.KEPT_FOR_FRONT, (key, b"<p>page</p>", 10**10))
    response = HttpResponse(b"<p>page</p>")
    what, value = added
    if what == "cookie":
        response.set_cookie(value, "someone")
    elif what == "vary":
        response["Vary"] = value
    elif what == "encoding":
        response["Content-Encoding"] = value
    else:
        response.status_code = value
    pagecache.keep_front(request, key, response, compress=True)
    assert pagecache.front_page(key) is None
    # The same answer without it is kept.
    pagecache.keep_front(request, key, HttpResponse(b"<p>page</p>"), compress=True)
    assert pagecache.front_page(key) is not None


def test_a_host_the_site_does_not_serve_is_refused_in_front_too(petition):
    path = f"/en/c/{petition.campaign.slug}/"
    Client().get(path)
    assert from_front(Client().get(path))
    assert Client().get(path, headers={"host": "evil.example"}).status_code == 400
