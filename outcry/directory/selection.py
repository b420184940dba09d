"""Choose targets for a supporter: the nearest missions, or their members of Congress.

Plain reads, no writes. Only open targets are ever offered. Places are found offline
(core/places.py): nothing the supporter typed leaves the server.
"""

import math
import re
from dataclasses import dataclass, replace

from django.db.models import Q
from django.utils.translation import gettext

from outcry.core import postcodes
from outcry.core.places import (
    AmbiguousPlace,
    NoPlaceFound,
    Place,
    great_circle_km,
    resolve_place,
)
from outcry.directory.models import ZIP_CODE, Target, TargetList, ZipDistrict
from outcry.directory.naming import office_name

MISSION_CATEGORIES = [Target.Category.EMBASSY, Target.Category.CONSULATE]


def _check_point(latitude: float | None, longitude: float | None) -> bool:
    if latitude is None or longitude is None:
        return False
    if not (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    ):
        raise ValueError(f"Not a point on Earth: {latitude}, {longitude}")
    return True


def nearest_missions(
    *,
    represents: str,
    country: str,
    latitude: float | None = None,
    longitude: float | None = None,
    target_list: TargetList | None = None,
    city: str = "",
    region: str = "",
    limit: int = 3,
) -> list[Target]:
    """The open missions of the state *represents* (ISO code) for a supporter in *country*.

    With the supporter's coordinates, the missions in their country come
    nearest first (missions without coordinates are placed in their city, if
    the gazetteer knows it, else last); a mission whose consular district holds
    the supporter's *region* (a US state's code) comes before any other,
    however near. Without coordinates, a mission in
    the supporter's *city* (if given) comes first, then the embassy, then the
    consulates by city. When the supporter's country
    has none of that state's missions, the nearest ones anywhere are given if
    the coordinates are known, else an empty list. *target_list* restricts the
    choice to that list. Channels come prefetched.

    Raises ValueError for coordinates that are not on Earth.
    """
    has_point = _check_point(latitude, longitude)
    missions = (
        Target.objects.open()
        .filter(represents=represents.upper(), category__in=MISSION_CATEGORIES)
        .with_names()
        .prefetch_related("channels")
    )
    if target_list is not None:
        missions = missions.filter(lists=target_list)

    home = city.strip().casefold()

    def by_rank(target: Target) -> tuple:
        in_home_city = bool(home) and target.city.casefold() == home
        return (
            not in_home_city,
            target.category != Target.Category.EMBASSY,
            target.city,
            target.name,
        )

    wanted_region = region.strip().upper()

    def by_distance(target: Target) -> tuple:
        outside = not (wanted_region and wanted_region in target.district_regions)
        point = mission_point(target)
        if point is None:
            return (outside, math.inf, *by_rank(target))
        return (outside, great_circle_km(latitude, longitude, *point), *by_rank(target))

    local = list(missions.filter(country=country.upper()))
    if local:
        return sorted(local, key=by_distance if has_point else by_rank)[:limit]
    if not has_point:
        return []
    anywhere = missions.filter(latitude__isnull=False, longitude__isnull=False)
    return sorted(anywhere, key=by_distance)[:limit]


def mission_point(target: Target) -> tuple[float, float] | None:
    """A mission's coordinates: its own, else its city's from the gazetteer, else None."""
    if target.latitude is not None and target.longitude is not None:
        return target.latitude, target.longitude
    try:
        place = resolve_place(target.city, country=target.country)
    except (NoPlaceFound, AmbiguousPlace):
        return None
    return place.latitude, place.longitude


@dataclass(frozen=True)
class MissionChoice:
    """The missions offered to a supporter in one country, and which one is theirs.

    *targets* is the country's missions, the likeliest first. *nearest* is the
    one to preselect, or None when the supporter must choose (no place given, a
    place we do not know, or several places of that name). *why* says which
    (``district``, ``distance``, ``no-place``, ``unknown-place``, ``ambiguous``),
    and *message* tells the supporter, in the active language.
    """

    targets: list[Target]
    nearest: Target | None
    why: str
    message: str
    place: Place | None = None


def missions_for_place(
    *,
    represents: str,
    country: str,
    place: str,
    target_list: TargetList | None = None,
    limit: int = 12,
) -> MissionChoice:
    """The missions of *represents* in *country*, for a supporter who typed *place*.

    *place* is a town in any language the gazetteer knows ("Evanston", "시카고",
    "부산"), a US ZIP code or a postcode of *country* (core/postcodes.py). It is
    resolved offline within *country*; then the
    office whose consular district holds the place's region comes first, else
    the nearest. When it does not resolve, the country's missions come embassy
    first and none is preselected: never a silent guess. An empty list means
    the state has no open mission in *country*.
    """
    text = place.strip() if isinstance(place, str) else ""
    found: Place | None = None
    why, message = "no-place", ""
    if not text:
        message = gettext("You did not give your town, so please choose the office to write to.")
    else:
        try:
            found = resolve_place(text, country=country)
        except AmbiguousPlace as ambiguous:
            why = "ambiguous"
            message = gettext(
                "Several places are called “%(place)s” (%(candidates)s), so we cannot tell "
                "which office is nearest to you. Please choose one, or go back and add "
                "your region to the town."
            ) % {
                "place": text[:120],
                "candidates": "; ".join(c.label() for c in ambiguous.candidates[:3]),
            }
        except NoPlaceFound:
            why = "unknown-place"
            if postcodes.postcode_key(country, text) and country.upper() in postcodes.countries():
                message = gettext(
                    "We could not find the postcode “%(place)s” in this country, so we "
                    "cannot tell which office is nearest to you. Please choose one."
                )
            else:
                message = gettext(
                    "We could not find “%(place)s” among the towns we know in this country, "
                    "so we cannot tell which office is nearest to you. Please choose one."
                )
            message %= {"place": text[:120]}
    if found is None:
        targets = nearest_missions(
            represents=represents, country=country, target_list=target_list, limit=limit
        )
        return MissionChoice(targets=targets, nearest=None, why=why, message=message)
    targets = nearest_missions(
        represents=represents,
        country=country,
        latitude=found.latitude,
        longitude=found.longitude,
        region=found.region,
        target_list=target_list,
        limit=limit,
    )
    local = [target for target in targets if target.country == country.upper()]
    if not local:
        return MissionChoice(targets=[], nearest=None, why="distance", message="", place=found)
    nearest = local[0]
    if found.region and found.region in nearest.district_regions:
        why = "district"
        message = gettext(
            "%(place)s is in the consular district of %(office)s, so it is ticked. "
            "You may choose others too."
        )
    else:
        why = "distance"
        message = gettext(
            "%(office)s is the office nearest to %(place)s, so it is ticked. "
            "You may choose others too."
        )
    message %= {"place": found.label(), "office": office_name(nearest)}
    return MissionChoice(targets=local, nearest=nearest, why=why, message=message, place=found)


