"""The composer's forms: who you are, whom you write to, what you write.

Each step's page carries the earlier steps' answers as hidden fields, and every
request checks all of them again, so nothing is kept in a session.
"""

import re
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import translation
from django.utils.translation import get_language, gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from outcry.core import postcodes
from outcry.core.countries import CountryField, country_choices
from outcry.core.forms import LineField, TextField
from outcry.directory.models import ZIP_CODE, Target
from outcry.letters import channels, services
from outcry.letters.models import Letter, LetterAction, LetterTemplate, Paragraph
from outcry.letters.wording import (
    PER_TARGET,
    fill_placeholders,
    placeholder_values,
    unfill_placeholders,
    wording_for,
)
from outcry.supporters.forms import SupporterForm

# ASCII digits only, as a US ZIP code is written (no full-width or Arabic-Indic digits).
_ZIP_CODE = re.compile(ZIP_CODE, re.ASCII)


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
    # An office chosen in the public directory ("write to this office"): carried
    # through the steps as a hidden field, and ignored unless it is a target id.
    office = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

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
                country.help_text = _("We offer the offices in this country.")
                # The count is the shipped postcodes' (core/postcodes.py) and the US ZIP codes.
                self.fields["city"].help_text = gettext(
                    "Written under your name in the letter. From it we tick the office "
                    "nearest to you (or the one whose consular district you live in), for "
                    "towns of about 15,000 people or more, in any language, and for the "
                    "postcodes of %(count)s countries, such as 10117 in Germany or SW1A 1AA "
                    "in the United Kingdom. Otherwise, or if you leave it empty, you choose "
                    "the office."
                ) % {"count": len(postcodes.countries()) + 1}

    def clean_name(self) -> str:
        return _without_encoded_word(super().clean_name())

    def clean_email(self) -> str:
        return _without_encoded_word(super().clean_email())

    def clean_zip_code(self) -> str:
        value = self.cleaned_data["zip_code"]
        if not value:
            return value
        match = _ZIP_CODE.fullmatch(value.replace(" ", ""))
        if match is None:
            raise ValidationError(
                _("A US ZIP code has five digits, like 20008. Please check it."), code="invalid"
            )
        return match["zip5"]

    def clean_office(self) -> int | None:
        value = self.cleaned_data["office"].strip()
        if value.isascii() and value.isdigit() and len(value) <= 18:
            return int(value)
        return None  # not an id: the supporter simply chooses, as without the link

    @property
    def country_code(self) -> str:
        if self.action.selection == LetterAction.Selection.US_CONGRESS:
            return "US"
        return self.cleaned_data.get("country", "")

    def carried(self) -> list[tuple[str, str]]:
        """The answers as (name, value) pairs for the hidden fields of the next steps."""
        return [(name, self.cleaned_data.get(name) or "") for name in self.fields]

    def writer(self, *, language: str) -> services.Writer:
        """Who writes, as a valid form typed it, on a page in *language*."""
        data = self.cleaned_data
        return services.Writer(
            email=data["email"],
            name=data["name"],
            language=language,
            country=self.country_code,
            postcode=data.get("zip_code") or "",
            city=data.get("city") or "",
        )


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
        field.choices = [(target.pk, target.name_in(get_language())) for target in self.reachable]
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


@dataclass
class Recipients:
    """What the "whom you write to" step made of a POST (choose_recipients).

    *chosen* is empty while the supporter still has a choice to make: then the
    targets page shows *district_form* or *targets_form*, answered with *status*.
    *carried* is the answers so far, as hidden fields for the next page.
    """

    carried: list[tuple[str, str]]
    chosen: list[Target] = field(default_factory=list)
    unreachable: list = field(default_factory=list)
    district_form: DistrictForm | None = None
    targets_form: TargetsForm | None = None
    status: int = 200


