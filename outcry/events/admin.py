"""Admin for events and days of action, scoped to the organisations that run them.

An event belongs to one organisation of its campaign (the lead or a partner):
that organisation's organisers add and change it, on campaigns their
organisation leads or partners in; the campaign's other organisations read it
(a partner never edits the lead's events, nor the lead a partner's); other
organisations do not see it. A day of action belongs to its campaign's lead,
like an update (``LeadChangesMixin``); partners read it and hang their local
events on it. Every check on times, time zone and repetition is the model's
(``Event.clean``), with messages in the organiser's language. RSVP counts, the
attendee export and the check-in page are mixed in from admin_attendance.py.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.admin import CampaignLanguagesFormSet, LeadChangesMixin
from outcry.campaigns.models import Campaign, Organisation
from outcry.core.countries import current_country_choices
from outcry.events import admin_hosts, notices
from outcry.events.admin_attendance import DayTotalsMixin, EventAttendanceMixin
from outcry.events.models import DayOfAction, DayOfActionText, Event, EventText, HostMessage


class EventTextInline(admin.StackedInline):
    model = EventText
    formset = CampaignLanguagesFormSet
    extra = 0
    min_num = 1


class DayOfActionTextInline(admin.StackedInline):
    model = DayOfActionText
    formset = CampaignLanguagesFormSet
    extra = 0
    min_num = 1


class EventForm(forms.ModelForm):
    country = forms.ChoiceField(label=_("country"), choices=current_country_choices)

    class Meta:
        model = Event
        fields = [
            "campaign",
            "organisation",
            "day_of_action",
            "status",
            "approval",
            "time_zone",
            "starts_on",
            "starts_at",
            "ends_on",
            "ends_at",
            "recurrence",
            "cancelled_dates",
            "venue",
            "address",
            "country",
            "latitude",
            "longitude",
            "directions",
            "accessibility",
            "capacity",
            "contact",
        ]


def _organisations(user):
    return Organisation.objects.all() if user.is_superuser else user.organisations.all()


class HostMessageInline(admin.TabularInline):
    """What the host or organisers relayed to the event's attendees (read only)."""

    model = HostMessage
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["created_at", "written_by", "subject", "body", "recipients"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(EventAttendanceMixin, admin.ModelAdmin):
    form = EventForm
    inlines = [EventTextInline]
    actions = [admin_hosts.approve_proposals, admin_hosts.decline_proposals]
    list_display = [
        "__str__",
        "campaign",
        "organisation",
        "starts_on",
        "starts_at",
        "time_zone",
        "country",
        "status",
        "approval",
        *EventAttendanceMixin.attendance_columns,
    ]
    list_filter = [
        admin_hosts.WaitingForApproval,
        "status",
        "approval",
        "country",
        ("campaign", admin.RelatedOnlyFieldListFilter),
        ("day_of_action", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["texts__title", "venue", "address"]
    date_hierarchy = "first_start_utc"
    fieldsets = [
        (None, {"fields": ["campaign", "organisation", "day_of_action", "status", "approval"]}),
        (
            _("When (on the clock where it happens)"),
            {
                "fields": [
                    "time_zone",
                    ("starts_on", "starts_at"),
                    ("ends_on", "ends_at"),
                    "recurrence",
                    "cancelled_dates",
                ]
            },
        ),
        (
            _("Where"),
            {
                "fields": [
                    "venue",
                    "address",
                    "country",
                    ("latitude", "longitude"),
                    "directions",
                    "accessibility",
                ]
            },
        ),
        (_("Attending"), {"fields": ["capacity", "contact"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if admin_hosts.is_hosted(obj):
            # A host's proposal is approved or declined with the list's actions,
            # which email the host and write the audit log.
            return [*fields, "approval"]
        return fields

    def get_inlines(self, request, obj):
        inlines = list(self.inlines)
        if admin_hosts.is_hosted(obj):
            inlines.append(admin_hosts.EventHostInline)
        if obj is not None and obj.host_messages.exists():
            inlines.append(HostMessageInline)  # only once there is something to read
        return inlines

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:  # tell who said yes of a new time or place, or a cancellation
            notices.notify_attendees(obj, before=form.initial)

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("campaign", "organisation")
            .prefetch_related("texts", "campaign__texts")
        )
        # Proposals from the public form: only once their host confirmed, and only
        # to the organisations that decide on them (admin_hosts.py).
        queryset = admin_hosts.scope(queryset, request.user)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(campaign__in=Campaign.objects.for_user(request.user))

    def _owns(self, request, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        return request.user.organisations.filter(pk=obj.organisation_id).exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._owns(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._owns(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        if db_field.name == "campaign":
            kwargs["queryset"] = Campaign.objects.for_user(user).prefetch_related("texts")
        elif db_field.name == "organisation":
            kwargs["queryset"] = _organisations(user)
        elif db_field.name == "day_of_action":
            kwargs["queryset"] = (
                DayOfAction.objects.filter(campaign__in=Campaign.objects.for_user(user))
                .select_related("campaign")
                .prefetch_related("texts")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(DayOfAction)
class DayOfActionAdmin(DayTotalsMixin, LeadChangesMixin, admin.ModelAdmin):
    inlines = [DayOfActionTextInline]
    list_display = ["__str__", "campaign", "date", *DayTotalsMixin.totals_columns]
    list_filter = [("campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["texts__title"]
    fields = ["campaign", "date"]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("campaign")
            .prefetch_related("texts", "campaign__texts")
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(campaign__in=Campaign.objects.for_user(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "campaign":
            kwargs["queryset"] = Campaign.objects.led_by_user(request.user).prefetch_related(
                "texts"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
