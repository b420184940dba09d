"""Admin for organisations and campaigns, scoped to the organiser's own organisations.

A superuser sees everything. An organiser sees only the organisations they
belong to and the campaigns those organisations lead or partner in
(``Campaign.objects.for_user``); they may start a campaign only for one of
their organisations, and invite any organisation as a partner. An invited
organisation joins only when one of its own organisers accepts the invitation
(``PartnerInvitationAdmin``); until then it sees nothing of the campaign and
supporters are not asked to consent to it.

In a coalition the lead organisation runs the campaign: only its organisers
change the campaign and what belongs to it (petitions, letter actions and their
templates), ``Campaign.objects.led_by_user`` / ``campaign.is_led_by``. A
partner's organisers see all of it read-only, and still export the signatures
of supporters who consented to their own organisation. ``LeadChangesMixin``
applies that rule to every admin of a campaign's rows.
"""

import zoneinfo
from datetime import UTC
from functools import partial

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from outcry.campaigns import checklist, images
from outcry.campaigns.models import (
    Campaign,
    CampaignText,
    Organisation,
    OrganisationName,
    PartnerInvitation,
    ordered_languages,
)
from outcry.campaigns.services import (
    PartnershipRefused,
    answer_invitation,
    end_partnership,
    invite_partner,
)


class OrganisationNameInline(admin.TabularInline):
    """An organisation's names: shown to its organisers, set only by superusers (see below)."""

    model = OrganisationName
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


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
        # The name, in every language, is who supporters consent to beside a box on
        # a campaign page: a partner naming itself as the lead, or as a look-alike
        # of it or of any known organisation, would take consents meant for them.
        # No similarity check catches every deceptive name, so the superuser who
        # vetted the organisation names it; its organisers ask them to change it.
        return ["name", "slug", "organiser_list"]

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


class CampaignLanguagesFormSet(forms.BaseInlineFormSet):
    """Texts of a row of a campaign (an update, an event): in the campaign's languages."""

    def clean(self) -> None:
        super().clean()
        campaign = getattr(self.instance, "campaign", None)
        if campaign is None:
            return
        allowed = campaign.language_codes
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            language = form.cleaned_data.get("language")
            if language and language not in allowed:
                form.add_error(
                    "language",
                    gettext("This campaign is written in: %(languages)s.")
                    % {"languages": ", ".join(allowed)},
                )


class LanguagesField(forms.MultipleChoiceField):
    """The campaign's languages as checkboxes with their names, stored as "en,ko"."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("choices", settings.CONTENT_LANGUAGES)
        kwargs.setdefault("label", _("languages"))
        kwargs.setdefault(
            "help_text",
            _(
                "The campaign's page, petition and letter need a text in each language"
                " ticked; readers of another language see the first one."
            ),
        )
        kwargs.setdefault("error_messages", {"required": _("Tick at least one language.")})
        super().__init__(**kwargs)

    def to_python(self, value) -> list[str]:
        # A form posted as before ("en,ko" in one value) means the same languages.
        values = super().to_python(value)
        return [code.strip() for item in values for code in item.split(",") if code.strip()]

    def prepare_value(self, value):
        if isinstance(value, str):
            return [code.strip() for code in value.split(",") if code.strip()]
        return value


def publishes(before: str | None, after: str) -> bool:
    """Whether a status change from *before* (None: a new campaign) to *after* makes it public.

    Leaving the draft for any public status (won, lost and closed campaigns are shown
    too), or (re)opening it as active: the publishing checklist applies.
    """
    if after == Campaign.Status.DRAFT:
        return False
    return before in (None, Campaign.Status.DRAFT) or (
        after == Campaign.Status.ACTIVE and before != Campaign.Status.ACTIVE
    )


class CampaignForm(forms.ModelForm):
    """The campaign's settings; setting it "active" first runs the publishing checklist."""

    languages = LanguagesField()

    class Meta:
        model = Campaign
        fields = ["status", "languages", "deadline_at", "sender_email"]  # the admin adds the rest

    def clean_languages(self) -> str:
        return ",".join(
            ordered_languages(self.cleaned_data["languages"], self.initial.get("languages", ""))
        )

    def clean_deadline_at(self):
        deadline = self.cleaned_data.get("deadline_at")
        if deadline is not None:
            try:
                deadline.astimezone(UTC)
            except OverflowError:  # 9999-12-31 23:59 west of Greenwich is year 10000 in UTC
                raise forms.ValidationError(
                    forms.DateTimeField.default_error_messages["invalid"], code="invalid"
                ) from None
        return deadline

    def _post_clean(self) -> None:
        super()._post_clean()
        before = self.initial.get("status") if self.instance.pk else None
        if publishes(before, self.instance.status):
            if self.instance.pk is None:
                self.add_error(
                    "status", gettext("Save the campaign as a draft first, then publish it.")
                )
                return
            found = checklist.problems(self.instance)
            if found:
                self.add_error(
                    "status",
                    [gettext("Not ready to publish:"), *found],
                )


