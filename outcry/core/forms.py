"""Form fields that turn hostile or broken input into a clear message."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from outcry.core.text import clean_line, clean_text, has_control_characters

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
        if has_control_characters(value.replace("\x00", "")):
            raise ValidationError(
                _("This contains invisible control characters. Please type it again."),
                code="control",
            )
        return value

    def clean(self, value):
        value = super().clean(value)
        if value:
            _check_readable(value)
            value = clean_line(value)
        return value


class TextField(forms.CharField):
    """A multi-line text field: control characters removed, line ends made uniform."""

    def clean(self, value):
        value = super().clean(value)
        if value:
            _check_readable(value)
            value = clean_text(value)
        return value
