"""Admin for organisations and campaigns, scoped to the organiser's own organisations.

A superuser sees everything. An organiser sees only the organisations they
belong to and the campaigns those organisations lead or partner in
(``Campaign.objects.for_user``); they may start a campaign only for one of
their organisations, and invite any organisation as a partner.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.models import Campaign, CampaignText, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "website"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["members"]

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


class CampaignTextInline(admin.StackedInline):
    model = CampaignText
    extra = 0
    min_num = 1


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "lead_organisation", "deadline_at", "created_at"]
    list_filter = ["status", ("lead_organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["slug", "texts__title"]
    fields = ["slug", "status", "languages", "deadline_at", "lead_organisation", "partners"]
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

    def get_readonly_fields(self, request, obj=None):
        # Handing a campaign to another lead moves who controls it: superusers only.
        if obj is not None and not request.user.is_superuser:
            return ["lead_organisation"]
        return []

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
