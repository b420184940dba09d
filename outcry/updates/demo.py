"""The demo campaign's updates and press list, from the weeks the seeds describe (February 2012).

Called by site's load_demo; idempotent (rows are found by their date and outlet).
"""

from datetime import UTC, date, datetime

from outcry.campaigns.models import Campaign
from outcry.updates.models import PressItem, Update, UpdateText

UPDATES = [
    {
        "published_at": datetime(2012, 2, 18, 9, 0, tzinfo=UTC),
        "en": (
            "What we know about the arrests",
            """\
Between 8 and 13 February, Chinese Public Security Bureau agents arrested North Koreans
in three cities near the border: a group in **Shenyang**, a second in Yanji and a third
in **Changchun**. Some of those held in Shenyang managed to call their families in South
Korea before they were taken.

China calls them illegal migrants. Their families fear they will be sent back within
days, and returned refugees face prison camps and torture, all the more for having fled
during the mourning period after Kim Jong-il's death.

What you can do today:

- sign the petition to the UN High Commissioner for Refugees;
- write to a Chinese embassy or consulate near you;
- ask two friends to do the same.
""",
        ),
        "ko": (
            "체포에 관해 지금까지 알려진 사실",
            """\
2월 8일부터 13일 사이, 중국 공안은 국경 근처 세 도시에서 탈북자들을 체포했습니다.
**선양**에서 한 무리, 옌지에서 또 한 무리, **창춘**에서 세 번째 무리가 붙잡혔습니다.
선양에서 붙잡힌 이들 가운데 몇 사람은 체포되기 전에 한국에 있는 가족과 통화할 수 있었습니다.

중국은 이들을 불법 이주자라고 부릅니다. 가족들은 며칠 안에 북송될까 걱정하고 있습니다.
북송된 탈북자들은 수용소와 고문을 겪으며, 김정일 사망 후 애도 기간에 탈북했다는 이유로
처벌은 더 무거울 수 있습니다.

오늘 할 수 있는 일:

- 유엔난민기구에 보내는 청원에 서명하기
- 가까운 중국 대사관이나 영사관에 편지 보내기
- 친구 두 명에게 함께하자고 부탁하기
""",
        ),
    },
    {
        "published_at": datetime(2012, 2, 20, 9, 0, tzinfo=UTC),
        "en": (
            "Almost 25,000 signatures, and a vigil every day in Seoul",
            """\
In a few days the petition to the UNHCR and the UN Special Rapporteur has gathered
**almost 25,000 signatures**. Thank you, and please keep sharing it.

Supporters now gather across from the Chinese Embassy in Seoul **every day at 2 p.m.**
(Gyeongbokgung station, line 3, exit 2, then about ten minutes on foot). Protests have
also been held at Chinese missions in New York, Los Angeles and Chicago, and one is
planned at the embassy in Washington, D.C. at noon this Thursday.

In Seoul, 154 members of the National Assembly backed a resolution asking China not to
send the refugees back and to follow the international law against forced return.
""",
        ),
        "ko": (
            "서명 2만 5천 명 가까이, 그리고 서울에서 매일 열리는 집회",
            """\
며칠 만에 유엔난민기구와 유엔 특별보고관에게 보내는 청원에 **2만 5천 명 가까이** 서명했습니다.
고맙습니다. 계속 널리 알려 주세요.

시민들이 **매일 오후 2시** 서울 주한 중국대사관 건너편에 모입니다 (경복궁역 3호선 2번 출구,
걸어서 약 10분). 뉴욕, 로스앤젤레스, 시카고의 중국 공관 앞에서도 시위가 열렸고, 이번 목요일
정오에는 워싱턴 D.C. 중국대사관 앞에서 시위가 예정되어 있습니다.

국회에서는 의원 154명이 중국에 탈북자 강제 북송을 멈추고 강제송환을 금지하는 국제법을 지키라고
촉구하는 결의안을 지지했습니다.
""",
        ),
    },
]

# As the seeds list them, on 20 February 2012; they give no addresses, so none is made up.
PRESS = [
    ("Daily NK", "More Defections and More Arrests"),
    ("Daily NK", "MOFAT Louder than Normal on Repatriations"),
    ("JoongAng Daily", "Seoul presses Beijing not to repatriate defectors"),
]
PRESS_DATE = date(2012, 2, 20)


def load_demo_updates(*, campaign: Campaign) -> int:
    """Add the demo's updates (English and Korean) and press items to *campaign*; return
    how many updates it has. Running it again adds nothing."""
    for entry in UPDATES:
        update, _created = Update.objects.get_or_create(
            campaign=campaign,
            published_at=entry["published_at"],
            defaults={
                "status": Update.Status.PUBLISHED,
                "author_organisation": campaign.lead_organisation,
                "created_at": entry["published_at"],
            },
        )
        for language in ("en", "ko"):
            heading, body = entry[language]
            UpdateText.objects.get_or_create(
                update=update, language=language, defaults={"title": heading, "body": body}
            )
    for outlet, headline in PRESS:
        PressItem.objects.get_or_create(
            campaign=campaign,
            outlet=outlet,
            title=headline,
            defaults={"published_on": PRESS_DATE, "language": "en"},
        )
    return campaign.updates.count()
