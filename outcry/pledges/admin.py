"""Admin for pledges, scoped like updates: the campaign's lead changes them, partners read them.

Organisers see how many confirmed each pledge and how many want reminders;
commitments themselves (who fasts on which day, who prays at what hour and
where) stay out of the admin: they say where and how someone lives. Once a
pledge was taken, its kind and campaign stay.
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.admin import CampaignLanguagesFormSet, LeadChangesMixin
from outcry.campaigns.models import Campaign
from outcry.pledges.models import Pledge, PledgeText


class PledgeTextInline(admin.StackedInline):
    model = PledgeText
    formset = CampaignLanguagesFormSet
    extra = 0
    min_num = 1


@admin.register(Pledge)
class PledgeAdmin(LeadChangesMixin, admin.ModelAdmin):
    inlines = [PledgeTextInline]
    list_display = ["__str__", "campaign", "kind", "confirmed", "reminded"]
    list_filter = ["kind", ("campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["texts__title"]
    fields = ["campaign", "kind", "first_day_on", "last_day_on", "position"]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("campaign")
            .prefetch_related("texts", "campaign__texts")
            .annotate(
                confirmed_count=Count(
                    "commitments", filter=Q(commitments__confirmed_at__isnull=False)
                ),
                reminded_count=Count(
                    "commitments",
                    filter=Q(
                        commitments__confirmed_at__isnull=False,
                        commitments__wants_reminders=True,
                        commitments__reminders_stopped_at__isnull=True,
                    ),
                ),
            )
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(campaign__in=Campaign.objects.for_user(request.user))

    def get_readonly_fields(self, request, obj=None):
        # Once someone took the pledge, its kind and campaign are what they agreed to:
        # a fast turned into a prayer would email each faster every day, unasked, and
        # a pledge moved to another campaign would remind them from it.
        if obj is not None and obj.commitments.exists():
            return ["campaign", "kind"]
        return []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "campaign":
            kwargs["queryset"] = Campaign.objects.led_by_user(request.user).prefetch_related(
                "texts"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("confirmed"), ordering="confirmed_count")
    def confirmed(self, pledge: Pledge) -> int:
        return pledge.confirmed_count

    @admin.display(description=_("getting reminders"), ordering="reminded_count")
    def reminded(self, pledge: Pledge) -> int:
        return pledge.reminded_count
