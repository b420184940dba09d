"""Background tasks for petitions. Each takes ids and does nothing if its work is done.

The confirmation email is sent by core.tasks.send_email (purpose
"signature-confirmation"); petitions.emails renders it.
"""

from django.tasks import task

from outcry.core.tasks import send_email

# The ledger's purpose for confirmation emails, and the start of their idempotency keys.
CONFIRMATION_PURPOSE = "signature-confirmation"


# Kept so that tasks queued under this name before an upgrade still run: the database
# queue stores a task's dotted path, and a site may upgrade with some still waiting.
# Remove it one release after 2026-12 (a queued one is sent within days or given up).
@task()
def send_signature_confirmation(*, signature_id: int, round: int = 0, attempt: int = 1) -> bool:
    """Send a signature's confirmation email (an older task name: see core.tasks.send_email)."""
    return send_email.call(purpose=CONFIRMATION_PURPOSE, subject_id=signature_id, round=round)
