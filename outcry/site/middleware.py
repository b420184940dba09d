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
  adds random bytes to each compressed response on top.

Only text is compressed (HTML, CSS, JSON, feeds, calendars): images are already
compressed, and static files come compressed from WhiteNoise.
"""

from django.middleware.gzip import GZipMiddleware

from outcry.actions.nextstep import CARRY_COOKIE

COMPRESSED_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/atom+xml",
    "application/xml",
    "image/svg+xml",
)


class SafeGZipMiddleware(GZipMiddleware):
    """GZipMiddleware for anonymous visitors' text responses only (see the module's docstring)."""

    def process_response(self, request, response):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return response
        if CARRY_COOKIE in request.COOKIES:
            return response
        if not response.get("Content-Type", "").startswith(COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)
