"""Background tasks for letters, and the sweeps that queue them. Each does nothing if done.

A letter's confirmation email is sent by core.tasks.send_email (purpose
"letter-confirmation"); letters.emails renders it. The ledger's steps (claim,
retry or fail, recovery after a crash) are core/ledger.py's.
"""

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.tasks import task
from django.utils import timezone

from outcry.core import ledger
from outcry.core.queue import uses_database_queue
from outcry.core.tasks import send_email
from outcry.directory.models import Channel
from outcry.letters import delivery as service
from outcry.letters.channels import fax
from outcry.letters.channels.base import DeliveryProblem
from outcry.letters.models import Delivery

logger = logging.getLogger("outcry.letters")

# The ledger's purpose for letter confirmation emails, and the start of their keys.
CONFIRMATION_PURPOSE = "letter-confirmation"
# How long after a fax is accepted we first ask InterFax how it went, and how many
# times we ask (each delay twice the last: 2, 6, 14 … minutes after sending, the tenth
# check about 34 hours after it).
FAX_STATUS_FIRST_CHECK = timedelta(minutes=2)
FAX_STATUS_CHECKS = 10


def schedule_delivery(*, delivery_id: int, at: datetime, attempt: int) -> None:
    """Queue deliver_letter for *at*, and note the time on the row (core.ledger.schedule).

    A task backend that cannot run tasks later (the immediate backend of tests
    and development) gets none: ``recover_deliveries`` queues rows whose time
    has come.
    """
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is not None:
        ledger.schedule(delivery, deliver_letter, at=at, delivery_id=delivery_id, attempt=attempt)


@task()
def deliver_letter(*, delivery_id: int, attempt: int = 1) -> bool:
    """Send one delivery; on a passing failure retry with backoff, then mark it FAILED.

    The number of attempts is read from the ledger row (``attempt_count``), not
    from *attempt*, so a duplicate task (a restart, the recovery sweep) cannot
    stretch the limit. A delivery over its target's hourly limit is deferred
    without counting an attempt.
    """
    try:
        sent = service.deliver(delivery_id=delivery_id)
        is_fax = Delivery.objects.filter(pk=delivery_id, kind=Channel.Kind.FAX).exists
        if sent and settings.FAX_BACKEND == "interfax" and is_fax():
            _check_fax_later(delivery_id)
        return sent
    except service.Deferred as deferred:
        logger.info("Delivery %s deferred by its target's rate limit", delivery_id)
        schedule_delivery(delivery_id=delivery_id, at=deferred.not_before, attempt=attempt)
    except service.TemporaryFailure:
        delivery = Delivery.objects.filter(pk=delivery_id).first()
        if delivery is not None:
            ledger.retry_or_fail(
                delivery,
                task=deliver_letter,
                max_attempts=settings.DELIVERY_MAX_ATTEMPTS,
                base_seconds=settings.DELIVERY_RETRY_SECONDS,
                delivery_id=delivery_id,
                attempt=attempt + 1,
            )
    return False


def _check_fax_later(delivery_id: int) -> None:
    if check_fax_status.get_backend().supports_defer:
        at = timezone.now() + FAX_STATUS_FIRST_CHECK
        check_fax_status.using(run_after=at).enqueue(delivery_id=delivery_id)


@task()
def check_fax_status(*, delivery_id: int, check: int = 1) -> str:
    """Ask the fax provider how a sent fax went; ask again later while it is in progress."""
    try:
        outcome = fax.check_fax_status(delivery_id=delivery_id)
    except DeliveryProblem as problem:
        logger.warning("Could not check fax of delivery %s: %s", delivery_id, problem)
        outcome = "pending"
    if outcome == "pending" and check < FAX_STATUS_CHECKS:
        backend = check_fax_status.get_backend()
        if backend.supports_defer:
            at = timezone.now() + FAX_STATUS_FIRST_CHECK * 2**check
            check_fax_status.using(run_after=at).enqueue(delivery_id=delivery_id, check=check + 1)
    return outcome


# Kept so that tasks queued under this name before an upgrade still run: the database
# queue stores a task's dotted path, and a site may upgrade with some still waiting.
# Remove it one release after 2026-12 (a queued one is sent within days or given up).
@task()
def send_letter_confirmation(*, letter_id: int, round: int = 0, attempt: int = 1) -> bool:
    """Email a letter's writer its confirmation link (an older task name: see core.tasks)."""
    return send_email.call(purpose=CONFIRMATION_PURPOSE, subject_id=letter_id, round=round)


# --- sweeps -----------------------------------------------------------------------------


