"""What a letter holds about its writer: its part of a supporter's data rights.

Registered with supporters.personal_data from LettersConfig.ready.
"""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from outcry.letters.models import Delivery, Letter
from outcry.supporters.models import Supporter
from outcry.supporters.personal_data import CANCELLED_ERROR, PersonalData, title, when


def export_letters(supporter: Supporter) -> list[dict[str, Any]]:
    """The supporter's letters with their deliveries (the office's public name, no nonces)."""
    letters = (
        Letter.objects.filter(supporter=supporter)
        .select_related("action__campaign")
        .prefetch_related("deliveries__target", "action__campaign__texts")
        .order_by("created_at", "pk")
    )
    return [
        {
            "campaign": title(letter.action.campaign, supporter.language),
            "campaign_slug": letter.action.campaign.slug,
            "language": letter.language,
            "subject": letter.subject,
            "body": letter.body,
            "sender_name": letter.sender_name,
            "sender_city": letter.sender_city,
            "sender_country": letter.sender_country,
            "written_at": when(letter.created_at),
            "deliveries": [
                {
                    "to": delivery.target.name,
                    "channel": delivery.kind,
                    "status": delivery.status,
                    "sent_at": when(delivery.sent_at),
                }
                for delivery in letter.deliveries.all()
            ],
        }
        for letter in letters
    ]


def erase_letters(supporter: Supporter, now: datetime) -> None:
    """Clear the sender's name, city and country, and the text where the writer wrote it.

    Deliveries not yet sent are cancelled.
    """
    letters = Letter.objects.filter(supporter=supporter)
    letters.update(sender_name="", sender_city="", sender_country="")
    letters.filter(is_personalised=True).update(subject="", body="")
    Delivery.objects.filter(
        letter__in=letters,
        status__in=[Delivery.Status.QUEUED, Delivery.Status.UNCONFIRMED],
    ).update(status=Delivery.Status.FAILED, last_error=CANCELLED_ERROR)


def written_since(cutoff: datetime) -> QuerySet:
    return Letter.objects.filter(created_at__gte=cutoff)


LETTERS = PersonalData(
    key="letters", export=export_letters, erase=erase_letters, active_since=written_since
)
