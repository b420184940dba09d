"""Site-wide views: health check and friendly error pages, and the no-store decorator."""

from collections.abc import Callable
from functools import wraps

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string


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
    # No context processors or database here: the error may be the database.
    return HttpResponse(render_to_string("500.html"), status=500)


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
