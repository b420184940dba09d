"""Sign organisers out after SESSION_IDLE_MINUTES without a request, or SESSION_HOURS in all."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import ngettext

SIGNED_IN_AT = "outcry_signed_in_at"
SEEN_AT = "outcry_seen_at"
# The last-seen time is written at most this often, not on every request: an
# idle timeout a minute late costs nothing, a session write per request does.
SEEN_RESOLUTION_SECONDS = 60


class SessionTimeoutMiddleware:
    """Enforce both timeouts for signed-in users; visitors without a session cost nothing.

    SESSION_COOKIE_AGE alone cannot do it: Django moves a session's expiry forward
    every time the session is saved, so it is neither absolute nor idle.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self.check(request)
        response = self.get_response(request)
        # The request that signs someone in starts the clock (login() replaced the
        # session and request.user in the view).
        if SIGNED_IN_AT not in request.session and request.user.is_authenticated:
            now = int(time.time())
            request.session[SIGNED_IN_AT] = request.session[SEEN_AT] = now
        return response

    def check(self, request) -> None:
        session = request.session
        now = int(time.time())
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        seen_at = session.get(SEEN_AT, now)
        if now - signed_in_at > settings.SESSION_HOURS * 3600:
            logout(request)
            hours = settings.SESSION_HOURS
            messages.info(
                request,
                ngettext(
                    "You were signed out: a session lasts %(hours)d hour at most.",
                    "You were signed out: a session lasts %(hours)d hours at most.",
                    hours,
                )
                % {"hours": hours},
            )
        elif now - seen_at > settings.SESSION_IDLE_MINUTES * 60:
            logout(request)
            minutes = settings.SESSION_IDLE_MINUTES
            messages.info(
                request,
                ngettext(
                    "You were signed out after %(minutes)d minute without activity.",
                    "You were signed out after %(minutes)d minutes without activity.",
                    minutes,
                )
                % {"minutes": minutes},
            )
        elif SEEN_AT not in session or now - seen_at >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_AT] = now
