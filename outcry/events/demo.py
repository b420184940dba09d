"""The demo campaign's events, replaying the seeds' story relative to today.

In February 2012 supporters stood across from the Chinese Embassy in Seoul every
day at 2 p.m. (Gyeongbokgung Station, line 3, exit 2, then 8 to 10 minutes on
foot); protests were held at China's missions in New York, Los Angeles and
Chicago, and one at the embassy in Washington at noon on a Thursday; in
September the coalition called a worldwide day of action. Here the vigil runs
daily from today until the campaign's deadline, the protests fall in the coming
weeks and the day of action about three weeks from today, with local events in
several countries. Addresses and coordinates are those of the 2012 appeal and of
the missions data (outcry/directory/data); the Seoul vigil has none, since
the embassy has moved since 2012 and the directions are what people followed.

Called by site's load_demo; idempotent (events are found by campaign and venue).
"""

import zoneinfo
from datetime import datetime, time, timedelta

from django.utils import timezone

from outcry.campaigns.models import Campaign, Organisation
from outcry.events import recurrence
from outcry.events.models import DayOfAction, DayOfActionText, Event, EventHost, EventText
from outcry.supporters.services import get_or_create_supporter

SEOUL_VIGIL = {
    "venue": "Across the street from the Chinese Embassy, Seoul",
    "address": "Jongno-gu, Seoul (a short walk from Gyeongbokgung Station)",
    "country": "KR",
    "time_zone": "Asia/Seoul",
    "directions": (
        "Gyeongbokgung Station (line 3), exit 2. Walk straight on for 8 to 10 minutes; "
        "we stand on the pavement across the street from the embassy.\n"
        "경복궁역 3호선 2번 출구로 나와 8~10분 정도 곧장 걸어오세요. "
        "대사관 건너편 인도에 모여 있습니다."
    ),
    "accessibility": (
        "We stand on a flat pavement for about an hour; bring a folding stool if you need "
        "to sit. Exit 2 has stairs: ask the station staff for the lift.\n"
        "평평한 인도에서 한 시간쯤 서 있습니다. 앉으셔야 하면 접이식 의자를 가져오세요. "
        "2번 출구에는 계단이 있으니 엘리베이터는 역 직원에게 물어보세요."
    ),
    "contact": "@savemyfriend",
    "texts": {
        "en": (
            "Daily vigil across from the Chinese Embassy",
            "Every day at 2 p.m. we gather to ask China not to send the detained North "
            "Koreans back. Come for ten minutes or the whole hour; signs are provided.",
        ),
        "ko": (
            "주한 중국대사관 건너편 매일 집회",
            "매일 오후 2시, 중국이 구금된 탈북자들을 북송하지 않도록 함께 목소리를 냅니다. "
            "10분만 계셔도, 한 시간 내내 계셔도 좋습니다. 피켓은 준비되어 있습니다.",
        ),
    },
}

# (days from today, weekday wanted or None, city, venue, address, lat, lon, zone, texts)
US_PROTESTS = [
    (
        5,
        None,
        "Consulate General of China in New York",
        "520 12th Avenue, New York, NY 10036",
        None,
        None,
        "America/New_York",
        ("Protest at the Chinese Consulate in New York", "뉴욕 중국 총영사관 앞 시위"),
    ),
    (
        6,
        None,
        "Consulate General of China in Los Angeles",
        "443 Shatto Place, Los Angeles, CA 90020",
        "34.06570",
        "-118.29000",
        "America/Los_Angeles",
        ("Protest at the Chinese Consulate in Los Angeles", "로스앤젤레스 중국 총영사관 앞 시위"),
    ),
    (
        8,
        None,
        "Consulate General of China in Chicago",
        "100 West Erie St., Chicago, IL 60610",
        "41.89383",
        "-87.62781",
        "America/Chicago",
        ("Protest at the Chinese Consulate in Chicago", "시카고 중국 총영사관 앞 시위"),
    ),
    (
        3,
        3,  # a Thursday, as in 2012
        "Embassy of China in Washington, D.C.",
        "3505 International Place NW, Washington, DC 20008",
        "38.94250",
        "-77.06640",
        "America/New_York",
        ("Protest at the Chinese Embassy in Washington", "워싱턴 중국대사관 앞 시위"),
    ),
]
US_DESCRIPTION = (
    "Stand with the families of the North Koreans detained in China. We will read their "
    "appeal aloud and hand in letters asking that they be allowed to go to South Korea.",
    "중국에 구금된 탈북자들의 가족과 함께합니다. 가족들의 호소문을 낭독하고, "
    "이들이 한국으로 갈 수 있게 해 달라는 편지를 전달합니다.",
)

