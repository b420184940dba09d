"""What an event's organisers see of its replies: counts per date, and the attendee export.

Counts are of people (each RSVP and its guests) and name nobody, so every
organisation of the campaign may read them. A person's details (name, email,
phone) are exported only to the event's own organisation, and only for
attendees with an active consent to it (``Consent.objects.active()``); the
others are counted, never listed. The admin views in admin_attendance.py
check that the organiser is in the event's organisation before calling here.

Seats are counted as ``rsvps.seats`` counts them (a confirmed RSVP, or one
whose hold has not run out, takes ``1 + guests``), from one query for a whole
page of events, never one per row.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from outcry.core.audit import record_event
from outcry.core.spreadsheet import csv_chunks
from outcry.events.models import Event, Rsvp
from outcry.supporters.models import Consent

EXPORT_ACTION = "export-attendees"
# Dates shown in an event's breakdown (the same horizon a reply may choose from, and today).
DATES_SHOWN = 15

_PEOPLE = F("guests") + 1
_CONFIRMED = Q(confirmed_at__isnull=False)


@dataclass(frozen=True)
class DateCount:
    """People going (confirmed), waiting, and places left on one date (None: a single event)."""

    day: date | None
    going: int
    waiting: int
    places_left: int | None


def _tallies(events: list[Event], now: datetime) -> dict[tuple[int, date | None], dict]:
    """People going, holding a seat and waiting, by (event, date): one query for all *events*."""
    # A day before today in UTC covers today in every time zone.
    earliest = (now - timedelta(days=1)).date()
    rows = (
        Rsvp.objects.filter(
            event__in=[event.pk for event in events],
            status__in=[Rsvp.Status.GOING, Rsvp.Status.WAITING],
        )
        .filter(Q(date__isnull=True) | Q(date__gte=earliest))
        .values("event_id", "date")
        .annotate(
            going=Sum(_PEOPLE, filter=Q(status=Rsvp.Status.GOING) & _CONFIRMED, default=0),
            holding=Sum(
                _PEOPLE,
                filter=Q(status=Rsvp.Status.GOING) & (_CONFIRMED | Q(hold_until__gt=now)),
                default=0,
            ),
            waiting=Sum(_PEOPLE, filter=Q(status=Rsvp.Status.WAITING), default=0),
        )
        .order_by()
    )
    return {(row["event_id"], row["date"]): row for row in rows}


def _count(event: Event, day: date | None, tallies: dict) -> DateCount:
    """*day*'s counts: its own RSVPs and the every-date ones (a single event has only those)."""
    empty = {"going": 0, "holding": 0, "waiting": 0}
    standing = tallies.get((event.pk, None), empty)
    dated = tallies.get((event.pk, day), empty) if day is not None else empty
    places_left = None
    if event.capacity is not None:
        places_left = max(event.capacity - standing["holding"] - dated["holding"], 0)
    return DateCount(
        day=day,
        going=standing["going"] + dated["going"],
        waiting=standing["waiting"] + dated["waiting"],
        places_left=places_left,
    )


def next_date(event: Event, now: datetime) -> date | None:
    """The date an event's list shows: the next occurrence not over yet (None if none)."""
    upcoming = event.next_occurrences(1, now)
    return upcoming[0].local_date if upcoming else None


def attach_counts(events: Iterable[Event], now: datetime | None = None) -> list[Event]:
    """Give each event ``rsvp_count``: a DateCount for its next date (one query in all).

    A single event counts all its RSVPs; a recurring one those of its next
    occurrence and the every-date ones; one with nothing to come gets None.
    """
    now = now or timezone.now()
    events = list(events)
    tallies = _tallies(events, now)
    for event in events:
        if not event.is_recurring:
            event.rsvp_count = _count(event, None, tallies)
        else:
            day = next_date(event, now)
            event.rsvp_count = _count(event, day, tallies) if day else None
    return events


def dates_of(event: Event, now: datetime | None = None) -> list[DateCount]:
    """Counts for each coming date of *event* (today's first if it is on), or its only one."""
    now = now or timezone.now()
    tallies = _tallies([event], now)
    if not event.is_recurring:
        return [_count(event, None, tallies)]
    return [
        _count(event, occurrence.local_date, tallies)
        for occurrence in event.next_occurrences(DATES_SHOWN, now)
    ]


# --- who may be named ----------------------------------------------------------------------


