"""Background tasks for supporters. Each takes ids and does nothing if its work is done.

The "your data" email is sent by core.tasks.send_email (purpose "data-link");
supporters.emails renders it.
"""

from django.tasks import task

from outcry.core.tasks import send_email

# The ledger's purpose for "your data" emails, and the start of their idempotency keys.
DATA_LINK_PURPOSE = "data-link"


# Kept so that tasks queued under this name before an upgrade still run: the database
# queue stores a task's dotted path, and a site may upgrade with some still waiting.
# Remove it one release after 2026-12 (a queued one is sent within days or given up).
@task()
def send_data_link(*, supporter_id: int, round: int, attempt: int = 1) -> bool:
    """Send a "your data" email (an older task name: see core.tasks.send_email)."""
    return send_email.call(purpose=DATA_LINK_PURPOSE, subject_id=supporter_id, round=round)
