"""Site-wide views: health check and friendly error pages, and the no-store decorator."""

import logging
import sys
import time
from collections.abc import Callable
from functools import wraps

import redis.exceptions
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger("outcry.outage")

# What the database (Django wraps the driver's errors in these) and Redis (the cache,
# rate limits and cached sessions, through redis-py) raise when they cannot be reached.
# SQLite's "database is locked" after its timeout is an OperationalError too: an
# overloaded site, which the same page describes honestly.
OUTAGE_ERRORS = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
RETRY_AFTER_SECONDS = 30
LOG_EVERY_SECONDS = 60.0
_outage_log = {"logged_at": float("-inf"), "since": 0}


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Explain an expired or missing form token in the visitor's language."""
    return render(request, "csrf_failure.html", status=403)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "400.html", status=400)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block, so the error is still at hand: an
    # outage raised outside a view (saving the session in a middleware) gets the 503 too.
    error = sys.exc_info()[1]
    if isinstance(error, OUTAGE_ERRORS):
        return service_unavailable(request, error)
    # No context processors or database here: the error may be the database.
    return HttpResponse(render_to_string("500.html"), status=500)


def service_unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
    """Answer 503 in the language of the URL when the database or Redis is unreachable.

    Rendered without the request context, the database or the cache (they are what
    failed), so it cannot fail the same way. Logged once a minute with a count of the
    requests refused since, not once per request: an outage under load would otherwise
    bury the log.
    """
    now = time.monotonic()
    _outage_log["since"] += 1
    if now - _outage_log["logged_at"] >= LOG_EVERY_SECONDS:
        logger.error(
            "Database or Redis unreachable, answering 503 (%d requests in the last minute): %s: %s",
            _outage_log["since"],
            type(error).__name__,
            error,
        )
        _outage_log.update(logged_at=now, since=0)
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        # Views save within one transaction, so a post that ends here saved nothing.
        page = render_to_string("503.html", {"saved_nothing": request.method == "POST"})
    response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = language
    response._has_been_logged = True  # logged above, once per burst: not by django.request
    return response


def private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark every response of *view* ``Cache-Control: private, no-store``.

    For pages that show a supporter's own name, letter or signature: no shared
    cache (a proxy, a CDN) and no browser history on a shared computer may keep them.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapped
