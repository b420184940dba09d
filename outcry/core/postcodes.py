"""Postcodes of many countries → a point, offline, from a GeoNames extract shipped with outcry.

`make vendor-postcodes` (scripts/vendor_postcodes.py) writes one file per country into
core/data/geonames-postcodes-<date>/: `<CC>.tsv.xz`, lines of "key<TAB>lat<TAB>lon",
sorted, the points rounded to 0.01° (about a kilometre), where a postcode several
places share is the mean of their points. The key is the postcode as `postcode_key`
writes it: no spaces or dashes, and only the part that says where (a UK postcode's
outward code "SW1A", a Canadian one's first three characters "K1A", a Dutch one's four
digits, an Irish Eircode's routing key "D02").

A country's file is read on its first lookup in a process and kept (`lookup`); the
United States' ZIP codes are not here (core/places.py has them from `zipcodes`).

    postcode_key("GB", "sw1a 1aa")     # "SW1A"
    lookup("DE", "10117")              # (52.52, 13.39), or None
"""

import lzma
import re
import threading
import unicodedata
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"

# Spaces, dashes and dots people put in postcodes ("123-4567", "06-545", "SW1A 1AA").
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc.]+")


@dataclass(frozen=True, slots=True)
class Rule:
    """How a country's postcodes are written (*pattern*, on the text without separators)
    and how many leading characters of one say where (*keep*; 0 keeps all)."""

    pattern: str
    keep: int = 0


# Countries whose postcodes are written otherwise than 3 to 10 letters and digits, or
# whose extract keeps only a leading part. The inward code of a UK postcode ("1AA") is
# one digit and two letters, which no outward code ends in.
RULES: dict[str, Rule] = {
    "GB": Rule(r"(?P<key>[A-Z]{1,2}\d[A-Z\d]?)(?:\d[A-Z]{2})?"),
    "CA": Rule(r"[A-Z]\d[A-Z](?:\d[A-Z]\d)?", keep=3),
    "IE": Rule(r"[AC-FHKNPRTV-Y]\d[\dW](?:[AC-FHKNPRTV-Y\d]{4})?", keep=3),
    "NL": Rule(r"\d{4}(?:[A-Z]{2})?", keep=4),
    "KR": Rule(r"\d{5}"),
    "JP": Rule(r"\d{7}"),
    # Where a full code is a street or a building, the extract keeps the area (the
    # shipped files stay small): Portugal's CP4, Russia's and Ukraine's first three
    # digits (a town or district), Romania's first four.
    "PT": Rule(r"\d{4}(?:\d{3})?", keep=4),
    "RU": Rule(r"\d{6}", keep=3),
    "UA": Rule(r"\d{5}", keep=3),
    "RO": Rule(r"\d{6}", keep=4),
}
DEFAULT_RULE = Rule(r"[A-Z\d]{3,10}")


def postcode_key(country: str, text: object) -> str:
    """The key under which *country*'s extract keeps the postcode *text*, or "".

    "" when *text* is not written like a postcode of that country. A leading
    "D-" or "CH-" (the country's letter code, as some write it) or "〒" is dropped.
    """
    if not isinstance(text, str) or not isinstance(country, str) or len(text) > 20:
        return ""
    country = country.upper()
    text = unicodedata.normalize("NFKC", text).strip().upper().removeprefix("〒")
    prefix, dash, rest = text.partition("-")
    if dash and prefix in (country, _LETTER_CODES.get(country)):
        text = rest  # "D-10117", "CH-3003"
    rule = RULES.get(country, DEFAULT_RULE)
    match = re.fullmatch(rule.pattern, _SEPARATORS.sub("", text))
    if match is None:
        return ""
    key = match.groupdict().get("key") or match.group()
    return key[: rule.keep] if rule.keep else key


# The old international licence-plate letters still written before postcodes.
_LETTER_CODES = {"DE": "D", "AT": "A", "FR": "F", "IT": "I", "ES": "E", "BE": "B", "SE": "S"}


@cache
def folder() -> Path | None:
    """The shipped extract's folder (the newest, if several), or None."""
    found = sorted(DATA.glob("geonames-postcodes-*"))
    return found[-1] if found else None


@cache
def countries() -> frozenset[str]:
    """The ISO codes of the countries whose postcodes the extract has."""
    path = folder()
    if path is None:
        return frozenset()
    return frozenset(file.name.split(".")[0] for file in path.glob("*.tsv.xz"))


class Table:
    """One country's postcodes: the keys sorted, and their points in hundredths of a degree.

    Two arrays of 16-bit numbers and a list of short strings: Japan's 142,000 codes
    take about 10 MiB so, where a dict of float pairs took 24.
    """

    def __init__(self, lines: list[str]) -> None:
        self.keys: list[str] = []
        self.latitudes = array("h")
        self.longitudes = array("h")
        for line in lines:  # sorted by key, as the vendoring script writes them
            key, latitude, longitude = line.split("\t")
            self.keys.append(key)
            self.latitudes.append(round(float(latitude) * 100))
            self.longitudes.append(round(float(longitude) * 100))

    def __len__(self) -> int:
        return len(self.keys)

    def get(self, key: str) -> tuple[float, float] | None:
        at = bisect_left(self.keys, key)
        if at == len(self.keys) or self.keys[at] != key:
            return None
        return self.latitudes[at] / 100, self.longitudes[at] / 100


def read_table(path: Path) -> Table:
    """A country's file, read whole."""
    with lzma.open(path, "rt", encoding="ascii") as file:
        return Table(file.read().splitlines())


_lock = threading.Lock()
_tables: dict[str, Table] = {}


def _table(country: str) -> Table:
    """The country's postcodes, read on the first call in this process (one thread reads)."""
    if country not in _tables:
        with _lock:
            if country not in _tables:
                _tables[country] = read_table(folder() / f"{country}.tsv.xz")
    return _tables[country]


def lookup(country: str, text: object) -> tuple[str, float, float] | None:
    """(key, latitude, longitude) of the postcode *text* in *country*, or None.

    None when the country's postcodes are not shipped, *text* is not written like
    one of them, or no place has it. Never raises.
    """
    if not isinstance(country, str) or country.upper() not in countries():
        return None
    country = country.upper()
    key = postcode_key(country, text)
    point = _table(country).get(key) if key else None
    return (key, *point) if point else None
