"""The signing form."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.models import Campaign, Organisation
from outcry.core.forms import LineField, TextField
from outcry.core.text import has_control_characters
from outcry.petitions.models import Signature
from outcry.supporters.models import Supporter, normalise_email


def consent_wording(organisation: Organisation) -> str:
    """The sentence shown beside a consent box, in the active language (stored with the consent)."""
    return gettext(
        "Yes, %(organisation)s may email me about this and related campaigns. "
        "I can unsubscribe at any time."
    ) % {"organisation": organisation.name}


class SignForm(forms.Form):
    name = LineField(
        label=_("Your name"),
        max_length=100,
        error_messages={"required": _("Please tell us your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        error_messages={
            "required": _("Please give your email address."),
            "invalid": _("This does not look like an email address. Please check it."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    country = LineField(
        label=_("Country"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "country-name"}),
    )
    postcode = LineField(
        label=_("Postcode"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    comment = TextField(
        label=_("Why are you signing? (optional)"),
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

    def clean_email(self) -> str:
        """The address as the database keeps it, checked again in that form.

        Django's validator lets control characters through in a quoted local part
        ("a\\x01b"@example.org), and lower-casing can lengthen an address past the
        column ("İ" becomes two code points).
        """
        email = normalise_email(self.cleaned_data["email"])
        limit = Supporter._meta.get_field("email").max_length
        if has_control_characters(email) or len(email) > limit:
            raise ValidationError(self.fields["email"].error_messages["invalid"], code="invalid")
        return email

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