DAY_TEXTS = {
    "en": (
        "Worldwide day of action for North Korean refugees",
        "On the anniversary of China signing the 1951 Refugee Convention and its 1967 "
        "Protocol, we gather in front of Chinese embassies and consulates around the world "
        "to ask China to stop sending North Koreans back. Join the event nearest to you.",
    ),
    "ko": (
        "탈북 난민을 위한 세계 공동 행동의 날",
        "중국이 1951년 난민협약과 1967년 의정서에 가입한 날을 기억하며, 세계 곳곳의 중국 "
        "대사관과 영사관 앞에 모여 탈북자 강제 북송을 멈추라고 요구합니다. 가장 가까운 "
        "행사에 함께해 주세요.",
    ),
}

# (venue, address, country, lat, lon, zone, organisation slug, en title, ko title)
DAY_EVENTS = [
    (
        "Across the street from the Chinese Embassy, Seoul",
        "Jongno-gu, Seoul (a short walk from Gyeongbokgung Station)",
        "KR",
        None,
        None,
        "Asia/Seoul",
        "jfnk",
        "Seoul: demonstration across from the Chinese Embassy",
        "서울: 주한 중국대사관 건너편 집회",
    ),
    (
        "Embassy of China in Washington, D.C.",
        "3505 International Place NW, Washington, DC 20008",
        "US",
        "38.94250",
        "-77.06640",
        "America/New_York",
        "nkfc",
        "Washington: vigil at the Chinese Embassy",
        "워싱턴: 중국대사관 앞 집회",
    ),
    (
        "Embassy of China in London",
        "Portland Place, Marylebone, London",
        "GB",
        "51.52100",
        "-0.14548",
        "Europe/London",
        "nkfc",
        "London: vigil at the Chinese Embassy",
        "런던: 중국대사관 앞 집회",
    ),
    (
        "Embassy of China in Tokyo",
        "Moto-Azabu, Minato-ku, Tokyo",
        "JP",
        "35.65628",
        "139.72722",
        "Asia/Tokyo",
        "nkfc",
        "Tokyo: vigil at the Chinese Embassy",
        "도쿄: 중국대사관 앞 집회",
    ),
    (
        "Consulate General of China in Toronto",
        "St. George Street, Toronto",
        "CA",
        "43.67236",
        "-79.40173",
        "America/Toronto",
        "nkfc",
        "Toronto: vigil at the Chinese Consulate",
        "토론토: 중국 총영사관 앞 집회",
    ),
]
DAY_EVENT_CAPACITY = 60
DAY_EVENT_DESCRIPTION = (
    "One of the day's local gatherings. Bring a sign with the words “Stop the forced "
    "return” in your language.",
    "이날 열리는 지역 집회 가운데 하나입니다. 여러분의 언어로 “강제 북송 중단”이라고 쓴 "
    "피켓을 가져오세요.",
)


def _today(zone_name: str):
    return timezone.now().astimezone(zoneinfo.ZoneInfo(zone_name)).date()


def _event(campaign: Campaign, organisation: Organisation, *, venue: str, texts: dict, **fields):
    """The demo event at *venue* (created once), with its English and Korean texts."""
    event = Event.objects.filter(
        campaign=campaign, venue=venue, day_of_action=fields.get("day_of_action")
    ).first()
    if event is None:
        event = Event(campaign=campaign, organisation=organisation, venue=venue, **fields)
        event.save()
    for language, (title, description) in texts.items():
        EventText.objects.get_or_create(
            event=event, language=language, defaults={"title": title, "description": description}
        )
    return event


