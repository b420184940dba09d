"""Test helpers for events: an event at a local wall time, a day of action."""

from datetime import date, datetime, time, timedelta

from outcry.campaigns.models import Campaign, Organisation
from outcry.events.models import DayOfAction, DayOfActionText, Event, EventText


def make_event(
    *,
    campaign: Campaign,
    organisation: Organisation | None = None,
    starts: datetime,
    minutes: int = 60,
    time_zone: str = "Asia/Seoul",
    recurrence: str = "",
    cancelled_dates: str = "",
    title: str = "Vigil at the embassy",
    title_ko: str | None = "대사관 앞 집회",
    description: str = "We stand together.",
    country: str = "KR",
    day_of_action: DayOfAction | None = None,
    **fields,
) -> Event:
    """An approved, published event starting at the naive wall time *starts* in *time_zone*."""
    ends = starts + timedelta(minutes=minutes)
    event = Event.objects.create(
        campaign=campaign,
        organisation=organisation or campaign.lead_organisation,
        starts_on=starts.date(),
        starts_at=starts.time(),
        ends_on=ends.date(),
        ends_at=ends.time(),
        time_zone=time_zone,
        recurrence=recurrence,
        cancelled_dates=cancelled_dates,
        venue=fields.pop("venue", "Across from the embassy"),
        address=fields.pop("address", "Jongno-gu, Seoul"),
        country=country,
        day_of_action=day_of_action,
        **fields,
    )
    EventText.objects.create(event=event, language="en", title=title, description=description)
    if title_ko:
        EventText.objects.create(
            event=event, language="ko", title=title_ko, description="함께해요."
        )
    return event


def make_day_of_action(
    *, campaign: Campaign, day: date, title: str = "Day of action"
) -> DayOfAction:
    day_of_action = DayOfAction.objects.create(campaign=campaign, date=day)
    DayOfActionText.objects.create(day=day_of_action, language="en", title=title)
    DayOfActionText.objects.create(day=day_of_action, language="ko", title="공동 행동의 날")
    return day_of_action


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))
