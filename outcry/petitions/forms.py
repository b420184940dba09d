"""The signing form."""

from django import forms
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.models import Campaign, Organisation
from outcry.core.countries import CountryField
from outcry.core.forms import LineField, TextField
from outcry.petitions.models import Signature
from outcry.supporters.forms import SupporterForm


def consent_wording(organisation: Organisation) -> str:
    """The sentence shown beside a consent box, in the active language (stored with the consent)."""
    return gettext(
        "Yes, %(organisation)s may email me about this and related campaigns. "
        "I can unsubscribe at any time."
    ) % {"organisation": organisation.name_in(get_language())}


class SignForm(SupporterForm):
    country = CountryField(
        label=_("Country"),
        required=False,
        error_messages={"invalid_choice": _("Please choose your country from the list.")},
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    postcode = LineField(
        label=_("Postcode"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    comment = TextField(
        label=_("Why are you signing? (optional)"),
        help_text=_(
            "Shown on the public list of signers with your name, if you choose to be listed."
        ),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    public_name = forms.ChoiceField(
        label=_("Show my name on the public list of signers?"),
        choices=Signature.PublicName.choices,
        initial=Signature.PublicName.HIDDEN,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, campaign: Campaign, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = campaign.coalition()
        for organisation in self.organisations:
            self.fields[f"consent_{organisation.pk}"] = forms.BooleanField(
                label=consent_wording(organisation), required=False, initial=False
            )

    def consent_fields(self):
        return [self[f"consent_{org.pk}"] for org in self.organisations]

    def detail_fields(self):
        return [self[name] for name in ("name", "email", "country", "postcode", "comment")]

    def chosen_consents(self) -> list[tuple[Organisation, str]]:
        return [
            (organisation, consent_wording(organisation))
            for organisation in self.organisations
            if self.cleaned_data.get(f"consent_{organisation.pk}")
        ]
