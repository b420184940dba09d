"""Admin for cases, scoped like the campaign they belong to, with the protected tier apart.

A case belongs to its campaign's lead organisation: its organisers add and
change it; partners' organisers read its public part (``LeadChangesMixin``).
The protected record (real names, photo, exact place, family contacts, notes)
is shown, changed and served only to organisers who are members of the
campaign's lead organisation (``may_see_record``), superusers included only if
they are such members; every reading and change of it is in the audit log. Its
photo is re-encoded on upload (no EXIF, no GPS position, one random name) and
served by ``photo_view`` alone, never by a public URL.

Status changes have their own page, with their sources (at least one) and
public notes; the list's action "Draft an update for subscribers" drafts an
update and a mailing from a change (cases.services.draft_update).
"""

import io
import secrets

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from outcry.campaigns.admin import CampaignLanguagesFormSet, LeadChangesMixin
from outcry.campaigns.models import Campaign
from outcry.cases import services
from outcry.cases.models import (
    Case,
    CaseCount,
    CaseRecord,
    CaseText,
    Source,
    StatusChange,
    StatusNote,
    delete_private_file,
    private_storage,
)
from outcry.core.audit import record_event
from outcry.core.forms import LineField, TextField

RECORD_VIEW = "case-record-view"
RECORD_CHANGE = "case-record-change"
PHOTO_VIEW = "case-photo-view"
# Longest side of a stored photo, in pixels: enough to recognise someone, small to keep.
PHOTO_SIDE = 1600

# Every text an organiser types: one line without control characters, or tidy text.
TEXT_FIELDS = {
    models.URLField: {"form_class": forms.URLField},
    models.CharField: {"form_class": LineField},
    models.TextField: {"form_class": TextField, "widget": forms.Textarea},
}


def may_see_record(user, campaign: Campaign) -> bool:
    """Whether *user* may read and change the protected records of *campaign*'s cases.

    Only active members of the campaign's lead organisation: never a partner's
    organisers, and not a superuser who is not such a member.
    """
    return (
        user.is_active
        and user.is_staff
        and user.organisations.filter(pk=campaign.lead_organisation_id).exists()
    )


def _audit(request, case: Case, action: str, **details) -> None:
    record_event(
        actor=request.user,
        action=action,
        object_repr=f"case {case.pk} on {case.campaign.slug}",
        organisation=case.campaign.lead_organisation,
        subject_type="campaign",
        subject_id=case.campaign_id,
        details={"case_id": case.pk, **details},
    )


class AtLeastOneFormSet(forms.BaseInlineFormSet):
    """An inline whose rows may all be left empty in the form, but not all missing."""

    refusal = ""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if i >= self.initial_form_count():
            form.empty_permitted = True  # the formset says what is missing, once, clearly
        form.use_required_attribute = False
        return form

    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if not self._should_delete_form(form)
            and (form.instance.pk is not None or form.has_changed())
        ]
        if not kept and not any(form.errors for form in self.forms):
            raise forms.ValidationError(str(self.refusal), code="missing")


class CaseTextFormSet(AtLeastOneFormSet, CampaignLanguagesFormSet):
    refusal = _(
        "Give the case a public description in at least one language: what may be said"
        " publicly, such as “16-year-old boy, his brother lives in South Korea”."
    )


class CaseCountFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        total = sum(
            form.cleaned_data.get("count") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        size = self.instance.group_size
        if size and total > size:
            raise forms.ValidationError(
                ngettext(
                    "The counts add up to %(total)s, more than the group's %(size)s person.",
                    "The counts add up to %(total)s, more than the group's %(size)s people.",
                    size,
                )
                % {"total": total, "size": size},
                code="too_many",
            )


class SourceFormSet(AtLeastOneFormSet):
    refusal = _(
        "A status change needs at least one source: the outlet or organisation that"
        " reported it, and the date."
    )


class StatusNoteFormSet(CampaignLanguagesFormSet):
    pass


class CaseTextInline(admin.StackedInline):
    model = CaseText
    formset = CaseTextFormSet
    formfield_overrides = TEXT_FIELDS
    extra = 0
    min_num = 1


class CaseCountInline(admin.TabularInline):
    model = CaseCount
    formset = CaseCountFormSet
    extra = 0


class RecordForm(forms.ModelForm):
    class Meta:
        model = CaseRecord
        fields = ["real_names", "photo", "exact_place", "family_contacts", "notes"]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if not photo or photo == self.initial.get("photo") or not hasattr(photo, "read"):
            return photo
        return reencoded(photo)


def reencoded(upload) -> ContentFile:
    """The uploaded picture as a new JPEG: upright, at most PHOTO_SIDE, no metadata, random name.

    A camera's EXIF can hold where and when the picture was taken and the
    device; the original file name can hold a person's name. Neither is kept.
    """
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image)
            image.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=85)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise forms.ValidationError(
            gettext("This file is not a picture we can read. Upload a JPEG or PNG photo."),
            code="invalid_image",
        ) from None
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(16)}.jpg")


class CaseRecordInline(admin.StackedInline):
    """The protected tier: added to the case page only for the lead's organisers."""

    model = CaseRecord
    form = RecordForm
    formfield_overrides = TEXT_FIELDS
    extra = 1
    max_num = 1
    can_delete = False
    verbose_name_plural = _("protected record (only your organisation's organisers see it)")


class StatusNoteInline(admin.TabularInline):
    model = StatusNote
    formset = StatusNoteFormSet
    formfield_overrides = TEXT_FIELDS
    extra = 0


class SourceInline(admin.TabularInline):
    model = Source
    formset = SourceFormSet
    formfield_overrides = TEXT_FIELDS
    extra = 1
    min_num = 1


class CampaignCasesMixin(LeadChangesMixin):
    """Rows of a campaign's cases: listed for its lead and partners, changed by the lead."""

    campaign_lookup = "campaign"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        campaigns = Campaign.objects.for_user(request.user)
        return queryset.filter(**{f"{self.campaign_lookup}__in": campaigns})


