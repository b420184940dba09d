"""What a subscription to updates holds about its subscriber: its part of their data rights.

Registered with supporters.personal_data from UpdatesConfig.ready.
"""

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from outcry.supporters.models import Supporter
from outcry.supporters.personal_data import PersonalData, title, when
from outcry.updates.models import Subscription


def export_subscriptions(supporter: Supporter) -> list[dict[str, Any]]:
    """The campaigns whose updates the supporter asked for, with the state of each (no tokens)."""
    subscriptions = (
        Subscription.objects.filter(supporter=supporter)
        .select_related("campaign")
        .prefetch_related("campaign__texts")
        .order_by("created_at", "pk")
    )
    return [
        {
            "campaign": title(subscription.campaign, supporter.language),
            "campaign_slug": subscription.campaign.slug,
            "status": subscription.status,
            "language": subscription.language,
            "subscribed_at": when(subscription.created_at),
            "confirmed_at": when(subscription.confirmed_at),
            "unsubscribed_at": when(subscription.unsubscribed_at),
        }
        for subscription in subscriptions
    ]


def erase_subscriptions(supporter: Supporter, now: datetime) -> None:
    """Delete the supporter's subscriptions: nothing is counted from them, and an erased
    address can receive nothing (the consents given with them are supporters' to erase)."""
    Subscription.objects.filter(supporter=supporter).delete()


def subscribed_since(cutoff: datetime) -> QuerySet:
    return Subscription.objects.filter(Q(created_at__gte=cutoff) | Q(confirmed_at__gte=cutoff))


SUBSCRIPTIONS = PersonalData(
    key="subscriptions",
    export=export_subscriptions,
    erase=erase_subscriptions,
    active_since=subscribed_since,
)
