"""Recurring events: reading an RFC 5545 RRULE and expanding it on the event's own clock.

Pure functions of their arguments (no database): an event's first start as a
wall-clock time in an IANA zone, its length, its rule and its cancelled dates
in, instants out. The rule is expanded on the local clock (dateutil's rrule
with a ``zoneinfo`` start keeps 14:00 at 14:00 across a daylight-saving change)
and each occurrence is turned into an instant only then. A wall time that does
not exist on some day (the hour the clocks skip) is read as the instant the
clock shows after it: 02:30 on a spring-forward night starts at 03:30.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

# An event happens at most once a day: its cancellations name dates.
ALLOWED_FREQUENCIES = {DAILY, WEEKLY, MONTHLY, YEARLY}
# However its rule reads, a recurring event ends within this long of its first day.
LONGEST_RUN = timedelta(days=2 * 366)
# Parts that would put two occurrences on one day.
_SUB_DAILY_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND", "BYSETPOS")


class RuleError(ValueError):
    """A recurrence rule that cannot be used; ``code`` says why (see ``describe``)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Occurrence:
    """One time an event takes place: its instants (UTC) and its local start in the event's zone."""

    start: datetime
    end: datetime
    local_start: datetime
    local_end: datetime

    @property
    def local_date(self) -> date:
        return self.local_start.date()


def normalise_rule(text: str) -> str:
    """The rule's parts as written, upper case, without an "RRULE:" prefix or spaces."""
    rule = "".join(text.split()).upper()
    return rule.removeprefix("RRULE:")


def rule_parts(rule: str) -> dict[str, str]:
    parts = {}
    for part in rule.split(";"):
        name, sep, value = part.partition("=")
        if not sep or not name or not value:
            raise RuleError("syntax", part)
        if name in parts:
            raise RuleError("syntax", part)
        parts[name] = value
    return parts


def local_instant(naive: datetime, zone: ZoneInfo) -> datetime:
    """The instant (UTC) a clock in *zone* shows *naive* at (the later one in a skipped hour)."""
    return naive.replace(tzinfo=zone).astimezone(UTC)


def wall_time_exists(naive: datetime, zone: ZoneInfo) -> bool:
    """False for a time the clocks skip in *zone* (02:30 on a spring-forward night)."""
    return local_instant(naive, zone).astimezone(zone).replace(tzinfo=None) == naive


def build_rule(rule: str, *, first_start: datetime, until: datetime | None = None) -> rrule:
    """The dateutil rule for *rule* starting at *first_start* (aware, in the event's zone).

    Raises RuleError: "syntax" (not an RRULE), "frequency" (more often than daily
    or parts that would repeat within a day), "endless" (no COUNT or UNTIL and no
    *until* to cap it at). A rule without an end is capped at *until* (an instant).
    """
    parts = rule_parts(rule)
    if "DTSTART" in parts or "FREQ" not in parts:
        raise RuleError("syntax", rule)
    if any(name in parts for name in _SUB_DAILY_PARTS):
        raise RuleError("frequency")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError("syntax", rule)
    ends = "COUNT" in parts or "UNTIL" in parts
    if not ends and until is None:
        raise RuleError("endless")
    if "UNTIL" in parts and not parts["UNTIL"].endswith("Z"):
        # RFC 5545: with a DTSTART in a time zone, UNTIL is in UTC. A date alone
        # (UNTIL=20270131) means through that day on the event's clock.
        value = parts["UNTIL"]
        try:
            day = datetime.strptime(value, "%Y%m%d")
        except ValueError:
            raise RuleError("syntax", value) from None
        last = datetime.combine(day.date(), datetime.max.time())
        parts["UNTIL"] = local_instant(last, first_start.tzinfo).strftime("%Y%m%dT%H%M%SZ")
        rule = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        parsed = rrulestr(rule, dtstart=first_start)
    except (ValueError, TypeError, OverflowError) as error:
        raise RuleError("syntax", str(error)) from None
    if not isinstance(parsed, rrule) or parsed._freq not in ALLOWED_FREQUENCIES:
        raise RuleError("frequency")
    if not ends:
        parsed = parsed.replace(until=until.astimezone(first_start.tzinfo))
    return parsed


def rule_with_end(rule: str, *, first_start: datetime, until: datetime | None) -> str:
    """*rule* as stored and published: normalised, and with UNTIL (UTC) if it had no end.

    Checks it as ``build_rule`` does, and that it ends within LONGEST_RUN of
    *first_start* ("too-long") and happens at least once ("never").
    """
    rule = normalise_rule(rule)
    parsed = build_rule(rule, first_start=first_start, until=until)
    parts = rule_parts(rule)
    if "COUNT" not in parts and "UNTIL" not in parts:
        parts["UNTIL"] = until.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    elif "UNTIL" in parts and not parts["UNTIL"].endswith("Z"):
        parts["UNTIL"] = parsed._until.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    limit = first_start + LONGEST_RUN
    if parsed.after(limit) is not None:
        raise RuleError("too-long")
    if parsed.after(first_start, inc=True) is None:
        raise RuleError("never")
    return ";".join(f"{name}={value}" for name, value in parts.items())


def starts(
    *, first_start: datetime, rule: str = "", cancelled: frozenset[date] = frozenset()
) -> list[datetime]:
    """Every local start (aware, in the event's zone) of the event, cancelled dates left out."""
    if not rule:
        return [first_start] if first_start.date() not in cancelled else []
    parsed = build_rule(rule, first_start=first_start)
    return [moment for moment in parsed if moment.date() not in cancelled]


def occurrences(
    *,
    first_start: datetime,
    duration: timedelta,
    rule: str = "",
    cancelled: frozenset[date] = frozenset(),
    after: datetime,
    before: datetime,
    limit: int | None = None,
) -> list[Occurrence]:
    """The occurrences that are not over at *after* and start before *before* (instants).

    *first_start* is aware, on the event's own zone (a ``ZoneInfo``); each
    occurrence keeps its wall-clock start and lasts *duration* of elapsed time.
    Cancelled dates (local) are left out. At most *limit* of them, earliest first.
    """
    zone = first_start.tzinfo
    found = []
    if rule:
        parsed = build_rule(rule, first_start=first_start)
        # Start looking one duration (and a day, for clocks moving) before *after*,
        # so an occurrence still going on at *after* is found.
        search_from = (after - duration - timedelta(days=1)).astimezone(zone)
        candidates = parsed.xafter(search_from, inc=True)
    else:
        candidates = iter([first_start])
    for local in candidates:
        start = local.astimezone(UTC)
        if start >= before:
            break
        end = start + duration
        if end <= after or local.date() in cancelled:
            continue
        found.append(
            Occurrence(
                start=start,
                end=end,
                local_start=start.astimezone(zone),
                local_end=end.astimezone(zone),
            )
        )
        if limit is not None and len(found) >= limit:
            break
    return found


def last_end(*, first_start: datetime, duration: timedelta, rule: str = "") -> datetime:
    """The instant the event's last occurrence (cancelled or not) ends."""
    if not rule:
        return first_start.astimezone(UTC) + duration
    parsed = build_rule(rule, first_start=first_start)
    last = parsed.before(first_start + LONGEST_RUN, inc=True) or first_start
    return last.astimezone(UTC) + duration
