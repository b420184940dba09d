"""Admin for updates, press items and subscriptions, scoped like the campaign they belong to.

Updates and press items belong to their campaign's lead organisation: its
organisers write and change them; a partner's organisers read them
(``campaigns.admin.LeadChangesMixin``). Publishing an update, taking it back
to a draft and deleting a published one speak publicly in the coalition's
name, so each is recorded in the audit log. Subscriptions are evidence, changed
only by their owners: read-only, and an organiser sees one only while its
subscriber's consent to one of the organiser's organisations is confirmed
(``Supporter.objects.visible_to``), on a campaign of theirs.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.admin import CampaignLanguagesFormSet, LeadChangesMixin
from outcry.campaigns.models import Campaign, Organisation
from outcry.core.admin import ReadOnlyMixin
from outcry.core.audit import record_event
from outcry.supporters.models import Supporter
from outcry.updates.models import PressItem, Subscription, Update, UpdateText

PUBLISH_ACTION = "publish-update"
WITHDRAW_ACTION = "withdraw-update"
DELETE_ACTION = "delete-update"


class UpdateTextInline(admin.StackedInline):
    model = UpdateText
    formset = CampaignLanguagesFormSet
    extra = 0
    min_num = 1


class UpdateForm(forms.ModelForm):
    class Meta:
        model = Update
        fields = ["campaign", "author_organisation", "status", "published_at"]

    def clean(self) -> dict:
        data = super().clean()
        campaign, author = data.get("campaign"), data.get("author_organisation")
        if campaign is not None and author is not None and author not in campaign.coalition():
            self.add_error(
                "author_organisation",
                gettext("The author must be the campaign's lead organisation or a partner."),
            )
        return data


def _audit(request, update: Update, action: str) -> None:
    record_event(
        actor=request.user,
        action=action,
        object_repr=f"update {update.pk} on {update.campaign.slug}",
        organisation=update.author_organisation,
        subject_type="campaign",
        subject_id=update.campaign_id,
        details={"update_id": update.pk, "status": update.status},
    )


class CampaignRowsAdmin(LeadChangesMixin, admin.ModelAdmin):
    """Rows of a campaign: listed for its lead and partners, added to campaigns one leads."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("campaign")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(campaign__in=Campaign.objects.for_user(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "campaign":
            kwargs["queryset"] = Campaign.objects.led_by_user(request.user).prefetch_related(
                "texts"
            )
        elif db_field.name == "author_organisation" and not request.user.is_superuser:
            kwargs["queryset"] = Organisation.objects.filter(members=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Update)
class UpdateAdmin(CampaignRowsAdmin):
    form = UpdateForm
    inlines = [UpdateTextInline]
    list_display = ["__str__", "campaign", "status", "published_at", "author_organisation"]
    list_filter = ["status", ("campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["texts__title"]
    date_hierarchy = "published_at"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("author_organisation")
            .prefetch_related("texts", "campaign__texts")
        )

    def save_model(self, request, obj: Update, form, change: bool) -> None:
        was_published = change and form.initial.get("status") == Update.Status.PUBLISHED
        super().save_model(request, obj, form, change)
        is_published = obj.status == Update.Status.PUBLISHED
        if is_published and not was_published:
            _audit(request, obj, PUBLISH_ACTION)
        elif was_published and not is_published:
            _audit(request, obj, WITHDRAW_ACTION)

    def delete_model(self, request, obj: Update) -> None:
        if obj.status == Update.Status.PUBLISHED:
            _audit(request, obj, DELETE_ACTION)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for update in queryset.filter(status=Update.Status.PUBLISHED).select_related("campaign"):
            _audit(request, update, DELETE_ACTION)
        super().delete_queryset(request, queryset)


@admin.register(PressItem)
class PressItemAdmin(CampaignRowsAdmin):
    list_display = ["title", "outlet", "published_on", "language", "campaign"]
    list_filter = ["language", ("campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "outlet"]
    fields = ["campaign", "outlet", "title", "url", "published_on", "language"]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "supporter_email",
        "campaign",
        "status",
        "language",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    list_filter = ["status", "language", ("campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["supporter__email"]
    fields = [
        "supporter",
        "campaign",
        "status",
        "language",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    readonly_fields = fields
    list_select_related = ["supporter", "campaign"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            campaign__in=Campaign.objects.for_user(request.user),
            supporter__in=Supporter.objects.visible_to(request.user),
        )

    @admin.display(description=_("email"), ordering="supporter__email")
    def supporter_email(self, obj: Subscription) -> str:
        return obj.supporter.email
