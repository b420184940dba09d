"""Opening hours as schema.org writes them ("Mo-Fr 09:00-12:00"), read, checked and told.

A target's `opening_hours` holds one or more rules separated by ";" or new lines; a
rule is its days (two-letter codes: a range "Mo-Fr", a list "Mo,We,Fr", or both
"Mo-We,Fr") and one or more times ("09:00-12:00 14:00-17:00", or with commas):

    Mo-Fr 09:00-12:00 14:00-16:00; Sa 10:00-12:00

`schema_values` gives schema.org's openingHours values (one per days and times),
`described` the rules in a reader's language ("Monday to Friday: 09:00 to 12:00",
written with en dashes).
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from outcry.core.countries import babel_locale

EN_DASH = "\u2013"  # between days and times, as type-setters write ranges
DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]

_DAY = "(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAY_PART = rf"{_DAY}(?:-{_DAY})?"
_DAYS = re.compile(rf"{_DAY_PART}(?:,{_DAY_PART})*")
_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))")
_RULES = re.compile(r"[;\n]")
_TIMES = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Rule:
    """Days (pairs of day numbers, Monday 0: a single day is (n, n)) and times ("09:00-12:00")."""

    days: tuple[tuple[int, int], ...]
    times: tuple[str, ...]

    @property
    def days_text(self) -> str:
        """The days as schema.org writes them: "Mo-Fr", "Mo,We"."""
        return ",".join(
            DAYS[first] if first == last else f"{DAYS[first]}-{DAYS[last]}"
            for first, last in self.days
        )


def parse(text: str) -> list[Rule]:
    """The rules of *text*; raises ValueError naming the first part it cannot read."""
    rules = []
    for part in _RULES.split(text or ""):
        part = part.strip()
        if not part:
            continue
        days, _space, times = part.partition(" ")
        if not _DAYS.fullmatch(days):
            raise ValueError(part)
        spans = []
        for pair in days.split(","):
            first, _dash, last = pair.partition("-")
            spans.append((DAYS.index(first), DAYS.index(last or first)))
        found = [time for time in _TIMES.split(times.strip()) if time]
        if not found or not all(_TIME.fullmatch(time) for time in found):
            raise ValueError(part)
        for time in found:
            start, end = time.split("-")
            if end <= start:
                raise ValueError(part)
        rules.append(Rule(days=tuple(spans), times=tuple(found)))
    return rules


def validate_opening_hours(value: str) -> None:
    """A model field's validator: the text must read as `parse` reads it."""
    try:
        parse(value)
    except ValueError as error:
        raise ValidationError(
            gettext_lazy(
                "“%(part)s” is not opening hours as schema.org writes them. Write the days "
                "and then the times, e.g. “Mo-Fr 09:00-12:00 14:00-16:00; Sa 10:00-12:00”."
            ),
            code="invalid",
            params={"part": str(error)[:80]},
        ) from None


def schema_values(text: str) -> list[str]:
    """schema.org openingHours values: one per days and times ("Mo-Fr 09:00-12:00").

    Empty when *text* is empty or cannot be read (the admin refuses that; old rows
    or imports might not).
    """
    try:
        rules = parse(text)
    except ValueError:
        return []
    return [f"{rule.days_text} {time}" for rule in rules for time in rule.times]


def described(text: str, language: str) -> list[str]:
    """Each rule for a reader of *language*: "Monday to Friday: 09:00 to 12:00, 14:00 to 16:00"
    with an en dash for each "to".

    Day names are CLDR's (Babel): "월요일", "금요일" in Korean. Empty when *text* is
    empty or cannot be read.
    """
    try:
        rules = parse(text)
    except ValueError:
        return []
    names = babel_locale(language).days["format"]["wide"]
    lines = []
    for rule in rules:
        days = ", ".join(
            names[first] if first == last else f"{names[first]}{EN_DASH}{names[last]}"
            for first, last in rule.days
        )
        hours = ", ".join(time.replace("-", EN_DASH) for time in rule.times)
        lines.append(gettext("%(days)s: %(hours)s") % {"days": days, "hours": hours})
    return lines
