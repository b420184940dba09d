"""Background tasks for supporters. Each takes ids and does nothing if its work is done."""

import logging
from datetime import timedelta

from django.tasks import task
from django.utils import timezone

from outcry.core.models import OutgoingEmail
from outcry.supporters import services

logger = logging.getLogger("outcry.supporters")

MAX_ATTEMPTS = 6


@task()
def send_data_link(*, supporter_id: int, round: int, attempt: int = 1) -> None:
    """Send a "your data" email; on a mail error retry later with backoff."""
    try:
        services.send_data_link_email(supporter_id=supporter_id, round_=round)
    except Exception:
        if attempt >= MAX_ATTEMPTS:
            OutgoingEmail.objects.filter(
                idempotency_key=services.data_link_key(supporter_id, round)
            ).update(status=OutgoingEmail.Status.FAILED)
            logger.exception("Giving up on the data link email for supporter %s", supporter_id)
            return
        delay = timedelta(seconds=30 * 2**attempt)
        logger.warning("Data link email for %s failed; retrying in %s", supporter_id, delay)
        send_data_link.using(run_after=timezone.now() + delay).enqueue(
            supporter_id=supporter_id, round=round, attempt=attempt + 1
        )
