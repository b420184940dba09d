"""Verbs on the target directory: supporters' reports of outdated addresses."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from outcry.core.text import clean_text
from outcry.directory.models import AddressReport, Channel, Target

NOTE_MAX_LENGTH = 2000


class ReportRefused(Exception):
    """The report cannot be taken as given; the message says why, for the supporter."""


def report_outdated_address(
    *, target: Target, channel: Channel | None = None, note: str
) -> AddressReport:
    """Record a supporter's note that *target*'s address (or one *channel*) is out of date.

    Organisers see the report in the admin. Nothing about the reporter is kept.
    Raises ReportRefused for an empty or over-long note, or a channel that is
    not the target's.
    """
    note = clean_text(note or "")
    if not note:
        raise ReportRefused(gettext("Please tell us what is wrong with this address."))
    if len(note) > NOTE_MAX_LENGTH:
        raise ReportRefused(
            gettext("Please keep your note under %(limit)s characters.")
            % {"limit": NOTE_MAX_LENGTH}
        )
    if channel is not None and channel.target_id != target.pk:
        raise ReportRefused(gettext("That address does not belong to this target."))
    return AddressReport.objects.create(target=target, channel=channel, note=note)


def resolve_address_reports(*, reports: QuerySet[AddressReport]) -> int:
    """Mark the open reports among *reports* resolved now; return how many were open.

    Idempotent: a resolved report keeps the time it was first resolved.
    """
    return reports.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
