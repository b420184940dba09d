"""Form fields that turn hostile or broken input into a clear message."""

import re
import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from outcry.core import postcodes
from outcry.core.countries import country_name
from outcry.core.places import (
    MAX_QUERY_LENGTH,
    AmbiguousPlace,
    NoPlaceFound,
    Place,
    as_coordinates,
    resolve_place,
)
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


class PlaceField(LineField):
    """A place as a supporter types it; cleans to a `core.places.Place` (or None if empty).

    "Chicago", "시카고", "Springfield, MO", "부산", "60201" (a US ZIP code), with a
    *country* one of its postcodes ("10117" in Germany: core/postcodes.py), or
    "41.88, -87.63" (what the "near me" button fills in, core/_near_me.html). A name
    several places share and none stands out is refused with the candidates listed;
    so is a name nothing has. *country* (an ISO code) keeps to one country's places.
    """

    default_error_messages = {
        "not_found": _(
            "We found no place called “%(place)s”. Please type the nearest city or town, "
            "in English or in its own language."
        ),
        "postcode": _("We can look up US ZIP codes only. Please type your city or town instead."),
        "postcode_unknown": _(
            "We know no postcode “%(place)s” in this country. Please check it, or type "
            "your city or town instead."
        ),
        "postcode_country": _(
            "We cannot look up this country's postcodes. Please type your city or town instead."
        ),
        "coordinates": _(
            "“%(place)s” are not coordinates on Earth: the latitude goes from -90 to 90 and "
            "the longitude from -180 to 180. Please type your city or town instead."
        ),
        "remote": _(
            "We know no town near “%(place)s”. Please type the nearest city or town instead."
        ),
        "ambiguous": _(
            "Several places are called “%(place)s”: %(candidates)s. Please add the "
            "country or US state, for example “%(example)s”."
        ),
    }

    def __init__(self, *, country: str = "", **kwargs) -> None:
        self.country = country
        kwargs.setdefault("max_length", MAX_QUERY_LENGTH)
        kwargs.setdefault(
            "help_text",
            _("A city or town, in English or in its own language, or a US ZIP code."),
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("autocomplete", "address-level2")

    def clean(self, value) -> Place | None:
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            return resolve_place(text, country=self.country)
        except NoPlaceFound:
            if (point := as_coordinates(text)) is not None:
                latitude, longitude = point
                in_range = -90 <= latitude <= 90 and -180 <= longitude <= 180
                code = "remote" if in_range else "coordinates"
                raise ValidationError(
                    self.error_messages[code], code=code, params={"place": text}
                ) from None
            # "10117", "SW1A 1AA", "K1A 0B1": a postcode, known in the US and, with a
            # country given, in the countries core/postcodes.py has.
            looks_like_postcode = re.search(r"\d", text) and not re.search(r"[^\W\d_]{4,}", text)
            code = "not_found"
            if looks_like_postcode and self.country.upper() in ("", "US"):
                code = "postcode"
            elif looks_like_postcode and self.country.upper() in postcodes.countries():
                code = "postcode_unknown"
            elif looks_like_postcode:
                code = "postcode_country"
            raise ValidationError(
                self.error_messages[code], code=code, params={"place": text}
            ) from None
        except AmbiguousPlace as ambiguous:
            first = ambiguous.candidates[0]
            qualifier = first.region or country_name(first.country)
            raise ValidationError(
                self.error_messages["ambiguous"],
                code="ambiguous",
                params={
                    "place": text,
                    "candidates": "; ".join(place.label() for place in ambiguous.candidates),
                    "example": f"{text}, {qualifier}",
                },
            ) from None


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


def screen_form(request: HttpRequest, form: forms.Form) -> tuple[bool, str | None]:
    """Whether an action's form, bound to this POST, may go on; else the message to add.

    (False, message): the body was not readable text (body_is_unreadable); the
    page shows the form again with that message. (False, None): the form's own
    errors say what to fix. (True, None): cleaned_data is ready.
    """
    if body_is_unreadable(request):
        return False, str(
            _(
                "Your form arrived with characters we could not read. "
                "Please type your details again."
            )
        )
    if not form.is_valid():
        return False, None
    return True, None
