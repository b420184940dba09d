"""The one task that sends an email to a supporter, and the sweep that resumes lost ones.

Every transactional email (a signature's or a letter's confirmation, the "your
data" link) is ``send_email(purpose=…, subject_id=…, round=…)``; the app that
owns the purpose renders it (core.ledger.register_email).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from outcry.core import ledger
from outcry.core.models import OutgoingEmail
from outcry.core.queue import requeue_abandoned, uses_database_queue

logger = logging.getLogger("outcry.ledger")


@task()
def send_email(*, purpose: str, subject_id: int, round: int = 0) -> bool:
    """Send one email through its ledger row; on a mail error retry later with backoff.

    Idempotent: a duplicate task finds the row sent (or claimed) and does
    nothing. After OUTCRY_EMAIL_MAX_ATTEMPTS failed attempts the row is FAILED.
    A retry is queued for later only where the task backend can defer tasks;
    elsewhere the row waits QUEUED for ``requeue_stale_emails``.
    """
    try:
        return ledger.send_email(purpose=purpose, subject_id=subject_id, round_=round)
    except ledger.SendFailed as failed:
        ledger.retry_or_fail(
            failed.entry,
            task=send_email,
            max_attempts=settings.EMAIL_MAX_ATTEMPTS,
            base_seconds=settings.EMAIL_RETRY_SECONDS,
            purpose=purpose,
            subject_id=subject_id,
            round=round,
        )
        return False


def enqueue_entry(entry: OutgoingEmail) -> None:
    """Queue ``send_email`` for the ledger row *entry*, by its idempotency key."""
    purpose, subject_id, round_ = ledger.parse_email_key(entry.idempotency_key)
    send_email.enqueue(purpose=purpose, subject_id=subject_id, round=round_)


def requeue_stale_emails(*, now: datetime | None = None) -> int:
    """Queue again every email a crash (or a backend that cannot wait) left behind; return how many.

    - A send interrupted mid-way (row SENDING for long): the email may or may
      not have left. A second confirmation email is harmless, a signature or a
      letter that can never be confirmed is not, so it is queued again.
    - With tasks in the database (the default), a task a killed worker left
      RUNNING is queued again (core.queue.requeue_abandoned); tasks not yet run
      are never duplicated, however long the backlog.
    - With another backend: a QUEUED row whose retry is due (at once where the
      backend cannot run tasks later, since no task was queued for it; after
      the stale time elsewhere) or never tried for that long is queued again.
    "For long" is OUTCRY_CONFIRMATION_STALE_SECONDS (15 minutes). Idempotent;
    run_periodic runs it every OUTCRY_CONFIRMATION_SWEEP_SECONDS (two minutes).
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.CONFIRMATION_STALE_SECONDS)
    requeued = 0
    for entry, outcome in ledger.recover_stuck(OutgoingEmail.objects.all(), stale_before=stale):
        if outcome == "requeued":
            enqueue_entry(entry)
            requeued += 1
    if uses_database_queue(send_email):
        return requeued + requeue_abandoned(send_email, started_before=stale)
    due_before = stale if send_email.get_backend().supports_defer else now
    for entry in ledger.requeue_due(
        OutgoingEmail.objects.all(), due_before=due_before, lost_before=stale, now=now
    ):
        enqueue_entry(entry)
        requeued += 1
    return requeued
