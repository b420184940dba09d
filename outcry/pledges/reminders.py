"""Reminders by email, for commitments whose owner asked for them.

When, on the supporter's own clock (their IANA zone):

- **fast**: the evening before their day, at 18:00 or the time they chose
  (a time the clocks skip that day is refused when they pledge);
- **prayer**: every day at their time, until the campaign closes or its
  deadline passes; on the day the clocks skip that time, at the moment they
  jump to (zones.instant), which the form's answer told them;
- **boycott**: every Saturday at 10:00, before the week's shopping: often enough
  to keep it in mind at the till, seldom enough not to be mail one learns to ignore.

``queue_reminders`` (run_periodic, every OUTCRY_REMINDER_SWEEP_SECONDS) queues,
for each confirmed commitment that wants reminders, has not stopped them and
whose campaign is open, the latest reminder due, if it is still of use
(``USEFUL_FOR``) and fell after the commitment was confirmed: one ledger row
keyed ``pledge-reminder:<commitment id>:<minutes since 1970 of the reminder>``.
A second run, a second job or a restarted worker queues nothing new, and the
mail engine's senders send each row once. The renderer checks again when it
sends: a reminder whose commitment stopped its reminders, whose campaign
closed or whose moment is no longer of use is skipped.
"""

import logging
import zoneinfo
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outcry.campaigns.models import Campaign
from outcry.core.ledger import email_key
from outcry.core.mail import engine
from outcry.core.models import OutgoingEmail
from outcry.pledges import zones
from outcry.pledges.models import Commitment, Pledge
from outcry.supporters.models import MailProblem

logger = logging.getLogger("outcry.pledges")

REMINDER_PURPOSE = "pledge-reminder"
BOYCOTT_WEEKDAY = 5  # Saturday
BOYCOTT_AT = time(10, 0)
# How long after its moment a reminder is still worth sending (a job that ran late, a
# sender that was down): a prayer reminder hours late is noise; a fast's is of use until
# the day of the fast begins (checked apart); a boycott's for a day.
USEFUL_FOR = {
    Pledge.Kind.FAST: timedelta(hours=6),
    Pledge.Kind.PRAY: timedelta(hours=1),
    Pledge.Kind.BOYCOTT: timedelta(days=1),
}


def round_for(moment: datetime) -> int:
    """The ledger round of the reminder due at *moment*: minutes since 1970."""
    return int(moment.timestamp() // 60)


def moment_of(round_: int) -> datetime:
    return datetime.fromtimestamp(round_ * 60, UTC)


def zone_of(commitment: Commitment) -> zoneinfo.ZoneInfo:
    return zones.zone_or_none(commitment.time_zone) or zoneinfo.ZoneInfo("UTC")


def latest_due(commitment: Commitment, kind: str, now: datetime) -> datetime | None:
    """The moment of the latest reminder of *commitment* at or before *now*, or None."""
    zone = zone_of(commitment)
    today = now.astimezone(zone).date()
    if kind == Pledge.Kind.FAST:
        if commitment.day_on is None or commitment.local_time is None:
            return None
        moment = zones.instant(commitment.day_on - timedelta(days=1), commitment.local_time, zone)
        return moment if moment <= now else None
    if kind == Pledge.Kind.PRAY:
        if commitment.local_time is None:
            return None
        for day in (today, today - timedelta(days=1)):
            moment = zones.instant(day, commitment.local_time, zone)
            if moment <= now:
                return moment
        return None
    saturday = today - timedelta(days=(today.weekday() - BOYCOTT_WEEKDAY) % 7)
    for day in (saturday, saturday - timedelta(days=7)):
        moment = zones.instant(day, BOYCOTT_AT, zone)
        if moment <= now:
            return moment
    return None


def is_of_use(commitment: Commitment, kind: str, moment: datetime, now: datetime) -> bool:
    """Whether the reminder due at *moment* is still worth sending at *now*."""
    if now - moment > USEFUL_FOR[kind]:
        return False
    if kind == Pledge.Kind.FAST and commitment.day_on is not None:
        starts = zones.instant(commitment.day_on, time(0), zone_of(commitment))
        return now < starts
    return True


def next_after(commitment: Commitment, kind: str, now: datetime) -> datetime | None:
    """When the next reminder comes after *now* (for pages that say so), or None."""
    zone = zone_of(commitment)
    today = now.astimezone(zone).date()
    if kind == Pledge.Kind.FAST:
        if commitment.day_on is None or commitment.local_time is None:
            return None
        moment = zones.instant(commitment.day_on - timedelta(days=1), commitment.local_time, zone)
        return moment if moment > now else None
    at = commitment.local_time if kind == Pledge.Kind.PRAY else BOYCOTT_AT
    if at is None:
        return None
    for offset in range(8):
        day = today + timedelta(days=offset)
        if kind == Pledge.Kind.BOYCOTT and day.weekday() != BOYCOTT_WEEKDAY:
            continue
        moment = zones.instant(day, at, zone)
        if moment > now:
            return moment
    return None


def reminded_commitments(now: datetime):
    """Confirmed commitments that want reminders, not stopped, of an open campaign.

    Not to an address that bounced or whose owner marked our mail as spam
    (Supporter.mail_problem): a reminder that comes every day is the mail most
    likely to be reported, and a provider that sees us keep sending after a
    complaint stops taking anyone's confirmations.
    """
    return Commitment.objects.filter(
        wants_reminders=True,
        reminders_stopped_at__isnull=True,
        confirmed_at__isnull=False,
        supporter__mail_problem=MailProblem.NONE,
        pledge__campaign__status=Campaign.Status.ACTIVE,
    ).filter(
        Q(pledge__campaign__deadline_at__isnull=True) | Q(pledge__campaign__deadline_at__gt=now)
    )


def queue_reminders(*, now: datetime | None = None) -> int:
    """Queue the reminders due now that are not queued yet; return how many. Idempotent."""
    now = now or timezone.now()
    rows = (
        reminded_commitments(now)
        .exclude(pledge__kind=Pledge.Kind.FAST, day_on__lt=(now - timedelta(days=2)).date())
        .select_related("pledge", "supporter")
        .only(
            "pk",
            "day_on",
            "local_time",
            "time_zone",
            "confirmed_at",
            "pledge__kind",
            "supporter__email",
        )
        .iterator(chunk_size=2000)
    )
    due: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for commitment in rows:
        kind = commitment.pledge.kind
        moment = latest_due(commitment, kind, now)
        if (
            moment is None
            or moment < commitment.confirmed_at
            or not is_of_use(commitment, kind, moment, now)
        ):
            continue
        due[round_for(moment)].append((commitment.pk, commitment.supporter.email))
    queued = 0
    for round_, recipients in due.items():
        keys = {email_key(REMINDER_PURPOSE, pk, round_): pk for pk, _to in recipients}
        done = set(
            OutgoingEmail.objects.filter(idempotency_key__in=keys).values_list(
                "idempotency_key", flat=True
            )
        )
        fresh = [
            (pk, to) for pk, to in recipients if email_key(REMINDER_PURPOSE, pk, round_) not in done
        ]
        if not fresh:
            continue
        with transaction.atomic():
            queued += engine.queue_many(
                purpose=REMINDER_PURPOSE,
                recipients=sorted(fresh),
                round_=round_,
                priority=engine.TRANSACTIONAL,
            )
    if queued:
        logger.info("%s pledge reminders queued", queued)
    return queued
