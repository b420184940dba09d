"""What a signature holds about its signer: its part of a supporter's data rights.

Registered with supporters.personal_data from PetitionsConfig.ready.
"""

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from outcry.petitions.models import Signature
from outcry.supporters.models import Supporter
from outcry.supporters.personal_data import PersonalData, title, when


def export_signatures(supporter: Supporter) -> list[dict[str, Any]]:
    """The supporter's signatures with their petition and campaign (no tokens)."""
    language = supporter.language
    signatures = (
        Signature.objects.filter(supporter=supporter)
        .select_related("petition__campaign")
        .prefetch_related("petition__texts", "petition__campaign__texts")
        .order_by("created_at", "pk")
    )
    return [
        {
            "petition": title(signature.petition, language),
            "petition_slug": signature.petition.slug,
            "campaign": title(signature.petition.campaign, language),
            "campaign_slug": signature.petition.campaign.slug,
            "signed_at": when(signature.created_at),
            "confirmed_at": when(signature.confirmed_at),
            "name": signature.name,
            "country": signature.country,
            "comment": signature.comment,
            "public_name": signature.public_name,
            "language": signature.language,
        }
        for signature in signatures
    ]


def erase_signatures(supporter: Supporter, now: datetime) -> None:
    """Confirmed signatures stay, so counts do not drop, but lose what they say of the signer.

    Unconfirmed ones (never counted) are deleted.
    """
    signatures = Signature.objects.filter(supporter=supporter)
    signatures.filter(confirmed_at__isnull=True).delete()
    signatures.update(name="", country="", comment="", public_name=Signature.PublicName.HIDDEN)


def signed_since(cutoff: datetime) -> QuerySet:
    return Signature.objects.filter(Q(created_at__gte=cutoff) | Q(confirmed_at__gte=cutoff))


SIGNATURES = PersonalData(
    key="signatures", export=export_signatures, erase=erase_signatures, active_since=signed_since
)
