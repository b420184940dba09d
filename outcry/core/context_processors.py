from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.translation import get_language, get_language_info

from outcry.core import pagecache


def is_local_path(url: str) -> bool:
    """True if *url* is a path on this site: not absolute, not scheme-relative ("//host/")."""
    parts = urlsplit(url)
    return (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and not parts.scheme
        and not parts.netloc
    )


def language_url(request: HttpRequest, code: str) -> str:
    """This page in language *code*, or that language's home page.

    The path comes from the request, so it is whatever the visitor (or a link
    someone sent them) asked for: a 404 for "//evil.example/en/" must not offer
    "//evil.example/ko/", which a browser reads as another site.
    """
    path = request.get_full_path()
    if is_local_path(path):
        url = translate_url(path, code)
        if is_local_path(url):
            return url
    with translation.override(code):
        return reverse("campaigns:home")


def site(request: HttpRequest) -> dict:
    """Links to this page in each interface language, for the switcher in base.html.

    A page rendered for the public page cache (core.pagecache) gets a placeholder
    for ``{% csrf_token %}``, swapped for each visitor's own token as it is served.
    """
    current = get_language()
    placeholder = (
        {"csrf_token": pagecache.CSRF_PLACEHOLDER}
        if getattr(request, pagecache.RENDERING_FOR_CACHE, False)
        else {}
    )
    return placeholder | {
        "language_links": [
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": language_url(request, code),
                "current": code == current,
            }
            for code, _name in settings.LANGUAGES
        ]
    }
