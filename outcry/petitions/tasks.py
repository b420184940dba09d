"""Background tasks for petitions. Each takes ids and does nothing if its work is done."""

import logging
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from outcry.petitions import services

logger = logging.getLogger("outcry.petitions")

MAX_ATTEMPTS = 6


@task()
def send_signature_confirmation(*, signature_id: int, round: int = 0, attempt: int = 1) -> None:
    """Send a signature's confirmation email; on a mail error retry later with backoff."""
    try:
        services.send_confirmation_email(signature_id=signature_id, round_=round)
    except Exception:
        if attempt >= MAX_ATTEMPTS:
            from outcry.core.models import OutgoingEmail

            OutgoingEmail.objects.filter(
                idempotency_key=services.confirmation_key(signature_id, round)
            ).update(status=OutgoingEmail.Status.FAILED)
            logger.exception("Giving up on confirmation email for signature %s", signature_id)
            return
        delay = timedelta(seconds=30 * 2**attempt)
        logger.warning("Confirmation email for %s failed; retrying in %s", signature_id, delay)
        send_signature_confirmation.using(run_after=timezone.now() + delay).enqueue(
            signature_id=signature_id, round=round, attempt=attempt + 1
        )
