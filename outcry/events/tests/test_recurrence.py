"""Expanding an event's occurrences: the local clock across daylight-saving changes, cancelling."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from outcry.events.recurrence import (
    RuleError,
    last_end,
    occurrences,
    rule_with_end,
    wall_time_exists,
)

LA = ZoneInfo("America/Los_Angeles")
SEOUL = ZoneInfo("Asia/Seoul")
HOUR = timedelta(hours=1)


def expand(first_start, rule, after, before, cancelled=frozenset(), duration=HOUR):
    return occurrences(
        first_start=first_start,
        duration=duration,
        rule=rule,
        cancelled=cancelled,
        after=after,
        before=before,
    )


def test_a_daily_14h_event_in_los_angeles_stays_at_14h_across_both_changes():
    # 2027: clocks go forward on 14 March and back on 7 November in Los Angeles.
    first = datetime(2027, 3, 12, 14, 0, tzinfo=LA)
    found = expand(
        first,
        "FREQ=DAILY;UNTIL=20271110T235959Z",
        after=datetime(2027, 3, 12, tzinfo=UTC),
        before=datetime(2027, 11, 11, tzinfo=UTC),
    )
    assert all(o.local_start.time() == time(14, 0) for o in found)
    by_day = {o.local_date: o for o in found}
    # PST (UTC-8) before, PDT (UTC-7) after: the instant moves, the clock does not.
    assert by_day[date(2027, 3, 13)].start == datetime(2027, 3, 13, 22, 0, tzinfo=UTC)
    assert by_day[date(2027, 3, 14)].start == datetime(2027, 3, 14, 21, 0, tzinfo=UTC)
    assert by_day[date(2027, 11, 6)].start == datetime(2027, 11, 6, 21, 0, tzinfo=UTC)
    assert by_day[date(2027, 11, 7)].start == datetime(2027, 11, 7, 22, 0, tzinfo=UTC)
    assert by_day[date(2027, 3, 14)].local_start.tzname() == "PDT"
    assert by_day[date(2027, 11, 7)].local_start.tzname() == "PST"
    # Every day from 12 March to 10 November, once.
    assert len(found) == (date(2027, 11, 10) - date(2027, 3, 12)).days + 1
    # Each lasts an hour of elapsed time.
    assert all(o.end - o.start == HOUR for o in found)


def test_cancelled_dates_are_left_out_and_the_window_is_honoured():
    first = datetime(2027, 1, 1, 14, 0, tzinfo=SEOUL)
    found = expand(
        first,
        "FREQ=DAILY;COUNT=10",
        after=datetime(2027, 1, 3, tzinfo=UTC),
        before=datetime(2027, 1, 8, tzinfo=UTC),
        cancelled=frozenset({date(2027, 1, 5)}),
    )
    assert [o.local_date.day for o in found] == [3, 4, 6, 7]
    assert found[0].start == datetime(2027, 1, 3, 5, 0, tzinfo=UTC)


def test_an_occurrence_still_going_on_at_the_start_of_the_window_is_included():
    first = datetime(2027, 1, 1, 14, 0, tzinfo=SEOUL)
    found = expand(
        first,
        "FREQ=DAILY;COUNT=3",
        after=datetime(2027, 1, 2, 5, 30, tzinfo=UTC),  # 14:30 in Seoul on the 2nd
        before=datetime(2027, 2, 1, tzinfo=UTC),
    )
    assert [o.local_date.day for o in found] == [2, 3]


def test_a_single_event_is_one_occurrence_or_none():
    first = datetime(2027, 9, 22, 12, 0, tzinfo=SEOUL)
    window = {
        "after": datetime(2027, 9, 1, tzinfo=UTC),
        "before": datetime(2027, 10, 1, tzinfo=UTC),
    }
    assert len(expand(first, "", **window)) == 1
    assert expand(first, "", cancelled=frozenset({date(2027, 9, 22)}), **window) == []
    assert expand(first, "", after=datetime(2027, 9, 23, tzinfo=UTC), before=window["before"]) == []


def test_a_skipped_wall_time_is_read_as_the_hour_after():
    assert not wall_time_exists(datetime(2027, 3, 14, 2, 30), LA)
    assert wall_time_exists(datetime(2027, 3, 14, 3, 30), LA)
    first = datetime(2027, 3, 13, 2, 30, tzinfo=LA)
    found = expand(
        first,
        "FREQ=DAILY;COUNT=3",
        after=datetime(2027, 3, 1, tzinfo=UTC),
        before=datetime(2027, 4, 1, tzinfo=UTC),
    )
    assert [o.local_start.strftime("%d %H:%M") for o in found] == [
        "13 02:30",
        "14 03:30",
        "15 02:30",
    ]


def test_a_rule_without_an_end_is_capped_at_the_deadline_and_written_with_until():
    first = datetime(2027, 1, 1, 14, 0, tzinfo=SEOUL)
    deadline = datetime(2027, 1, 31, 15, 0, tzinfo=UTC)
    stored = rule_with_end("rrule:freq=daily", first_start=first, until=deadline)
    assert stored == "FREQ=DAILY;UNTIL=20270131T150000Z"
    # The last vigil is on 31 January (05:00 UTC), before the deadline.
    assert last_end(first_start=first, duration=HOUR, rule=stored) == datetime(
        2027, 1, 31, 6, 0, tzinfo=UTC
    )


def test_an_until_date_means_through_that_day_on_the_events_clock():
    first = datetime(2027, 1, 1, 23, 0, tzinfo=SEOUL)
    stored = rule_with_end("FREQ=DAILY;UNTIL=20270103", first_start=first, until=None)
    assert stored == "FREQ=DAILY;UNTIL=20270103T145959Z"
    assert last_end(first_start=first, duration=HOUR, rule=stored) == datetime(
        2027, 1, 3, 15, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ("FREQ=DAILY", "endless"),
        ("FREQ=WEEKLY;BYDAY=SA", "endless"),
        ("FREQ=HOURLY;COUNT=3", "frequency"),
        ("FREQ=DAILY;BYHOUR=9,14;COUNT=3", "frequency"),
        ("FREQ=DAILY;COUNT=1000", "too-long"),
        ("FREQ=DAILY;UNTIL=20991231T000000Z", "too-long"),
        ("FREQ=DAILY;UNTIL=20261231T000000Z", "never"),
        ("every day", "syntax"),
        ("FREQ=DAILY;COUNT=two", "syntax"),
        ("FREQ=DAILY;COUNT=2;UNTIL=20270105", "syntax"),
        ("FREQ=DAILY;UNTIL=20270105T000000", "syntax"),
        ("FREQ=DAILY;COUNT=2;COUNT=3", "syntax"),
        ("FREQ=SOMETIMES;COUNT=2", "syntax"),
        ("COUNT=2", "syntax"),
    ],
)
def test_rules_that_cannot_be_used_are_refused_with_a_reason(rule, code):
    first = datetime(2027, 1, 1, 14, 0, tzinfo=SEOUL)
    with pytest.raises(RuleError) as refused:
        rule_with_end(rule, first_start=first, until=None)
    assert refused.value.code == code
