"""What a signature holds about its signer: its part of a supporter's data rights.

Registered with supporters.personal_data from PetitionsConfig.ready.
"""

from datetime import datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.db.models.fields.json import KT

from outcry.actions.models import Intake
from outcry.petitions.models import Petition, Signature
from outcry.petitions.services import SIGNATURE_INTAKE
from outcry.supporters.models import Supporter
from outcry.supporters.personal_data import PersonalData, title, when


def waiting(supporter: Supporter) -> QuerySet:
    """The supporter's signatures the form took that no worker has written yet (actions.intake).

    By address (sign gives it, normalised, as the row's indexed email; a row
    written by the release before has none, and is found by what was typed):
    they hold the name and comment typed, and would create the supporter again
    after an erasure.
    """
    return Intake.objects.filter(kind=SIGNATURE_INTAKE).filter(
        Q(email=supporter.email) | Q(email="", payload__email=supporter.email)
    )


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
            # When the form whose words it holds was typed (a newer one replaces them).
            "words_typed_at": when(signature.typed_at or signature.created_at),
            "confirmed_at": when(signature.confirmed_at),
            "name": signature.name,
            "country": signature.country,
            "comment": signature.comment,
            "public_name": signature.public_name,
            "language": signature.language,
        }
        for signature in signatures
    ]


def export_waiting(supporter: Supporter) -> list[dict[str, Any]]:
    """The supporter's signatures the form took that are not written yet, as export_signatures."""
    language = supporter.language
    typed = [row.payload for row in waiting(supporter).order_by("pk")]
    petitions = Petition.objects.select_related("campaign").in_bulk(
        {each["petition"] for each in typed}
    )
    return [
        {
            "petition": title(petition, language),
            "petition_slug": petition.slug,
            "campaign": title(petition.campaign, language),
            "campaign_slug": petition.campaign.slug,
            "signed_at": each["signed_at"],
            "words_typed_at": each["signed_at"],
            "confirmed_at": None,
            "name": each["name"],
            "country": each["country"],
            "comment": each["comment"],
            "public_name": each["public_name"],
            "language": each["language"],
        }
        for each in typed
        if (petition := petitions.get(each["petition"])) is not None
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


def erase_waiting(supporter: Supporter, now: datetime) -> None:
    """Delete those taken before the erasure began (*now*): a worker would write them,
    and the erased person, back.

    Not the ones taken after it, nor those a worker claimed since erasure locked
    the rest (lock_waiting): they reached the database after the erasure took the
    person's waiting rows, and waiting for them here while the worker waits for
    the supporter's row would be a deadlock. The worker writes them once the
    erasure has committed, as someone new (supporters.services
    .get_or_create_supporter), as any form typed after it.
    """
    before = waiting(supporter).filter(created_at__lte=now)
    mine = list(before.select_for_update(skip_locked=True).values_list("pk", flat=True))
    Intake.objects.filter(pk__in=mine).delete()


def lock_waiting(supporter: Supporter) -> None:
    """Lock them, waiting for a worker that claimed them to finish (erasure, first).

    A worker holds its batch's rows, then writes rows pointing at the supporter;
    erasure locks the supporter, then deletes these. Taken the other way round
    each would wait for the other. Once the worker's batch commits its rows are
    gone, and erasure then finds the signatures it wrote.
    """
    list(waiting(supporter).select_for_update().values_list("pk", flat=True))


def waiting_since(cutoff: datetime) -> QuerySet:
    """Supporters (as ``supporter``) with a signature waiting, taken since *cutoff*: the
    retention job must not erase someone who has just signed and drop that signature."""
    waiting = Intake.objects.filter(kind=SIGNATURE_INTAKE, created_at__gte=cutoff)
    emails = (
        waiting.exclude(email="")
        .values("email")
        .union(waiting.filter(email="").annotate(typed=KT("payload__email")).values("typed"))
    )
    return Supporter.objects.alias(supporter=F("pk")).filter(email__in=emails)


# Signatures the form took and the intake worker has not written yet (actions.intake).
WAITING_SIGNATURES = PersonalData(
    key="signatures_waiting",
    export=export_waiting,
    erase=erase_waiting,
    active_since=waiting_since,
    lock_first=lock_waiting,
)
