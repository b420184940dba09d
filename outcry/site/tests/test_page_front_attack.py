# ruff: noqa: F811 - the fixtures are imported from test_page_front and used as arguments
"""Attacks on the front of the page cache (site.middleware.CachedPageMiddleware): a kept page
answered before the rest of the middleware must get the answer the slow path would give,
headers included, and must not skip a refusal the middleware behind it makes."""

import re

import pytest
from django.test import Client

from outcry.site.tests.test_page_front import (  # noqa: F401 - fixtures
    cached,
    from_front,
    petition,
)
from outcry.testing import make_update

GZIP = {"accept-encoding": "gzip"}


def varies(response) -> set[str]:
    return set(re.split(r",\s*", response.get("Vary", ""))) - {""}


@pytest.mark.parametrize("asks", [{}, GZIP], ids=["identity", "gzip"])
@pytest.mark.parametrize("suffix", ["updates/", "cases/", "events/", "updates/feed/"])
def test_a_page_without_a_form_from_the_front_still_varies_on_cookie(petition, suffix, asks):
    """Rendered afresh, every public page says ``Vary: Cookie`` (the auth context processor
    reads the session, so SessionMiddleware adds it): a shared cache must not hand the
    anonymous copy to a signed-in organiser, nor the other way round. A page with no
    form (no CSRF placeholder, so no CSRF cookie either) must keep it from the front."""
    make_update(campaign=petition.campaign)
    path = f"/en/c/{petition.campaign.slug}/{suffix}"
    rendered = Client().get(path, headers=asks)
    assert rendered.status_code == 200 and not from_front(rendered)
    assert "Cookie" in varies(rendered)
    answer = Client().get(path, headers=asks)
    assert answer.status_code == 200 and from_front(answer)
    assert varies(answer) == varies(rendered)


@pytest.mark.parametrize(
    "how",
    ["user-agent", "other header", "cookie"],
)
def test_a_nul_in_a_header_or_a_cookie_is_refused_in_front_too(petition, how):
    """RefuseNulMiddleware (behind the front) answers 400 to a NUL in a header or a cookie;
    the front must not answer 200 with the kept page."""
    path = f"/en/c/{petition.campaign.slug}/"
    Client().get(path)
    assert from_front(Client().get(path))
    visitor = Client()
    headers = {}
    if how == "user-agent":
        headers = {"user-agent": "Mozilla\x00"}
    elif how == "other header":
        headers = {"x-anything": "a\x00b"}
    else:
        visitor.cookies["theme"] = "a\x00b"
    assert visitor.get(path, headers=headers).status_code == 400
