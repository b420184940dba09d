"""The email a "get updates" sign-up sends, rendered for the ledger (core.ledger.send_email)."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from outcry.core.ledger import Email, emailed_since
from outcry.core.mail import render_message
from outcry.supporters.personal_data import title
from outcry.updates.models import Subscription
from outcry.updates.services import CONFIRMATION_PURPOSE, confirmation_url, waiting_consents


def confirmation_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The email about the subscription *subject_id*, or None if none is to be sent.

    Round 0 is the email sent on signing up: the link that makes the
    subscription active and confirms the consents given with it; none is sent
    once it is active. Any other round (the hour, services.current_round) is
    the email sent because the address signed up again: the link again while
    the subscription is not active, else a line saying it already is; sent only
    if neither the subscription nor another email about it is less than an
    hour old. Those checks decide whether to write a ledger row: once one is
    *queued* the email is sent as long as the subscription exists. (The
    senders use confirmation_emails, which makes the same checks.)
    """
    subscription = _subscriptions([subject_id]).get(subject_id)
    if subscription is None:
        return None
    return _email(subscription, round_=round_, decide=not queued, now=timezone.now())


def confirmation_emails(items: list[tuple[int, int]]) -> dict[tuple[int, int], Email | None]:
    """The emails for many (subscription id, round) at once, for the mail engine's senders.

    Their ledger rows exist (written with the sign-up, whatever the hour
    rule says), so the checks confirmation_email makes before writing one
    are made here.
    """
    subscriptions = _subscriptions([subject_id for subject_id, _round in items])
    now = timezone.now()
    return {
        (subject_id, round_): None
        if (subscription := subscriptions.get(subject_id)) is None
        else _email(subscription, round_=round_, decide=True, now=now)
        for subject_id, round_ in items
    }


def _subscriptions(ids: list[int]) -> dict[int, Subscription]:
    return {
        subscription.pk: subscription
        for subscription in Subscription.objects.select_related("supporter", "campaign")
        .prefetch_related("campaign__texts")
        .filter(pk__in=ids, supporter__erased_at__isnull=True)
    }


def _email(subscription: Subscription, *, round_: int, decide: bool, now) -> Email | None:
    again = round_ != 0
    if decide:
        if not again and subscription.is_active:
            return None
        # One "again" email an hour at most: none while the subscription or another
        # email about it is less than an hour old.
        hour_ago = now - timedelta(hours=1)
        if again and (
            subscription.created_at > hour_ago
            or emailed_since(
                CONFIRMATION_PURPOSE, subscription.pk, since=hour_ago, other_than_round=round_
            )
        ):
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
