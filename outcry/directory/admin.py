"""Admin for the target directory.

The target directory's contact details (targets, their names per language and
their channels) are shared by every organisation: another organisation's letters go wherever a
target's email says. So every organiser reads them, but only superusers add,
change, close or delete them; an organiser proposes a correction as an address
report (``AddressReportAdmin``), which a superuser reviews and applies.

A target list belongs to one organisation (``TargetList.organisation``), whose
organisers change it, or to nobody (shared, changed by superusers). Nobody
removes from a list a target that another organisation's open letter action
writes to through it: their action would lose it silently. An organiser sees
their own lists, the shared ones, and those their campaigns write to.

Every change to a target, a name, a channel or a list is recorded in the audit log
(``outcry.core.audit``) with the values before and after, about that target or
list, so the organisations whose letter actions use it read it in the admin.

Letter actions reach their lists through the reverse relation ``actions``
(LetterAction.target_list) in queries only: the directory imports nothing from
letters.
"""

import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.models import Campaign
from outcry.core.admin import ReadOnlyMixin
from outcry.core.audit import record_event
from outcry.directory.models import (
    AddressReport,
    Channel,
    ImportRun,
    Target,
    TargetList,
    TargetName,
    ZipDistrict,
)
from outcry.directory.services import resolve_address_reports

# Audit actions for the target directory.
TARGET_ADD = "target-add"
TARGET_CHANGE = "target-change"
TARGET_CLOSE = "target-close"
TARGET_REOPEN = "target-reopen"
TARGET_DELETE = "target-delete"
CHANNEL_ADD = "channel-add"
CHANNEL_CHANGE = "channel-change"
CHANNEL_DELETE = "channel-delete"
NAME_ADD = "target-name-add"
NAME_CHANGE = "target-name-change"
NAME_DELETE = "target-name-delete"
LIST_ADD = "target-list-add"
LIST_CHANGE = "target-list-change"


def _superuser(request) -> bool:
    return request.user.is_active and request.user.is_superuser


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


