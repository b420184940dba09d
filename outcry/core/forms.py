"""Form fields that turn hostile or broken input into a clear message."""

import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from outcry.core.text import (
    clean_line,
    clean_text,
    has_control_characters,
    has_invisible_characters,
    without_control_characters,
)

REPLACEMENT_CHARACTER = "\ufffd"


def _check_readable(value: str) -> None:
    # Django decodes invalid UTF-8 in a request body to U+FFFD; refuse it rather
    # than store a name nobody can read.
    if REPLACEMENT_CHARACTER in value:
        raise ValidationError(
            _("This contains characters we could not read. Please type it again."),
            code="unreadable",
        )


class LineField(forms.CharField):
    """A one-line text field: no line breaks or control characters, spaces tidied."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        if "\n" in value or "\r" in value:
            raise ValidationError(_("Please write this on one line."), code="line_break")
        if has_control_characters(value):
            raise ValidationError(
                _("This contains invisible control characters. Please type it again."),
                code="control",
            )
        _check_readable(value)
        # Tidy before the length check runs: NFC can lengthen a string (U+0958 becomes
        # two code points), and the column must hold what we measured.
        cleaned = clean_line(value)
        if cleaned and not any(unicodedata.category(ch)[0] in "LNPS" for ch in cleaned):
            # Hangul fillers and tag characters (letters to Python, shown as nothing)
            # are gone; a joiner or accents alone are left, with nothing to read.
            # (Nothing left at all is an empty field: its own "required" message.)
            raise ValidationError(
                _("This shows as blank: it has no visible letters. Please type it again."),
                code="invisible",
            )
        return cleaned

    def bound_data(self, data, initial):
        # A form sent back with errors shows what was typed, minus what cannot be shown.
        data = super().bound_data(data, initial)
        return without_control_characters(data) if isinstance(data, str) else data


class TextField(forms.CharField):
    """A multi-line text field: control characters removed, line ends made uniform."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        _check_readable(value)
        return clean_text(value)  # before the length check, as in LineField

    def bound_data(self, data, initial):
        data = super().bound_data(data, initial)
        return without_control_characters(data) if isinstance(data, str) else data


class EmailAddressField(forms.EmailField):
    """An email address with nothing in it that shows as blank.

    Checked before Django's validator, so the message says what is wrong:
    IDNA drops a zero-width space or soft hyphen from a domain on its way to
    the mail server, so such an address is a second spelling of someone's
    mailbox (``supporters.forms.SupporterForm.clean_email`` checks the rest).
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        if has_invisible_characters(value):
            raise ValidationError(
                _("This address contains invisible characters. Please type it again."),
                code="invisible",
            )
        return value


def body_is_unreadable(request: HttpRequest) -> bool:
    """Return True when a urlencoded form body is not valid text in its encoding.

    Django then decodes the whole body as Latin-1 (see QueryDict), which turns the
    bad bytes into a plausible name nobody typed, and every Korean name sent with
    them into mojibake. Percent-encoded bad bytes and multipart bodies become
    U+FFFD instead, which the fields above refuse.
    """
    if request.content_type != "application/x-www-form-urlencoded":
        return False
    try:
        request.body.decode(request.encoding or settings.DEFAULT_CHARSET)
    except UnicodeDecodeError:
        return True
    return False
