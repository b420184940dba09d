"""A plain map without tiles: the world's land as inline SVG, with points that link.

Drawn on the server from Natural Earth's 1:110m land (world-atlas' TopoJSON, vendored
in core/data/ by `make vendor-world-atlas`), in an equirectangular projection, so a
page shows it with JavaScript off and asks no other host for anything. The land's
outline is decoded once per process; each region's path is cached.

    svg = world_map([MapPoint(37.57, 126.98, "Seoul vigil", "/en/e/seoul/")], title="Events")

or in a template, with anything that has `.latitude` and `.longitude`:

    {% load maps %}{% world_map events title=_("Events near you") %}
"""

import hashlib
import itertools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WORLD_ATLAS = Path(__file__).parent / "data" / "world-atlas-2.0.2" / "land-110m.json"

# Map units per degree: a tenth of a degree is the finest step drawn (about 11 km),
# finer than the 1:110m outline itself.
UNITS = 10
# The world shown by default: 84°N to 60°S (Antarctica holds no events or embassies).
WORLD = (-180.0, -60.0, 180.0, 84.0)  # west, south, east, north
# A region around points is at least this many degrees wide and tall, padded by a fifth.
MIN_SPAN_DEGREES = 12.0


@dataclass(frozen=True)
class MapPoint:
    latitude: float
    longitude: float
    label: str
    url: str = ""


def world_map(
    points: Iterable[object] = (),
    *,
    title: str,
    bounds: tuple[float, float, float, float] | None = None,
    fit: bool = False,
) -> SafeString:
    """Inline SVG of the land with *points* marked, each titled and linked if it has a URL.

    *bounds* (west, south, east, north in degrees) picks a region; *fit* frames the
    points instead; by default the whole world (but Antarctica) is shown. Points
    without coordinates, or outside the frame, are left out. The markup is safe: every
    label and URL is escaped, and a URL that is neither a path nor http(s) is not linked.
    """
    marks = [point for point in map(as_map_point, points) if point is not None]
    if bounds is None:
        bounds = _around(marks) if fit and marks else WORLD
    west, south, east, north = _valid_bounds(bounds)
    # A point off the frame would still be a link a screen reader reads out.
    marks = [m for m in marks if west <= m.longitude <= east and south <= m.latitude <= north]
    x0, y0 = _project(west, north)
    x1, y1 = _project(east, south)
    width, height = x1 - x0, y1 - y0
    frame = [_number(value) for value in (x0, y0, width, height)]
    radius = max(width, height) / 160
    digest = hashlib.blake2s(
        repr((title, bounds, [(m.latitude, m.longitude, m.label) for m in marks])).encode(),
        digest_size=4,
    ).hexdigest()
    title_id = f"map-{digest}"
    circles = format_html_join("", "{}", ((_mark(mark, radius),) for mark in marks))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="{} {} {} {}" '
        'role="group" aria-labelledby="{}"><title id="{}">{}</title>'
        '<rect class="map-sea" x="{}" y="{}" width="{}" height="{}" fill="#e8f0f6"/>'
        '<path class="map-land" aria-hidden="true" fill="#d7d9cf" stroke="#9aa08f" '
        'stroke-width="{}" stroke-linejoin="round" d="{}"/>'
        '<g class="map-points" fill="#b3261e" stroke="#fff" stroke-width="{}">{}</g></svg>',
        *frame,
        title_id,
        title_id,
        title,
        *frame,
        _number(radius / 6),
        mark_safe(land_path(west, south, east, north)),  # noqa: S308 (digits and letters only)
        _number(radius / 3),
        circles,
    )


def as_map_point(item: object) -> MapPoint | None:
    """A MapPoint from a MapPoint, a mapping or an object with coordinates (else None).

    An object's label is its `map_label` or `str()`, its link `get_absolute_url()`.
    """
    if isinstance(item, MapPoint):
        point = item
    elif isinstance(item, Mapping):
        point = MapPoint(
            item.get("latitude"), item.get("longitude"), item.get("label", ""), item.get("url", "")
        )
    else:
        url = getattr(item, "get_absolute_url", None)
        point = MapPoint(
            getattr(item, "latitude", None),
            getattr(item, "longitude", None),
            str(getattr(item, "map_label", item)),
            url() if callable(url) else "",
        )
    try:
        latitude, longitude = float(point.latitude), float(point.longitude)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return MapPoint(latitude, longitude, str(point.label), str(point.url or ""))


def _mark(point: MapPoint, radius: float) -> SafeString:
    x, y = _project(point.longitude, point.latitude)
    circle = format_html(
        '<circle class="map-point" cx="{}" cy="{}" r="{}"><title>{}</title></circle>',
        _number(x),
        _number(y),
        _number(radius),
        point.label,
    )
    if _linkable(point.url):
        return format_html('<a href="{}" aria-label="{}">{}</a>', point.url, point.label, circle)
    return format_html('<g role="img" aria-label="{}">{}</g>', point.label, circle)