class CampaignTextFormSet(forms.BaseInlineFormSet):
    """The campaign's texts: a save that publishes must leave a title and story in each language.

    The checklist (CampaignForm) reads the texts as they are before this save; a text
    deleted, or moved to another language, in the same save would otherwise go
    live missing.
    """

    def clean(self) -> None:
        super().clean()
        campaign = self.instance
        if campaign.pk is None:
            return
        before = Campaign.objects.filter(pk=campaign.pk).values_list("status", flat=True).first()
        if not publishes(before, campaign.status):
            return  # public before, or still a draft: texts are changed like any other field
        kept = {
            form.cleaned_data.get("language")
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and (form.cleaned_data.get("title") or "").strip()
            and (form.cleaned_data.get("story") or "").strip()
        }
        missing = checklist.missing_languages(campaign, kept)
        if missing:
            raise forms.ValidationError(
                gettext("The campaign needs a title and a story in %(languages)s.")
                % {"languages": ", ".join(missing)}
            )


class CampaignTextInline(admin.StackedInline):
    model = CampaignText
    formset = CampaignTextFormSet
    extra = 0
    min_num = 1


class InvitationForm(forms.ModelForm):
    class Meta:
        model = PartnerInvitation
        fields = ["organisation"]

    def clean_organisation(self) -> Organisation:
        organisation = self.cleaned_data["organisation"]
        campaign = self.instance.campaign if self.instance.campaign_id else None
        if campaign is None:
            return organisation
        if organisation.pk == campaign.lead_organisation_id:
            raise forms.ValidationError(gettext("The lead organisation cannot be its own partner."))
        if campaign.invitations.filter(
            organisation=organisation,
            status__in=[PartnerInvitation.Status.PENDING, PartnerInvitation.Status.ACCEPTED],
        ).exists():
            raise forms.ValidationError(
                gettext("%(organisation)s is already invited or a partner.")
                % {"organisation": organisation.name}
            )
        return organisation


class PartnerInvitationInline(admin.TabularInline):
    """Invite a partner by adding a row; it joins when its organisers accept."""

    model = PartnerInvitation
    form = InvitationForm
    extra = 0
    fields = ["organisation", "status", "invited_at", "answered_at"]
    readonly_fields = ["status", "invited_at", "answered_at"]
    can_delete = False
    verbose_name = _("partner invitation")
    verbose_name_plural = _("partners: invitations (a partner joins when it accepts)")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # an invitation is answered or withdrawn, never rewritten

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation")