# ---------------------------------------------------------------------------
# US Congress by ZIP code

ZIP_PATTERN = re.compile(ZIP_CODE)


class ZipLookupError(ValueError):
    """A ZIP code we cannot answer for; the message is for the supporter."""


class InvalidZip(ZipLookupError):
    """Not written as a US ZIP code (5 digits, or ZIP+4)."""


class UnknownZip(ZipLookupError):
    """A well-formed ZIP code that is in no congressional district we know."""


class UnknownDistrict(ZipLookupError):
    """A district the ZIP code does not lie in."""


@dataclass(frozen=True)
class ZipResult:
    """Who represents a ZIP code in Congress.

    A ZIP code can span several districts (and rarely two states): then
    ``needs_choice`` is true, ``representatives`` holds every candidate, and
    ``choose_district`` narrows the result to the supporter's district.
    """

    zip_code: str
    senators: list[Target]
    representatives: list[Target]
    districts: list[tuple[str, int]]

    @property
    def needs_choice(self) -> bool:
        return len(self.districts) > 1


def normalise_zip(zip_code: str) -> str:
    """The five-digit ZIP code in *zip_code* ("05401-1234" → "05401"); raises InvalidZip."""
    match = ZIP_PATTERN.fullmatch(zip_code.strip())
    if match is None:
        raise InvalidZip(
            gettext("“%(zip)s” is not a US ZIP code. Please give five digits, e.g. 05401.")
            % {"zip": zip_code.strip()[:20]}
        )
    return match["zip5"]


def _legislators(
    districts: list[tuple[str, int]], target_list: TargetList | None
) -> tuple[list[Target], list[Target]]:
    states = sorted({state for state, _district in districts})
    members = (
        Target.objects.open()
        .filter(category=Target.Category.LEGISLATOR, country="US", region__in=states)
        .prefetch_related("channels")
    )
    if target_list is not None:
        members = members.filter(lists=target_list)
    seats = Q(pk__in=[])
    for state, district in districts:
        seats |= Q(region=state, district=district)
    senators = sorted(members.filter(district__isnull=True), key=lambda t: (t.region, t.name))
    order = {seat: position for position, seat in enumerate(districts)}
    representatives = sorted(
        members.filter(seats), key=lambda t: (order[(t.region, t.district)], t.name)
    )
    return senators, representatives


def legislators_for_zip(*, zip_code: str, target_list: TargetList | None = None) -> ZipResult:
    """The senators and representative(s) of the supporter's ZIP code.

    Accepts "05401", "05401-1234" or "054011234". A ZIP code spanning several
    districts gives every candidate representative and ``needs_choice``.
    *target_list* restricts the members to that list. Raises InvalidZip for a
    malformed code and UnknownZip for one in no district we know.
    """
    code = normalise_zip(zip_code)
    districts = sorted(
        ZipDistrict.objects.filter(zcta=code).values_list("state", "district").distinct()
    )
    if not districts:
        raise UnknownZip(
            gettext(
                "We know of no congressional district for the ZIP code %(zip)s. "
                "Please check it, or use the ZIP code of your home address."
            )
            % {"zip": code}
        )
    senators, representatives = _legislators(districts, target_list)
    return ZipResult(
        zip_code=code, senators=senators, representatives=representatives, districts=districts
    )


def choose_district(result: ZipResult, district: tuple[str, int] | str) -> ZipResult:
    """Narrow *result* to one of its districts, given as ("AL", 7) or "AL-7".

    Senators of another state (for the few ZIP codes across a state line)
    are dropped too. Raises UnknownDistrict if the ZIP code is not in it.
    """
    if isinstance(district, str):
        label = district.strip().upper()[:10]
        state, _sep, number = label.partition("-")
        seat = (state, int(number)) if number.isdigit() else None
    else:
        seat = (district[0].upper(), int(district[1]))
        label = f"{seat[0]}-{seat[1]}"
    if seat not in result.districts:
        raise UnknownDistrict(
            gettext("The ZIP code %(zip)s is not in the district %(district)s.")
            % {"zip": result.zip_code, "district": label}
        )
    return replace(
        result,
        senators=[t for t in result.senators if t.region == seat[0]],
        representatives=[t for t in result.representatives if (t.region, t.district) == seat],
        districts=[seat],
    )