def recover_deliveries(*, stale_after: timedelta | None = None) -> Counter:
    """Resolve deliveries a dead worker left behind; return counts by outcome.

    1. A row in SENDING since before *stale_after* (default
       OUTCRY_DELIVERY_STALE_SECONDS) was interrupted: its worker was killed
       between claiming and recording the result, so the message may or may not
       have left. ``delivery.resolve_stuck`` decides, by channel (an InterFax fax
       is looked up; an email is left FAILED for an organiser to check, never
       re-sent blindly; post is released); a row put back in the queue gets a task.
    2. A QUEUED email or fax whose time came before *stale_after* ago has lost
       its task (a task a killed worker had taken is never run again): it is
       queued once more. A duplicate task is harmless, it finds the row claimed.

    Idempotent; ``run_periodic`` (started by ``serve``) runs it every
    OUTCRY_DELIVERY_SWEEP_SECONDS (five minutes).
    """
    now = timezone.now()
    cutoff = now - (
        stale_after
        if stale_after is not None
        else timedelta(seconds=settings.DELIVERY_STALE_SECONDS)
    )
    counts: Counter = Counter()
    stuck = ledger.recover_stuck(
        Delivery.objects.select_related("target", "channel"),
        stale_before=cutoff,
        resolve=service.resolve_stuck,
    )
    for delivery, outcome in stuck:
        counts[outcome] += 1
        if outcome == "requeued":
            deliver_letter.enqueue(delivery_id=delivery.pk, attempt=delivery.attempt_count + 1)
    lost = ledger.requeue_due(
        Delivery.objects.filter(kind__in=service.sent_by_site()),
        due_before=cutoff,
        lost_before=cutoff,
        now=now,
    )
    for delivery in lost:
        deliver_letter.enqueue(delivery_id=delivery.pk, attempt=delivery.attempt_count + 1)
        counts["requeued"] += 1
    if checked := recheck_faxes(now=now):
        counts["fax checked"] = checked
    return counts


def recheck_faxes(*, now: datetime) -> int:
    """Ask again how each fax still waiting for its provider's answer went; return how many.

    With tasks in the database a status check is a row, and a check a killed
    worker held is run again, so nothing is done. Any other queue (RQ on Redis)
    loses the check a killed worker held, and with it the fax's later checks. So an
    InterFax fax not yet confirmed or failed gets a check of its own (the last of a
    series: it queues no more) on a schedule that doubles as the series' does: from
    the sweep in which it becomes FAX_STATUS_FIRST_CHECK * 2**k old (2, 4, 8 …
    minutes, up to about 34 hours). With sweeps every 5 minutes that is about ten
    questions per fax rather than one every sweep for a day and a half. The windows
    assume sweeps DELIVERY_SWEEP_SECONDS apart: a late sweep misses a point (the next
    one comes), a sweep run by hand in between may ask once more. A check is
    idempotent.
    """
    if settings.FAX_BACKEND != "interfax" or uses_database_queue(check_fax_status):
        return 0
    sweep = timedelta(seconds=settings.DELIVERY_SWEEP_SECONDS)
    due = Q()
    for check in range(FAX_STATUS_CHECKS + 1):
        fell_due_for = now - FAX_STATUS_FIRST_CHECK * 2**check  # a fax sent then
        due |= Q(sent_at__lte=fell_due_for, sent_at__gt=fell_due_for - sweep)
    ids = list(
        Delivery.objects.filter(
            due,
            kind=Channel.Kind.FAX,
            status=Delivery.Status.SENT,
            confirmed_at__isnull=True,
            # InterFax's own id (a fax the email gateway sent has none to ask about).
            provider_reference__regex=r"^[0-9]+$",
        ).values_list("pk", flat=True)
    )
    for delivery_id in ids:
        check_fax_status.enqueue(delivery_id=delivery_id, check=FAX_STATUS_CHECKS)
    return len(ids)


def requeue_deliveries(*, deliveries: QuerySet[Delivery]) -> int:
    """Queue FAILED email and fax deliveries again, as new; return how many.

    For an organiser who fixed the cause (an address, the fax configuration) or
    checked that an interrupted message never arrived. The attempt count starts
    again; the last error stays visible until the next attempt.
    """
    ids = list(
        deliveries.filter(status=Delivery.Status.FAILED, kind__in=service.sent_by_site())
        # An erased writer's letters were cancelled for good: never sent without them.
        .exclude(letter__supporter__erased_at__isnull=False)
        .values_list("pk", flat=True)
    )
    count = 0
    for delivery_id in ids:
        if Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.FAILED).update(
            status=Delivery.Status.QUEUED, attempt_count=0, next_attempt_at=None, claimed_at=None
        ):
            deliver_letter.enqueue(delivery_id=delivery_id)
            count += 1
    return count
