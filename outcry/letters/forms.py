"""The composer's forms: who you are, whom you write to, what you write.

Each step's page carries the earlier steps' answers as hidden fields, and every
request checks all of them again, so nothing is kept in a session.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from outcry.core.countries import CountryField, country_choices
from outcry.core.forms import LineField, TextField
from outcry.directory.models import Target
from outcry.letters import channels, services
from outcry.letters.models import Letter, LetterAction, LetterTemplate, Paragraph
from outcry.supporters.forms import SupporterForm

ZIP_CODE = re.compile(r"^([0-9]{5})(?:-?[0-9]{4})?$")  # ASCII digits only


def _without_encoded_word(value: str) -> str:
    """*value*, unless it holds "=?", which mail programs decode inside a header."""
    if "=?" in value:
        raise ValidationError(services.encoded_word_message(), code="encoded_word")
    return value


class SenderForm(SupporterForm):
    """Step 1: who is writing, and where from (the ZIP code for a letter to Congress)."""

    country = CountryField(
        label=_("Country"),
        required=False,
        error_messages={
            "required": _("Please choose the country you live in."),
            "invalid_choice": _("Please choose your country from the list."),
        },
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    zip_code = LineField(
        label=_("ZIP code"),
        max_length=10,
        required=False,
        error_messages={"required": _("Please give your ZIP code.")},
        help_text=_("Your senators and representative are found from it."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    city = LineField(
        label=_("City or town"),
        max_length=120,
        required=False,
        help_text=_("Written under your name in the letter. You may leave it empty."),
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )

    def __init__(self, *args, action: LetterAction, language: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        if action.selection == LetterAction.Selection.US_CONGRESS:
            del self.fields["country"]
            self.fields["zip_code"].required = True
        else:
            del self.fields["zip_code"]
            country = self.fields["country"]
            country.choices = [("", "—"), *country_choices(language)]
            if action.selection == LetterAction.Selection.NEAREST_MISSION:
                country.required = True
                country.help_text = _("We find the office nearest to you in this country.")

    def clean_name(self) -> str:
        return _without_encoded_word(super().clean_name())

    def clean_email(self) -> str:
        return _without_encoded_word(super().clean_email())

    def clean_zip_code(self) -> str:
        value = self.cleaned_data["zip_code"]
        if not value:
            return value
        match = ZIP_CODE.match(value.replace(" ", ""))
        if match is None:
            raise ValidationError(
                _("A US ZIP code has five digits, like 20008. Please check it."), code="invalid"
            )
        return match.group(1)

    @property
    def country_code(self) -> str:
        if self.action.selection == LetterAction.Selection.US_CONGRESS:
            return "US"
        return self.cleaned_data.get("country", "")

    def carried(self) -> list[tuple[str, str]]:
        """The answers as (name, value) pairs for the hidden fields of the next steps."""
        return [(name, self.cleaned_data.get(name) or "") for name in self.fields]


def district_label(state: str, district: int) -> str:
    if district == 0:
        return gettext("%(state)s, at-large district") % {"state": state}
    return gettext("%(state)s, district %(district)s") % {"state": state, "district": district}


def district_value(state: str, district: int) -> str:
    return f"{state}-{district}"


def parse_district(value: str | None) -> tuple[str, int] | None:
    """("MD", 3) from "MD-3"; None for anything else."""
    if not value or len(value) > 10:
        return None
    state, _sep, number = value.partition("-")
    if len(state) != 2 or not state.isalpha() or not (number.isascii() and number.isdigit()):
        return None
    return state.upper(), int(number)


class DistrictForm(forms.Form):
    """Step 2a: a ZIP code spanning several congressional districts asks which is yours."""

    district = forms.ChoiceField(
        label=_("Your ZIP code lies in more than one congressional district. Which is yours?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose your district."),
            "invalid_choice": _("Please choose one of the districts listed."),
        },
    )

    def __init__(self, *args, districts: list[tuple[str, int]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [
            (district_value(state, number), district_label(state, number))
            for state, number in districts
        ]


class TargetsForm(forms.Form):
    """Step 2: the offices to write to, among those offered and reachable."""

    targets = forms.TypedMultipleChoiceField(
        label=_("Write to"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Please choose at least one office to write to."),
            "invalid_choice": _(
                "You can only write to the offices this campaign lists. Please choose again."
            ),
            "invalid_list": _("Please choose from the offices listed."),
        },
    )

    def __init__(self, *args, offer: services.Offer, codes: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offer = offer
        self.reachable = [
            target for target in offer.targets if services.reachable_codes(target, codes)
        ]
        self.unreachable = [
            (target, services.unreachable_reason(target, codes))
            for target in offer.targets
            if target not in self.reachable
        ]
        field = self.fields["targets"]
        field.choices = [(target.pk, target.name) for target in self.reachable]
        field.initial = [pk for pk in offer.default_ids]

    @property
    def checked_ids(self) -> set[int]:
        """The boxes to show ticked: as posted, or the defaults on the first visit."""
        if not self.is_bound:
            return set(self.offer.default_ids)
        values = self.data.getlist("targets") if hasattr(self.data, "getlist") else []
        return {int(value) for value in values if value.isascii() and value.isdigit()}

    def chosen(self) -> list[Target]:
        ids = set(self.cleaned_data["targets"])
        return [target for target in self.reachable if target.pk in ids]


class ComposeForm(forms.Form):
    """Step 3: the letter itself, and the ways to send it.

    One field per optional paragraph (``p_<id>``, ticked to include) and per
    editable paragraph (``e_<id>``, its text). In "own" mode the supporter writes
    the whole body in ``own_text`` and the paragraph fields ride along hidden.
    """

    MODES = [
        ("template", _("Use the sample letter")),
        ("own", _("Write the whole letter in your own words")),
    ]

    subject = LineField(
        label=_("Subject"),
        max_length=200,
        error_messages={"required": _("Please give your letter a subject.")},
    )
    mode = forms.ChoiceField(choices=MODES, initial="template", widget=forms.HiddenInput)
    own_text = TextField(
        label=_("Your letter"),
        max_length=services.MAX_LETTER_CHARS,
        required=False,
        help_text=_(
            "The salutation, closing and your name are added for each office. "
            "Words in braces are filled in too: {target_name} with the office's name, "
            "{supporter_name} with your name, {supporter_city} with your city."
        ),
        widget=forms.Textarea(attrs={"rows": 18}),
    )
    channels = forms.MultipleChoiceField(
        label=pgettext_lazy("how to send a letter", "Send it by"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Please choose how to send your letter."),
            "invalid_choice": _("Please choose from the ways of sending listed."),
        },
    )

    def __init__(
        self, *args, template: LetterTemplate, codes: list[str], targets: list[Target], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.template = template
        self.paragraphs = list(template.paragraphs.all())
        self.targets = targets
        for paragraph in self.paragraphs:
            if paragraph.kind == Paragraph.Kind.OPTIONAL:
                self.fields[f"p_{paragraph.pk}"] = forms.BooleanField(
                    label=paragraph.label or excerpt(paragraph.text),
                    required=False,
                    initial=paragraph.is_included_by_default,
                )
            elif paragraph.kind == Paragraph.Kind.EDITABLE:
                self.fields[f"e_{paragraph.pk}"] = TextField(
                    label=paragraph.label or _("You may change this paragraph"),
                    max_length=services.MAX_LETTER_CHARS,
                    required=False,
                    initial=paragraph.text,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )
        self.fields["channels"].choices = [(code, self.channel_label(code)) for code in codes]

    def clean_subject(self) -> str:
        return _without_encoded_word(self.cleaned_data["subject"])

    def channel_label(self, code: str) -> str:
        channel = channels.get(code)
        label = str(channel.choice_label)
        able = [t for t in self.targets if channel.contact_for(t) is not None]
        if len(self.targets) > 1 and len(able) < len(self.targets):
            label += " " + gettext("(%(able)s of %(all)s offices)") % {
                "able": len(able),
                "all": len(self.targets),
            }
        return label

    @classmethod
    def initial_data(
        cls, template: LetterTemplate, channels: list[str], *, subject: str | None = None
    ) -> QueryDict:
        """Form data as if the supporter had just accepted every default."""
        data = QueryDict(mutable=True)
        data["subject"] = subject or template.subject
        data["mode"] = "template"
        for paragraph in template.paragraphs.all():
            if paragraph.kind == Paragraph.Kind.OPTIONAL and paragraph.is_included_by_default:
                data[f"p_{paragraph.pk}"] = "on"
            elif paragraph.kind == Paragraph.Kind.EDITABLE:
                data[f"e_{paragraph.pk}"] = paragraph.text
        data.setlist("channels", channels)
        return data

    def clean_channels(self) -> list[str]:
        codes = self.cleaned_data["channels"]
        if "email" in codes and "mailto" in codes:
            raise ValidationError(
                _(
                    "Choose either “sent for you from this site” or “from your own email "
                    "program” for email, not both: the office would get your letter twice."
                ),
                code="twice",
            )
        return codes

    def clean(self) -> dict:
        data = super().clean()
        if data.get("mode") == "own" and not (data.get("own_text") or "").strip():
            self.add_error("own_text", _("Your letter is empty. Please write something."))
        elif data.get("mode") == "template" and not self.errors and not self.body().strip():
            raise ValidationError(_("Your letter is empty. Please write something."))
        return data

    # Reading the letter out of a valid form -----------------------------------------------

    def included(self) -> set[int]:
        return {
            p.pk
            for p in self.paragraphs
            if p.kind == Paragraph.Kind.OPTIONAL and self.cleaned_data.get(f"p_{p.pk}")
        }

    def edits(self) -> dict[int, str]:
        return {
            p.pk: self.cleaned_data.get(f"e_{p.pk}") or ""
            for p in self.paragraphs
            if p.kind == Paragraph.Kind.EDITABLE
        }

    def template_body(self, included: set[int] | None = None) -> str:
        return services.assemble_body(
            paragraphs=self.paragraphs,
            included=self.included() if included is None else included,
            edits=self.edits(),
        )

    def body(self) -> str:
        if self.cleaned_data.get("mode") == "own":
            return self.cleaned_data.get("own_text") or ""
        return self.template_body()

    def is_personalised(self) -> bool:
        """True if the supporter changed an editable paragraph or wrote their own letter."""
        if self.cleaned_data.get("mode") == "own":
            return not services.same_words(self.cleaned_data["own_text"], self.template_body())
        edits = self.edits()
        return any(
            not services.same_words(edits[p.pk], p.text)
            for p in self.paragraphs
            if p.kind == Paragraph.Kind.EDITABLE
        )

    def paragraph_rows(self) -> list[dict]:
        """Each paragraph with its form field (None for a required one), for the page."""
        rows = []
        for paragraph in self.paragraphs:
            name = {"optional": "p_", "editable": "e_"}.get(paragraph.kind)
            rows.append(
                {
                    "paragraph": paragraph,
                    "field": self[f"{name}{paragraph.pk}"] if name else None,
                }
            )
        return rows

    def paragraph_carried(self) -> list[tuple[str, str]]:
        """The paragraph choices as hidden fields (while the supporter writes their own)."""
        pairs = []
        for paragraph in self.paragraphs:
            if paragraph.kind == Paragraph.Kind.OPTIONAL:
                if self[f"p_{paragraph.pk}"].value():
                    pairs.append((f"p_{paragraph.pk}", "on"))
            elif paragraph.kind == Paragraph.Kind.EDITABLE:
                pairs.append((f"e_{paragraph.pk}", self[f"e_{paragraph.pk}"].value() or ""))
        return pairs

    def draft(self, *, sender: SenderForm) -> Letter:
        return services.draft_letter(
            action=self.template.action,
            language=self.template.language,
            subject=self.cleaned_data["subject"],
            body=self.body(),
            sender_name=sender.cleaned_data["name"],
            sender_city=sender.cleaned_data.get("city") or "",
            sender_country=sender.country_code,
        )


def excerpt(text: str, length: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
