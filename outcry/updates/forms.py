"""The "get updates" form: an address, a name if the person wants, and consent boxes."""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from outcry.actions.consents import ConsentFields
from outcry.campaigns.models import Campaign
from outcry.core.forms import LineField
from outcry.supporters.forms import SupporterForm


class SubscribeForm(ConsentFields, forms.Form):
    """Sign up for a campaign's updates; the address is checked as every action checks it."""

    email = SupporterForm.base_fields["email"]
    name = LineField(
        label=_("Your name (optional)"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    clean_email = SupporterForm.clean_email

    def __init__(self, *args, campaign: Campaign, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_consent_fields(campaign)

    def clean_name(self) -> str:
        """A name, if given, has a letter or a digit in it; dots or dashes alone name nobody."""
        name = self.cleaned_data["name"]
        if name and not any(unicodedata.category(ch)[0] in "LN" for ch in name):
            raise ValidationError(
                _("Please write your name with letters, or leave it empty."), code="invalid"
            )
        return name

    def detail_fields(self) -> list:
        return [self["email"], self["name"]]
