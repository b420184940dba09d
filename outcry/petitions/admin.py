"""Admin for petitions and signatures, scoped to the organiser's campaigns and consent.

An organiser sees the petitions of their campaigns with the count of every
signature, but a signer's personal data (list, detail, search, filters,
autocomplete and the CSV export) only if the signer consented to one of the
organiser's organisations: all of those start from
``exports.visible_signatures`` or ``Supporter.objects.visible_to``.

Petitions belong to their campaign's lead organisation: its organisers add and
change them; a partner organisation's organisers see them read-only (counts,
texts) and export the signers who consented to the partner
(``campaigns.admin.LeadChangesMixin``).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.admin import CampaignLanguagesFormSet, LeadChangesMixin
from outcry.campaigns.models import Campaign
from outcry.core.audit import record_event
from outcry.core.countries import country_name
from outcry.core.spreadsheet import streaming_csv_response
from outcry.petitions import exports, services
from outcry.petitions.models import Petition, PetitionText, Signature


def _signature_count(**filters) -> Coalesce:
    """Count a petition's signatures in a subquery, so joins for search cannot inflate it."""
    counted = (
        Signature.objects.filter(petition=OuterRef("pk"), **filters)
        .order_by()
        .values("petition")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class PetitionTextInline(admin.StackedInline):
    model = PetitionText
    # The language is chosen from the content languages, and only the campaign's.
    formset = CampaignLanguagesFormSet
    extra = 0
    min_num = 1


@admin.register(Petition)
class PetitionAdmin(LeadChangesMixin, admin.ModelAdmin):
    """Petitions of the organiser's campaigns; a partner's are read-only, export included."""

    list_display = [
        "__str__",
        "campaign",
        "is_open",
        "goal",
        "confirmed_signatures",
        "pending_signatures",
        "export_link",
    ]
    list_filter = ["is_open", ("campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["slug", "texts__title"]
    fields = ["campaign", "slug", "goal", "is_open", "needs_confirmation", "shows_signers"]
    inlines = [PetitionTextInline]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("campaign")
            .prefetch_related("texts", "campaign__texts")
            .annotate(
                confirmed_total=_signature_count(confirmed_at__isnull=False),
                pending_total=_signature_count(confirmed_at__isnull=True),
            )
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(campaign__in=Campaign.objects.for_user(request.user))

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [*self.fields, *self.get_readonly_fields(request, obj)]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["confirmed_signatures", "pending_signatures", "export_link"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "campaign":
            # A petition is added only to a campaign the organiser's organisation leads.
            kwargs["queryset"] = Campaign.objects.led_by_user(request.user).prefetch_related(
                "texts"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("confirmed signatures"), ordering="confirmed_total")
    def confirmed_signatures(self, obj: Petition) -> int:
        return obj.confirmed_total

    @admin.display(description=_("waiting for confirmation"), ordering="pending_total")
    def pending_signatures(self, obj: Petition) -> int:
        return obj.pending_total

    @admin.display(description=_("export"))
    def export_link(self, obj: Petition) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:petitions_petition_export", args=[obj.pk]),
            _("Export signatures (CSV)"),
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/export-signatures/",
                self.admin_site.admin_view(self.export_view),
                name="petitions_petition_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Explain what the export holds (GET); download it as CSV and audit it (POST)."""
        petition = self.get_object(request, unquote(object_id))
        if petition is None:
            raise Http404
        if not request.user.has_perm("petitions.view_signature"):
            raise PermissionDenied
        if request.method == "POST":
            chunks = exports.export_signatures(petition=petition, user=request.user)
            return streaming_csv_response(filename=exports.export_filename(petition), chunks=chunks)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Export signatures"),
            "petition": petition,
            "total_count": petition.confirmed_total + petition.pending_total,
            "row_count": exports.visible_signatures(
                request.user, petition.signatures.all()
            ).count(),
        }
        return TemplateResponse(request, "admin/petitions/petition/export_signatures.html", context)


# From most hidden to most shown: an organiser may move a signer's choice only leftwards.
VISIBILITY_ORDER = [
    Signature.PublicName.HIDDEN,
    Signature.PublicName.FIRST,
    Signature.PublicName.FIRST_COUNTRY,
    Signature.PublicName.FULL,
]
PUBLIC_NAME_CHANGE = "signature-public-name"


class PublicNameForm(forms.ModelForm):
    """Offers only the signer's choice and those that show less of them."""

    class Meta:
        model = Signature
        fields = ["public_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("public_name")
        if field is not None and self.instance.pk is not None:
            allowed = VISIBILITY_ORDER[: VISIBILITY_ORDER.index(self.instance.public_name) + 1]
            field.choices = [(value, label) for value, label in field.choices if value in allowed]
            field.help_text = gettext(
                "The signer chose how their name is shown. You may show less of it, never more."
            )

    def clean_public_name(self) -> str:
        chosen = self.cleaned_data["public_name"]
        current = self.initial.get("public_name", Signature.PublicName.HIDDEN)
        if VISIBILITY_ORDER.index(chosen) > VISIBILITY_ORDER.index(current):
            raise forms.ValidationError(
                gettext("Only the signer may show more of their name than they chose.")
            )
        return chosen


@admin.register(Signature)
class SignatureAdmin(LeadChangesMixin, admin.ModelAdmin):
    list_display = [
        "signer_name",
        "signer_email",
        "petition",
        "created_at",
        "confirmed_at",
        "public_name",
        "flag",
        "flag_detail",
        "removed_at",
    ]
    list_filter = [
        ("petition", admin.RelatedOnlyFieldListFilter),
        ("confirmed_at", admin.EmptyFieldListFilter),
        "public_name",
        "flag",
        ("removed_at", admin.EmptyFieldListFilter),
    ]
    # flag_detail: a cluster's network label or a disposable domain, to review them together.
    search_fields = ["supporter__email", "name", "=flag_detail"]
    actions = ["remove_as_spam"]
    fields = [
        "petition",
        "signer_name",
        "signer_email",
        "signer_country",
        "comment",
        "public_name",
        "language",
        "created_at",
        "confirmed_at",
        "flag",
        "flag_detail",
        "removed_at",
    ]
    # Only the public name is editable, and only towards hiding (PublicNameForm),
    # so an organiser can take an abusive or mistaken name off the public list
    # of signers but never publish someone who chose to stay hidden.
    readonly_fields = [name for name in fields if name != "public_name"]
    form = PublicNameForm

    def campaign_of(self, obj: Signature) -> Campaign:
        # A partner reads a signer who consented to it; only the lead hides a name.
        return obj.petition.campaign

    def save_model(self, request, obj: Signature, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "public_name" in form.changed_data:
            record_event(
                actor=request.user,
                action=PUBLIC_NAME_CHANGE,
                object_repr=f"signature {obj.pk} on {obj.petition.slug}",
                subject_type="campaign",
                subject_id=obj.petition.campaign_id,
                details={
                    "signature_id": obj.pk,
                    "petition_id": obj.petition_id,
                    "public_name": [form.initial.get("public_name"), obj.public_name],
                },
            )

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("supporter", "petition__campaign")
            .prefetch_related("petition__texts")
        )
        return exports.visible_signatures(request.user, queryset)

    def has_add_permission(self, request) -> bool:
        return False  # signatures come only from the signing form

    def changelist_view(self, request: HttpRequest, extra_context=None):
        """Say why the list holds fewer signatures than the petition counts, when it does."""
        if request.method == "GET" and not request.user.is_superuser:
            note = self.consent_note(request)
            if note:
                messages.info(request, note)
        return super().changelist_view(request, extra_context)

    def consent_note(self, request: HttpRequest) -> str:
        """The note "Showing 1 of 3 signatures: only supporters who agreed to …", or ""."""
        every = Signature.objects.filter(
            petition__campaign__in=Campaign.objects.for_user(request.user)
        )
        petition = request.GET.get("petition__id__exact", "")
        # ASCII digits only ("²" is a digit to str.isdigit, not to int), and few enough
        # to fit a database integer: anything else filters nothing here.
        if petition.isascii() and petition.isdigit() and len(petition) <= 9:
            every = every.filter(petition_id=int(petition))
        total = every.count()
        shown = exports.visible_signatures(request.user, every).count()
        if shown == total:
            return ""
        names = [org.name for org in request.user.organisations.order_by("name")]
        return ngettext(
            "Showing %(shown)s of %(total)s signature: only supporters who agreed to hear"
            " from %(organisations)s. The petition counts every signature.",
            "Showing %(shown)s of %(total)s signatures: only supporters who agreed to hear"
            " from %(organisations)s. The petition counts every signature.",
            total,
        ) % {"shown": shown, "total": total, "organisations": ", ".join(names)}

    @admin.action(description=_("Remove selected signatures as spam"), permissions=["change"])
    def remove_as_spam(self, request: HttpRequest, queryset) -> None:
        """Take the chosen signatures out of the count (audited); only on petitions one leads."""
        led = queryset
        if not request.user.is_superuser:
            led = queryset.filter(
                petition__campaign__lead_organisation__in=request.user.organisations.all()
            )
        skipped = queryset.count() - led.count()
        removed = services.remove_as_spam(signatures=led, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d signature removed as spam; it no longer counts.",
                "%(count)d signatures removed as spam; they no longer count.",
                removed,
            )
            % {"count": removed},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d signature was left alone: only its petition's lead "
                    "organisation may remove it.",
                    "%(count)d signatures were left alone: only their petition's lead "
                    "organisation may remove them.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.display(description=_("name"), ordering="name")
    def signer_name(self, obj: Signature) -> str:
        return obj.name

    @admin.display(description=_("email"), ordering="supporter__email")
    def signer_email(self, obj: Signature) -> str:
        return obj.supporter.email

    @admin.display(description=_("country"))
    def signer_country(self, obj: Signature) -> str:
        return country_name(obj.country) if obj.country else ""
