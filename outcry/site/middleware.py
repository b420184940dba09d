"""Compress the text the site sends where that cannot leak a secret (BREACH).

BREACH recovers a secret from a compressed HTTPS response by reflecting guesses
of it in the same response and watching the size: it needs a secret that stays
the same across many responses and text of the attacker's choosing beside it.
docs/operations.md ("Compression") has the reasoning; in short, a response is
compressed only when it can hold no such secret:

- never for a signed-in user (organisers' pages hold supporters' personal data and
  echo search terms and filters from the URL);
- never when the browser sends the "carry" cookie (actions.nextstep): then forms
  are filled with the name and email it typed, beside error messages and fields
  that echo what the page was sent;
- the CSRF token every form carries is not such a secret: Django masks it afresh
  for every response, so it is never twice the same text, and GZipMiddleware
  adds random bytes to each compressed response on top; a page from the page
  cache's front (CachedPageMiddleware) carries the token uncompressed instead.

Only text is compressed (HTML, CSS, JSON, feeds, calendars): images are already
compressed, and static files come compressed from WhiteNoise.
"""

import re

from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

from outcry.actions.nextstep import CARRY_COOKIE
from outcry.core import pagecache
from outcry.core.middleware import has_nul

COMPRESSED_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/atom+xml",
    "application/xml",
    "image/svg+xml",
)


ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def compressed_for(request) -> bool:
    """Whether answers to *request* may be compressed (see the module's docstring)."""
    user = getattr(request, "user", None)  # none in front of AuthenticationMiddleware
    return (user is None or not user.is_authenticated) and CARRY_COOKIE not in request.COOKIES


def compressible(response) -> bool:
    """Whether *response* is text worth compressing (GZipMiddleware's 200 bytes at least)."""
    return response.get("Content-Type", "").startswith(COMPRESSED_TYPES) and (
        response.streaming or len(response.content) >= 200
    )


class SafeGZipMiddleware(GZipMiddleware):
    """GZipMiddleware for anonymous visitors' text responses only (see the module's docstring)."""

    def process_response(self, request, response):
        if not (compressed_for(request) and compressible(response)):
            return response
        return super().process_response(request, response)


class CachedPageMiddleware:
    """Answer a GET for a kept public page before the rest of the middleware runs.

    In a surge almost every request reads a page the cache already holds
    (core.pagecache); sessions, the locale, the CSRF check, authentication and the
    URL resolver then only cost time. Placed after SafeGZipMiddleware and before
    SessionMiddleware: everything in front of it (SecurityMiddleware, the permissions
    policy, static files, the 503 page of an outage) runs as for any request. What
    the middleware behind it adds to the kept page's answer (CSP, X-Frame-Options,
    Content-Language, Vary) is kept with it the first time
    (pagecache.keep_front), and each visitor's answer gets their own CSRF token and
    cookie through Django's CSRF middleware, as the page rendered afresh would.

    Compressed here, not by SafeGZipMiddleware: the page's parts were compressed
    once when kept, and only the token is added per answer (pagecache._gzip); the
    same rules say when (``compressed_for``, ``compressible``). The page comes from
    the front only for a visitor without a session cookie, so never for a signed-in
    organiser.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        key = pagecache.front_key(request)
        page = pagecache.front_page(key) if key is not None else None
        if page is not None and has_nul(request):
            page = None  # refused behind, in the visitor's language (RefuseNulMiddleware)
        if page is None:
            response = self.get_response(request)
            if key is not None:
                pagecache.keep_front(request, key, response, compress=compressible(response))
            return response
        token = b""
        if len(page.parts) > 1:
            self.csrf.process_request(request)
            token = get_token(request).encode()
        gzip = compressed_for(request) and bool(
            ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        )
        response = self.csrf.process_response(
            request, pagecache.front_answer(page, token, gzip=gzip)
        )
        if response.has_header("Content-Encoding"):  # as SafeGZipMiddleware would say
            patch_vary_headers(response, ("Accept-Encoding",))
        return response
