"""The guided flow's forms: one per step, with a group of fields per language.

A field of one language is named "<code>-<name>" ("ko-title"). Every content
language has its group on the first step (a language is ticked or not, and a text
is asked only for the ticked ones, so the page works without JavaScript); the
later steps ask only for the campaign's languages. The forms check input and word
the errors; the services write.
"""

import zoneinfo
from datetime import UTC
from email.utils import parseaddr

from django import forms
from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.checklist import language_name
from outcry.campaigns.models import (
    Campaign,
    Organisation,
    ordered_languages,
    time_zone_choices,
)
from outcry.core.countries import current_country_choices
from outcry.core.forms import EmailAddressField, LineField, TextField
from outcry.directory.models import TargetList
from outcry.letters import channels, wording
from outcry.letters.models import LetterAction
from outcry.letters.services import usable_lists

DEADLINE_FORMAT = "%Y-%m-%dT%H:%M"


class LanguageGroups:
    """A form with a group of fields per language: ``groups`` for the template."""

    per_language: dict[str, forms.Field] = {}
    languages: list[str] = []

    def add_language_fields(self, languages: list[str], initial: dict[str, dict]) -> None:
        self.languages = languages
        for code in languages:
            for name, field in self.language_fields().items():
                self.fields[f"{code}-{name}"] = field
                self.initial.setdefault(f"{code}-{name}", initial.get(code, {}).get(name, ""))

    def language_fields(self) -> dict[str, forms.Field]:
        raise NotImplementedError

    def groups(self) -> list[dict]:
        return [
            {
                "code": code,
                "name": language_name(code),
                "fields": [self[f"{code}-{name}"] for name in self.language_fields()],
            }
            for code in self.languages
        ]

    def texts(self, languages: list[str]) -> dict[str, dict[str, str]]:
        return {
            code: {
                name: self.cleaned_data.get(f"{code}-{name}") or ""
                for name in self.language_fields()
            }
            for code in languages
        }

    def require(self, languages: list[str], names: list[str], message: str) -> None:
        """Add *message* to each empty field of *names* in *languages*."""
        for code in languages:
            for name in names:
                key = f"{code}-{name}"
                if key in self.fields and not self.cleaned_data.get(key) and key not in self.errors:
                    label = str(self.fields[key].label).lower()
                    self.add_error(key, message % {"field": label, "language": language_name(code)})


