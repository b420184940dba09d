"""Public pages kept for a few seconds in each process, per language, until content changes.

A surge reads the same few pages over and over. ``public_page`` keeps a page's
rendered answer in this process's memory (the "local" cache, also with Redis:
reading a page from Redis costs more than rendering it every few seconds) under
a key made of the content version, the language and the path. The rules, so that
no visitor ever gets what was rendered for another:

- Only GET and HEAD, without a query string or with only ``?page=N``: a search
  (``?place=``, ``?country=``) is rendered for whoever asked.
- Never for a browser with a session cookie (a signed-in organiser, who may see
  more than the public) or a messages cookie: such requests are rendered afresh
  and never stored.
- Only a 200 answer that sets no cookie, varies on no header and does not say
  ``private`` or ``no-store``; only its body and headers are kept, never cookies.
  A page that reads cookies is kept only by what it shows of them (``varies_by``:
  a thank-you page's next step), and may then vary on Cookie.
- The CSRF token: rendered for the cache, ``{% csrf_token %}`` (and the campaign
  page's ``csrf_value``) writes CSRF_PLACEHOLDER, and each answer swaps in the
  visitor's own token. A view that asks for a real token itself (get_token) is
  not stored.

How stale a page can be (docs/architecture.md, "Caching"):

- Content: every save or delete of what a public page shows moves the content
  version on (site.apps, content_changed). The version is kept in the default
  cache: with Redis, shared, so every process reads the new version within
  VERSION_CHECK_SECONDS; with the local-memory cache only in the process that
  saved, and the others' copies expire within PAGE_CACHE_SECONDS. The process
  that saved serves the edit on its next request either way.
- Counters: a page is kept at most PAGE_CACHE_SECONDS after the oldest counter
  it shows was read (actions.counters reports it through shows_value_read_at), so
  a count on a cached page is never older than PAGE_CACHE_SECONDS.

PAGE_CACHE_SECONDS = 0 turns the page cache off (the tests' default).
"""

import re
import secrets
import struct
import time
import zlib
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import NamedTuple

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language, get_language_from_path

# Random per process (the pages that hold it stay in this process): no text a
# visitor or an organiser writes onto a page can ask for the reader's token.
CSRF_PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"
VERSION_KEY = "content-version"
# How long a process goes on with the content version it read from Redis: with Redis,
# how long at most another process keeps serving a page from before an edit.
VERSION_CHECK_SECONDS = 0.25
# The request attribute the context processor reads (core.context_processors.site).
RENDERING_FOR_CACHE = "outcry_for_page_cache"
# The request attribute through which public_page hands a page it kept to the front.
KEPT_FOR_FRONT = "outcry_page_kept"
# A query string a cached page may have: a page number of a list, nothing else.
PAGE_QUERY = re.compile(r"page=[0-9]{1,4}")
LONGEST_PATH = 300

# The oldest time (time.time()) at which a value shown on the page being rendered was read.
_oldest_value: ContextVar[list[float] | None] = ContextVar("outcry_oldest_value", default=None)


def is_shared() -> bool:
    """Whether the default cache is one every process sees (Redis), not this process's memory."""
    return not isinstance(caches["default"], LocMemCache)


def version() -> int:
    """The content version, read from the default cache (Redis when configured).

    This process reads it again at most every VERSION_CHECK_SECONDS: a read from
    Redis on every request cost the cached campaign page 0.28 ms of CPU, 40% more
    (docs/architecture.md, "Caching public pages"). The process that moves it on
    knows at once. It starts from the clock, not from 1: a version lost with
    Redis (evicted, flushed) never comes back as one that keys were made with.
    """
    local = caches["local"]
    known = local.get(VERSION_KEY)
    if known is None:
        known = caches["default"].get_or_set(VERSION_KEY, time.time_ns, timeout=None)
        local.set(VERSION_KEY, known, timeout=VERSION_CHECK_SECONDS)
    return known


def content_changed(*, using: str = "default", **_kwargs) -> None:
    """Move the content version on: every cached public page is read afresh.

    A signal receiver (post_save, post_delete of content; site.apps). Moved on at
    once, and again when the transaction commits: a request that rendered the old
    content between the save and the commit cannot keep it under the new version.
    """
    _next_version()
    transaction.on_commit(_next_version, using=using)


