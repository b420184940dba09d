"""The demo campaign's pledges, from the seeds' story, relative to today.

In February 2012 the families of the arrested refugees went without food and
drink to be heard, and supporters were asked to join them: to fast as they did
(or give up something else the detained no longer had), to set aside a time
to pray for them every day, and to boycott goods made in China ("look for the
label"). Here the fast offers every day from today to the campaign's deadline,
prayer is daily, the boycott names the labels to look for; a handful of
confirmed demo supporters (without reminders: no demo email leaves the site)
make the counters read more than zero.

Called by site's load_demo; idempotent (pledges are found by campaign and kind,
supporters by address).
"""

import zoneinfo
from datetime import time, timedelta

from django.utils import timezone

from outcry.campaigns.models import Campaign
from outcry.pledges import services
from outcry.pledges.models import MOST_DAYS, Commitment, Pledge, PledgeText
from outcry.supporters.services import get_or_create_supporter

TEXTS = {
    Pledge.Kind.FAST: {
        "en": (
            "Fast for a day with their families",
            "The families of the detained have gone without food and drink to be heard. "
            "Choose a day to fast with them, or to give up something the people held in "
            "China no longer have. Tell them they are not alone.",
            "",
        ),
        "ko": (
            "가족들과 함께 하루 금식하기",
            "구금된 이들의 가족들은 목소리를 내기 위해 음식과 물을 끊었습니다. 하루를 골라 "
            "그들과 함께 금식하거나, 중국에 붙잡힌 이들이 더는 누리지 못하는 무언가를 내려놓아 "
            "주세요. 그들이 혼자가 아니라고 알려 주세요.",
            "",
        ),
    },
    Pledge.Kind.PRAY: {
        "en": (
            "Pray for them every day",
            "Set aside a time each day to pray, or to think of the people held in China "
            "and their families, until they are safe. Many do it at 2 p.m., the hour of the "
            "vigil in front of the Chinese Embassy in Seoul.",
            "",
        ),
        "ko": (
            "매일 그들을 위해 기도하기",
            "그들이 안전해질 때까지 매일 시간을 정해 중국에 붙잡힌 이들과 가족을 위해 기도하거나 "
            "그들을 생각해 주세요. 많은 분이 주한 중국대사관 앞 집회 시간인 오후 2시에 함께합니다.",
            "",
        ),
    },
    Pledge.Kind.BOYCOTT: {
        "en": (
            "Boycott goods made in China",
            "Until China stops sending refugees back, do not buy what it makes. Look for the "
            "label before you buy: money speaks loudest.",
            "Goods labelled “Made in China”\nGoods labelled “Made in PRC” or “Made in P.R.C.”",
        ),
        "ko": (
            "중국산 제품 불매",
            "중국이 난민 강제 송환을 멈출 때까지 중국에서 만든 물건을 사지 말아 주세요. "
            "사기 전에 원산지 표시를 확인해 주세요. 돈이 가장 큰 목소리를 냅니다.",
            "“Made in China” 표시가 있는 상품\n“Made in PRC”·“Made in P.R.C.” 표시가 있는 상품\n"
            "원산지가 “중국”으로 표시된 상품",
        ),
    },
}

# (address, name, language, kind, zone, local time, days from today for a fast)
SUPPORTERS = [
    ("demo.family@example.org", "이은정", "ko", Pledge.Kind.FAST, "Asia/Seoul", None, 1),
    ("demo.student@example.org", "박준호", "ko", Pledge.Kind.FAST, "Asia/Seoul", None, 3),
    (
        "demo.church@example.org",
        "Grace Park",
        "en",
        Pledge.Kind.FAST,
        "America/Los_Angeles",
        None,
        2,
    ),
    ("demo.family@example.org", "이은정", "ko", Pledge.Kind.PRAY, "Asia/Seoul", time(14, 0), None),
    ("demo.vigil@example.org", "최수민", "ko", Pledge.Kind.PRAY, "Asia/Seoul", time(6, 30), None),
    (
        "demo.church@example.org",
        "Grace Park",
        "en",
        Pledge.Kind.PRAY,
        "America/Los_Angeles",
        time(21, 0),
        None,
    ),
    (
        "demo.shopper@example.org",
        "Tom Evans",
        "en",
        Pledge.Kind.BOYCOTT,
        "Europe/London",
        None,
        None,
    ),
    ("demo.student@example.org", "박준호", "ko", Pledge.Kind.BOYCOTT, "Asia/Seoul", None, None),
]


def load_demo_pledges(*, campaign: Campaign) -> list[Pledge]:
    """Add one pledge of each kind and a few confirmed commitments to *campaign*."""
    zone = zoneinfo.ZoneInfo(campaign.time_zone)
    today = timezone.now().astimezone(zone).date()
    last = today + timedelta(days=14)
    if campaign.deadline_at is not None:
        last = max(today, campaign.deadline_at.astimezone(zone).date())
    last = min(last, today + timedelta(days=MOST_DAYS - 1))
    pledges = {}
    for position, (kind, texts) in enumerate(TEXTS.items()):
        fast = kind == Pledge.Kind.FAST
        pledge, _created = Pledge.objects.get_or_create(
            campaign=campaign,
            kind=kind,
            defaults={
                "position": position,
                "first_day_on": today if fast else None,
                "last_day_on": last if fast else None,
            },
        )
        for language, (title, asks, companies) in texts.items():
            PledgeText.objects.get_or_create(
                pledge=pledge,
                language=language,
                defaults={"title": title, "asks": asks, "companies": companies},
            )
        pledges[kind] = pledge
    now = timezone.now()
    for email, name, language, kind, time_zone, at, days in SUPPORTERS:
        supporter, _created = get_or_create_supporter(email=email, name=name, language=language)
        pledge = pledges[kind]
        day = None
        if days is not None:
            offered = pledge.days_offered(today)
            day = offered[min(days, len(offered) - 1)] if offered else None
        Commitment.objects.get_or_create(
            pledge=pledge,
            supporter=supporter,
            defaults={
                "name": name,
                "language": language,
                "day_on": day,
                "local_time": at,
                "time_zone": time_zone,
                "wants_reminders": False,
                "token": services.new_token(),
                "created_at": now,
                "confirmed_at": now,
            },
        )
    for pledge in pledges.values():
        services.recount(pledge=pledge)
    return list(pledges.values())