class StoryForm(LanguageGroups, forms.Form):
    """Step 1: languages, the story in each, the deadline and the goal."""

    lead = forms.ModelChoiceField(
        label=_("Lead organisation"), queryset=Organisation.objects.none(), empty_label=None
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages of the campaign"),
        choices=settings.CONTENT_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The first one ticked is shown to readers whose language is not ticked."),
        error_messages={"required": _("Tick at least one language.")},
    )
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        input_formats=[DEADLINE_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DEADLINE_FORMAT),
        help_text=_("Date and time on the clock of the time zone below."),
        error_messages={
            "required": _("Give the deadline: the date and time the campaign ends."),
            "invalid": _("Give the deadline as a date and a time, e.g. 2027-01-31 23:59."),
        },
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    goal = forms.IntegerField(
        label=_("Goal (signatures)"),
        min_value=1,
        max_value=100_000_000,
        initial=1000,
        error_messages={"required": _("Give a goal: how many signatures you hope for.")},
    )

    def __init__(self, *args, user, campaign: Campaign | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["lead"].queryset = user.organisations.order_by("name")
        if campaign is not None or self.fields["lead"].queryset.count() == 1:
            # The lead is chosen once, when the campaign starts; an organiser of one
            # organisation has nothing to choose.
            self.fields["lead"].required = False
            self.fields["lead"].widget = forms.HiddenInput()
        initial: dict[str, dict] = {}
        if campaign is not None:
            self.initial.setdefault("languages", campaign.language_codes)
            if campaign.deadline_at:
                self.initial.setdefault("deadline", campaign.local_deadline.replace(tzinfo=None))
            self.initial.setdefault("time_zone", campaign.time_zone)
            petition = campaign.petitions.first()
            if petition is not None:
                self.initial.setdefault("goal", petition.goal)
            initial = {
                text.language: {"title": text.title, "summary": text.summary, "story": text.story}
                for text in campaign.texts.all()
            }
        else:
            self.initial.setdefault("languages", ["en", "ko"])
            self.initial.setdefault("time_zone", "Asia/Seoul")
        self.add_language_fields([code for code, _name in settings.CONTENT_LANGUAGES], initial)

    def language_fields(self) -> dict[str, forms.Field]:
        return {
            "title": LineField(label=_("Title"), max_length=200, required=False),
            "summary": LineField(
                label=_("Summary"),
                max_length=300,
                required=False,
                help_text=_("One or two sentences, shown first and when the page is shared."),
            ),
            "story": TextField(
                label=_("Story"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 8}),
                help_text=_("Markdown: links and emphasis are kept."),
            ),
        }

    def clean_lead(self) -> Organisation | None:
        lead = self.cleaned_data.get("lead")
        if lead is None and self.campaign is None:
            lead = self.fields["lead"].queryset.first()
        return lead

    def clean(self) -> dict:
        cleaned = super().clean()
        languages = cleaned.get("languages") or []
        self.require(
            languages,
            ["title", "story"],
            gettext("Write the %(field)s in %(language)s, or untick it."),
        )
        deadline, zone = cleaned.get("deadline"), cleaned.get("time_zone")
        if deadline and zone:
            # The form read the time on the server's clock; it was typed on the campaign's.
            local = deadline.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(zone))
            try:
                local.astimezone(UTC)
            except OverflowError:  # 9999-12-31 23:59 west of Greenwich is year 10000 in UTC
                self.add_error("deadline", self.fields["deadline"].error_messages["invalid"])
                return cleaned
            if local <= timezone.now():
                self.add_error("deadline", gettext("Choose a deadline in the future."))
            cleaned["deadline_at"] = local
        return cleaned

    def ordered_languages(self) -> list[str]:
        """The ticked languages, the campaign's first in their order, then the rest."""
        before = self.campaign.languages if self.campaign else ""
        return ordered_languages(self.cleaned_data["languages"], before)


