"""The email task of earlier releases, and the sweep that resumes lost emails.

Emails are queued as ledger rows (core.mail.engine.queue) and sent by the
senders; ``send_email`` stays so that tasks queued before the upgrade still
send their email. Remove it after 2027-06, once no such task can be waiting.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from outcry.core import ledger
from outcry.core.mail import engine
from outcry.core.models import OutgoingEmail
from outcry.core.queue import requeue_abandoned, uses_database_queue

logger = logging.getLogger("outcry.ledger")


@task()
def send_email(*, purpose: str, subject_id: int, round: int = 0) -> bool:
    """Send one email through its ledger row; on a mail error retry later with backoff.

    Kept for tasks queued by releases before the mail engine (until 2027-06);
    new code queues a ledger row (core.mail.engine.queue) instead.

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


def requeue_stale_emails(*, now: datetime | None = None) -> int:
    """Resume every email a crash (or a lost task) left behind; return how many it resumed.

    - A batch whose sender died and never came back (rows SENDING since
      OUTCRY_CONFIRMATION_STALE_SECONDS, 15 minutes; a sender that restarts
      settles its own batch at once from its journal): transactional rows are
      queued again, bulk rows marked in doubt (core.mail.engine.settle_abandoned).
    - A row written by an older ``send_email`` task that never ran (queued
      without a due time for that long): given one, so a sender takes it.
    - With tasks in the database, a ``send_email`` task a killed worker left
      RUNNING is queued again (core.queue.requeue_abandoned). With tasks in
      Redis, RQ moves such a task to its registry of failed jobs and never runs
      it again: an email it had claimed is resumed by the first point, and a
      signature's first confirmation it had not yet written is queued again by
      petitions' requeue_stale_confirmations; a "you signed again" notice it had
      not yet written is dropped.
    - Where no sender runs (OUTCRY_MAIL_SEND_ON_COMMIT: tests, development), the
      due rows (retries) are sent here.
    Idempotent; run_periodic runs it every OUTCRY_CONFIRMATION_SWEEP_SECONDS (two minutes).
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.CONFIRMATION_STALE_SECONDS)
    settled = engine.settle_abandoned(stale_before=stale)
    moved = settled["requeued"] + settled["in_doubt"]
    moved += OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.QUEUED, next_attempt_at__isnull=True, created_at__lte=stale
    ).update(next_attempt_at=now)
    if uses_database_queue(send_email):
        moved += requeue_abandoned(send_email, started_before=stale)
    if settings.MAIL_SEND_ON_COMMIT:
        engine.send_due()
    return moved
