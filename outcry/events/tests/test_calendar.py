"""Calendar files: parsed back with icalendar, expanded by recurring-ical-events, and read line by
line against RFC 5545 (CRLF, lines folded at 75 octets, required properties)."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import recurring_ical_events
import time_machine
from icalendar import Calendar

from outcry.events.testing import at, make_day_of_action, make_event
from outcry.testing import make_campaign

NOW = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def download(client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return response.content


def check_rfc5545_lines(body: bytes) -> list[str]:
    """The file's content lines, unfolded, after checking how they are written (RFC 5545 3.1)."""
    assert body.endswith(b"\r\n")
    physical = body.split(b"\r\n")[:-1]
    for line in physical:
        assert b"\n" not in line and b"\r" not in line, line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # every line, folded or not, is whole UTF-8
    logical: list[bytes] = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    lines = [line.decode("utf-8") for line in logical]
    for line in lines:
        assert re.match(r"^[A-Z][A-Z0-9-]*[;:]", line), line
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    # Components open and close in order.
    stack = []
    for line in lines:
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
        elif line.startswith("END:"):
            assert stack.pop() == line[4:]
    assert stack == []
    return lines


def components(lines: list[str], name: str) -> list[dict[str, list[str]]]:
    """Each component *name* as {property name: [raw lines]} (nested components left out)."""
    found, current, depth = [], None, 0
    for line in lines:
        if line == f"BEGIN:{name}":
            current, depth = {}, 0
            continue
        if current is None:
            continue
        if line.startswith("BEGIN:"):
            depth += 1
        elif line == f"END:{name}" and depth == 0:
            found.append(current)
            current = None
        elif line.startswith("END:"):
            depth -= 1
        elif depth == 0:
            key = re.match(r"[A-Z0-9-]+", line).group(0)
            current.setdefault(key, []).append(line)
    return found


def test_a_daily_vigil_file_has_its_zone_rule_and_cancellations(client, campaign):
    event = make_event(
        campaign=campaign,
        starts=at(date(2027, 3, 12), 14),
        time_zone="America/Los_Angeles",
        country="US",
        recurrence="FREQ=DAILY;UNTIL=20270320T235959Z",
        cancelled_dates="2027-03-15",
        title="Daily vigil, with a long title that will need folding across more than one line "
        "of the file — 한국어도 들어갑니다 — and so on",
        directions="Exit 2, then 8 to 10 minutes on foot.",
        latitude="34.06570",
        longitude="-118.29000",
    )
    body = download(client, f"/en/c/{campaign.slug}/events/{event.pk}/calendar.ics")

    # First reading: the RFC's own rules, line by line.
    lines = check_rfc5545_lines(body)
    [calendar] = components(lines, "VCALENDAR")
    assert calendar["VERSION"] == ["VERSION:2.0"]
    assert calendar["PRODID"]
    [vevent] = components(lines, "VEVENT")
    for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "RRULE", "EXDATE"):
        assert required in vevent, required
    assert vevent["DTSTART"] == ["DTSTART;TZID=America/Los_Angeles:20270312T140000"]
    assert vevent["EXDATE"] == ["EXDATE;TZID=America/Los_Angeles:20270315T140000"]
    assert vevent["RRULE"] == ["RRULE:FREQ=DAILY;UNTIL=20270320T235959Z"]
    assert re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", vevent["DTSTAMP"][0])
    [zone] = components(lines, "VTIMEZONE")
    assert zone["TZID"] == ["TZID:America/Los_Angeles"]
    assert any(line.startswith("BEGIN:DAYLIGHT") for line in lines)
    assert "GEO:34.0657;-118.29" in lines

    # Second reading: icalendar parses it back, recurring-ical-events expands it.
    parsed = Calendar.from_ical(body)
    [component] = parsed.walk("VEVENT")
    assert str(component["SUMMARY"]).startswith("Daily vigil, with a long title")
    assert "한국어도 들어갑니다" in str(component["SUMMARY"])
    assert "Exit 2, then 8 to 10 minutes on foot." in str(component["DESCRIPTION"])
    starts = [
        occurrence["DTSTART"].dt
        for occurrence in recurring_ical_events.of(parsed).between(
            datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC)
        )
    ]
    days = [start.day for start in sorted(starts)]
    assert days == [12, 13, 14, 16, 17, 18, 19, 20]
    # 14:00 on the local clock on both sides of 14 March, when Los Angeles moves to PDT.
    assert all((start.hour, start.minute) == (14, 0) for start in starts)
    utc = sorted(start.astimezone(UTC) for start in starts)
    assert utc[0] == datetime(2027, 3, 12, 22, 0, tzinfo=UTC)
    assert utc[2] == datetime(2027, 3, 14, 21, 0, tzinfo=UTC)


