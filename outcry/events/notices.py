"""Change notices: when an organiser moves, cancels or restores an event, who said yes is told.

The admin calls ``notify_attendees(event, before=form.initial)`` once it saved
an event, inside the admin's transaction: the notices' ledger rows commit or
roll back with the change. It compares the schedule fields (models.SCHEDULE_FIELDS)
before and after; if any changed, it records an ``EventChange`` (what they
held before and after, at the event's new revision ``sequence``) and queues
one ``event-notice`` email per RSVP keyed by that revision, so a change is
told once however often the job or the senders run. Dates newly cancelled
cancel the RSVPs to them.

Who is told:

- a new time or place, or an event that takes place again: confirmed RSVPs
  GOING to a date still to come (or to every date);
- the event cancelled, or dates of it cancelled: confirmed RSVPs GOING or
  WAITING, to those dates (or to every date).

Each notice says, in the attendee's language, what changed ("old → new"), when
their date now is, and carries the manage link.
"""

import logging
import zoneinfo
from collections.abc import Mapping
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from outcry.campaigns.models import zone_label
from outcry.core.ledger import Email
from outcry.core.mail import engine
from outcry.events.models import SCHEDULE_FIELDS, Event, EventChange, Rsvp, parse_dates
from outcry.events.rsvp_emails import rsvp_email, rsvp_for

logger = logging.getLogger("outcry.events")

NOTICE_PURPOSE = "event-notice"
TIME_FIELDS = ("starts_on", "starts_at", "ends_on", "ends_at", "time_zone", "recurrence")
PLACE_FIELDS = ("venue", "address")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _dates(text: str) -> frozenset[date]:
    try:
        return frozenset(parse_dates(text))
    except ValueError:
        return frozenset()


def notify_attendees(event: Event, *, before: Mapping) -> int:
    """After *event* was saved: tell who said yes what changed since *before*; return how many.

    *before* holds the schedule fields' values before the change (the admin
    form's ``initial``; a field it lacks did not change). Call it inside the
    transaction that saved the change. Returns the notices queued (0: nothing
    attendees act on changed).
    """
    old = {name: _text(before.get(name, getattr(event, name))) for name in SCHEDULE_FIELDS}
    new = {name: _text(getattr(event, name)) for name in SCHEDULE_FIELDS}
    if event.pk is None or old == new:
        return 0
    now = timezone.now()
    newly_cancelled = _dates(new["cancelled_dates"]) - _dates(old["cancelled_dates"])
    cancelled = new["status"] == Event.Status.CANCELLED and old["status"] != new["status"]
    restored = old["status"] == Event.Status.CANCELLED and old["status"] != new["status"]
    moved = any(old[name] != new[name] for name in TIME_FIELDS + PLACE_FIELDS)
    with transaction.atomic():
        change, created = EventChange.objects.get_or_create(
            event=event,
            sequence=event.sequence,
            defaults={"before": old, "after": new, "created_at": now},
        )
        if not created:
            return 0
        today = now.astimezone(event.zone).date()
        said_yes = Rsvp.objects.filter(event=event, confirmed_at__isnull=False)
        told: dict[int, str] = {}
        if newly_cancelled:
            dated = said_yes.filter(status__in=[Rsvp.Status.GOING, Rsvp.Status.WAITING]).filter(
                Q(date__in=newly_cancelled) | Q(date__isnull=True)
            )
            told.update(dated.values_list("pk", "supporter__email"))
            Rsvp.objects.filter(
                event=event, date__in=newly_cancelled, status__in=Rsvp.ACTIVE
            ).update(
                status=Rsvp.Status.CANCELLED, cancelled_at=now, hold_until=None, waiting_since=None
            )
        statuses = [Rsvp.Status.GOING] + ([Rsvp.Status.WAITING] if cancelled else [])
        if cancelled or restored or moved:
            upcoming = said_yes.filter(status__in=statuses).filter(
                Q(date__isnull=True) | Q(date__gte=today)
            )
            told.update(upcoming.values_list("pk", "supporter__email"))
        queued = engine.queue_many(
            purpose=NOTICE_PURPOSE,
            recipients=sorted(told.items()),
            round_=change.sequence,
            priority=engine.TRANSACTIONAL,
        )
    logger.info("Event %s changed (revision %s): %s notices", event.pk, event.sequence, queued)
    return queued


# --- the email ---------------------------------------------------------------------------


def schedule_text(values: Mapping[str, str]) -> str:
    """An event's times as *values* held them, in the active language, on its own clock."""
    zone = zoneinfo.ZoneInfo(values["time_zone"])
    start = datetime.combine(
        date.fromisoformat(values["starts_on"]), time.fromisoformat(values["starts_at"]), zone
    )
    end = datetime.combine(
        date.fromisoformat(values["ends_on"]), time.fromisoformat(values["ends_at"]), zone
    )
    text = (
        f"{formats.date_format(start, 'DATE_FORMAT')}, {formats.time_format(start, 'TIME_FORMAT')}"
        f"\N{EN DASH}{formats.time_format(end, 'TIME_FORMAT')} ({zone_label(start)}, {zone.key})"
    )
    if values["recurrence"]:
        return gettext("from %(first)s, repeating") % {"first": text}
    return text


def _lines(change: EventChange, rsvp: Rsvp) -> list[str]:
    """What changed, one sentence a line, in the active language."""
    old, new = change.before, change.after
    lines = []
    if new["status"] != old["status"]:
        if new["status"] == Event.Status.CANCELLED:
            lines.append(gettext("The event is cancelled."))
        else:
            lines.append(gettext("The event takes place again."))
    dropped = sorted(_dates(new["cancelled_dates"]) - _dates(old["cancelled_dates"]))
    if dropped:
        lines.append(
            gettext("It does not take place on: %(dates)s.")
            % {"dates": ", ".join(formats.date_format(day, "DATE_FORMAT") for day in dropped)}
        )
        if rsvp.date in dropped:
            lines.append(gettext("Your reply for that date is cancelled."))
    if any(old[name] != new[name] for name in TIME_FIELDS):
        lines.append(
            gettext("When: %(old)s → %(new)s")
            % {"old": schedule_text(old), "new": schedule_text(new)}
        )
    if any(old[name] != new[name] for name in PLACE_FIELDS):
        lines.append(
            gettext("Where: %(old)s → %(new)s")
            % {
                "old": f"{old['venue']}, {old['address']}",
                "new": f"{new['venue']}, {new['address']}",
            }
        )
    return lines


def notice_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The notice of the event's change at revision *round_* to RSVP *subject_id*.

    None if the change is not recorded, or the attendee cancelled since.
    """
    rsvp = rsvp_for(subject_id)
    if rsvp is None:
        return None
    change = EventChange.objects.filter(event_id=rsvp.event_id, sequence=round_).first()
    if change is None or (rsvp.cancelled_at is not None and rsvp.cancelled_at > change.created_at):
        return None
    with translation.override(rsvp.language or None):
        lines = _lines(change, rsvp)
    if not lines:
        return None
    return rsvp_email(
        rsvp,
        "events/emails/notice",
        {
            "changes": lines,
            "cancelled": rsvp.status == Rsvp.Status.CANCELLED or rsvp.event.is_cancelled,
        },
    )
