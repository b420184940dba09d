"""The email provider's tracking webhook: bounces, complaints and deliveries (supporters.mailbox).

One URL, ``/mail/events/<provider>/``, answers only for the provider named in
OUTCRY_MAIL_EVENTS_PROVIDER (404 for any other). anymail's view for that
provider checks the request (the provider's signature, or the shared secret of
HTTP basic auth: settings refuse to start without one of them), parses it and
sends the ``tracking`` signal that ``mailbox.on_tracking`` receives.
"""

import hashlib
import json
import logging
import math
import time

from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.mailjet import MailjetTrackingWebhookView
from anymail.webhooks.postal import PostalTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from anymail.webhooks.sparkpost import SparkPostTrackingWebhookView
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt

from outcry.core import ratelimit

logger = logging.getLogger("outcry.supporters")

VIEWS = {
    "brevo": BrevoTrackingWebhookView,
    "mailgun": MailgunTrackingWebhookView,
    "mailjet": MailjetTrackingWebhookView,
    "postal": PostalTrackingWebhookView,
    "postmark": PostmarkTrackingWebhookView,
    "sendgrid": SendGridTrackingWebhookView,
    "sparkpost": SparkPostTrackingWebhookView,
}


# Mailgun signs only a timestamp and a token, not the event: a signature seen once (in a
# log, a proxy) would otherwise vouch for any event about anyone, forever.
MAILGUN_MAX_AGE_SECONDS = 300


def _fresh_mailgun_signature(request: HttpRequest) -> bool:
    """Whether the request's signature is recent and its token not seen before.

    anymail checks that the signature is Mailgun's; this refuses one older than
    five minutes or used twice (tokens are remembered for ten, where every
    process sees them: in the rate-limit store).
    """
    try:
        if request.content_type == "application/json":
            block = json.loads(request.body.decode("utf-8"))["signature"]
            token, timestamp = str(block["token"]), float(block["timestamp"])
        else:
            token, timestamp = request.POST["token"], float(request.POST["timestamp"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError):
        # RecursionError: JSON nested deeper than the parser goes, from anyone.
        return False
    if not math.isfinite(timestamp) or abs(time.time() - timestamp) > MAILGUN_MAX_AGE_SECONDS:
        return False
    if not token:
        return False
    digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
    window = 2 * MAILGUN_MAX_AGE_SECONDS
    if settings.RATELIMIT_ENABLED:
        # The rate-limit store is shared by every process (the database, or Redis); the
        # default cache is not without Redis, and serve starts several web workers.
        return ratelimit.hit(bucket="mailgun-token", key=digest, window=window) == 1
    return cache.add(f"mailgun-token:{digest}", 1, timeout=window)


@csrf_exempt  # the provider's server posts here; anymail's view checks who it is
def mail_events(request: HttpRequest, provider: str) -> HttpResponse:
    if not provider or provider != settings.MAIL_EVENTS_PROVIDER or provider not in VIEWS:
        raise Http404("no such provider")
    if provider == "mailgun" and not _fresh_mailgun_signature(request):
        return HttpResponseBadRequest("stale or repeated signature")
    try:
        return VIEWS[provider].as_view()(request)
    except (
        TypeError,
        KeyError,
        ValueError,
        AttributeError,
        OverflowError,
        RecursionError,
    ) as problem:
        # A body shaped unlike the provider's (anymail reads fields before it can check
        # them): whoever sent it gets a 400, not a server error, and nothing changed.
        logger.warning("Malformed %s webhook body refused: %r", provider, problem)
        return HttpResponseBadRequest("malformed body")