def _linkable(url: str) -> bool:
    return url.startswith(("/", "https://", "http://")) and not url.startswith("//")


def _project(longitude: float, latitude: float) -> tuple[float, float]:
    return (longitude + 180) * UNITS, (90 - latitude) * UNITS


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _valid_bounds(bounds: tuple[float, float, float, float]) -> tuple[float, ...]:
    west, south, east, north = (float(value) for value in bounds)
    west, east = max(-180.0, west), min(180.0, east)
    south, north = max(-90.0, south), min(90.0, north)
    if not (west < east and south < north):
        return WORLD
    return west, south, east, north


def _around(points: list[MapPoint]) -> tuple[float, float, float, float]:
    """A frame around *points*: padded, at least MIN_SPAN_DEGREES, about twice as wide as tall."""
    west = min(p.longitude for p in points)
    east = max(p.longitude for p in points)
    south = min(p.latitude for p in points)
    north = max(p.latitude for p in points)
    height = max(north - south, MIN_SPAN_DEGREES) * 1.2
    width = max(east - west, MIN_SPAN_DEGREES, height * 1.6) * 1.2
    height = max(height, width / 2)
    middle_x, middle_y = (west + east) / 2, (south + north) / 2
    # Whole degrees, so that nearby sets of points share a frame and its cached path.
    return (
        math.floor(middle_x - width / 2),
        math.floor(middle_y - height / 2),
        math.ceil(middle_x + width / 2),
        math.ceil(middle_y + height / 2),
    )


@cache
def _rings() -> list[list[tuple[float, float]]]:
    """The land's rings as (longitude, latitude) lists, decoded from the TopoJSON once."""
    topology = json.loads(WORLD_ATLAS.read_text(encoding="utf-8"))
    (scale_x, scale_y), (move_x, move_y) = (
        topology["transform"]["scale"],
        topology["transform"]["translate"],
    )
    arcs = []
    for arc in topology["arcs"]:  # quantised, each position a delta from the one before
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + move_x, y * scale_y + move_y))
        arcs.append(points)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        points: list[tuple[float, float]] = []
        for index in indexes:  # ~index is the arc reversed; arcs share their end points
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc[1:] if points else arc)
        return points

    rings = []
    for geometry in topology["objects"]["land"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for indexes in polygon:
                unwrapped = _across_the_date_line(ring(indexes))
                rings.append(unwrapped)
                # Russia's east and Fiji cross 180°: drawn once more from the other edge.
                if max(lon for lon, _ in unwrapped) > 180:
                    rings.append([(lon - 360, lat) for lon, lat in unwrapped])
    return rings


def _across_the_date_line(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The ring with no jump from 180° to -180° (it goes on to 190° instead).

    Drawn as it comes, such a jump is a line across the whole map.
    """
    shift = 0.0
    points = [ring[0]]
    for (previous, _), (lon, lat) in itertools.pairwise(ring):
        if lon - previous < -180:
            shift += 360
        elif lon - previous > 180:
            shift -= 360
        points.append((lon + shift, lat))
    if min(lon for lon, _ in points) < -180:
        points = [(lon + 360, lat) for lon, lat in points]
    return points


@lru_cache(maxsize=128)  # frames are whole degrees (see _around): few, but not bounded
def land_path(west: float, south: float, east: float, north: float) -> str:
    """The SVG path data of the land inside the bounds, simplified to the map's scale."""
    x0, y0 = _project(west, north)
    x1, y1 = _project(east, south)
    # Drop detail smaller than a few hundredths of the frame: invisible, and bytes.
    tolerance = max(1, round(max(x1 - x0, y1 - y0) / 600))
    parts = []
    for ring in _rings():
        if (
            max(lon for lon, _ in ring) < west
            or min(lon for lon, _ in ring) > east
            or max(lat for _, lat in ring) < south
            or min(lat for _, lat in ring) > north
        ):
            continue
        kept: list[tuple[int, int]] = []
        for lon, lat in ring:
            x, y = _project(lon, lat)
            point = (round(x), round(y))
            if kept and max(abs(point[0] - kept[-1][0]), abs(point[1] - kept[-1][1])) < tolerance:
                continue
            kept.append(point)
        if len(kept) < 3:
            continue
        moves = [
            kept[0],
            *((b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(kept)),
        ]
        parts.append("M" + _coordinates(moves[:1]) + "l" + _coordinates(moves[1:]) + "z")
    return "".join(parts)


def _coordinates(pairs: list[tuple[int, int]]) -> str:
    """ "3-2 4 5": numbers separated by a space, or by nothing before a minus sign."""
    text = ""
    for number in (n for pair in pairs for n in pair):
        text += ("" if not text or number < 0 else " ") + str(number)
    return text
