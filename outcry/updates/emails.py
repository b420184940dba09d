"""The email a "get updates" sign-up sends, rendered for the ledger (core.ledger.send_email)."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from outcry.core.ledger import Email
from outcry.core.mail import render_message
from outcry.core.models import OutgoingEmail
from outcry.supporters.personal_data import title
from outcry.updates.models import Subscription
from outcry.updates.services import CONFIRMATION_PURPOSE, confirmation_url, waiting_consents


def _emailed_within_the_hour(subscription: Subscription, *, now) -> bool:
    hour_ago = now - timedelta(hours=1)
    return (
        subscription.created_at > hour_ago
        or OutgoingEmail.objects.filter(
            idempotency_key__startswith=f"{CONFIRMATION_PURPOSE}:{subscription.pk}:",
            created_at__gt=hour_ago,
        ).exists()
    )


def confirmation_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The email about the subscription *subject_id*, or None if none is to be sent.

    Round 0 is the email sent on signing up: the link that makes the
    subscription active and confirms the consents given with it; none is sent
    once it is active. Any other round (the hour, services.current_round) is
    the email sent because the address signed up again: the link again while
    the subscription is not active, else a line saying it already is; sent only
    if neither the subscription nor an earlier email about it is less than an
    hour old. Once a ledger row is *queued* the email is sent as long as the
    subscription exists.
    """
    subscription = (
        Subscription.objects.select_related("supporter", "campaign")
        .prefetch_related("campaign__texts")
        .filter(pk=subject_id, supporter__erased_at__isnull=True)
        .first()
    )
    if subscription is None:
        return None
    again = round_ != 0
    if not queued:
        if not again and subscription.is_active:
            return None
        if again and _emailed_within_the_hour(subscription, now=timezone.now()):
            return None
    language = subscription.language
    campaign = subscription.campaign
    with translation.override(language):
        updates_path = reverse("updates:list", args=[campaign.slug])
    waiting = [organisation.name_in(language) for organisation in waiting_consents(subscription)]
    message = render_message(
        template="updates/emails/confirm",
        context={
            "subscription": subscription,
            "supporter": subscription.supporter,
            "again": again,
            "campaign_title": title(campaign, language),
            "confirm_url": confirmation_url(subscription),
            "updates_url": f"{settings.BASE_URL}{updates_path}",
            "days": settings.CONFIRMATION_MAX_AGE_DAYS,
            "organisations": ", ".join(waiting),
        },
        to=subscription.supporter.email,
        language=language,
    )
    # In the campaign's name (and its own address where the operator set one up), not the site's.
    message.from_email = campaign.sender(language)
    return Email(to=subscription.supporter.email, message=message)