class SharedDetailsInline(admin.TabularInline):
    """A target's details every organisation's supporters see: superusers change them."""

    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return _superuser(request) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return _superuser(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _superuser(request) and super().has_delete_permission(request, obj)


class ChannelInline(SharedDetailsInline):
    model = Channel
    fields = ["kind", "value", "label", "char_limit", "status", "verified_on", "import_kind"]
    readonly_fields = ["import_kind"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "value":  # postal addresses run over several lines
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 40})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class TargetNameInline(SharedDetailsInline):
    model = TargetName
    fields = ["language", "name"]


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
    inlines = [TargetNameInline, ChannelInline]
    readonly_fields = ["external_id", "import_run", "is_closed_by_import", "updated_at", "reports"]
    fieldsets = [
        (None, {"fields": ["name", "role", "organisation", "category", "represents"]}),
        (
            _("Place"),
            {
                "fields": [
                    "country",
                    "region",
                    "district",
                    "city",
                    "latitude",
                    "longitude",
                    "is_location_approximate",
                    "consular_district",
                ]
            },
        ),
        (
            _("Correspondence"),
            {"fields": ["salutation", "languages", "website", "opening_hours"]},
        ),
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
        # A GROUP BY drops the model's default order: name it, or pages could overlap.
        return (
            super()
            .get_queryset(request)
            .annotate(channel_total=Count("channels"))
            .order_by(*Target._meta.ordering, "pk")
        )

    # Every organisation's letters go to these addresses: superusers change them,
    # organisers propose a correction (an address report) instead.
    def has_add_permission(self, request) -> bool:
        return _superuser(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _superuser(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _superuser(request)

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
                    reverse("admin:directory_addressreport_change", args=[report.pk]),
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
        about = {"subject_type": "target", "subject_id": obj.pk}
        if not change:
            record_event(
                actor=request.user,
                action=TARGET_ADD,
                object_repr=str(obj),
                details=details,
                **about,
            )
            return
        if "is_closed" in changed:
            record_event(
                actor=request.user,
                action=TARGET_CLOSE if obj.is_closed else TARGET_REOPEN,
                object_repr=str(obj),
                **about,
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
                **about,
                details={
                    **details,
                    "changes": {
                        name: [_plain(form.initial.get(name)), _plain(getattr(obj, name))]
                        for name in other
                    },
                },
            )

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is TargetName:
            self._save_names(request, formset)
            return
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
                subject_type="target",
                subject_id=channel.target_id,
                details=_channel_details(channel),
            )
            channel.delete()
        for channel in formset.new_objects:
            channel.save()
            record_event(
                actor=request.user,
                action=CHANNEL_ADD,
                object_repr=str(channel.target),
                subject_type="target",
                subject_id=channel.target_id,
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
                subject_type="target",
                subject_id=channel.target_id,
                details=_channel_details(
                    channel,
                    changes={
                        name: [_plain(old.get(name)), _plain(getattr(channel, name))]
                        for name in fields
                    },
                ),
            )
        formset.save_m2m()

    def _save_names(self, request, formset) -> None:
        """Save the names per language, each change in the audit log with before and after."""
        formset.save(commit=False)
        before = {f.instance.pk: f.initial for f in formset.initial_forms}
        changes = [(NAME_DELETE, entry, {}) for entry in formset.deleted_objects]
        for entry in formset.deleted_objects:
            entry.delete()
        for entry in formset.new_objects:
            entry.save()
            changes.append((NAME_ADD, entry, {}))
        for entry, fields in formset.changed_objects:
            entry.save()
            old = before.get(entry.pk, {})
            changes.append(
                (
                    NAME_CHANGE,
                    entry,
                    {name: [old.get(name), getattr(entry, name)] for name in fields},
                )
            )
        for action, entry, changed in changes:
            record_event(
                actor=request.user,
                action=action,
                object_repr=str(entry.target),
                subject_type="target",
                subject_id=entry.target_id,
                details={
                    "target_id": entry.target_id,
                    "target_external_id": entry.target.external_id,
                    "language": entry.language,
                    "name": entry.name,
                    **({"changes": changed} if changed else {}),
                },
            )

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
            subject_type="target",
            subject_id=target.pk,
            details={
                "target_id": target.pk,
                "external_id": target.external_id,
                "channels": [[c.kind, c.value] for c in target.channels.all()],
            },
        )


def lists_in_use_by(user):
    """Lists the user's campaigns (led or partnered) write to, as a queryset of ids."""
    return TargetList.objects.filter(actions__campaign__in=Campaign.objects.for_user(user)).values(
        "pk"
    )


def targets_in_use_by(user):
    """Targets in the lists the user's campaigns write to, as a queryset of ids."""
    return Target.objects.filter(lists__in=lists_in_use_by(user)).values("pk")


def foreign_actions(target_list: TargetList):
    """Open letter actions writing to *target_list* for a campaign its owner does not lead."""
    actions = target_list.actions.filter(is_open=True).select_related("campaign")
    if target_list.organisation_id is None:
        return actions
    return actions.exclude(campaign__lead_organisation=target_list.organisation_id)


class TargetListForm(forms.ModelForm):
    class Meta:
        model = TargetList
        fields = ["name", "slug", "organisation", "description", "targets"]

    def clean_targets(self):
        targets = self.cleaned_data["targets"]
        if self.instance.pk is None:
            return targets
        removed = set(self.instance.targets.values_list("pk", flat=True)) - {
            target.pk for target in targets
        }
        if not removed:
            return targets
        actions = list(foreign_actions(self.instance))
        if actions:
            names = Target.objects.filter(pk__in=removed).order_by("name")
            raise forms.ValidationError(
                gettext(
                    "Another organisation's letter action writes to this list (%(actions)s): "
                    "removing %(targets)s would take them from its supporters' letters "
                    "without telling it. Ask that organisation, or ask an administrator "
                    "to close the target."
                )
                % {
                    "actions": ", ".join(action.slug for action in actions),
                    "targets": ", ".join(str(target) for target in names),
                }
            )
        return targets


@admin.register(TargetList)
class TargetListAdmin(admin.ModelAdmin):
    """Lists by owner: its organisers change it; a shared list (no owner) is for superusers."""

    form = TargetListForm
    list_display = ["name", "slug", "organisation", "target_count"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["targets"]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("organisation")
            .annotate(target_total=Count("targets"))
            .order_by("name", "pk")
        )
        if _superuser(request):
            return queryset
        return queryset.filter(
            Q(organisation__in=request.user.organisations.all())
            | Q(organisation__isnull=True)
            | Q(pk__in=lists_in_use_by(request.user))
        )

    def _owns(self, request, obj: TargetList | None) -> bool:
        if obj is None or _superuser(request):
            return True
        return (
            obj.organisation_id is not None
            and request.user.organisations.filter(pk=obj.organisation_id).exists()
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._owns(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._owns(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Giving a list away would hand another organisation, unasked, a list
        # its owner's actions write to: superusers only.
        if obj is not None and not _superuser(request):
            return ["organisation"]
        return []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation" and not _superuser(request):
            kwargs["queryset"] = request.user.organisations.all()
            kwargs["required"] = True  # an organiser's new list is their organisation's
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        own = list(request.user.organisations.all()[:2])
        if len(own) == 1:
            initial.setdefault("organisation", own[0].pk)
        return initial

    @admin.display(description=_("targets"), ordering="target_total")
    def target_count(self, obj: TargetList) -> int:
        return obj.target_total

    def save_related(self, request, form, formsets, change: bool) -> None:
        target_list = form.instance
        before_ids = set(target_list.targets.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after_ids = set(target_list.targets.values_list("pk", flat=True))
        fields = [name for name in form.changed_data if name != "targets"] if change else []
        added, removed = sorted(after_ids - before_ids), sorted(before_ids - after_ids)
        if change and not (fields or added or removed):
            return
        names = dict(
            (pk, str(target)) for pk, target in Target.objects.in_bulk(added + removed).items()
        )
        record_event(
            actor=request.user,
            action=LIST_CHANGE if change else LIST_ADD,
            object_repr=str(target_list),
            organisation=target_list.organisation,
            subject_type="targetlist",
            subject_id=target_list.pk,
            details={
                "target_list_id": target_list.pk,
                "changes": {
                    name: [_plain(form.initial.get(name)), _plain(form.cleaned_data.get(name))]
                    for name in fields
                },
                "added": [[pk, names.get(pk, "")] for pk in added],
                "removed": [[pk, names.get(pk, "")] for pk in removed],
            },
        )


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


class ProposalForm(forms.ModelForm):
    class Meta:
        model = AddressReport
        fields = ["target", "note"]
        labels = {"note": _("What is wrong, and the correct details with their source")}


@admin.register(AddressReport)
class AddressReportAdmin(admin.ModelAdmin):
    """Supporters' reports and organisers' proposed corrections, for superusers to apply.

    An organiser adds one to propose a change to a target's contact details;
    a superuser changes the target (audited) and marks the report resolved.
    """

    list_display = ["reported_at", "target_link", "channel", "note_start", "resolved_at"]
    list_filter = [ReportStateFilter, "target__category"]
    search_fields = ["note", "target__name", "target__city"]
    list_select_related = ["target", "channel"]
    fields = ["target_link", "channel", "note", "reported_at", "resolved_at"]
    readonly_fields = fields
    actions = ["mark_resolved"]
    autocomplete_fields = ["target"]  # the directory holds thousands of targets

    def has_change_permission(self, request, obj=None) -> bool:
        return _superuser(request)  # resolving is part of reviewing

    def has_delete_permission(self, request, obj=None) -> bool:
        return _superuser(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ProposalForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["target", "note"]
        if _superuser(request):
            return [*self.fields, "proposed_by"]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.readonly_fields, "proposed_by"]

    @admin.display(description=_("proposed by"))
    def proposed_by(self, obj: AddressReport) -> str:
        return obj.reported_by.get_username() if obj.reported_by else gettext("a supporter")

    def save_model(self, request, obj: AddressReport, form, change: bool) -> None:
        if not change:
            obj.reported_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("target"), ordering="target__name")
    def target_link(self, obj: AddressReport) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:directory_target_change", args=[obj.target_id]),
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
