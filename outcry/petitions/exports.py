"""Which signatures an organiser may see, and the CSV export of them.

An organiser may count every signature on their petitions, but may see a
signer's personal data only if that signer confirmed consent to one of the
organiser's organisations. The admin list, its search and filters, and the
export all start from ``visible_signatures``, so there is one rule to check.
"""

from collections.abc import Iterator
from datetime import UTC, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from outcry.campaigns.models import Campaign
from outcry.core.audit import record_event
from outcry.core.countries import country_name
from outcry.core.spreadsheet import csv_chunks
from outcry.petitions.models import Petition, Signature
from outcry.supporters.models import Supporter

EXPORT_ACTION = "export-signatures"

EXPORT_FIELDS = [
    # The name and country typed with this signature, not whatever the supporter
    # row holds from another form.
    "name",
    "supporter__email",
    "country",
    "supporter__postcode",
    "supporter__language",
    "created_at",
    "confirmed_at",
    "comment",
    "public_name",
]
PUBLIC_NAME_COLUMN = EXPORT_FIELDS.index("public_name")
COUNTRY_COLUMN = EXPORT_FIELDS.index("country")


def visible_signatures(user, queryset: QuerySet[Signature] | None = None) -> QuerySet[Signature]:
    """Narrow *queryset* to signatures on the user's campaigns by signers who consented to them."""
    queryset = Signature.objects.all() if queryset is None else queryset
    if user.is_superuser:
        return queryset
    return queryset.filter(
        petition__campaign__in=Campaign.objects.for_user(user),
        supporter__in=Supporter.objects.visible_to(user),
    )


def export_header() -> list[str]:
    return [
        gettext("name"),
        gettext("email"),
        gettext("country"),
        gettext("country code"),
        gettext("postcode"),
        gettext("preferred language"),
        gettext("signed at (UTC)"),
        gettext("confirmed at (UTC)"),
        gettext("comment"),
        gettext("public name"),
    ]


def export_filename(petition: Petition) -> str:
    return f"signatures-{petition.slug}-{timezone.now():%Y-%m-%d}.csv"


def _cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return value


def _row(values: tuple, public_names: dict[str, str]) -> list[object]:
    """One signature's cells; the public name as the label the signer chose, not its code.

    The country comes twice: named in the exporting organiser's language, then
    as its ISO code (for sorting and for other programs).
    """
    cells = [_cell(value) for value in values]
    code = cells[PUBLIC_NAME_COLUMN]
    cells[PUBLIC_NAME_COLUMN] = public_names.get(code, code)
    country = cells[COUNTRY_COLUMN]
    cells[COUNTRY_COLUMN : COUNTRY_COLUMN + 1] = [country_name(country), country]
    return cells


def export_signatures(*, petition: Petition, user) -> Iterator[str]:
    """Record that *user* exports *petition*'s signatures, and return the CSV text in chunks.

    The rows are those ``visible_signatures`` allows (every row for a superuser),
    oldest first, read from the database a chunk at a time as the chunks are
    consumed, so a petition of any size streams in constant memory. The audit
    row is written before the first chunk, so an interrupted download is on
    record too. Raises PermissionDenied if the petition is not on one of the
    user's campaigns.
    """
    campaign = petition.campaign
    if not Campaign.objects.for_user(user).filter(pk=campaign.pk).exists():
        raise PermissionDenied
    # Signatures removed as spam are not part of the petition any more.
    signatures = visible_signatures(
        user, Signature.objects.filter(petition=petition, removed_at__isnull=True)
    )
    if user.is_superuser:
        organisation, acting_for = None, ["*"]
    else:
        organisations = list(user.organisations.order_by("name"))
        involved = {campaign.lead_organisation_id, *campaign.partners.values_list("pk", flat=True)}
        # The organisation the export is done for: the lead if the user is in it, else a partner.
        organisation = next(
            (org for org in organisations if org.pk == campaign.lead_organisation_id),
            next((org for org in organisations if org.pk in involved), None),
        )
        acting_for = [org.slug for org in organisations]
    record_event(
        actor=user,
        action=EXPORT_ACTION,
        object_repr=str(petition),
        organisation=organisation,
        details={
            "petition_id": petition.pk,
            "petition_slug": petition.slug,
            "campaign_slug": campaign.slug,
            "organisations": acting_for,
            "row_count": signatures.count(),
        },
    )
    # Labels in the exporting organiser's language, looked up once for the whole file.
    public_names = {code: str(label) for code, label in Signature.PublicName.choices}
    rows = (
        _row(row, public_names)
        for row in signatures.order_by("created_at", "pk")
        .values_list(*EXPORT_FIELDS)
        .iterator(chunk_size=2000)
    )
    return csv_chunks(export_header(), rows)
