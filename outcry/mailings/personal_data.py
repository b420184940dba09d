"""Which mailings a supporter was sent: their part of a supporter's data rights.

Registered with supporters.personal_data from MailingsConfig.ready. Receiving
mail is no activity of the supporter's, so it never keeps them from the
retention period; erasure deletes the rows (the ledger keeps what was sent,
without the address).
"""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from outcry.mailings.models import MailingRecipient, MailingText
from outcry.supporters.models import Supporter
from outcry.supporters.personal_data import PersonalData, when


def export_mailings(supporter: Supporter) -> list[dict[str, Any]]:
    rows = (
        MailingRecipient.objects.filter(supporter=supporter)
        .select_related("mailing__organisation")
        .order_by("pk")
    )
    texts = {
        (text.mailing_id, text.language): text.subject
        for text in MailingText.objects.filter(mailing__recipients__supporter=supporter)
    }
    return [
        {
            "organisation": row.mailing.organisation.name_in(supporter.language),
            "subject": texts.get((row.mailing_id, row.language), ""),
            "language": row.language,
            "started_at": when(row.mailing.started_at),
        }
        for row in rows
    ]


def erase_mailings(supporter: Supporter, now: datetime) -> None:
    MailingRecipient.objects.filter(supporter=supporter).delete()


def no_activity(cutoff: datetime) -> QuerySet:
    return MailingRecipient.objects.none()


PERSONAL_DATA = PersonalData(
    key="mailings", export=export_mailings, erase=erase_mailings, active_since=no_activity
)