def test_a_rule_capped_at_the_deadline_ends_there_in_the_file(client, db):
    from outcry.events.models import Event

    campaign = make_campaign(deadline_at=datetime(2027, 3, 5, 14, 59, tzinfo=UTC))
    event = make_event(campaign=campaign, starts=at(date(2027, 3, 2), 14), recurrence="FREQ=DAILY")
    event.full_clean()
    event.save()
    assert Event.objects.get(pk=event.pk).recurrence == "FREQ=DAILY;UNTIL=20270305T145900Z"
    body = download(client, f"/en/c/{campaign.slug}/events/{event.pk}/calendar.ics")
    parsed = Calendar.from_ical(body)
    starts = recurring_ical_events.of(parsed).between(date(2027, 1, 1), date(2028, 1, 1))
    assert sorted(o["DTSTART"].dt.day for o in starts) == [2, 3, 4, 5]


def test_the_campaign_feed_holds_upcoming_events_across_zones_in_the_readers_language(
    client, campaign
):
    make_event(campaign=campaign, starts=at(date(2027, 3, 5), 12), title="Seoul", title_ko="서울")
    make_event(
        campaign=campaign,
        starts=at(date(2027, 3, 6), 12),
        time_zone="America/New_York",
        country="US",
        title="New York",
        title_ko="뉴욕",
    )
    make_event(
        campaign=campaign,
        starts=at(date(2027, 3, 7), 12),
        status="cancelled",
        title="Called off",
        title_ko="취소됨",
    )
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        make_event(campaign=campaign, starts=at(date(2027, 2, 1), 12), title="Long gone")
    make_event(
        campaign=campaign, starts=at(date(2027, 3, 8), 12), approval="proposed", title="Proposed"
    )
    body = download(client, f"/ko/c/{campaign.slug}/events/calendar.ics")
    lines = check_rfc5545_lines(body)
    assert sorted(line.split(":", 1)[1] for line in lines if line.startswith("TZID:")) == [
        "America/New_York",
        "Asia/Seoul",
    ]
    parsed = Calendar.from_ical(body)
    by_title = {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}
    assert set(by_title) == {"서울", "뉴욕", "취소됨"}
    assert str(by_title["취소됨"]["STATUS"]) == "CANCELLED"
    assert str(by_title["서울"]["STATUS"]) == "CONFIRMED"
    assert parsed["X-WR-CALNAME"].to_ical().decode() == "강제 북송을 멈춰라: 행사"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT12H" in lines
    uids = [str(e["UID"]) for e in parsed.walk("VEVENT")]
    assert len(set(uids)) == 3


def test_the_day_of_action_feed_holds_its_local_events(client, campaign):
    day = make_day_of_action(campaign=campaign, day=date(2027, 3, 22), title="Worldwide day")
    make_event(campaign=campaign, starts=at(day.date, 12), day_of_action=day, title="Seoul")
    make_event(
        campaign=campaign,
        starts=at(day.date, 12),
        day_of_action=day,
        title="London",
        time_zone="Europe/London",
        country="GB",
    )
    make_event(campaign=campaign, starts=at(day.date, 15), title="Not on the day's list")
    body = download(client, f"/en/c/{campaign.slug}/days/{day.pk}/calendar.ics")
    check_rfc5545_lines(body)
    parsed = Calendar.from_ical(body)
    assert sorted(str(e["SUMMARY"]) for e in parsed.walk("VEVENT")) == ["London", "Seoul"]
    starts = sorted(
        o["DTSTART"].dt.astimezone(UTC)
        for o in recurring_ical_events.of(parsed).between(date(2027, 3, 20), date(2027, 3, 25))
    )
    # Noon in Seoul (03:00 UTC), then noon in London (12:00 UTC, still GMT on 22 March).
    assert starts == [
        datetime(2027, 3, 22, 3, 0, tzinfo=UTC),
        datetime(2027, 3, 22, 12, 0, tzinfo=UTC),
    ]
    assert parsed["X-WR-CALNAME"].to_ical().decode() == "Worldwide day"


def test_a_change_of_time_or_place_is_a_new_revision_for_calendar_programs(client, campaign):
    event = make_event(campaign=campaign, starts=at(date(2027, 3, 5), 12))
    path = f"/en/c/{campaign.slug}/events/{event.pk}/calendar.ics"

    def sequence() -> int:
        [component] = Calendar.from_ical(download(client, path)).walk("VEVENT")
        return int(component["SEQUENCE"])

    assert sequence() == 0
    event.contact = "ask@example.org"  # not a change to when or where
    event.save()
    assert sequence() == 0
    event.starts_at = event.starts_at.replace(hour=13)
    event.ends_at = event.ends_at.replace(hour=14)
    event.save()
    assert sequence() == 1
    event.status = "cancelled"
    event.save()
    assert sequence() == 2
