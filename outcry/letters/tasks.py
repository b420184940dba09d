"""Background tasks for letters. Each takes ids and does nothing if its work is done."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from outcry.core.models import OutgoingEmail
from outcry.directory.models import Channel
from outcry.letters import confirmation
from outcry.letters import delivery as service
from outcry.letters.models import Delivery

logger = logging.getLogger("outcry.letters")

# How long after a fax is accepted we first ask InterFax how it went, and how many
# times we ask (the delay doubles: about 17 hours in all).
FAX_STATUS_FIRST_CHECK = timedelta(minutes=2)
FAX_STATUS_CHECKS = 10
# Tries of a confirmation email before its ledger row is marked FAILED.
CONFIRMATION_ATTEMPTS = 6


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff: the base delay doubled per attempt made, at most six hours."""
    return min(
        timedelta(seconds=settings.DELIVERY_RETRY_SECONDS * 2 ** (attempt - 1)), timedelta(hours=6)
    )


def schedule_delivery(*, delivery_id: int, at: datetime, attempt: int) -> None:
    """Queue deliver_letter for *at*, and note the time on the row.

    A task backend that cannot run tasks later (the immediate backend of tests
    and development) gets none: ``recover_deliveries`` queues rows whose time
    has come.
    """
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.QUEUED).update(
        next_attempt_at=at
    )
    if deliver_letter.get_backend().supports_defer:
        deliver_letter.using(run_after=at).enqueue(delivery_id=delivery_id, attempt=attempt)
    else:
        logger.info("Delivery %s is due at %s; recover_deliveries will queue it", delivery_id, at)


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
    except service.TemporaryFailure as failure:
        attempts = Delivery.objects.filter(pk=delivery_id).values_list("attempt_count", flat=True)
        made = attempts.first() or attempt
        if made >= settings.DELIVERY_MAX_ATTEMPTS:
            Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.QUEUED).update(
                status=Delivery.Status.FAILED, next_attempt_at=None
            )
            logger.error(
                "Giving up on delivery %s after %s attempts: %s", delivery_id, made, failure
            )
            return False
        at = timezone.now() + retry_delay(made)
        schedule_delivery(delivery_id=delivery_id, at=at, attempt=attempt + 1)
    return False


def _check_fax_later(delivery_id: int) -> None:
    if check_fax_status.get_backend().supports_defer:
        at = timezone.now() + FAX_STATUS_FIRST_CHECK
        check_fax_status.using(run_after=at).enqueue(delivery_id=delivery_id)


@task()
def check_fax_status(*, delivery_id: int, check: int = 1) -> str:
    """Ask the fax provider how a sent fax went; ask again later while it is in progress."""
    try:
        outcome = service.check_fax_status(delivery_id=delivery_id)
    except service.DeliveryProblem as problem:
        logger.warning("Could not check fax of delivery %s: %s", delivery_id, problem)
        outcome = "pending"
    if outcome == "pending" and check < FAX_STATUS_CHECKS:
        backend = check_fax_status.get_backend()
        if backend.supports_defer:
            at = timezone.now() + FAX_STATUS_FIRST_CHECK * 2**check
            check_fax_status.using(run_after=at).enqueue(delivery_id=delivery_id, check=check + 1)
    return outcome


@task()
def send_letter_confirmation(*, letter_id: int, round: int = 0, attempt: int = 1) -> None:
    """Email a letter's writer the link that sends it; on a mail error retry with backoff."""
    try:
        confirmation.send_confirmation_email(letter_id=letter_id, round_=round)
    except Exception:
        if attempt >= CONFIRMATION_ATTEMPTS:
            OutgoingEmail.objects.filter(
                idempotency_key=confirmation.confirmation_key(letter_id, round)
            ).update(status=OutgoingEmail.Status.FAILED)
            logger.exception("Giving up on the confirmation email of letter %s", letter_id)
            return
        delay = timedelta(seconds=30 * 2**attempt)
        logger.warning("Confirmation email of letter %s failed; retrying in %s", letter_id, delay)
        backend = send_letter_confirmation.get_backend()
        if backend.supports_defer:
            send_letter_confirmation.using(run_after=timezone.now() + delay).enqueue(
                letter_id=letter_id, round=round, attempt=attempt + 1
            )