def consented(event: Event) -> Exists:
    """Whether an RSVP's supporter has an active consent to the event's organisation."""
    return Exists(
        Consent.objects.active().filter(
            supporter=OuterRef("supporter_id"), organisation=event.organisation_id
        )
    )


def attendees(event: Event, day: date | None = None):
    """*event*'s RSVPs going or waiting (on *day* and every date, if given), each with
    ``is_shared``: whether its owner consented to the event's organisation."""
    rows = Rsvp.objects.filter(
        event=event, status__in=[Rsvp.Status.GOING, Rsvp.Status.WAITING]
    ).annotate(is_shared=consented(event))
    if day is not None:
        rows = rows.filter(Q(date__isnull=True) | Q(date=day))
    return rows


# --- the export ----------------------------------------------------------------------------


def export_header() -> list[str]:
    return [
        gettext("date"),
        gettext("name"),
        gettext("email"),
        gettext("phone"),
        gettext("guests"),
        gettext("status"),
        gettext("confirmed at (UTC)"),
        gettext("checked in at (UTC)"),
    ]


def export_filename(event: Event, day: date | None) -> str:
    suffix = f"-{day.isoformat()}" if day else ""
    return f"attendees-event-{event.pk}{suffix}-{timezone.now():%Y-%m-%d}.csv"


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def not_shared_sentence(count: int) -> str:
    return ngettext(
        "%(count)s more attendee did not consent to share their details with you.",
        "%(count)s more attendees did not consent to share their details with you.",
        count,
    ) % {"count": count}


def export_attendees(*, event: Event, day: date | None, user) -> Iterator[str]:
    """Record that *user* exports *event*'s attendees, and return the CSV text in chunks.

    Rows are the RSVPs going or on the waiting list (of *day* and every date,
    if given) whose owner has an active consent to the event's organisation;
    a last row counts the others. The audit row is written before the first
    chunk. The caller has checked that *user* organises for the event's
    organisation.
    """
    rows = attendees(event, day)
    shared = rows.filter(is_shared=True)
    hidden_count = rows.filter(is_shared=False).count()
    record_event(
        actor=user,
        action=EXPORT_ACTION,
        object_repr=str(event),
        organisation=event.organisation,
        details={
            "event_id": event.pk,
            "campaign_slug": event.campaign.slug,
            "date": day.isoformat() if day else None,
            "row_count": shared.count(),
            "not_shared_count": hidden_count,
        },
    )
    every_date = gettext("every date")
    statuses = dict(Rsvp.Status.choices)

    def lines() -> Iterator[list[object]]:
        for rsvp in (
            shared.select_related("supporter")
            .order_by("date", "name", "pk")
            .iterator(chunk_size=2000)
        ):
            yield [
                rsvp.date.isoformat() if rsvp.date else every_date,
                rsvp.name,
                rsvp.supporter.email,
                rsvp.phone,
                rsvp.guests,
                str(statuses[rsvp.status]),
                _utc(rsvp.confirmed_at),
                _utc(rsvp.checked_in_at),
            ]
        if hidden_count:
            yield [not_shared_sentence(hidden_count)]

    return csv_chunks(export_header(), lines())


# --- a day of action -----------------------------------------------------------------------


def _per_day(rows, value) -> Subquery:
    return Subquery(
        rows.filter(day_of_action=OuterRef("pk"))
        .order_by()
        .values("day_of_action")
        .annotate(n=value)
        .values("n")
    )


def with_day_totals(days):
    """Annotate days of action with ``event_total``, ``going_total`` and ``country_total``.

    Its local events that are approved and not cancelled, the people (with
    guests) confirmed going to them, and the countries they are in; each a
    subquery, so joins cannot inflate another and no row needs a query of its own.
    """
    local = Event.objects.filter(approval=Event.Approval.APPROVED, status=Event.Status.PUBLISHED)
    going = (
        Rsvp.objects.filter(
            event__day_of_action=OuterRef("pk"),
            event__approval=Event.Approval.APPROVED,
            event__status=Event.Status.PUBLISHED,
            status=Rsvp.Status.GOING,
            confirmed_at__isnull=False,
        )
        .order_by()
        .values("event__day_of_action")
        .annotate(n=Sum(_PEOPLE))
        .values("n")
    )
    return days.annotate(
        event_total=Coalesce(_per_day(local, Count("pk")), 0),
        country_total=Coalesce(_per_day(local, Count("country", distinct=True)), 0),
        going_total=Coalesce(Subquery(going), 0),
    )
