"""The signing form, and the choices on a signature's confirmation page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from outcry.actions.consents import ConsentFields, consent_wording
from outcry.campaigns.models import Campaign, Organisation
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


class ConfirmForm(forms.Form):
    """What the signer may change on the confirmation page before pressing: only ever less.

    The listing offers only choices that show no more than the signature's; the
    comment and each consent are ticked boxes to untick. *shown* is the digest of
    what the page showed (services.shown_digest), checked when pressed.
    """

    shown = forms.CharField(widget=forms.HiddenInput, max_length=128)
    public_name = forms.ChoiceField(
        label=_("Your name on the public list of signers"),
        required=False,
        widget=forms.RadioSelect,
    )
    keep_comment = forms.BooleanField(
        label=_("Keep my comment"),
        required=False,
        initial=True,
    )

    def __init__(
        self, *args, signature: Signature, organisations: list[Organisation], **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        field = self.fields["public_name"]
        labels = dict(Signature.PublicName.choices)
        field.choices = [(value, labels[value]) for value in reversed(signature.lower_listings)]
        field.initial = signature.public_name
        for organisation in organisations:
            self.fields[f"consent_{organisation.pk}"] = forms.BooleanField(
                label=consent_wording(organisation), required=False, initial=True
            )

    def consent_fields(self) -> list:
        return [self[f"consent_{organisation.pk}"] for organisation in self.organisations]

    def kept_consents(self) -> frozenset[int]:
        return frozenset(
            organisation.pk
            for organisation in self.organisations
            if self.cleaned_data.get(f"consent_{organisation.pk}")
        )