def _next_version() -> None:
    cache = caches["default"]
    try:
        moved = cache.incr(VERSION_KEY)
    except ValueError:  # not there (never read, evicted): any new number will do
        moved = time.time_ns()
        cache.set(VERSION_KEY, moved, timeout=None)
    caches["local"].set(VERSION_KEY, moved, timeout=VERSION_CHECK_SECONDS)


def shared_seconds(seconds: int) -> int:
    """*seconds* when the default cache is shared, else PAGE_CACHE_SECONDS.

    For data kept in the default cache under the content version: with the
    local-memory cache, another process's save does not move this process's
    version on, so only a short expiry bounds how stale it gets.
    """
    return seconds if is_shared() else settings.PAGE_CACHE_SECONDS


def shows_value_read_at(read_at: float) -> None:
    """Tell the page being rendered (if any) that it shows a value read at *read_at*.

    The page is then kept at most PAGE_CACHE_SECONDS after *read_at*.
    """
    oldest = _oldest_value.get()
    if oldest is not None and read_at < oldest[0]:
        oldest[0] = read_at


def public_page(
    view: Callable[..., HttpResponse], *, varies_by: Callable[[HttpRequest], str] | None = None
) -> Callable[..., HttpResponse]:
    """Serve *view*'s page from this process's cache when the rules above allow it.

    *varies_by*: for a page that reads this browser's cookies (a thank-you page's
    next step), what of them it shows, as a short string; pages are kept apart by
    it, and such a page may say ``Vary: Cookie``. The page front never answers
    these (its key has no such part), only this cache behind the middleware.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        key = _key(request, get_language())
        if key is not None and varies_by is not None:
            key = f"{key}:{varies_by(request)}"
        if key is None:
            return with_token(request, view(request, *args, **kwargs))
        local = caches["local"]
        kept = local.get(key)
        if kept is not None:
            content, headers = kept
            return with_token(request, HttpResponse(content, headers=headers))
        setattr(request, RENDERING_FOR_CACHE, True)
        asked_for_token = request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False)
        oldest = [time.time()]
        reset = _oldest_value.set(oldest)
        try:
            response = view(request, *args, **kwargs)
        finally:
            _oldest_value.reset(reset)
        seconds = settings.PAGE_CACHE_SECONDS - (time.time() - oldest[0])
        if (
            seconds > 0
            and _may_keep(response, varies=varies_by is not None)
            # The view put a real token somewhere: that page is this visitor's only.
            and request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False) == asked_for_token
        ):
            local.set(key, (response.content, dict(response.headers)), timeout=seconds)
            # For the middleware in front (site.middleware.CachedPageMiddleware), which
            # keeps it with the headers the rest of the middleware adds.
            setattr(request, KEPT_FOR_FRONT, (key, response.content, time.time() + seconds))
        return with_token(request, response)

    return wrapped


def _key(request: HttpRequest, language: str) -> str | None:
    """The cache key of this request's page in *language*, or None when it must not come
    from the cache."""
    if (
        not settings.PAGE_CACHE_SECONDS
        or request.method not in {"GET", "HEAD"}
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or CookieStorage.cookie_name in request.COOKIES
    ):
        return None
    query = request.META.get("QUERY_STRING", "")
    if query and not PAGE_QUERY.fullmatch(query):
        return None
    path = request.get_full_path()
    if len(path) > LONGEST_PATH:
        return None
    return f"page:{version()}:{language}:{path}"


def _may_keep(response: HttpResponse, *, varies: bool = False) -> bool:
    """Whether *response* may be kept; *varies*: its key covers what it reads of cookies."""
    cache_control = response.get("Cache-Control", "")
    vary = response.get("Vary", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and (not vary or (varies and vary.strip().lower() == "cookie"))
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


def with_token(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """*response* with this visitor's CSRF token in place of CSRF_PLACEHOLDER, if it has one."""
    if response.streaming or CSRF_PLACEHOLDER.encode() not in response.content:
        return response
    response.content = response.content.replace(
        CSRF_PLACEHOLDER.encode(), get_token(request).encode()
    )
    # The page now carries this visitor's CSRF token: shared caches must not keep it.
    response["Cache-Control"] = "private, no-cache"
    return response


