"""Background tasks for supporters. Each takes ids and does nothing if its work is done.

The "your data" email is queued by queue_data_link as a ledger row, sent by the
mail senders (core.mail.engine, purpose "data-link"); supporters.emails renders it.
"""

from django.db import transaction
from django.tasks import task

from outcry.core.mail import engine
from outcry.core.tasks import send_email
from outcry.supporters.models import Supporter

# The ledger's purpose for "your data" emails, and the start of their idempotency keys.
DATA_LINK_PURPOSE = "data-link"


@task()
def queue_data_link(*, supporter_id: int | None, round: int) -> bool:
    """Write the "your data" email's ledger row for hour *round* and queue it; True if new.

    *supporter_id* is None for an address nobody holds: request_data_link queues
    this task for those too, so that both answers cost the same, and it does
    nothing. Idempotent: the hour is part of the ledger key, so a second request
    in the hour finds the row and queues nothing. The row and the email's task
    are written in one transaction.
    """
    if supporter_id is None:
        return False
    supporter = (
        Supporter.objects.filter(pk=supporter_id, erased_at__isnull=True).only("email").first()
    )
    if supporter is None:
        return False
    # The ledger row is the email (core.mail.engine): the senders send it.
    with transaction.atomic():
        return engine.queue(
            purpose=DATA_LINK_PURPOSE, subject_id=supporter.pk, round_=round, to=supporter.email
        )


# Kept so that tasks queued under this name before an upgrade still run: the database
# queue stores a task's dotted path, and a site may upgrade with some still waiting.
# Remove it one release after 2026-12 (a queued one is sent within days or given up).
@task()
def send_data_link(*, supporter_id: int, round: int, attempt: int = 1) -> bool:
    """Send a "your data" email (an older task name: see core.tasks.send_email)."""
    return send_email.call(purpose=DATA_LINK_PURPOSE, subject_id=supporter_id, round=round)
