"""What a proposed local event holds about its host: its part of a supporter's data rights.

Registered with supporters.personal_data from EventsConfig.ready.
"""

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from outcry.events.models import Event, EventHost
from outcry.supporters.models import Supporter
from outcry.supporters.personal_data import PersonalData, title, when


def export_hosts(supporter: Supporter) -> list[dict[str, Any]]:
    """The events the supporter proposed, with what they typed about themselves (no links)."""
    language = supporter.language
    hosts = (
        EventHost.objects.filter(supporter=supporter)
        .select_related("event__campaign")
        .prefetch_related("event__texts", "event__campaign__texts")
        .order_by("created_at", "pk")
    )
    rows = []
    for host in hosts:
        event = host.event
        text = event.text_for(language)
        rows.append(
            {
                "campaign": title(event.campaign, language),
                "campaign_slug": event.campaign.slug,
                "event": text.title if text else "",
                "starts": event.local_start.isoformat(),
                "venue": event.venue,
                "address": event.address,
                "country": event.country,
                "approval": event.approval,
                "status": event.status,
                "name": host.name,
                "phone": host.phone,
                "language": host.language,
                "proposed_at": when(host.created_at),
                "confirmed_at": when(host.confirmed_at),
                "decided_at": when(host.decided_at),
            }
        )
    return rows


def erase_hosts(supporter: Supporter, now: datetime) -> None:
    """Proposals never published are deleted with their events; published events stay
    (people may be going) but lose the host's name and phone. Idempotent."""
    hosts = EventHost.objects.filter(supporter=supporter)
    Event.objects.filter(host__in=hosts).exclude(approval=Event.Approval.APPROVED).delete()
    EventHost.objects.filter(supporter=supporter).update(name="", phone="")


def hosted_since(cutoff: datetime) -> QuerySet:
    return EventHost.objects.filter(Q(created_at__gte=cutoff) | Q(confirmed_at__gte=cutoff))


EVENT_HOSTS = PersonalData(
    key="event_hosts", export=export_hosts, erase=erase_hosts, active_since=hosted_since
)
