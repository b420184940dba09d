"""Supporters' own clocks: the time zones a pledge form offers, and the hours clocks skip.

A prayer at 02:30 in New York does not exist on the day the clocks jump from
02:00 to 03:00. What outcry does with such a time:

- a fast's reminder is for one day: a time the clocks skip on that day is
  refused with a message naming the day, the zone and what to choose instead;
- a daily prayer's time is kept: on the day its time is skipped the reminder
  goes at the moment the clocks jump to (03:00), and the form's answer and the
  confirmation say so. A time that happens twice (clocks going back) is
  reminded of once, the first time.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from django.utils.translation import gettext

# A zone for the people reading each interface language, before their browser says
# better (pledges.js picks the browser's zone where JavaScript runs).
LANGUAGE_ZONES = {"ko": "Asia/Seoul", "zh-hans": "Asia/Shanghai"}


def zone_or_none(name: str) -> zoneinfo.ZoneInfo | None:
    """The IANA zone *name* ("Asia/Seoul"), or None if this system does not know it."""
    if not name or name in {"localtime", "Factory"} or name not in known_zones():
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return None


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


def default_zone(language: str, fallback: str) -> str:
    """The zone a form starts with for readers of *language* (else *fallback*, the campaign's)."""
    return LANGUAGE_ZONES.get(language) or fallback or "UTC"


def _offset(moment: datetime) -> str:
    """ "+09:00", "-05:00", "+05:45": the UTC offset of an aware *moment*."""
    raw = moment.strftime("%z") or "+0000"
    return f"{raw[:3]}:{raw[3:]}"


# Old names kept for compatibility ("US/Eastern", "Etc/GMT+5"): the form lists each place
# once under its region, and still accepts these if a browser sends one.
ALIASES = ("Etc/", "SystemV/", "US/", "Brazil/", "Canada/", "Chile/", "Mexico/")


@lru_cache(maxsize=4)
def zone_choices(day: date) -> list:
    """The zones a form lists on *day*, grouped by region: ("Asia", [("Asia/Seoul", "Seoul
    (UTC+09:00)"), ...]), UTC first. Cached for the day (offsets change with daylight time).
    """
    noon = datetime.combine(day, time(12), tzinfo=UTC)
    regions: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(known_zones()):
        if "/" not in name or name.startswith(ALIASES):
            continue
        region, place = name.split("/", 1)
        offset = _offset(noon.astimezone(zoneinfo.ZoneInfo(name)))
        label = f"{place.replace('_', ' ').replace('/', ' / ')} (UTC{offset})"
        regions.setdefault(region, []).append((name, label))
    return [("UTC", "UTC"), *regions.items()]


# The zones the campaign page's pledge forms list at first: where most supporters are.
# The full list (about 450 zones, some 30 KB of HTML per form) comes on asking for it:
# the choice OTHER_ZONE, which without JavaScript returns the form with every zone; with
# JavaScript, pledges.js adds the browser's own zone and selects it.
COMMON_ZONES = (
    "Asia/Seoul",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Manila",
    "Asia/Singapore",
    "Asia/Bangkok",
    "Asia/Jakarta",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/Moscow",
    "Europe/Istanbul",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/London",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Toronto",
    "America/Chicago",
    "America/Mexico_City",
    "America/Denver",
    "America/Los_Angeles",
    "Pacific/Honolulu",
    "Australia/Sydney",
    "Pacific/Auckland",
)
OTHER_ZONE = "other"


def short_zone_choices(day: date, *, also: tuple[str, ...] = ()) -> list:
    """COMMON_ZONES and *also* (the form's zone, the campaign's), grouped as zone_choices
    groups them, then "Another time zone…" (OTHER_ZONE).
    """
    wanted = set(COMMON_ZONES) | set(also)
    short = [("UTC", "UTC")]
    for region, zones in zone_choices(day)[1:]:
        kept = [(name, label) for name, label in zones if name in wanted]
        if kept:
            short.append((region, kept))
    return [*short, (OTHER_ZONE, gettext("Another time zone…"))]


@dataclass(frozen=True)
class Gap:
    """Times a zone skips on one day: from *skipped_from* the clocks jump to *jumps_to*."""

    day: date
    skipped_from: time
    jumps_to: time
    instant: datetime  # the moment of the jump, UTC


def exists(day: date, at: time, zone: zoneinfo.ZoneInfo) -> bool:
    """Whether the wall time *at* on *day* happens in *zone* (not skipped by the clocks)."""
    local = datetime.combine(day, at, tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def gap_at(day: date, at: time, zone: zoneinfo.ZoneInfo) -> Gap | None:
    """The gap *at* falls in on *day* in *zone*, or None when that time exists."""
    if exists(day, at, zone):
        return None
    local = datetime.combine(day, at)
    # Read with the offset before the jump (fold=0) the instant is after it, and
    # with the offset after (fold=1) before it: the jump lies between, on a minute.
    late = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    early = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low, high = min(early, late), max(early, late)
    after = high.astimezone(zone).utcoffset()
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if middle <= low:
            break
        if middle.astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    jump = high
    before = low.astimezone(zone).utcoffset()
    return Gap(
        day=day,
        skipped_from=(jump + before).replace(tzinfo=None).time(),
        jumps_to=jump.astimezone(zone).time().replace(tzinfo=None),
        instant=jump,
    )


def instant(day: date, at: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant of wall time *at* on *day* in *zone*.

    A time the clocks skip is read as the moment they jump to (02:30 on the
    spring-forward day in New York is 03:00 EDT); a time that happens twice,
    as its first time.
    """
    gap = gap_at(day, at, zone)
    if gap is not None:
        return gap.instant
    return datetime.combine(day, at, tzinfo=zone).replace(fold=0).astimezone(UTC)


def gaps_between(at: time, zone: zoneinfo.ZoneInfo, first: date, last: date) -> list[Gap]:
    """The days from *first* to *last* on which *at* is skipped in *zone*."""
    gaps = []
    # Only days around a change of offset can skip a time: look at each day's
    # offsets at its start and end, and only then at the time itself.
    day = first
    while day <= last:
        start = datetime.combine(day, time(0), tzinfo=zone).utcoffset()
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).utcoffset()
        if start != end or not exists(day, time(0), zone):
            gap = gap_at(day, at, zone)
            if gap is not None:
                gaps.append(gap)
        day += timedelta(days=1)
    return gaps
