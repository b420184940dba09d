"""Read-only views of the email ledger and the audit log, and the admin's list filters.

The ledger holds every supporter's address, whoever they consented to, so
organisers never see it. The audit log is read-only for everyone, superusers
included: an organiser reads the events of their own organisations and those
about the targets and lists their letter actions use (``core.audit.visible_events``).

``SafeChangeList`` is the change list of every ModelAdmin (``CoreConfig.ready``):
a date-hierarchy or filter value that cannot be a lookup (a year of
99999999999, a 13th month, an id past 64 bits, a JSON lookup SQLite lacks) is
answered with the site's 400 page, never 500. For everyone but superusers it
also takes only the lookups of the admin's own list filters and date
hierarchy (and its search): any other lookup in the query string, such as
``?letters__isnull=False`` on supporters, would filter the rows an organiser
sees by rows they may not see (another organisation's letters), and the count
of results would tell them what those rows hold.
"""

from datetime import date, timedelta

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import BadRequest, ValidationError
from django.db import NotSupportedError
from django.utils.translation import gettext_lazy as _

from outcry.core.audit import visible_events
from outcry.core.models import AuditEvent, OutgoingEmail

# Shown on every admin page, in the organiser's language.
admin.site.site_header = _("outcry administration")
admin.site.site_title = _("outcry admin")
admin.site.index_title = _("Campaigns, supporters and letters")


class ReadOnlyMixin:
    """For ModelAdmins and inlines of rows that only code writes: look, never edit."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SuperuserLedgerAdmin(ReadOnlyMixin, admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(SuperuserLedgerAdmin):
    list_display = [
        "purpose",
        "to_address",
        "status",
        "priority",
        "attempt_count",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "priority", "purpose"]
    search_fields = ["to_address", "idempotency_key"]
    date_hierarchy = "created_at"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Nobody adds, changes or deletes an event here; each reads those ``visible_events`` allows."""

    list_display = ["created_at", "actor_username", "action", "object_repr", "organisation"]
    list_filter = ["action", "subject_type", ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["actor_username", "object_repr"]
    date_hierarchy = "created_at"
    list_select_related = ["organisation"]
    fields = [
        "created_at",
        "actor_username",
        "action",
        "object_repr",
        "organisation",
        "subject_type",
        "subject_id",
        "details",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return visible_events(request.user, super().get_queryset(request))


def _checked_date_hierarchy(params, field: str) -> None:
    """Raise IncorrectLookupParameters unless the date hierarchy's year/month/day make a day
    whose next year, month or day is also a date (Django computes it and would fail)."""
    values = {}
    for part in ("year", "month", "day"):
        raw = params.get(f"{field}__{part}")
        if raw is None:
            continue
        raw = raw[-1] if isinstance(raw, list) else raw
        if not (isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 4):
            raise IncorrectLookupParameters(part)
        values[part] = int(raw)
    if "year" not in values:
        return
    try:
        day = date(values["year"], values.get("month", 1), values.get("day", 1))
        # The end of the period Django filters on must exist too.
        day.replace(year=day.year + 1)
        day + timedelta(days=32)
    except (ValueError, OverflowError) as error:
        raise IncorrectLookupParameters(error) from error


class SafeChangeList(ChangeList):
    """A change list that answers 400 to lookups it cannot make."""

    def get_filters(self, request):
        if self.date_hierarchy:
            _checked_date_hierarchy(self.params, self.date_hierarchy)
        try:
            filters = super().get_filters(request)
        except (ValueError, OverflowError, TypeError) as error:
            raise IncorrectLookupParameters(error) from error
        # What the list filters and the date hierarchy took from the query string
        # is gone from the remaining lookups; whatever is left was typed by hand.
        remaining = set(filters[2]) - self._date_hierarchy_lookups()
        if remaining and not request.user.is_superuser:
            raise DisallowedModelAdminLookup(f"Filtering by {sorted(remaining)} not allowed")
        return filters

    def _date_hierarchy_lookups(self) -> set[str]:
        """The lookups the date hierarchy's year, month and day become."""
        if not self.date_hierarchy:
            return set()
        return {f"{self.date_hierarchy}__gte", f"{self.date_hierarchy}__lt"}

    def __init__(self, request, *args, **kwargs):
        # PostgreSQL refuses NUL in any text it is given to compare (a DataError
        # that would also abort the request's transaction): refuse it first.
        if any("\x00" in key or "\x00" in "".join(values) for key, values in request.GET.lists()):
            raise BadRequest("NUL in an admin list's query")
        # The rows are counted here (get_results), so a value the database cannot
        # compare (SQLite's OverflowError for an id past 64 bits) shows up here too,
        # as does a lookup it lacks (a superuser's ?details__contains= on SQLite's
        # JSON; Django refuses it before sending any SQL).
        try:
            super().__init__(request, *args, **kwargs)
        except (IncorrectLookupParameters, OverflowError, NotSupportedError) as error:
            # Django would redirect to "?e=1", a page blaming the database
            # installation; the site's 400 page says nothing was done.
            raise BadRequest("admin list lookup that cannot be made") from error


def get_changelist(self, request, **kwargs):
    return SafeChangeList


def _is_key(field, value: str) -> bool:
    """True if *value* can be a value of the primary key *field*, in the database's range."""
    while field.remote_field is not None:  # a one-to-one primary key: its target's type
        field = field.target_field
    try:
        field.run_validators(field.to_python(value))
    except ValidationError:
        return False
    return True


_django_response_action = admin.ModelAdmin.response_action


def response_action(self, request, *args, **kwargs):
    """Refuse an action whose selected ids no checkbox could have sent (past 64 bits, "x").

    Django filters ``pk__in`` with them as posted, and the database fails on
    the filter (SQLite: OverflowError), which would be a 500.
    """
    pk = self.model._meta.pk
    if not all(_is_key(pk, value) for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)):
        raise BadRequest("admin action on a selected id that cannot be a key")
    return _django_response_action(self, request, *args, **kwargs)