class CampaignImageForm(CampaignForm):
    """The campaign form (CampaignForm) with its picture: decoded, checked, stored on save."""

    image = forms.FileField(
        label=_("picture"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_(
            "A JPEG, PNG or WebP photo, at most 20 MB, ideally 1200 pixels wide or more. "
            "It is re-encoded for phones and link previews, without its metadata (camera, "
            "place). Describe it for people who cannot see it in each language's text."
        ),
    )
    remove_image = forms.BooleanField(label=_("remove the picture"), required=False)

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        self.decoded_image = None
        if upload:
            try:
                self.decoded_image = images.decode(upload)
            except images.ImageRefused as refusal:
                raise forms.ValidationError(str(refusal)) from None
        return upload


@admin.register(Campaign)
class CampaignAdmin(LeadChangesMixin, admin.ModelAdmin):
    """Campaigns of the organiser's organisations; partners see theirs read-only."""

    form = CampaignImageForm

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
        "sender_name",
        "sender_email",
        "image",
        "remove_image",
    ]
    inlines = [CampaignTextInline, PartnerInvitationInline]

    def get_fields(self, request, obj=None):
        # A partner's read-only page has no upload: "image" is a form field, not the model's.
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            fields = [name for name in fields if name not in ("image", "remove_image")]
        return fields

    def save_model(self, request, obj: Campaign, form, change: bool) -> None:
        """Save the campaign; store a new picture (or remove it) and delete the old files."""
        super().save_model(request, obj, form, change)
        decoded = getattr(form, "decoded_image", None)
        if decoded is None and not form.cleaned_data.get("remove_image"):
            return
        old = (obj.image_name, obj.image_width_list)
        if decoded is not None:
            stored = images.store(decoded)
            obj.image_name, obj.image_width, obj.image_height = (
                stored.name,
                stored.width,
                stored.height,
            )
            obj.image_widths = ",".join(str(width) for width in stored.widths)
        else:
            obj.image_name, obj.image_width, obj.image_height, obj.image_widths = "", None, None, ""
        obj.save(update_fields=["image_name", "image_width", "image_height", "image_widths"])
        if old[0]:
            images.delete(*old)

    def delete_model(self, request, obj: Campaign) -> None:
        """Delete the campaign, and its picture's files once the deletion is committed."""
        picture = (obj.image_name, obj.image_width_list)
        super().delete_model(request, obj)
        if picture[0]:
            transaction.on_commit(partial(images.delete, *picture))

    def delete_queryset(self, request, queryset) -> None:
        pictures = [(c.image_name, c.image_width_list) for c in queryset if c.image_name]
        super().delete_queryset(request, queryset)
        for picture in pictures:
            transaction.on_commit(partial(images.delete, *picture))

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

    def view_on_site(self, obj: Campaign) -> str:
        """The public page; for a draft, its preview (organise app), which only organisers see."""
        if obj.status == Campaign.Status.DRAFT:
            return reverse("organise:preview", args=[obj.pk])
        return obj.get_absolute_url()

    def get_readonly_fields(self, request, obj=None):
        # A partner joins only by accepting an invitation, never by being ticked here.
        # Handing a campaign to another lead moves who controls it: superusers only.
        if obj is not None and not request.user.is_superuser:
            return ["lead_organisation", "partners"]
        return ["partners"]

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is not PartnerInvitation:
            super().save_formset(request, form, formset, change)
            return
        # Each new row is an invitation made through the service (checked, audited).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for invitation_form in formset.extra_forms:
            if not invitation_form.has_changed() or not invitation_form.is_valid():
                continue
            try:
                invitation = invite_partner(
                    campaign=form.instance,
                    organisation=invitation_form.cleaned_data["organisation"],
                    invited_by=request.user,
                )
            except PartnershipRefused as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                formset.new_objects.append(invitation)  # for the admin's change message

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


@admin.register(PartnerInvitation)
class PartnerInvitationAdmin(admin.ModelAdmin):
    """Invitations to an organiser's organisations, and those their campaigns sent.

    The invited organisation's organisers accept or decline; either side ends a
    partnership. The rows themselves are never edited by hand.
    """

    list_display = ["campaign", "organisation", "status", "invited_at", "answered_at"]
    list_filter = ["status"]
    fields = [
        "campaign",
        "organisation",
        "status",
        "invited_by_name",
        "invited_at",
        "answered_by_name",
        "answered_at",
    ]
    readonly_fields = fields
    list_select_related = ["campaign", "organisation"]
    actions = ["accept", "decline", "end"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("campaign__texts")
        if request.user.is_superuser:
            return queryset
        # Invitations to one of the user's organisations, or sent by a campaign they lead.
        organisations = request.user.organisations.all()
        return queryset.filter(
            Q(organisation__in=organisations) | Q(campaign__lead_organisation__in=organisations)
        )

    def has_add_permission(self, request) -> bool:
        return False  # invitations are made on the campaign's page

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the record of who agreed stays

    def has_answer_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("campaigns.change_partnerinvitation")

    @admin.display(description=_("invited by"))
    def invited_by_name(self, obj: PartnerInvitation) -> str:
        return obj.invited_by.get_username() if obj.invited_by else "—"

    @admin.display(description=_("answered by"))
    def answered_by_name(self, obj: PartnerInvitation) -> str:
        return obj.answered_by.get_username() if obj.answered_by else "—"

    def _each(self, request, queryset, verb) -> None:
        done, refusals = 0, set()
        for invitation in queryset:
            try:
                verb(invitation)
            except PartnershipRefused as refusal:
                refusals.add(str(refusal))
            else:
                done += 1
        for refusal in sorted(refusals):
            self.message_user(request, refusal, messages.ERROR)
        if done:
            self.message_user(
                request,
                ngettext("%(count)d invitation updated.", "%(count)d invitations updated.", done)
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=_("Accept: join the campaign as a partner"), permissions=["answer"])
    def accept(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda inv: answer_invitation(invitation=inv, user=request.user, accept=True),
        )

    @admin.action(description=_("Decline the invitation"), permissions=["answer"])
    def decline(self, request, queryset) -> None:
        self._each(
            request,
            queryset,
            lambda inv: answer_invitation(invitation=inv, user=request.user, accept=False),
        )

    @admin.action(
        description=_("Withdraw the invitation or end the partnership"), permissions=["answer"]
    )
    def end(self, request, queryset) -> None:
        self._each(
            request, queryset, lambda inv: end_partnership(invitation=inv, user=request.user)
        )
