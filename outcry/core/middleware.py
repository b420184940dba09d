"""Headers every response carries, and requests no view should see."""

from functools import wraps

from django.conf import settings
from django.core.exceptions import BadRequest

from outcry.core.views import OUTAGE_ERRORS, service_unavailable


class PermissionsPolicyMiddleware:
    """Add PERMISSIONS_POLICY: no page of outcry needs a camera, location, payment, …

    First in MIDDLEWARE, so static files (served by WhiteNoise) and refusals carry it too.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.policy)
        return response


class ServiceUnavailableMiddleware:
    """Turn "the database or Redis is unreachable" in a view into a 503 page, not a 500.

    Errors raised outside views (a middleware saving the session) reach
    `core.views.server_error`, which answers the same 503.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OUTAGE_ERRORS):
            return service_unavailable(request, exception)
        return None


def allow_geolocation(view):
    """Let this view's pages ask the browser for its location ("near me", core/_near_me.html).

    Every other page keeps PERMISSIONS_POLICY's `geolocation=()`; this one allows the
    site's own origin, and nothing else changes.
    """
    policy = settings.PERMISSIONS_POLICY.replace("geolocation=()", "geolocation=(self)")

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Permissions-Policy"] = policy
        return response

    return wrapped


class RefuseNulMiddleware:
    """Answer 400 to a request with a NUL character in its path, query, cookies or headers.

    No page of outcry has a use for one, and PostgreSQL refuses NUL in text: a
    NUL reaching a query (a token in the path, an autocomplete term, a session
    cookie, the browser name django-axes records of a failed sign-in) was a 500.
    Refused here once, for every view. After SessionMiddleware and
    LocaleMiddleware (the 400 page is in the visitor's language) but before
    anything loads the session: the session cookie may be what holds the NUL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_nul(request):
            raise BadRequest("NUL character in the request")
        return self.get_response(request)


def has_nul(request) -> bool:
    """Whether a NUL character is in the path, the query, a cookie or a header."""
    # path_info and the query and form values are decoded: "%00" is a NUL here.
    if "\x00" in request.path_info:
        return True
    headers = (value for name, value in request.META.items() if name.startswith("HTTP_"))
    if any("\x00" in value for value in headers if isinstance(value, str)):
        return True
    if any("\x00" in name or "\x00" in value for name, value in request.COOKIES.items()):
        return True
    # Posted forms are left to their forms, which refuse NUL field by field
    # (Django's ProhibitNullCharactersValidator, core.text) and say which field.
    return any(
        "\x00" in name or any("\x00" in value for value in values)
        for name, values in request.GET.lists()
    )
