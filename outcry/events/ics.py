"""Calendar files (RFC 5545, built with ``icalendar``) and "add to calendar" links for events.

One builder for the three kinds of file: an event's own ``.ics`` and the
subscribable feeds of a campaign and of a day of action. Each event is one
VEVENT on its own clock (DTSTART;TZID=…, with the zone's VTIMEZONE in the
file), its repetition as its RRULE (always with an end: see recurrence.py)
and its cancelled dates as EXDATEs, so a calendar program shows every
occurrence where the event happens. A cancelled event stays in the feed with
STATUS:CANCELLED, so subscribers see it go.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, vRecur
from icalendar import Event as VEvent

from outcry.events.models import Event

PRODUCT = "-//outcry//events//EN"
# How a feed asks subscribers' programs to refresh it (RFC 7986 REFRESH-INTERVAL and the
# older X-PUBLISHED-TTL): twice a day is enough for a vigil's news.
REFRESH = timedelta(hours=12)


def event_url(event: Event) -> str:
    return f"{settings.BASE_URL}{reverse('events:detail', args=[event.campaign.slug, event.pk])}"


def uid(event: Event) -> str:
    """Stable across edits, so a changed event replaces itself in a subscriber's calendar."""
    return f"event-{event.pk}@{urlsplit(settings.BASE_URL).hostname or 'outcry'}"


def location(event: Event) -> str:
    return ", ".join(part for part in (event.venue, event.address) if part)


def description(event: Event, language: str) -> str:
    """The event's description, then directions, accessibility, contact and its page."""
    text = event.text_for(language)
    parts = [text.description if text else ""]
    if event.directions:
        parts.append(event.directions)
    if event.accessibility:
        parts.append(event.accessibility)
    if event.contact:
        parts.append(event.contact)
    parts.append(event_url(event))
    return "\n\n".join(part.strip() for part in parts if part.strip())


def vevent(event: Event, language: str) -> VEvent:
    text = event.text_for(language)
    component = VEvent()
    component.add("uid", uid(event))
    component.add("dtstamp", event.updated_at.astimezone(UTC))
    component.add("last-modified", event.updated_at.astimezone(UTC))
    component.add("created", event.created_at.astimezone(UTC))
    component.add("dtstart", event.local_start)
    component.add("dtend", event.local_end)
    component.add("summary", text.title if text else "")
    component.add("description", description(event, language))
    component.add("location", location(event))
    if event.latitude is not None and event.longitude is not None:
        component.add("geo", (float(event.latitude), float(event.longitude)))
    component.add("url", event_url(event))
    component.add("sequence", event.sequence)
    component.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    component.add("transp", "OPAQUE")
    if event.recurrence:
        component.add("rrule", vRecur.from_ical(event.recurrence))
        cancelled = sorted(event.cancelled)
        if cancelled:
            zone = event.zone
            component.add(
                "exdate",
                [datetime.combine(day, event.starts_at, tzinfo=zone) for day in cancelled],
            )
    return component


def calendar(events: list[Event], *, name: str, language: str, feed: bool) -> bytes:
    """One VCALENDAR holding *events*, with a VTIMEZONE for each of their zones."""
    document = Calendar()
    document.add("prodid", PRODUCT)
    document.add("version", "2.0")
    document.add("calscale", "GREGORIAN")
    document.add("method", "PUBLISH")
    document.add("x-wr-calname", name)
    document.add("name", name)
    if feed:
        document.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        document.add("x-published-ttl", REFRESH)
    for event in events:
        document.add_component(vevent(event, language))
    if events:
        first = min(event.starts_on for event in events) - timedelta(days=1)
        last = max(event.last_end_utc for event in events).date() + timedelta(days=1)
        document.add_missing_timezones(first_date=first, last_date=last)
    return document.to_ical()


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def google_link(event: Event, language: str, occurrence) -> str:
    """Google Calendar's "create event" page, filled in (a plain link; nothing is loaded)."""
    text = event.text_for(language)
    query = {
        "action": "TEMPLATE",
        "text": text.title if text else "",
        "dates": f"{_utc_stamp(occurrence.start)}/{_utc_stamp(occurrence.end)}",
        "ctz": event.time_zone,
        "details": description(event, language),
        "location": location(event),
    }
    # The repetition goes along when it reads the same from this occurrence on (an
    # UNTIL, not a COUNT from the first day); cancelled dates only the .ics carries.
    if event.recurrence and (
        occurrence.start == event.first_start_utc or "COUNT=" not in event.recurrence
    ):
        query["recur"] = f"RRULE:{event.recurrence}"
    return f"https://calendar.google.com/calendar/render?{urlencode(query)}"


def outlook_link(event: Event, language: str, occurrence) -> str:
    """Outlook on the web's compose page for one occurrence (it takes no repetition)."""
    text = event.text_for(language)
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": text.title if text else "",
        "startdt": occurrence.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "enddt": occurrence.end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "body": description(event, language),
        "location": location(event),
    }
    return f"https://outlook.live.com/calendar/0/deeplink/compose?{urlencode(query)}"