@admin.register(Case)
class CaseAdmin(CampaignCasesMixin, admin.ModelAdmin):
    formfield_overrides = TEXT_FIELDS
    list_display = ["__str__", "campaign", "kind", "group_size", "arrested_on", "is_published"]
    list_filter = ["is_published", "kind", ("campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["texts__summary", "arrest_place"]
    fieldsets = [
        (None, {"fields": ["campaign", "kind", "is_published", "position"]}),
        (
            _("Public: who, where, when"),
            {"fields": ["group_size", "arrest_place", "arrested_on", "held_in"]},
        ),
        (
            _("Urgency: the window in which repatriation is feared"),
            {
                "fields": [
                    ("window_starts_on", "window_ends_on"),
                    ("window_source_outlet", "window_source_on"),
                    "window_source_url",
                ]
            },
        ),
        (_("Timeline"), {"fields": ["timeline_table"]}),
    ]
    readonly_fields = ["timeline_table"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("campaign")
            .prefetch_related("texts", "campaign__texts")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "campaign":
            kwargs["queryset"] = Campaign.objects.led_by_user(request.user).prefetch_related(
                "texts"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        inlines = [CaseTextInline, CaseCountInline]
        if obj is None:
            # A new case: its campaign is one the organiser's organisation leads.
            if Campaign.objects.filter(
                lead_organisation__in=request.user.organisations.all()
            ).exists():
                inlines.append(CaseRecordInline)
        elif may_see_record(request.user, obj.campaign):
            inlines.append(CaseRecordInline)
        return inlines

    @admin.display(description=_("status changes, oldest first"))
    def timeline_table(self, obj: Case) -> str:
        if obj is None or obj.pk is None:
            return gettext("Save the case first, then add its status changes.")
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a> · {}</li>',
            (
                (
                    reverse("admin:cases_statuschange_change", args=[change.pk]),
                    change,
                    change.get_confidence_display(),
                )
                for change in obj.timeline()
            ),
        )
        add = reverse("admin:cases_statuschange_add") + f"?case={obj.pk}"
        return format_html(
            '<ul>{}</ul><p><a href="{}">{}</a></p>', rows, add, gettext("Add a status change")
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        case = self.get_object(request, object_id)
        if (
            request.method == "GET"
            and case is not None
            and getattr(response, "status_code", 0) == 200
            and may_see_record(request.user, case.campaign)
            and CaseRecord.objects.filter(case=case).exists()
        ):
            _audit(request, case, RECORD_VIEW)
        return response

    def save_formset(self, request, form, formset, change):
        if formset.model is not CaseRecord:
            super().save_formset(request, form, formset, change)
            return
        if not may_see_record(request.user, form.instance.campaign):
            if any(record_form.has_changed() for record_form in formset.forms):
                raise PermissionDenied  # a superuser outside the lead writes no record
            # Nothing typed: nothing saved (the change message reads these lists).
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        before = dict(CaseRecord.objects.filter(case=form.instance).values_list("pk", "photo"))
        super().save_formset(request, form, formset, change)
        for record_form in formset.forms:
            record = record_form.instance
            old = before.get(record.pk, "")
            if old and old != (record.photo.name if record.photo else ""):
                delete_private_file(old)  # replaced or cleared: no copy stays behind
        if any(record_form.has_changed() for record_form in formset.forms):
            _audit(request, form.instance, RECORD_CHANGE)

    def get_urls(self):
        return [
            path(
                "photo/<path:name>",
                self.admin_site.admin_view(self.photo_view),
                name="cases_case_photo",
            ),
            *super().get_urls(),
        ]

    def photo_view(self, request: HttpRequest, name: str) -> HttpResponse:
        """Serve a protected photo to the lead organisation's organisers (audited); else 404."""
        record = CaseRecord.objects.select_related("case__campaign").filter(photo=name).first()
        if record is None or not may_see_record(request.user, record.case.campaign):
            raise Http404  # the same answer whether the photo exists or not
        _audit(request, record.case, PHOTO_VIEW)
        storage = private_storage()
        response = FileResponse(storage.open(name), content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        return response


@admin.register(StatusChange)
class StatusChangeAdmin(CampaignCasesMixin, admin.ModelAdmin):
    campaign_lookup = "case__campaign"
    formfield_overrides = TEXT_FIELDS
    inlines = [SourceInline, StatusNoteInline]
    list_display = ["__str__", "case", "confidence", "source_count"]
    list_filter = ["status", "confidence", ("case__campaign", admin.RelatedOnlyFieldListFilter)]
    fields = ["case", "status", "happened_on", "confidence"]
    actions = ["draft_update"]

    def campaign_of(self, obj) -> Campaign:
        return obj.case.campaign

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("case__campaign")
            .prefetch_related("sources", "case__texts", "case__campaign__texts")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "case":
            led = Campaign.objects.led_by_user(request.user)
            kwargs["queryset"] = (
                Case.objects.filter(campaign__in=led)
                .select_related("campaign")
                .prefetch_related("texts", "campaign__texts")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("sources"))
    def source_count(self, obj: StatusChange) -> int:
        return len(obj.sources.all())

    def has_draft_permission(self, request) -> bool:
        return Campaign.objects.led_by_user(request.user).exists()

    @admin.action(description=_("Draft an update for subscribers"), permissions=["draft"])
    def draft_update(self, request, queryset) -> None:
        for change in queryset.select_related("case__campaign"):
            if not change.case.campaign.is_led_by(request.user):
                messages.error(
                    request,
                    gettext("Only the campaign's lead organisation drafts updates from %(change)s.")
                    % {"change": change},
                )
                continue
            try:
                _update, mailing = services.draft_update(change=change, user=request.user)
            except services.CannotDraft as refusal:
                messages.error(request, f"{change}: {refusal.message}")
                continue
            messages.success(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    gettext(
                        "A draft update and a draft mailing to the campaign's subscribers"
                        " were written from %(change)s. Nothing is sent until you start it."
                    )
                    % {"change": change},
                    reverse("admin:mailings_mailing_review", args=[mailing.pk]),
                    gettext("Review and send the mailing"),
                ),
            )
