"""The fields every action asks of a supporter, checked once for all of them."""

import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from outcry.core.forms import EmailAddressField, LineField
from outcry.core.mail import ENCODED_WORD_START
from outcry.core.text import has_control_characters
from outcry.supporters.models import Supporter, normalise_email


class SupporterForm(forms.Form):
    """Name and email, as signing, writing a letter or any other action asks them.

    Subclasses add their own fields after these two.
    """

    name = LineField(
        label=_("Your name"),
        max_length=100,
        error_messages={"required": _("Please tell us your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = EmailAddressField(
        label=_("Email address"),
        max_length=254,
        error_messages={
            "required": _("Please give your email address."),
            "invalid": _("This does not look like an email address. Please check it."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_name(self) -> str:
        """A name has a letter or a digit in it; dots or dashes alone name nobody."""
        name = self.cleaned_data["name"]
        if not any(unicodedata.category(ch)[0] in "LN" for ch in name):
            raise ValidationError(self.fields["name"].error_messages["required"], code="required")
        return name

    def clean_email(self) -> str:
        """The address as the database keeps it, checked again in that form.

        Django's validator lets control characters through in a quoted local part
        ("a\\x01b"@example.org), and RFC 2047 encoded words ("=?utf-8?b?…?=@…"),
        which mail readers decode into more addresses in the To header; and
        lower-casing can lengthen an address past the column ("İ" becomes two
        code points). Nor an address under ".invalid", which no mail reaches: an
        erasure leaves such a placeholder on the supporter's row, and typing it
        would sign as the erased person and reopen their withdrawn consents. Nor
        a domain IDNA cannot map (a label past 63 characters): no mail reaches it.
        """
        email = normalise_email(self.cleaned_data["email"])
        domain = email.rpartition("@")[2]
        if domain.startswith("[") or "." not in domain.strip("."):
            # Django's validator accepts x@[127.0.0.1] and x@localhost: addresses of
            # one machine, not of a person's mailbox on the internet.
            raise ValidationError(
                _("Please give an address with a full domain name, such as name@example.org."),
                code="domain",
            )
        try:
            domain.encode("idna")
        except UnicodeError:
            raise ValidationError(
                self.fields["email"].error_messages["invalid"], code="invalid"
            ) from None
        limit = Supporter._meta.get_field("email").max_length
        if (
            has_control_characters(email)
            or ENCODED_WORD_START in email
            or len(email) > limit
            or email.rstrip(".").endswith(".invalid")
        ):
            raise ValidationError(self.fields["email"].error_messages["invalid"], code="invalid")
        return email


class DataRequestForm(forms.Form):
    """The address to send a "your data" link to: checked as every action checks it."""

    email = SupporterForm.base_fields["email"]
    clean_email = SupporterForm.clean_email


class PreferencesForm(forms.Form):
    """Which of the organisations a supporter hears from may go on writing, and in which language.

    Only the permissions the supporter holds are offered: the page lowers, never raises.
    """

    keep = forms.MultipleChoiceField(
        label=_("These organisations may email me"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    language = forms.ChoiceField(label=_("Write to me in"), choices=settings.LANGUAGES)

    def __init__(self, *args, organisations, language: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = translation.get_language()
        self.fields["keep"].choices = [(str(org.pk), org.name_in(current)) for org in organisations]
        self.fields["keep"].initial = [str(org.pk) for org in organisations]
        self.fields["language"].initial = language
