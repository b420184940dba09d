"""The emails supporters' data rights send, rendered for the ledger (core.ledger.send_email)."""

from django.conf import settings

from outcry.core.ledger import Email
from outcry.core.mail import render_message
from outcry.supporters.models import Supporter
from outcry.supporters.services import data_link_url


def data_link_email(*, subject_id: int, round_: int, queued: bool = False) -> Email | None:
    """The "your data" email to the supporter *subject_id*, or None.

    Only for a ledger row queue_data_link wrote (*queued*), and never to a
    supporter who is gone or erased (erasure also cancels the row).
    """
    supporter = Supporter.objects.filter(pk=subject_id, erased_at__isnull=True).first()
    if not queued or supporter is None:
        return None
    message = render_message(
        template="supporters/emails/data_link",
        context={
            "supporter": supporter,
            "data_url": data_link_url(supporter),
            "hours": settings.DATA_LINK_MAX_AGE_HOURS,
        },
        to=supporter.email,
        language=supporter.language,
    )
    return Email(to=supporter.email, message=message)
