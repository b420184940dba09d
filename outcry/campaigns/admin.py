"""Admin for organisations and campaigns, scoped to the organiser's own organisations.

A superuser sees everything. An organiser sees only the organisations they
belong to and the campaigns those organisations lead or partner in
(``Campaign.objects.for_user``); they may start a campaign only for one of
their organisations, and invite any organisation as a partner.

In a coalition the lead organisation runs the campaign: only its organisers
change the campaign and what belongs to it (petitions, letter actions and their
templates), ``Campaign.objects.led_by_user`` / ``campaign.is_led_by``. A
partner's organisers see all of it read-only, and still export the signatures
of supporters who consented to their own organisation. ``LeadChangesMixin``
applies that rule to every admin of a campaign's rows.
"""

import zoneinfo

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.models import (
    Campaign,
    CampaignText,
    Organisation,
    OrganisationName,
)


class OrganisationNameInline(admin.TabularInline):
    model = OrganisationName
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "website"]
    search_fields = ["name", "slug", "names__name"]
    filter_horizontal = ["members"]
    inlines = [OrganisationNameInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(members=request.user)

    def get_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ["name", "slug", "website", "privacy_url", "members"]
        # The members widget would list every account on the site; organisers
        # see the names of their own organisation's organisers instead.
        return ["name", "slug", "website", "privacy_url", "organiser_list"]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return []
        return ["slug", "organiser_list"]

    @admin.display(description=_("organisers"))
    def organiser_list(self, obj: Organisation) -> str:
        return ", ".join(sorted(user.get_username() for user in obj.members.all()))


class LeadChangesMixin:
    """Partners look, the lead changes: for the admin of a campaign or of rows it owns.

    The row is shown to everyone whose queryset holds it (``get_queryset``, the
    campaign's lead and partners); changing or deleting it, its inlines included,
    is for organisers of the campaign's lead organisation and for superusers. A
    POST to a partner's read-only page is refused (403) without changing anything.
    """

    def campaign_of(self, obj) -> Campaign:
        return obj.campaign

    def has_change_permission(self, request, obj=None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or self.campaign_of(obj).is_led_by(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or self.campaign_of(obj).is_led_by(request.user)


class CampaignTextInline(admin.StackedInline):
    model = CampaignText
    extra = 0
    min_num = 1


@admin.register(Campaign)
class CampaignAdmin(LeadChangesMixin, admin.ModelAdmin):
    """Campaigns of the organiser's organisations; partners see theirs read-only."""

    list_display = ["__str__", "status", "lead_organisation", "local_deadline", "created_at"]
    list_filter = ["status", ("lead_organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["slug", "texts__title"]
    fields = [
        "slug",
        "status",
        "languages",
        "time_zone",
        "deadline_at",
        "lead_organisation",
        "partners",
    ]
    filter_horizontal = ["partners"]
    inlines = [CampaignTextInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .for_user(request.user)
            .select_related("lead_organisation")
            .prefetch_related("texts")
        )

    def campaign_of(self, obj: Campaign) -> Campaign:
        return obj

    def get_readonly_fields(self, request, obj=None):
        # Handing a campaign to another lead moves who controls it: superusers only.
        if obj is not None and not request.user.is_superuser:
            return ["lead_organisation"]
        return []

    @admin.display(description=_("deadline"), ordering="deadline_at")
    def local_deadline(self, obj: Campaign) -> str:
        if obj.deadline_at is None:
            return "—"
        return f"{date_format(obj.local_deadline, 'DATETIME_FORMAT')} {obj.deadline_zone}"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Show and take the deadline on the campaign's own clock, not the server's.

        The zone is the one being saved (so a deadline typed together with a new
        time zone means that zone), else the campaign's, else UTC.
        """
        zone = request.POST.get("time_zone", "")
        if zone not in zoneinfo.available_timezones():
            campaign = self.get_object(request, object_id) if object_id else None
            zone = campaign.time_zone if campaign else "UTC"
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            # The form's widgets show times when the page is rendered: here, not later.
            if hasattr(response, "render"):
                response.render()
        return response

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        own = list(request.user.organisations.all()[:2])
        if len(own) == 1:
            initial.setdefault("lead_organisation", own[0].pk)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead_organisation" and not request.user.is_superuser:
            kwargs["queryset"] = request.user.organisations.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
