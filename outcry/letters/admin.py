"""Admin for the letters app.

The target directory (targets and their channels, lists, imports, ZIP codes,
address reports) is shared data: every organiser sees all of it, and the
Organisers group may add and correct targets and channels but not delete a
target (close it instead, so letters already sent keep their history). Every
change to a target's contact details is recorded in the audit log
(``outcry.core.audit``), with the values before and after.

Letter actions and templates have their admin in admin_letters.py (imported at
the end of this file), letters and deliveries in admin_delivery.py (registered
from LettersConfig.ready).
"""

import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from outcry.core.admin import ReadOnlyMixin
from outcry.core.audit import record_event
from outcry.letters.models import (
    AddressReport,
    Channel,
    ImportRun,
    Target,
    TargetList,
    ZipDistrict,
)
from outcry.letters.services_directory import resolve_address_reports

# Audit actions for the target directory.
TARGET_ADD = "target-add"
TARGET_CHANGE = "target-change"
TARGET_CLOSE = "target-close"
TARGET_REOPEN = "target-reopen"
TARGET_DELETE = "target-delete"
CHANNEL_ADD = "channel-add"
CHANNEL_CHANGE = "channel-change"
CHANNEL_DELETE = "channel-delete"


def _plain(value: Any) -> Any:
    """*value* as JSON can hold it (dates as ISO text)."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value
    return str(value)


def _channel_details(channel: Channel, **extra) -> dict:
    return {
        "target_id": channel.target_id,
        "target_external_id": channel.target.external_id,
        "channel_id": channel.pk,
        "kind": channel.kind,
        "value": channel.value,
        **extra,
    }


class ChannelInline(admin.TabularInline):
    model = Channel
    extra = 0
    fields = ["kind", "value", "label", "char_limit", "status", "verified_on", "import_kind"]
    readonly_fields = ["import_kind"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "value":  # postal addresses run over several lines
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 40})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ReportStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("open")), ("resolved", _("resolved"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "category",
        "country",
        "city",
        "represents",
        "channel_count",
        "is_closed",
    ]
    list_filter = ["category", "is_closed", "represents", "country"]
    search_fields = ["name", "organisation", "city", "region", "external_id", "channels__value"]
    inlines = [ChannelInline]
    readonly_fields = ["external_id", "import_run", "is_closed_by_import", "updated_at", "reports"]
    fieldsets = [
        (None, {"fields": ["name", "role", "organisation", "category", "represents"]}),
        (
            _("Place"),
            {"fields": ["country", "region", "district", "city", "latitude", "longitude"]},
        ),
        (_("Correspondence"), {"fields": ["salutation", "languages", "website"]}),
        (
            _("Closed"),
            {"fields": ["is_closed", "closed_on", "closed_reason", "is_closed_by_import"]},
        ),
        (
            _("Reports and source"),
            {"fields": ["reports", "external_id", "import_run", "updated_at"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(channel_total=Count("channels"))

    @admin.display(description=_("channels"), ordering="channel_total")
    def channel_count(self, obj: Target) -> int:
        return obj.channel_total

    @admin.display(description=_("reports of outdated addresses"))
    def reports(self, obj: Target) -> str:
        if obj.pk is None:
            return "-"
        open_reports = [report for report in obj.reports.all() if report.resolved_at is None]
        if not open_reports:
            return gettext("none open")
        return format_html_join(
            "",
            '<p><a href="{}">{}</a>: {}</p>',
            (
                (
                    reverse("admin:letters_addressreport_change", args=[report.pk]),
                    timezone.localtime(report.reported_at).strftime("%Y-%m-%d"),
                    report.note[:200],
                )
                for report in open_reports
            ),
        )

    def save_model(self, request, obj: Target, form, change: bool) -> None:
        changed = list(form.changed_data) if change else []
        if "is_closed" in changed:
            if obj.is_closed:
                obj.closed_on = obj.closed_on or timezone.localdate()
            else:
                obj.closed_on, obj.closed_reason = None, ""
            # Closed or re-opened by hand: imports must not undo it.
            obj.is_closed_by_import = False
        super().save_model(request, obj, form, change)
        details = {"target_id": obj.pk, "external_id": obj.external_id}
        if not change:
            record_event(
                actor=request.user, action=TARGET_ADD, object_repr=str(obj), details=details
            )
            return
        if "is_closed" in changed:
            record_event(
                actor=request.user,
                action=TARGET_CLOSE if obj.is_closed else TARGET_REOPEN,
                object_repr=str(obj),
                details={
                    **details,
                    "closed_on": _plain(obj.closed_on),
                    "reason": obj.closed_reason,
                },
            )
        other = [name for name in changed if name != "is_closed"]
        if other:
            record_event(
                actor=request.user,
                action=TARGET_CHANGE,
                object_repr=str(obj),
                details={
                    **details,
                    "changes": {
                        name: [_plain(form.initial.get(name)), _plain(getattr(obj, name))]
                        for name in other
                    },
                },
            )

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is not Channel:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)
        before = {f.instance.pk: f.initial for f in formset.initial_forms}
        for channel in formset.deleted_objects:
            record_event(
                actor=request.user,
                action=CHANNEL_DELETE,
                object_repr=str(channel.target),
                details=_channel_details(channel),
            )
            channel.delete()
        for channel in formset.new_objects:
            channel.save()
            record_event(
                actor=request.user,
                action=CHANNEL_ADD,
                object_repr=str(channel.target),
                details=_channel_details(channel, status=channel.status),
            )
        for channel, fields in formset.changed_objects:
            # Edited by hand, the channel is the organisers' now: imports leave it alone.
            channel.import_kind = ""
            if {"kind", "value"} & set(fields):
                channel.postal_address = {}  # the structured copy would be stale
            channel.save()
            old = before.get(channel.pk, {})
            record_event(
                actor=request.user,
                action=CHANNEL_CHANGE,
                object_repr=str(channel.target),
                details=_channel_details(
                    channel,
                    changes={
                        name: [_plain(old.get(name)), _plain(getattr(channel, name))]
                        for name in fields
                    },
                ),
            )
        formset.save_m2m()

    def delete_model(self, request, obj: Target) -> None:
        self._record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for target in queryset:
            self._record_deletion(request, target)
        super().delete_queryset(request, queryset)

    def _record_deletion(self, request, target: Target) -> None:
        record_event(
            actor=request.user,
            action=TARGET_DELETE,
            object_repr=str(target),
            details={
                "target_id": target.pk,
                "external_id": target.external_id,
                "channels": [[c.kind, c.value] for c in target.channels.all()],
            },
        )


@admin.register(TargetList)
class TargetListAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "target_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["targets"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(target_total=Count("targets"))

    @admin.display(description=_("targets"), ordering="target_total")
    def target_count(self, obj: TargetList) -> int:
        return obj.target_total


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Rows written only by import commands: organisers may look, nobody edits here."""


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = [
        "kind",
        "source",
        "started_at",
        "finished_at",
        "created_count",
        "updated_count",
        "unchanged_count",
        "skipped_count",
        "removed_count",
    ]
    list_filter = ["kind"]
    search_fields = ["source", "notes"]


