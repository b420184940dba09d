"""The signing form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from outcry.actions.consents import ConsentFields
from outcry.campaigns.models import Campaign
from outcry.core.countries import CountryField
from outcry.core.forms import LineField, TextField
from outcry.petitions.models import Signature
from outcry.supporters.forms import SupporterForm


class SignForm(ConsentFields, SupporterForm):
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
        self.add_consent_fields(campaign)

    def detail_fields(self):
        return [self[name] for name in ("name", "email", "country", "postcode", "comment")]
