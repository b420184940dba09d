"""What an RSVP holds about its owner: its part of a supporter's data rights.

Registered with supporters.personal_data from EventsConfig.ready.
"""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from outcry.events import rsvps
from outcry.events.models import Rsvp
from outcry.supporters.models import Supporter
from outcry.supporters.personal_data import PersonalData, title, when


def export_rsvps(supporter: Supporter) -> list[dict[str, Any]]:
    """The supporter's replies to events (no tokens)."""
    rows = (
        Rsvp.objects.filter(supporter=supporter)
        .select_related("event__campaign")
        .prefetch_related("event__texts", "event__campaign__texts")
        .order_by("created_at", "pk")
    )
    return [
        {
            "campaign": title(rsvp.event.campaign, supporter.language),
            "event": _event_title(rsvp, supporter.language),
            "date": rsvp.date.isoformat() if rsvp.date else None,
            "name": rsvp.name,
            "phone": rsvp.phone,
            "guests": rsvp.guests,
            "status": rsvp.status,
            "replied_at": when(rsvp.created_at),
            "confirmed_at": when(rsvp.confirmed_at),
            "cancelled_at": when(rsvp.cancelled_at),
            "checked_in_at": when(rsvp.checked_in_at),
        }
        for rsvp in rows
    ]


def _event_title(rsvp: Rsvp, language: str) -> str:
    text = rsvp.event.text_for(language)
    return text.title if text else f"#{rsvp.event_id}"


def erase_rsvps(supporter: Supporter, now: datetime) -> None:
    """Clear the name and phone typed; replies still to come are cancelled, their seats
    passed on to the waiting list."""
    rows = Rsvp.objects.filter(supporter=supporter)
    rows.update(name="", phone="")
    for rsvp in rows.filter(status__in=Rsvp.ACTIVE):
        rsvps.cancel(rsvp)


def replied_since(cutoff: datetime) -> QuerySet:
    return Rsvp.objects.filter(created_at__gte=cutoff)


RSVPS = PersonalData(
    key="rsvps", export=export_rsvps, erase=erase_rsvps, active_since=replied_since
)