def choose_recipients(
    post: QueryDict, *, action: LetterAction, sender: SenderForm, goto: str
) -> Recipients:
    """The offices a valid *sender* writes to, or the choice still to make.

    A ZIP code spanning several districts asks for the district first; an
    action with a fixed list writes to every office in it that can be reached;
    otherwise the supporter ticks offices until they press on (goto=targets
    shows the choice again). Raises services.LetterRefused when the country or
    ZIP code finds no office (its message belongs to the sender form's field).
    """
    district = parse_district(post.get("district"))
    offer = services.offer_targets(
        action=action,
        country=sender.country_code,
        city=sender.cleaned_data.get("city") or "",
        zip_code=sender.cleaned_data.get("zip_code") or "",
        district=district,
        office=sender.cleaned_data.get("office"),
    )
    carried = sender.carried()
    if offer.districts:
        posted = "district" in post
        district_form = DistrictForm(post if posted else None, districts=offer.districts)
        if posted:
            district_form.is_valid()  # a valid choice would have narrowed the offer
        return Recipients(carried, district_form=district_form, status=400 if posted else 200)
    if district is not None:
        carried.append(("district", district_value(*district)))
    targets_form = TargetsForm(
        post if "targets_step" in post else None, offer=offer, codes=channels.offered(action)
    )
    if action.selection == LetterAction.Selection.FIXED:
        chosen = targets_form.reachable
    elif goto == "targets" or not targets_form.is_bound or not targets_form.is_valid():
        status = 400 if targets_form.is_bound and targets_form.errors else 200
        return Recipients(carried, targets_form=targets_form, status=status)
    else:
        chosen = targets_form.chosen()
        carried += [("targets", str(target.pk)) for target in chosen]
        carried.append(("targets_step", "1"))
    return Recipients(
        carried, chosen=chosen, unreachable=targets_form.unreachable, targets_form=targets_form
    )


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
            "Each office gets the letter with its own name and greeting; the closing and "
            "your name are added at the end."
        ),
        widget=forms.Textarea(attrs={"rows": 18}),
    )
    channels = forms.MultipleChoiceField(
        label=pgettext_lazy("how to send a letter", "Send it by"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Please choose from the ways of sending listed.")},
    )
    # Email goes either from this site or from the supporter's own mail program,
    # never both (the office would get it twice): one choice, not two checkboxes.
    email_by = forms.ChoiceField(
        label=_("How should the email be sent?"),
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": _("Please choose from the ways of sending listed.")},
    )

    def __init__(
        self,
        *args,
        template: LetterTemplate,
        codes: list[str],
        targets: list[Target],
        sender: SenderForm,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.template = template
        self.paragraphs = list(template.paragraphs.all())
        self.targets = targets
        self.sender = sender
        self.codes = list(codes)
        # The placeholders as the first office reads them: supporters see and edit
        # the letter filled in, never "{salutation}" (shown_values).
        self.shown = shown_values(template=template, targets=targets, sender=sender)
        for paragraph in self.paragraphs:
            if paragraph.kind == Paragraph.Kind.OPTIONAL:
                self.fields[f"p_{paragraph.pk}"] = forms.BooleanField(
                    label=paragraph.label or excerpt(self.fill(paragraph.text)),
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
        # Posted email ways are still read from "channels", as pages rendered before
        # the email choice became one question sent them.
        self.fields["channels"].choices = [(code, self.channel_label(code)) for code in codes]
        email_ways = [code for code in codes if code in EMAIL_WAYS]
        if email_ways:
            self.fields["email_by"].choices = [
                *((code, self.channel_label(code)) for code in email_ways),
                ("", pgettext_lazy("how to send a letter", "No email")),
            ]
        else:
            del self.fields["email_by"]

    def other_channels(self) -> list:
        """The checkboxes of the ways of sending other than email (asked as email_by)."""
        return [choice for choice in self["channels"] if choice.data["value"] not in EMAIL_WAYS]

    def clean_subject(self) -> str:
        return self.unfill(_without_encoded_word(self.cleaned_data["subject"]))

    def fill(self, text: str) -> str:
        """*text* as the supporter sees it: placeholders filled in for the first office."""
        return fill_placeholders(text, self.shown)

    def unfill(self, text: str) -> str:
        """Text the supporter saw filled in, each office's own words made placeholders again."""
        return unfill_placeholders(text, self.shown)

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
        cls,
        template: LetterTemplate,
        channels: list[str],
        *,
        shown: dict[str, str],
        subject: str | None = None,
    ) -> QueryDict:
        """Form data as if the supporter had just accepted every default (filled in as *shown*)."""
        data = QueryDict(mutable=True)
        data["subject"] = subject or fill_placeholders(template.subject, shown)
        data["mode"] = "template"
        for paragraph in template.paragraphs.all():
            if paragraph.kind == Paragraph.Kind.OPTIONAL and paragraph.is_included_by_default:
                data[f"p_{paragraph.pk}"] = "on"
            elif paragraph.kind == Paragraph.Kind.EDITABLE:
                data[f"e_{paragraph.pk}"] = fill_placeholders(paragraph.text, shown)
        set_channels(data, channels)
        return data

    @classmethod
    def for_step(
        cls,
        post: QueryDict,
        *,
        template: LetterTemplate,
        codes: list[str],
        targets: list[Target],
        sender: SenderForm,
        switched_from: LetterTemplate | None = None,
    ) -> "ComposeForm":
        """The letter step's form: as posted, or the defaults when first shown or switched.

        A letter switched to another language (from *switched_from*) keeps what
        the supporter did (switched_data); one shown for the first time has email
        and fax ticked (else the first way offered).
        """
        shown = shown_values(template=template, targets=targets, sender=sender)
        if switched_from is not None:
            data = cls.switched_data(
                post,
                template=template,
                previous=switched_from,
                codes=codes,
                targets=targets,
                sender=sender,
            )
        elif "compose_step" not in post:
            defaults = [code for code in ("email", "fax") if code in codes] or codes[:1]
            data = cls.initial_data(template, defaults, shown=shown)
        else:
            data = post
        return cls(data, template=template, codes=codes, targets=targets, sender=sender)

    @classmethod
    def switched_data(
        cls,
        post: QueryDict,
        *,
        template: LetterTemplate,
        previous: LetterTemplate,
        codes: list[str],
        targets: list[Target],
        sender: SenderForm,
    ) -> QueryDict:
        """The letter in *template*'s language, keeping what was done in *previous*'s.

        The ways of sending stay ticked; a subject, own letter or paragraph the
        supporter changed stays as they wrote it; optional paragraphs stay ticked
        or not, matched by their order; everything they did not touch comes from
        the new language's sample.
        """
        before = cls(post, template=previous, codes=codes, targets=targets, sender=sender)
        chosen = posted_codes(post, codes)
        data = cls.initial_data(template, chosen, shown=shown_values(template, targets, sender))
        if not before.is_valid():
            return data
        after = cls(data, template=template, codes=codes, targets=targets, sender=sender)
        own = before.cleaned_data["subject"]
        if not services.same_words(own, previous.subject):
            data["subject"] = after.fill(own)
        if before.cleaned_data["mode"] == "own":
            if before.is_personalised():
                data["mode"] = "own"
                data["own_text"] = after.fill(before.body())
            return data
        old = {kind: [p for p in before.paragraphs if p.kind == kind] for kind in Paragraph.Kind}
        new = {kind: [p for p in after.paragraphs if p.kind == kind] for kind in Paragraph.Kind}
        included, edits = before.included(), before.edits()
        optional, editable = Paragraph.Kind.OPTIONAL, Paragraph.Kind.EDITABLE
        # Matched by their order: the languages' samples need not have as many.
        for was, now in zip(old[optional], new[optional], strict=False):
            data.pop(f"p_{now.pk}", None)
            if was.pk in included:
                data[f"p_{now.pk}"] = "on"
        for was, now in zip(old[editable], new[editable], strict=False):
            if not before.same_as_shown(edits[was.pk], was.text):
                data[f"e_{now.pk}"] = after.fill(edits[was.pk])
        return data

    def _again(self, data: QueryDict) -> "ComposeForm":
        return type(self)(
            data, template=self.template, codes=self.codes, targets=self.targets, sender=self.sender
        )

    def in_mode(self, mode: str) -> "ComposeForm":
        """This form in "own" mode (the template's words to start from) or "template" mode."""
        data = self.data.copy()
        data["mode"] = mode
        if mode == "own":
            data["own_text"] = self.fill(self.template_body())
        return self._again(data)

    def fitted(self, *, sender: SenderForm) -> tuple["ComposeForm", str]:
        """This valid form with optional paragraphs unticked until it fits, and what to tell.

        Longest first (services.drop_optional_to_fit); the notice names what was
        left out, or says the letter is still too long for which channel.
        """
        codes = self.cleaned_data["channels"]

        def measure(included: set[int]) -> services.Fit | None:
            draft = self.draft(sender=sender)
            draft.body = self.template_body(included)
            return services.tightest_fit(letter=draft, targets=self.targets, codes=codes)

        _included, dropped, fit = services.drop_optional_to_fit(
            paragraphs=self.paragraphs, included=self.included(), measure=measure
        )
        data = self.data.copy()
        for paragraph in dropped:
            data.pop(f"p_{paragraph.pk}", None)
        return self._again(data), _fit_notice(dropped, fit, fill=self.fill)

    def clean(self) -> dict:
        data = super().clean()
        if "channels" in data and data.get("email_by") is not None:
            codes = list(dict.fromkeys([*data["channels"], *filter(None, [data.get("email_by")])]))
            if "email" in codes and "mailto" in codes:
                self.add_error(
                    "email_by",
                    ValidationError(
                        _(
                            "Choose either “sent for you from this site” or “from your own "
                            "email program” for email, not both: the office would get your "
                            "letter twice."
                        ),
                        code="twice",
                    ),
                )
            elif not codes:
                self.add_error("channels", _("Please choose how to send your letter."))
            data["channels"] = codes
        elif "channels" in data and not data["channels"]:
            self.add_error("channels", _("Please choose how to send your letter."))
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
            p.pk: self.unfill(self.cleaned_data.get(f"e_{p.pk}") or "")
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
            return self.unfill(self.cleaned_data.get("own_text") or "")
        return self.template_body()

    def is_personalised(self) -> bool:
        """True if the supporter changed an editable paragraph or wrote their own letter."""
        if self.cleaned_data.get("mode") == "own":
            return not self.same_as_shown(self.body(), self.template_body())
        edits = self.edits()
        return any(
            not self.same_as_shown(edits[p.pk], p.text)
            for p in self.paragraphs
            if p.kind == Paragraph.Kind.EDITABLE
        )

    def same_as_shown(self, text: str, sample: str) -> bool:
        """True if *text* reads as the *sample* the supporter was shown (filled in)."""
        return services.same_words(self.fill(text), self.fill(sample))

    def paragraph_rows(self) -> list[dict]:
        """Each paragraph with its form field (None for a required one), for the page."""
        rows = []
        for paragraph in self.paragraphs:
            name = {"optional": "p_", "editable": "e_"}.get(paragraph.kind)
            rows.append(
                {
                    "paragraph": paragraph,
                    "text": self.fill(paragraph.text),
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

    def composed(self, *, writer: services.Writer) -> services.Composed:
        """The letter as a valid form holds it, from *writer* (SenderForm.writer)."""
        return services.Composed(
            writer=writer,
            targets=self.targets,
            codes=self.cleaned_data["channels"],
            template=self.template,
            subject=self.cleaned_data["subject"],
            body=self.body(),
            is_personalised=self.is_personalised(),
        )

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


def _fit_notice(dropped: list[Paragraph], fit: services.Fit | None, *, fill) -> str:
    """What ComposeForm.fitted tells the supporter it did."""
    names = ", ".join(
        f"“{paragraph.label or excerpt(fill(paragraph.text), 50)}”" for paragraph in dropped
    )
    if fit is not None and fit.is_over:
        notice = gettext(
            "Even without the optional paragraphs your letter is too long for the "
            "%(channel)s. Please shorten what you wrote, or untick that way of sending."
        ) % {"channel": fit.describe()}
        if dropped:
            notice = gettext("We left out %(paragraphs)s.") % {"paragraphs": names} + " " + notice
        return notice
    if dropped:
        return ngettext(
            "We left out %(paragraphs)s, so that your letter fits. Tick it again if you "
            "would rather shorten something else.",
            "We left out %(paragraphs)s, so that your letter fits. Tick them again if you "
            "would rather shorten something else.",
            len(dropped),
        ) % {"paragraphs": names}
    return gettext("Your letter already fits.")


def language_name(code: str) -> str:
    """A letter language's name in itself ("한국어"), for the language switch."""
    try:
        return translation.get_language_info(code)["name_local"]
    except KeyError:
        return dict(settings.CONTENT_LANGUAGES).get(code, code)


def preview(form: ComposeForm, *, sender: SenderForm, templates: dict, language: str) -> dict:
    """What the letter step shows of a valid *form*: the letter to the first office,
    its length against each channel's limit, and the data letters.js follows edits with.
    """
    chosen = form.targets
    draft = form.draft(sender=sender)
    first = chosen[0]
    codes = form.cleaned_data["channels"]
    text = services.letter_text(letter=draft, target=first)
    fit = services.tightest_fit(letter=draft, targets=chosen, codes=codes)
    suggested = services.preferred_language(first, templates)
    offered = form.codes
    return {
        "preview": text,
        "preview_target": first,
        "length": fit.length if fit else len(text),
        "fit": fit,
        "too_long": services.too_long_message(fit) if fit and fit.is_over else "",
        "can_drop": form.cleaned_data["mode"] == "template" and bool(form.included()),
        "suggested_language": suggested if suggested and suggested != language else None,
        "suggested_language_name": language_name(suggested) if suggested else "",
        "letter_data": {
            "targets": [_script_target(draft, target, offered) for target in chosen],
            "supporter": {
                "name": sender.cleaned_data["name"],
                "city": sender.cleaned_data.get("city") or "",
            },
            "paragraphs": [{"id": p.pk, "kind": p.kind, "text": p.text} for p in form.paragraphs],
            # What the supporter's text boxes show filled in for the first office,
            # turned back into placeholders to count each office's letter.
            "shown": {key: form.shown[key] for key in PER_TARGET},
            "messages": {
                "of": gettext("%(length)s of %(limit)s characters (the limit of the %(channel)s)"),
                "count": gettext("%(length)s characters"),
                "tooLong": services.too_long_template(),
            },
        },
    }


def _script_target(draft: Letter, target: Target, codes: list[str]) -> dict:
    """One office as letters.js needs it: the words around the body, each channel's limit."""
    wording = wording_for(letter=draft, target=target)
    return {
        "name": target.name_in(draft.language),  # in the letter, as {target_name}
        "label": target.name_in(get_language()),  # in the page's messages
        "salutation": wording.salutation,
        "closing": wording.closing,
        "signature": wording.signature,
        "limits": {
            code: {
                "limit": channel.char_limit,
                "channel": channels.get(code).name,
                "describe": services.channel_description(code, target),
            }
            for code in codes
            if (channel := channels.get(code).contact_for(target)) and channel.char_limit
        },
    }


def excerpt(text: str, length: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


EMAIL_WAYS = ("email", "mailto")


def posted_codes(post: QueryDict, codes: list[str]) -> list[str]:
    """The ways of sending ticked in *post* (the checkboxes and the email choice), if offered."""
    posted = [*post.getlist("channels"), post.get("email_by", "")]
    return [code for code in dict.fromkeys(posted) if code in codes]


def set_channels(data: QueryDict, codes: list[str]) -> None:
    """Tick *codes* in form *data*: email as the one email choice, the others as checkboxes."""
    data.setlist("channels", [code for code in codes if code not in EMAIL_WAYS])
    data["email_by"] = next((code for code in codes if code in EMAIL_WAYS), "")


def shown_values(template: LetterTemplate, targets: list[Target], sender: SenderForm) -> dict:
    """The placeholders as the first of *targets* reads a letter in *template*'s language."""
    return placeholder_values(
        target=targets[0],
        language=template.language,
        sender_name=sender.cleaned_data.get("name") or "",
        sender_city=sender.cleaned_data.get("city") or "",
    )
