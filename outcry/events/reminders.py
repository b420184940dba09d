"""Reminders: an email the day before and two hours before each occurrence an attendee goes to.

Who: confirmed RSVPs that are GOING, to that occurrence's date or to every
date (one reminder of each kind per occurrence), of a published, approved
event. Never for a cancelled event or date.

When, on the event's own clock:

- **the day before**: at the occurrence's wall-clock time one day earlier (a
  daily 14:00 vigil is recalled at 14:00 the day before, whatever the clocks
  did overnight; a time the clocks skip is read as the one after it);
- **two hours before**: two hours of elapsed time before it starts.

``queue_reminders`` (run_periodic, every OUTCRY_REMINDER_SWEEP_SECONDS) queues,
for each occurrence whose reminder time has come and which has not started, one
ledger row per RSVP keyed ``<purpose>:<rsvp id>:<start in minutes since the
epoch>``: a second run, a second job or a restarted worker queues nothing new,
and the senders send each row once (core/mail/engine.py; a sender killed with
-9 may send the one message it had on the wire again, as for confirmations).
Only the latest reminder due is queued: a job that ran late (or an RSVP made
less than a day before) gets the two-hour one only. An RSVP made after a
reminder's time gets no reminder of that kind: its confirmation just told it
everything. The renderer checks again when it sends: a reminder for an
occurrence that moved, was cancelled or has started is skipped, and the moved
one gets its own.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from outcry.core.ledger import Email, email_key
from outcry.core.mail import engine
from outcry.core.models import OutgoingEmail
from outcry.events import recurrence as rrules
from outcry.events.models import Event, Rsvp
from outcry.events.recurrence import Occurrence
from outcry.events.rsvp_emails import rsvp_email, rsvp_for

logger = logging.getLogger("outcry.events")

DAY_BEFORE_PURPOSE = "event-reminder-day"
SOON_PURPOSE = "event-reminder-soon"
SOON_BEFORE = timedelta(hours=2)
# The day before is 23 to 25 hours of elapsed time before, as the clocks change.
LOOK_AHEAD = timedelta(hours=26)


def round_for(start: datetime) -> int:
    """The ledger round of a reminder for the occurrence starting at *start*: minutes since 1970."""
    return int(start.timestamp() // 60)


def start_of(round_: int) -> datetime:
    return datetime.fromtimestamp(round_ * 60, UTC)


def day_before(occurrence: Occurrence) -> datetime:
    """The instant the day-before reminder is due: the same wall time a day earlier."""
    local = occurrence.local_start
    return rrules.local_instant(local.replace(tzinfo=None) - timedelta(days=1), local.tzinfo)


def due(occurrence: Occurrence, now: datetime) -> tuple[str, datetime] | None:
    """The reminder due for *occurrence* at *now* (its purpose and since when), or None."""
    if occurrence.start <= now:
        return None
    soon_at = occurrence.start - SOON_BEFORE
    if now >= soon_at:
        return SOON_PURPOSE, soon_at
    day_at = day_before(occurrence)
    if now >= day_at:
        return DAY_BEFORE_PURPOSE, day_at
    return None


def queue_reminders(*, now: datetime | None = None) -> int:
    """Queue the reminders due now that are not queued yet; return how many. Idempotent."""
    now = now or timezone.now()
    events = (
        Event.objects.public()
        .filter(status=Event.Status.PUBLISHED, last_end_utc__gt=now)
        .filter(first_start_utc__lte=now + LOOK_AHEAD)
    )
    queued = 0
    for event in events:
        try:
            upcoming = event.occurrences(now, now + LOOK_AHEAD)
        except rrules.RuleError:
            # Saved rules are checked; one that stopped reading (a zone's rules
            # changed) must not hold up every other event's reminders.
            logger.exception("Event %s's recurrence cannot be expanded", event.pk)
            continue
        for occurrence in upcoming:
            reminder = due(occurrence, now)
            if reminder is not None:
                queued += _queue(event, occurrence, *reminder)
    if queued:
        logger.info("%s event reminders queued", queued)
    return queued


def _queue(event: Event, occurrence: Occurrence, purpose: str, since: datetime) -> int:
    round_ = round_for(occurrence.start)
    going = (
        Rsvp.objects.filter(
            event=event,
            status=Rsvp.Status.GOING,
            confirmed_at__isnull=False,
            created_at__lte=since,
        )
        .filter(Q(date=occurrence.local_date) | Q(date__isnull=True))
        .values_list("pk", "supporter__email")
    )
    recipients = dict(going)
    if not recipients:
        return 0
    keys = {email_key(purpose, pk, round_): pk for pk in recipients}
    for key in OutgoingEmail.objects.filter(idempotency_key__in=keys).values_list(
        "idempotency_key", flat=True
    ):
        recipients.pop(keys[key])
    if not recipients:
        return 0
    with transaction.atomic():
        return engine.queue_many(
            purpose=purpose,
            recipients=sorted(recipients.items()),
            round_=round_,
            priority=engine.TRANSACTIONAL,
        )


# --- the emails ------------------------------------------------------------------------


def occurrence_at(event: Event, start: datetime) -> Occurrence | None:
    """The event's occurrence starting at the instant *start*, if it still has one."""
    found = event.occurrences(start, start + timedelta(minutes=1))
    return next((occurrence for occurrence in found if occurrence.start == start), None)


def _reminder(purpose: str, subject_id: int, round_: int) -> Email | None:
    rsvp = rsvp_for(subject_id)
    if rsvp is None or rsvp.status != Rsvp.Status.GOING or not rsvp.is_confirmed:
        return None
    event = rsvp.event
    start = start_of(round_)
    now = timezone.now()
    if event.is_cancelled or start <= now:
        return None
    occurrence = occurrence_at(event, start)
    if occurrence is None or (rsvp.date is not None and rsvp.date != occurrence.local_date):
        return None
    local = occurrence.local_start
    with translation.override(rsvp.language or None):
        days = (local.date() - now.astimezone(event.zone).date()).days
        time = formats.time_format(local, "TIME_FORMAT")
        if days == 0:
            subject = gettext("Today at %(time)s") % {"time": time}
        elif days == 1:
            subject = gettext("Tomorrow at %(time)s") % {"time": time}
        else:
            subject = gettext("On %(date)s at %(time)s") % {
                "date": formats.date_format(local, "DATE_FORMAT"),
                "time": time,
            }
    return rsvp_email(
        rsvp,
        "events/emails/reminder",
        {
            "soon": purpose == SOON_PURPOSE,
            "day": subject,
            "every_date": False,
            "directions": event.directions,
            "accessibility": event.accessibility,
            "contact": event.contact,
        },
        start=local,
    )


def day_before_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The reminder the day before the occurrence starting at minute *round_*; None if moot."""
    return _reminder(DAY_BEFORE_PURPOSE, subject_id, round_)


def soon_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The reminder two hours before the occurrence starting at minute *round_*; None if moot."""
    return _reminder(SOON_PURPOSE, subject_id, round_)
