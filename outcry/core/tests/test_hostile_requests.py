"""Hostile paths, queries, cookies and headers get a clear 4xx or the normal page, never a 500.

Attack review (issue 10), each a 500 before: on PostgreSQL, which refuses NUL
in text, a NUL in a letter's "sent" path, in its PDF's path, in an admin
autocomplete term, in a session cookie or in the browser name django-axes
records of a failed sign-in; a sign-in name longer than axes' 255-character
column. Then every URL pattern is tried with NUL, overlong and invalid UTF-8
values in its path and query, on whichever database the suite runs on.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from outcry.testing import logged_in_client, make_admin_world

REFUSED = "We could not read that request"


@pytest.fixture
def world(db):
    return make_admin_world()


def anonymous() -> Client:
    return Client(raise_request_exception=False)


def signed_in(user) -> Client:
    client = logged_in_client(user)
    client.raise_request_exception = False
    return client


def test_a_nul_in_a_letters_paths_is_refused(world):
    slug = world["letters.letteraction"].slug
    for path in [f"/en/letters/{slug}/sent/%00/", f"/en/letters/{slug}/sent/a%00b/letter.pdf"]:
        response = anonymous().get(path)
        assert response.status_code == 400, path
        assert REFUSED in response.content.decode()


def test_a_nul_in_the_query_is_refused_in_the_visitors_language(world):
    client = signed_in(world["owner_organiser"])
    response = client.get(
        "/admin/autocomplete/",
        {"term": "\x00", "app_label": "letters", "model_name": "letteraction"}
        | {"field_name": "campaign"},
    )
    assert response.status_code == 400
    response = anonymous().get("/ko/your-data/", {"x\x00": "1"})
    assert response.status_code == 400
    assert "요청을 읽을 수 없습니다" in response.content.decode()
    # A posted form says which field holds it, in the form (as it did before).
    response = anonymous().post("/en/your-data/", {"email": "min@example.org\x00"})
    assert response.status_code == 400
    assert 'name="email"' in response.content.decode()


def test_a_nul_in_a_cookie_or_a_header_is_refused(world):
    client = anonymous()
    client.cookies["sessionid"] = "abcdefgh\x00ij"
    assert client.get("/en/").status_code == 400
    response = anonymous().post(
        "/admin/login/", {"username": "someone", "password": "x"}, HTTP_USER_AGENT="a\x00b"
    )
    assert response.status_code == 400


def test_an_overlong_sign_in_name_is_a_failed_sign_in(world):
    response = anonymous().post("/admin/login/", {"username": "u" * 300, "password": "x"})
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()


# Every URL pattern, with hostile values -----------------------------------------------------

PATH_VALUES = ["%00", "a%00b", "%ff%fe", "x" * 3000, "99999999999999999999", "-1"]
QUERY_VALUES = [
    "q=%00",
    "term=%00&app_label=%00&model_name=%00&field_name=%00",
    "%ff%fe=%c3%28",
    "q=" + "y" * 5000,
    "p=%00&o=%ff",
]


def routes(resolver=None, prefix: str = "") -> list[tuple[str, list[str]]]:
    """Every URL pattern as (route, converter names), e.g. ("letters/<slug:slug>/", ["slug"])."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        # Regex routes (the admin's app index, its catch-all) and the language
        # prefix of i18n_patterns are no RoutePattern: they are spelled out.
        route = str(entry.pattern) if isinstance(entry.pattern, RoutePattern) else _fixed(entry)
        if isinstance(entry, URLResolver):
            found += routes(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            found.append(prefix + route)
    return found


def _fixed(entry) -> str:
    text = str(entry.pattern)
    if text.startswith("^(?P<app_label>"):
        return "<app_label>/"
    if "(?P<url>" in text:
        return "<url>"
    if getattr(entry.pattern, "prefix_default_language", None) is not None:
        return "en/"  # the language prefix
    return text.strip("^$")


def hostile_paths(route: str) -> list[str]:
    """*route* with each hostile value in every converter's place; a route without one as is."""
    converter = re.compile(r"<[^>]+>")
    if not converter.search(route):
        return ["/" + route]
    return ["/" + converter.sub(value, route) for value in PATH_VALUES]


def test_every_url_pattern_answers_hostile_paths_and_queries_without_a_server_error(world):
    clients = {
        "visitor": anonymous(),
        "organiser": signed_in(world["owner_organiser"]),
        "superuser": signed_in(world["superuser"]),
    }
    failures = []
    for route in routes():
        who = ["organiser", "superuser"] if route.startswith("admin/") else ["visitor"]
        paths = hostile_paths(route)
        urls = paths + [f"{paths[0]}?{query}" for query in QUERY_VALUES]
        for name in who:
            for url in urls:
                status = clients[name].get(url).status_code
                if status >= 500:
                    failures.append(f"{name} GET {url[:120]} → {status}")
    assert failures == []