class PetitionForm(LanguageGroups, forms.Form):
    """Step 2: the petition's words in each language of the campaign."""

    def __init__(self, *args, campaign: Campaign, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        petition = campaign.petitions.first()
        initial = {}
        if petition is not None:
            initial = {
                text.language: {"title": text.title, "addressee": text.addressee, "text": text.text}
                for text in petition.texts.all()
            }
        self.add_language_fields(campaign.language_codes, initial)

    def language_fields(self) -> dict[str, forms.Field]:
        return {
            "title": LineField(label=_("Petition title"), max_length=200, required=False),
            "addressee": LineField(
                label=_("Addressed to"),
                max_length=300,
                required=False,
                help_text=_("e.g. “UN High Commissioner for Refugees”"),
            ),
            "text": TextField(
                label=_("Petition text"), required=False, widget=forms.Textarea(attrs={"rows": 6})
            ),
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        self.require(
            self.languages,
            ["title", "addressee", "text"],
            gettext("Write the %(field)s in %(language)s."),
        )
        return cleaned


class TargetListChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: TargetList) -> str:
        return gettext("%(name)s (%(count)s offices)") % {
            "name": obj.name,
            "count": obj.target_count,
        }


def channel_choices() -> list[tuple[str, str]]:
    """Each way of sending, named for organisers with who does the sending."""
    return [
        (
            channel.code,
            gettext("%(channel)s: sent by this site in the writer's name")
            % {"channel": capfirst(channel.label)}
            if channel.sent_by == channels.Sender.SITE
            else gettext("%(channel)s: the supporter does it")
            % {"channel": capfirst(channel.label)},
        )
        for channel in channels.all_channels()
    ]


class LetterForm(LanguageGroups, forms.Form):
    """Step 3: whom the letter goes to, how, from which address, and its words per language."""

    represents = forms.ChoiceField(
        label=_("Sending state"),
        choices=current_country_choices,
        required=False,
        help_text=_(
            "The country whose embassies and consulates supporters write to (for “the"
            " mission nearest to the supporter”)."
        ),
    )
    target_list = TargetListChoice(
        label=_("Targets"),
        queryset=TargetList.objects.none(),
        empty_label=None,
        help_text=_("The list of offices the letter may go to."),
    )
    selection = forms.ChoiceField(
        label=_("Which offices each supporter writes to"),
        choices=LetterAction.Selection.choices,
        initial=LetterAction.Selection.NEAREST_MISSION,
    )
    channels = forms.MultipleChoiceField(
        label=_("Ways of sending offered"),
        choices=channel_choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["email", "post", "mailto", "phone"],
        error_messages={"required": _("Tick at least one way of sending the letter.")},
    )
    sender_email = EmailAddressField(
        label=_("Sender address"),
        help_text=_("The campaign's emails (confirmations, updates) come from this address."),
        error_messages={"required": _("Give the address the campaign's emails come from.")},
    )

    def __init__(self, *args, campaign: Campaign, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["target_list"].queryset = usable_lists(user).annotate(
            target_count=Count("targets")
        )
        action = campaign.letter_actions.first()
        initial: dict[str, dict] = {}
        if action is not None:
            self.initial.setdefault("represents", action.represents)
            self.initial.setdefault("target_list", action.target_list_id)
            self.initial.setdefault("selection", action.selection)
            self.initial.setdefault("channels", [c for c in action.channels.split(",") if c])
            for template in action.templates.prefetch_related("paragraphs"):
                initial[template.language] = {
                    "title": template.title,
                    "subject": template.subject,
                    "paragraphs": "\n\n".join(p.text for p in template.paragraphs.all()),
                }
        self.initial.setdefault("sender_email", campaign.sender_email or site_address())
        self.add_language_fields(campaign.language_codes, initial)

    def language_fields(self) -> dict[str, forms.Field]:
        return {
            "title": LineField(
                label=_("Title on the page"),
                max_length=200,
                required=False,
                help_text=_("e.g. “Write to the Chinese embassy”"),
            ),
            "subject": LineField(label=_("Subject of the letter"), max_length=200, required=False),
            "paragraphs": TextField(
                label=_("Paragraphs"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 10}),
                help_text=_("Leave a blank line between paragraphs."),
            ),
        }

    def placeholders(self) -> list[tuple[str, str]]:
        return wording.PLACEHOLDERS

    def clean(self) -> dict:
        cleaned = super().clean()
        self.require(
            self.languages,
            ["title", "subject", "paragraphs"],
            gettext("Write the %(field)s in %(language)s."),
        )
        if cleaned.get("selection") == LetterAction.Selection.NEAREST_MISSION and not cleaned.get(
            "represents"
        ):
            self.add_error(
                "represents",
                gettext(
                    "Choose the sending state whose embassies and consulates supporters write to."
                ),
            )
        return cleaned


def site_address() -> str:
    """The site's own sending address (what a campaign's emails come from by default)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


class OrganisationChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class PartnersForm(forms.Form):
    """Step 4: the organisations invited to run the campaign with the lead."""

    partners = OrganisationChoices(
        label=_("Partner organisations"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "Each one ticked is invited; it joins, and its name appears on the page, when one"
            " of its organisers accepts (in the admin, under Partner invitations)."
        ),
    )

    def __init__(self, *args, campaign: Campaign, invited: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = Organisation.objects.exclude(
            pk=campaign.lead_organisation_id
        ).order_by("name")
        self.initial.setdefault("partners", invited)