# ---------------------------------------------------------------- in front of the middleware
#
# site.middleware.CachedPageMiddleware answers a GET for a kept page before sessions,
# the locale, CSRF checks, authentication and the URL resolver run: the answer they
# would give is kept beside the page, with the headers they add, the first time a page
# is kept. What is made again for each visitor: the CSRF token (Django's middleware
# sets its cookie), the length, and the compression.

FRONT_PREFIX = "front:"
# Headers of the kept answer that are not kept: each answer from the front sets its own
# length and encoding (an ETag, which no public page sets, would not match its bytes).
REMADE_HEADERS = frozenset({"content-length", "content-encoding", "etag"})
# RFC 1952's header: deflate, no flags, no time, no extra flags, unknown system.
GZIP_HEADER = bytes((0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF))


class FrontPage(NamedTuple):
    parts: tuple[bytes, ...]  # the page's bytes around each CSRF placeholder
    headers: dict[str, str]
    deflated: tuple[bytes, ...] | None  # each part compressed on its own; None: never


def front_key(request: HttpRequest) -> str | None:
    """The key of a GET's page before LocaleMiddleware has run (the path's language)."""
    if request.method != "GET":
        return None
    request.get_host()  # a Host not in ALLOWED_HOSTS is refused (400) as behind the front
    language = get_language_from_path(request.path_info)
    return _key(request, language) if language else None


def keep_front(request: HttpRequest, key: str, response: HttpResponse, *, compress: bool) -> None:
    """Keep *response* for the front if public_page kept its page under *key* in this request.

    Only when the middleware behind added nothing that is this visitor's: no cookie
    but the CSRF one, no Vary but Cookie (the session's and the CSRF cookie's), not
    already compressed.
    """
    kept = getattr(request, KEPT_FOR_FRONT, None)
    if kept is None or kept[0] != key:
        return
    _same_key, content, expires_at = kept
    varies = {name.strip().lower() for name in response.get("Vary", "").split(",")} - {""}
    seconds = expires_at - time.time()
    if (
        seconds <= 0
        or response.status_code != 200
        or response.streaming
        or set(response.cookies) - {settings.CSRF_COOKIE_NAME}
        or varies - {"cookie"}
        or response.has_header("Content-Encoding")
    ):
        return
    headers = {
        name: value
        for name, value in response.headers.items()
        if name.lower() not in REMADE_HEADERS
    }
    parts = tuple(content.split(CSRF_PLACEHOLDER.encode()))
    page = FrontPage(parts, headers, _deflate(parts) if compress else None)
    caches["local"].set(FRONT_PREFIX + key, page, timeout=seconds)


def front_page(key: str) -> FrontPage | None:
    return caches["local"].get(FRONT_PREFIX + key)


def front_answer(page: FrontPage, token: bytes, *, gzip: bool) -> HttpResponse:
    """*page* with *token* in each placeholder, gzip-compressed if asked and kept so."""
    gzip = gzip and page.deflated is not None
    body = _gzip(page, token) if gzip else token.join(page.parts)
    response = HttpResponse(body, headers=page.headers)
    response["Content-Length"] = str(len(body))
    if gzip:
        response["Content-Encoding"] = "gzip"
    return response


def _deflate(parts: tuple[bytes, ...]) -> tuple[bytes, ...]:
    """Each part compressed on its own: a fully flushed deflate stream refers to nothing
    before it, so the parts can be joined around blocks holding each visitor's token."""
    last = len(parts) - 1
    deflated = []
    for number, part in enumerate(parts):
        compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        end = zlib.Z_FINISH if number == last else zlib.Z_FULL_FLUSH
        deflated.append(compressor.compress(part) + compressor.flush(end))
    return tuple(deflated)


def _gzip(page: FrontPage, token: bytes) -> bytes:
    """The page as one gzip member: the kept compressed parts, the token stored between them.

    The token is stored, not compressed: nothing on the page can be guessed against it
    by the size of the answer (BREACH), and it costs no compression per visitor.
    """
    stored = zlib.compressobj(0, zlib.DEFLATED, -zlib.MAX_WBITS)
    token_blocks = stored.compress(token) + stored.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(page.parts[0])
    for part in page.parts[1:]:
        crc = zlib.crc32(part, zlib.crc32(token, crc))
    size = sum(map(len, page.parts)) + len(token) * (len(page.parts) - 1)
    trailer = struct.pack("<2I", crc, size & 0xFFFFFFFF)
    return b"".join((GZIP_HEADER, token_blocks.join(page.deflated), trailer))
