"""Admin for letter actions and their letter templates, scoped to the organiser's campaigns.

Like petitions, letter actions belong to their campaign's lead organisation:
its organisers add and change actions and templates; a partner organisation's
organisers see them read-only (``campaigns.admin.LeadChangesMixin``).

An action's page shows how many letters were written and how many the
supporters personalised (personal letters carry more weight), with the
deliveries by channel and status. Templates are edited on their own page, with
their paragraphs inline (the admin cannot nest inlines). Imported at the end of
admin.py.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.admin import LeadChangesMixin
from outcry.campaigns.models import Campaign
from outcry.core.countries import current_country_choices
from outcry.directory.models import TargetList
from outcry.letters import channels, services, wording
from outcry.letters.models import Delivery, LetterAction, LetterTemplate, Paragraph


def _campaigns_of(user):
    return Campaign.objects.for_user(user)


def placeholder_help() -> str:
    """The placeholders as one line of help text."""
    listed = "; ".join(f"{code}: {meaning}" for code, meaning in wording.PLACEHOLDERS)
    return gettext("Placeholders, filled in for each office: %(list)s.") % {"list": listed}


def _kept(formset: forms.BaseInlineFormSet, is_real) -> list:
    """The forms of *formset* that stay after saving: valid, not deleted, and *is_real*."""
    return [
        form
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and is_real(form)
    ]


class LetterTemplateFormSet(forms.BaseInlineFormSet):
    """An open action of a published campaign keeps a letter with paragraphs in each language.

    Templates added here have no paragraphs yet (they are written on the
    template's own page): an action that is live refuses them, and refuses to
    lose its last template.
    """

    def clean(self) -> None:
        super().clean()
        action = self.instance
        if not action.campaign_id or not action.is_live:
            return
        kept = _kept(self, lambda form: form.instance.pk or form.has_changed())
        counts = [
            (
                form.cleaned_data.get("language") or "?",
                form.instance.paragraphs.count() if form.instance.pk else 0,
            )
            for form in kept
        ]
        empty = services.empty_languages(counts)
        if not kept or empty:
            raise forms.ValidationError(services.not_ready_message(action, empty))


class LetterActionForm(forms.ModelForm):
    """Channels as labelled checkboxes, the sending state from the list of countries."""

    channels = forms.MultipleChoiceField(
        label=_("channels offered"),
        choices=channels.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one way of sending the letter.")},
    )
    represents = forms.ChoiceField(
        label=_("sending state: missions of"),
        choices=current_country_choices,
        required=False,
        help_text=_(
            "For “the mission nearest to the supporter”: the country whose embassies and"
            " consulates are written to."
        ),
    )

    class Meta:
        model = LetterAction
        fields = ["channels", "represents"]  # the admin adds the rest

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        stored = self.initial.get("channels")
        if isinstance(stored, str):
            self.initial["channels"] = [code.strip() for code in stored.split(",") if code]

    def clean_channels(self) -> str:
        chosen = self.cleaned_data["channels"]
        return ",".join(code for code, _label in channels.choices() if code in chosen)


class LetterTemplateInline(admin.StackedInline):
    model = LetterTemplate
    formset = LetterTemplateFormSet
    extra = 0
    fields = ["language", "title", "subject", "introduction", "call_script"]
    show_change_link = True  # the paragraphs are edited on the template's own page


@admin.register(LetterAction)
class LetterActionAdmin(LeadChangesMixin, admin.ModelAdmin):
    form = LetterActionForm
    list_display = [
        "title",
        "campaign",
        "selection",
        "is_open",
        "letters_written",
        "letters_personalised",
    ]
    list_filter = ["is_open", "selection", ("campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["slug", "templates__title"]
    fields = [
        "campaign",
        "slug",
        "target_list",
        "selection",
        "represents",
        "channels",
        "is_open",
        "letter_summary",
    ]
    readonly_fields = ["letter_summary"]
    inlines = [LetterTemplateInline]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("campaign")
            .prefetch_related("templates")
            .annotate(
                letter_count=Count("letters", distinct=True),
                personalised_count=Count(
                    "letters", filter=Q(letters__is_personalised=True), distinct=True
                ),
            )
            .order_by("created_at", "pk")
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(campaign__in=_campaigns_of(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "campaign" and not request.user.is_superuser:
            kwargs["queryset"] = Campaign.objects.led_by_user(request.user)
        if db_field.name == "target_list" and not request.user.is_superuser:
            # Another organisation's list could change under the action: only the
            # organiser's own lists and the shared ones, which superusers keep.
            kwargs["queryset"] = services.usable_lists(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        field = form.base_fields.get("target_list")
        if field is not None and obj is not None and not request.user.is_superuser:
            # Saving the action unchanged keeps the list it already writes to.
            field.queryset = (
                field.queryset | TargetList.objects.filter(pk=obj.target_list_id)
            ).distinct()
        return form

    @admin.display(description=_("title"), ordering="slug")
    def title(self, action: LetterAction) -> str:
        return str(action)

    @admin.display(description=_("letters"), ordering="letter_count")
    def letters_written(self, action: LetterAction) -> int:
        return action.letter_count

    @admin.display(description=_("personalised"), ordering="personalised_count")
    def letters_personalised(self, action: LetterAction) -> int:
        return action.personalised_count

    @admin.display(description=_("letters so far"))
    def letter_summary(self, action: LetterAction) -> str:
        """Letters written and personalised, and deliveries by channel and status."""
        if action.pk is None:
            return "—"
        total = action.letters.count()
        personalised = action.letters.filter(is_personalised=True).count()
        share = f" ({personalised * 100 // total} %)" if total else ""
        rows = (
            Delivery.objects.filter(letter__action=action)
            .values("kind", "status")
            .annotate(count=Count("pk"))
            .order_by("kind", "status")
        )
        statuses = dict(Delivery.Status.choices)
        url = (
            reverse("admin:letters_delivery_changelist") + f"?letter__action__id__exact={action.pk}"
        )
        table = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    channels.get(row["kind"]).name,
                    statuses.get(row["status"], row["status"]),
                    row["count"],
                )
                for row in rows
            ),
        )
        return format_html(
            "<p>{}</p><p>{}</p>"
            '<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>'
            '<p><a href="{}">{}</a></p>',
            gettext("Letters written: %(total)s") % {"total": total},
            gettext("Personalised by the supporter: %(count)s%(share)s")
            % {"count": personalised, "share": share},
            gettext("Channel"),
            gettext("Status"),
            gettext("Deliveries"),
            table,
            url,
            gettext("See every delivery"),
        )


class ParagraphFormSet(forms.BaseInlineFormSet):
    """A template of a live action keeps at least one paragraph (LetterTemplateFormSet)."""

    def clean(self) -> None:
        super().clean()
        template = self.instance
        action = getattr(template, "action", None) if template.action_id else None
        if action is None or not action.is_live:
            return
        if not _kept(self, lambda form: (form.cleaned_data.get("text") or "").strip()):
            language = template.language or "?"
            raise forms.ValidationError(services.not_ready_message(action, [language]))


class ParagraphInline(admin.StackedInline):
    """One paragraph a block: its whole text in a wide box, the placeholders listed under it.

    (A table squeezed the text into a narrow column and hid the help in its header.)
    """

    model = Paragraph
    formset = ParagraphFormSet
    extra = 1
    fields = [("position", "kind", "is_included_by_default"), "label", "text"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "text":
            field.help_text = placeholder_help()
            field.widget = forms.Textarea(attrs={"rows": 5, "cols": 90, "class": "vLargeTextField"})
        return field


@admin.register(LetterTemplate)
class LetterTemplateAdmin(LeadChangesMixin, admin.ModelAdmin):
    list_display = ["title", "language", "action"]
    list_filter = ["language", ("action", admin.RelatedOnlyFieldListFilter)]
    fields = [
        "action",
        "language",
        "title",
        "subject",
        "introduction",
        "call_script",
        "placeholders",
    ]
    readonly_fields = ["placeholders"]
    inlines = [ParagraphInline]

    @admin.display(description=_("placeholders"))
    def placeholders(self, template: LetterTemplate | None = None) -> str:
        """What the paragraphs, subject and call script may hold, and what each becomes."""
        rows = format_html_join(
            "",
            "<li><code>{}</code>: {}</li>",
            ((code, meaning) for code, meaning in wording.PLACEHOLDERS),
        )
        return format_html(
            "<p>{}</p><ul>{}</ul>",
            gettext(
                "The paragraphs, the subject and the call script may hold these; supporters "
                "see them filled in for the first office they write to, never in braces."
            ),
            rows,
        )

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("action__campaign")
            .prefetch_related("action__templates")
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(action__campaign__in=_campaigns_of(request.user))

    def campaign_of(self, obj: LetterTemplate) -> Campaign:
        return obj.action.campaign

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "action" and not request.user.is_superuser:
            kwargs["queryset"] = LetterAction.objects.filter(
                campaign__in=Campaign.objects.led_by_user(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
