"""Error pages: the language links on them stay on this site (security issue 8)."""

import re
from urllib.parse import urlsplit

import pytest


def language_links(response) -> list[str]:
    nav = response.content.decode().split('<nav class="languages"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]*)"', nav)


@pytest.mark.parametrize(
    "path",
    ["//evil.example/en/", "//evil.example/en/c/x/", "/\\evil.example/en/", "///evil.example/en/"],
)
def test_a_404_for_a_scheme_relative_path_links_to_no_other_site(client, db, path):
    # The test client would read "//host/" as a host: the path goes in as a server passes it.
    response = client.request(PATH_INFO=path, REQUEST_METHOD="GET")
    assert response.status_code == 404
    links = language_links(response)
    assert links
    for link in links:
        parts = urlsplit(link)
        assert link.startswith("/") and not link.startswith(("//", "/\\")), link
        assert not parts.scheme and not parts.netloc, link


def test_a_404_on_this_site_offers_the_same_path_in_the_other_language(client, db):
    response = client.get("/en/c/no-such-campaign/")
    assert response.status_code == 404
    assert "/ko/c/no-such-campaign/" in language_links(response)
