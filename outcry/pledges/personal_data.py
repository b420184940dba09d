"""What a commitment holds about its owner: its part of a supporter's data rights.

Registered with supporters.personal_data from PledgesConfig.ready.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from outcry.actions import counters
from outcry.pledges.models import Commitment, counter_key
from outcry.supporters.models import Supporter
from outcry.supporters.personal_data import PersonalData, title, when


def export_commitments(supporter: Supporter) -> list[dict[str, Any]]:
    """The supporter's pledges with their day, time and zone (no tokens)."""
    rows = (
        Commitment.objects.filter(supporter=supporter)
        .select_related("pledge__campaign")
        .prefetch_related("pledge__texts", "pledge__campaign__texts")
        .order_by("created_at", "pk")
    )
    language = supporter.language
    return [
        {
            "campaign": title(commitment.pledge.campaign, language),
            "pledge": _pledge_title(commitment, language),
            "kind": commitment.pledge.kind,
            "name": commitment.name,
            "day": commitment.day_on.isoformat() if commitment.day_on else None,
            "time": commitment.local_time.strftime("%H:%M") if commitment.local_time else None,
            "time_zone": commitment.time_zone,
            "wants_reminders": commitment.wants_reminders,
            "pledged_at": when(commitment.created_at),
            "confirmed_at": when(commitment.confirmed_at),
            "reminders_stopped_at": when(commitment.reminders_stopped_at),
        }
        for commitment in rows
    ]


def _pledge_title(commitment: Commitment, language: str) -> str:
    text = commitment.pledge.text_for(language)
    return text.title if text else f"#{commitment.pledge_id}"


def erase_commitments(supporter: Supporter, now: datetime) -> None:
    """Delete the supporter's commitments (their day, time and zone say where and how they
    live) and take the confirmed ones off the public counters; no reminder goes out after."""
    rows = Commitment.objects.filter(supporter=supporter)
    counted = rows.filter(confirmed_at__isnull=False).values("pledge_id").annotate(n=Count("pk"))
    keys = []
    for row in counted:
        key = counter_key(row["pledge_id"])
        counters.add(key, -row["n"])
        keys.append(key)
    rows.delete()
    for key in keys:
        transaction.on_commit(lambda key=key: counters.forget(key))


def pledged_since(cutoff: datetime) -> QuerySet:
    return Commitment.objects.filter(Q(created_at__gte=cutoff) | Q(confirmed_at__gte=cutoff))


COMMITMENTS = PersonalData(
    key="commitments",
    export=export_commitments,
    erase=erase_commitments,
    active_since=pledged_since,
)
