"""Finding events near a place: the list page's place and distance, resolved offline.

A supporter types a city, a US ZIP code or "lat, lon" (what "near me" fills in);
core.places finds it on this server (GeoNames' cities, no other host asked). The
events within the chosen distance are listed nearest first, each with how far it
is, and, where the place's time zone is known and its clock reads otherwise, with
its time on that clock too ("In Evanston: 8:00 p.m. CST"). Pages that only show
the place's clock (an event, a day of action) take the same ``?place=``.
"""

import zoneinfo
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outcry.campaigns.models import zone_label
from outcry.core.forms import PlaceField
from outcry.core.places import (
    AmbiguousPlace,
    NoPlaceFound,
    Place,
    find_places,
    great_circle_km,
    resolve_place,
)
from outcry.core.worldmap import MapPoint

# The distances offered, in km; a day of action's events are a city or a region apart.
DISTANCES = (10, 25, 50, 100, 250, 500)
DEFAULT_DISTANCE = 100


class FindForm(forms.Form):
    """The list page's place and distance (a GET form: it changes nothing)."""

    place = PlaceField(
        required=False,
        label=_("Near"),
        help_text=_("A city, a US ZIP code, or “near me”."),
    )
    distance = forms.TypedChoiceField(
        label=_("Distance"), coerce=int, required=False, empty_value=DEFAULT_DISTANCE
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Built per form, in the page's language: "within 50 km", "50km 이내".
        self.fields["distance"].choices = [
            (km, gettext("within %(km)s km") % {"km": formats.number_format(km)})
            for km in DISTANCES
        ]
        self.fields["distance"].initial = DEFAULT_DISTANCE


@dataclass
class Search:
    """What the visitor asked for: the form, and the place it names if it names one."""

    form: FindForm
    place: Place | None = None
    distance: int = DEFAULT_DISTANCE
    # The place as typed, for links that carry it on to an event's page.
    query: str = ""
    # For a name several places share: a link to each, as {"label", "url"}.
    candidates: list[dict] = field(default_factory=list)


def search(params: QueryDict, *, path: str, extra: dict | None = None) -> Search:
    """Read ``?place=…&distance=…``: a Search with the place, or the form's errors.

    Never raises: an unknown, ambiguous, oversized or invisible place is a form
    error in the page's language. *path* and *extra* (other parameters to keep,
    such as the country) make the links to an ambiguous name's candidates.
    """
    if not (params.get("place") or "").strip():
        return Search(form=FindForm(initial={"distance": DEFAULT_DISTANCE}))
    if not params.get("distance"):  # shown as chosen, not as the list's first
        params = params.copy()
        params["distance"] = str(DEFAULT_DISTANCE)
    form = FindForm(params)
    if form.is_valid():
        return Search(
            form=form,
            place=form.cleaned_data["place"],
            distance=form.cleaned_data["distance"] or DEFAULT_DISTANCE,
            query=params["place"].strip(),
        )
    distance = DEFAULT_DISTANCE
    if "distance" not in form.errors:
        distance = form.cleaned_data.get("distance") or DEFAULT_DISTANCE
    candidates = []
    if any(error.code == "ambiguous" for error in form.errors.as_data().get("place", [])):
        for place in find_places(params.get("place")):
            query = {**(extra or {}), "place": _query_for(place), "distance": distance}
            candidates.append({"label": place.label(), "url": f"{path}?{urlencode(query)}"})
    return Search(form=form, distance=distance, candidates=candidates)


def _query_for(place: Place) -> str:
    """Text that names *place* alone: "Springfield, IL", "Busan, KR", else its coordinates."""
    text = f"{place.name}, {place.region or place.country}"
    try:
        if resolve_place(text) == place:
            return text
    except (NoPlaceFound, AmbiguousPlace):
        pass
    return f"{place.latitude:.4f}, {place.longitude:.4f}"


def distance_text(km: float) -> str:
    """ "12 km away", "3.4 km away", "8,120 km away", in the page's language and digits."""
    rounded = round(km, 1) if km < 10 else round(km)
    return gettext("%(km)s km away") % {
        "km": formats.number_format(rounded, decimal_pos=1 if km < 10 else 0, force_grouping=True)
    }


def near(rows: list[dict], place: Place, distance: int) -> list[dict]:
    """The rows of events within *distance* km of *place*, nearest first, each with its distance.

    An event without coordinates cannot be placed and is left out.
    """
    kept = []
    for row in rows:
        km = _distance_to(row, place)
        if km is not None and km <= distance:
            kept.append(row | {"km": km, "distance": distance_text(km)})
    return sorted(kept, key=lambda row: row["km"])


def with_distances(rows: list[dict], place: Place) -> list[dict]:
    """The rows, each with its distance from *place* where it has coordinates (order kept)."""
    return [
        row | {"distance": distance_text(km)}
        if (km := _distance_to(row, place)) is not None
        else row
        for row in rows
    ]


def _distance_to(row: dict, place: Place) -> float | None:
    event = row["event"]
    if event.latitude is None or event.longitude is None:
        return None
    # An event's coordinates are Decimals.
    return great_circle_km(
        place.latitude, place.longitude, float(event.latitude), float(event.longitude)
    )


def there(when: dict, place: Place | None) -> dict | None:
    """An occurrence (views.when's dict) on *place*'s clock, if known and reading otherwise."""
    if place is None or not place.time_zone:
        return None
    try:
        zone = zoneinfo.ZoneInfo(place.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    start, end = when["start"].astimezone(zone), when["end"].astimezone(zone)
    if start.replace(tzinfo=None) == when["start"].replace(tzinfo=None):
        return None  # the same wall time: nothing to add
    end_day = formats.date_format(end, "DATE_FORMAT") + ", " if end.date() != start.date() else ""
    # As _when.html writes the event's own clock: "Monday March 9, 2027, 9 p.m. to 10 p.m. PST".
    text = "{weekday} {day}, {start}\u2013{end_day}{end} {zone}".format(
        weekday=formats.date_format(start, "l"),
        day=formats.date_format(start, "DATE_FORMAT"),
        start=formats.time_format(start, "TIME_FORMAT"),
        end_day=end_day,
        end=formats.time_format(end, "TIME_FORMAT"),
        zone=zone_label(start),
    )
    return {"place": place.spelling or place.name, "text": text, "zone_key": zone.key}


def with_time_there(when: dict, place: Place | None) -> dict:
    """*when* (views.when's dict) with ``there``: the same times on *place*'s clock, or None."""
    return when | {"there": there(when, place)}


def add_times_there(rows: list[dict], place: Place | None) -> list[dict]:
    """The rows, each next occurrence also on *place*'s clock where that reads otherwise."""
    return [
        row | {"next": with_time_there(row["next"], place)} if row["next"] else row for row in rows
    ]


def carried(url: str, query: str) -> str:
    """*url* with ``?place=`` *query*, so the next page shows times on the place's clock too."""
    return f"{url}?{urlencode({'place': query})}" if query else url


def carry(rows: list[dict], query: str) -> list[dict]:
    """The rows, their links carrying the searched place on to the events' pages."""
    return [row | {"url": carried(row["url"], query)} for row in rows]


def map_points(rows: list[dict]) -> list[MapPoint]:
    """A point per listed event that has coordinates, titled and linked to its page."""
    return [
        MapPoint(
            float(row["event"].latitude),
            float(row["event"].longitude),
            f"{row['text'].title} ({row['event'].venue})",
            row["url"],
        )
        for row in rows
        if row["event"].latitude is not None and row["event"].longitude is not None
    ]
