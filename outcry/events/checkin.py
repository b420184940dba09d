"""Checking people in at the event, from an organiser's phone.

The list is a date's attendees who are going and confirmed, named as the
event's organisation may name them: in full if they have an active consent to
it, else by first name and the initial of the last word (search looks only at
that shown name, so it cannot tell an organiser a hidden surname). A check-in
is a conditional update of one row: pressing twice, or two organisers at
once, check a person in once; undo clears it.

An RSVP to every date of a recurring event has one ``checked_in_at``: it
counts as checked in on a date when that moment falls on the date on the
event's clock. So a recurring event checks people in on the day itself only.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.translation import gettext

from outcry.events.attendance import consented
from outcry.events.models import Event, Rsvp

# Past dates of a recurring event whose list can still be opened (to undo a mistake, say).
DAYS_BACK = 7


class CheckInRefused(Exception):
    """A check-in that cannot be done; *message* says why, in the active language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Arrival:
    """One line of the check-in list."""

    pk: int
    name: str
    guests: int
    is_checked_in: bool

    @property
    def people(self) -> int:
        return 1 + self.guests


def short_name(name: str) -> str:
    """The first word and the last word's initial: "Ji-woo Park" becomes "Ji-woo P."."""
    words = name.split()
    if len(words) < 2:
        return words[0] if words else ""
    return f"{words[0]} {words[-1][0]}."


def dates(event: Event, now: datetime | None = None) -> list[date]:
    """The dates whose list may be opened: the last week's occurrences and the coming ones."""
    now = now or timezone.now()
    return [
        occurrence.local_date
        for occurrence in event.occurrences(
            now - timedelta(days=DAYS_BACK), now + timedelta(days=30), limit=60
        )
    ]


def default_date(event: Event, now: datetime | None = None) -> date | None:
    """Today on the event's clock if it takes place today, else its next date, else its last."""
    if not event.is_recurring:
        return None
    now = now or timezone.now()
    today = now.astimezone(event.zone).date()
    offered = dates(event, now)
    later = [day for day in offered if day >= today]
    if later:
        return later[0]
    return offered[-1] if offered else None


def parse_date(event: Event, text: str, now: datetime | None = None) -> date | None:
    """The date *text* names if its list may be opened (CheckInRefused otherwise)."""
    if not event.is_recurring:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or day not in dates(event, now):
        raise CheckInRefused(gettext("The event does not take place on that date."))
    return day


def _day_bounds(event: Event, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=event.zone)
    return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=event.zone)


def _is_checked_in(event: Event, day: date | None) -> Q:
    if day is None:
        return Q(checked_in_at__isnull=False)
    start, end = _day_bounds(event, day)
    return Q(date=day, checked_in_at__isnull=False) | Q(
        date__isnull=True, checked_in_at__gte=start, checked_in_at__lt=end
    )


def _expected(event: Event, day: date | None):
    """The date's RSVPs going and confirmed (with the every-date ones)."""
    rows = Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING, confirmed_at__isnull=False)
    if day is not None:
        rows = rows.filter(Q(date__isnull=True) | Q(date=day))
    return rows


def arrivals(event: Event, day: date | None, search: str = "") -> tuple[list[Arrival], int, int]:
    """The date's list filtered by *search* (on the names shown), people in, people expected.

    The two counts are of the whole list, whatever the search.
    """
    rows = (
        _expected(event, day)
        .annotate(
            is_shared=consented(event),
            is_here=ExpressionWrapper(_is_checked_in(event, day), output_field=BooleanField()),
        )
        .order_by("name", "pk")
        .values("pk", "name", "guests", "is_shared", "is_here")
    )
    everyone = [
        Arrival(
            pk=row["pk"],
            name=(row["name"] if row["is_shared"] else short_name(row["name"]))
            or gettext("(name removed)"),
            guests=row["guests"],
            is_checked_in=bool(row["is_here"]),
        )
        for row in rows
    ]
    here = sum(arrival.people for arrival in everyone if arrival.is_checked_in)
    expected = sum(arrival.people for arrival in everyone)
    needle = search.strip().casefold()
    shown = [arrival for arrival in everyone if needle in arrival.name.casefold()]
    return shown, here, expected


def check_in(*, event: Event, day: date | None, rsvp_id: str, undo: bool = False) -> bool:
    """Check the RSVP *rsvp_id* in on *day* (or undo it); return whether this call changed it.

    Idempotent and safe under concurrent calls: one conditional UPDATE.
    Raises CheckInRefused for an id not on the date's list (another event's,
    cancelled, unconfirmed, tampered) and for a recurring event's date that is
    not today on its clock.
    """
    try:
        pk = int(rsvp_id)
    except (TypeError, ValueError):
        pk = None
    row = _expected(event, day).filter(pk=pk) if pk is not None else Rsvp.objects.none()
    if not row.exists():
        raise CheckInRefused(gettext("This person is not on the list for this date."))
    now = timezone.now()
    if undo:
        return bool(row.filter(_is_checked_in(event, day)).update(checked_in_at=None))
    if day is not None and day != now.astimezone(event.zone).date():
        raise CheckInRefused(
            gettext("People are checked in on the day of the event: %(date)s.")
            % {"date": day.isoformat()}
        )
    return bool(row.exclude(_is_checked_in(event, day)).update(checked_in_at=now))