def load_demo_events(*, campaign: Campaign) -> int:
    """Add the demo's vigil, protests and day of action to *campaign*; return its event count."""
    organisations = {org.slug: org for org in campaign.coalition()}
    lead = campaign.lead_organisation
    vigil_organiser = organisations.get("save-my-friend", lead)

    seoul_today = _today("Asia/Seoul")
    first_start = datetime.combine(seoul_today, time(14, 0), tzinfo=zoneinfo.ZoneInfo("Asia/Seoul"))
    vigil = dict(SEOUL_VIGIL)
    texts = vigil.pop("texts")
    rule = recurrence.rule_with_end(
        "FREQ=DAILY",
        first_start=first_start,
        until=campaign.deadline_at or first_start + timedelta(days=30),
    )
    _event(
        campaign,
        vigil_organiser,
        texts=texts,
        starts_on=seoul_today,
        starts_at=time(14, 0),
        ends_on=seoul_today,
        ends_at=time(15, 0),
        recurrence=rule,
        day_of_action=None,
        **vigil,
    )

    for days, weekday, venue, address, lat, lon, zone, (title_en, title_ko) in US_PROTESTS:
        day = _today(zone) + timedelta(days=days)
        if weekday is not None:
            day += timedelta(days=(weekday - day.weekday()) % 7)
        _event(
            campaign,
            lead,
            venue=venue,
            texts={"en": (title_en, US_DESCRIPTION[0]), "ko": (title_ko, US_DESCRIPTION[1])},
            address=address,
            country="US",
            latitude=lat,
            longitude=lon,
            time_zone=zone,
            starts_on=day,
            starts_at=time(12, 0),
            ends_on=day,
            ends_at=time(13, 30),
            accessibility="A public pavement, step-free from the street.",
            day_of_action=None,
        )

    day_of_action = DayOfAction.objects.filter(campaign=campaign).first()
    if day_of_action is None:
        day_of_action = DayOfAction.objects.create(
            campaign=campaign, date=_today("Asia/Seoul") + timedelta(days=21)
        )
    for language, (title, description) in DAY_TEXTS.items():
        DayOfActionText.objects.get_or_create(
            day=day_of_action,
            language=language,
            defaults={"title": title, "description": description},
        )
    for venue, address, country, lat, lon, zone, organiser, title_en, title_ko in DAY_EVENTS:
        _event(
            campaign,
            organisations.get(organiser, lead),
            venue=venue,
            texts={
                "en": (title_en, DAY_EVENT_DESCRIPTION[0]),
                "ko": (title_ko, DAY_EVENT_DESCRIPTION[1]),
            },
            address=address,
            country=country,
            latitude=lat,
            longitude=lon,
            time_zone=zone,
            starts_on=day_of_action.date,
            starts_at=time(12, 0),
            ends_on=day_of_action.date,
            ends_at=time(14, 0),
            day_of_action=day_of_action,
            directions=SEOUL_VIGIL["directions"] if country == "KR" else "",
            # The pavement across from an embassy holds a permitted crowd, no more.
            capacity=DAY_EVENT_CAPACITY,
        )
    _proposal(campaign, day_of_action)
    return campaign.events.count()


def _proposal(campaign: Campaign, day_of_action: DayOfAction) -> None:
    """A local event a supporter proposed through the host form, confirmed by its host and
    waiting for an organiser's approval (the admin's "waiting for approval" filter)."""
    event = _event(
        campaign,
        campaign.lead_organisation,
        venue="Federation Square, Melbourne",
        texts={
            "en": (
                "Melbourne: candle-light gathering",
                "Bring a candle; we read the names of those detained.",
            )
        },
        address="Swanston St & Flinders St, Melbourne VIC 3000",
        country="AU",
        latitude=-37.81798,
        longitude=144.96905,
        time_zone="Australia/Melbourne",
        starts_on=day_of_action.date,
        starts_at=time(18, 0),
        ends_on=day_of_action.date,
        ends_at=time(19, 0),
        day_of_action=day_of_action,
        approval=Event.Approval.PROPOSED,
        directions="Flinders Street Station, main entrance; we stand by the big screen.",
    )
    supporter, _created = get_or_create_supporter(
        email="host.melbourne@example.org", name="Jin Lee", language="en"
    )
    EventHost.objects.get_or_create(
        event=event,
        defaults={
            "supporter": supporter,
            "name": "Jin Lee",
            "language": "en",
            "nonce": f"demo-{event.pk}",
            "confirm_token": f"demo-confirm-{event.pk}",
            "key": f"demo-key-{event.pk}",
            "confirmed_at": timezone.now(),
        },
    )