@admin.register(ZipDistrict)
class ZipDistrictAdmin(ReadOnlyAdmin):
    list_display = ["zcta", "state", "district"]
    list_filter = ["state"]
    search_fields = ["=zcta"]
    show_full_result_count = False


@admin.register(AddressReport)
class AddressReportAdmin(admin.ModelAdmin):
    list_display = ["reported_at", "target_link", "channel", "note_start", "resolved_at"]
    list_filter = [ReportStateFilter, "target__category"]
    search_fields = ["note", "target__name", "target__city"]
    list_select_related = ["target", "channel"]
    fields = ["target_link", "channel", "note", "reported_at", "resolved_at"]
    readonly_fields = fields
    actions = ["mark_resolved"]

    def has_add_permission(self, request) -> bool:
        return False  # reports come from supporters, through the public form

    @admin.display(description=_("target"), ordering="target__name")
    def target_link(self, obj: AddressReport) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:letters_target_change", args=[obj.target_id]),
            obj.target,
        )

    @admin.display(description=_("what is wrong"))
    def note_start(self, obj: AddressReport) -> str:
        return obj.note if len(obj.note) <= 120 else f"{obj.note[:119]}…"

    @admin.action(description=_("Mark as resolved"), permissions=["change"])
    def mark_resolved(self, request, queryset) -> None:
        count = resolve_address_reports(reports=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d report marked as resolved.",
                "%(count)d reports marked as resolved.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


# Letter actions and templates (the composer's side) live in their own module.
from outcry.letters import admin_letters  # noqa: E402, F401
