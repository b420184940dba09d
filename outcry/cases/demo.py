"""The demo campaign's cases: the groups arrested in February 2012, replayed relative to today.

From the seeds: between 8 and 13 February 2012 Chinese police arrested three
groups of North Koreans, 10 people in Shenyang (4 men, 6 women), 9 in Yanji and
12 in Changchun; the Shenyang group was then held in Changchun. Arrested people
were said to be investigated for 7 to 10 days before being sent back. Among them
were a 16-year-old boy whose older brother lives in South Korea and a
19-year-old woman whose parents in Seoul appealed for her.

The demo's "today" is where the campaign stood on 19 February 2012 (ten days
before its deadline, which load_demo sets ten days after the first load), so
days since arrest read 6 to 11 and the estimated windows are passing, open or
coming, as they were. Sources name the outlets of the seeds; their dates are
within the days the seeds give, and their links are the outlets' home pages
(the seeds do not give the articles' addresses). Texts are written for the
demo, in English and Korean.

The protected records hold obviously fictional values ("DEMO-PROTECTED ...",
"+82 10-0000-00xx") so that the privacy tests have something to look for.

Called by site's load_demo; idempotent (cases are found by campaign and position).
"""

import io
import secrets
import zoneinfo
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from outcry.campaigns.models import Campaign
from outcry.cases.models import (
    Case,
    CaseCount,
    CaseRecord,
    CaseText,
    Source,
    StatusChange,
    StatusNote,
)

# The day of 2012 the demo's today stands for: the campaign's tenth day before its deadline.
ANCHOR = date(2012, 2, 19)
DAYS_BEFORE_DEADLINE = 10

NKFC = ("North Korea Freedom Coalition (appeal)", "https://www.nkfreedom.org/")
AAK = ("Ask a Korean! (appeal of Joo Seong-ha)", "https://askakorean.blogspot.com/")
DAILY_NK = ("Daily NK", "https://www.dailynk.com/")
KOREA_TIMES = ("The Korea Times", "https://www.koreatimes.co.kr/")
DONG_A = ("Dong-A Ilbo", "https://www.donga.com/")

# position: public facts, texts, counts, timeline, window, protected record.
CASES = [
    {
        "position": 1,
        "kind": Case.Kind.GROUP,
        "group_size": 10,
        "arrest_place": "Shenyang",
        "arrested_on": date(2012, 2, 8),
        "held_in": "a detention centre in Changchun",
        "texts": {
            "en": (
                "Group of 10 arrested in Shenyang",
                "Four men and six women, on their way to family in South Korea. They "
                "reached their relatives in the South by phone before the arrest.",
            ),
            "ko": (
                "선양에서 체포된 10명",
                "남성 4명과 여성 6명으로, 한국에 있는 가족에게 가던 길이었습니다. "
                "체포 전 한국의 가족과 전화로 연락이 닿았습니다.",
                "선양",
                "창춘의 구금 시설",
            ),
        },
        "counts": [("male", "unknown", 4), ("female", "unknown", 6)],
        "timeline": [
            (date(2012, 2, 8), "arrested", "reported", NKFC, date(2012, 2, 14), None),
            (
                date(2012, 2, 10),
                "detained",
                "reported",
                DAILY_NK,
                date(2012, 2, 15),
                (
                    "Moved to a detention centre in Changchun.",
                    "창춘의 구금 시설로 옮겨졌습니다.",
                ),
            ),
            (
                date(2012, 2, 14),
                "investigated",
                "reported",
                AAK,
                date(2012, 2, 16),
                (
                    "Investigation usually lasts 7 to 10 days before people are sent back.",
                    "보통 7~10일의 조사 뒤 북송됩니다.",
                ),
            ),
        ],
        "window": (date(2012, 2, 15), date(2012, 2, 18), AAK, date(2012, 2, 16)),
        "record": ("Kim", "1"),
    },
    {
        "position": 2,
        "kind": Case.Kind.GROUP,
        "group_size": 9,
        "arrest_place": "Yanji",
        "arrested_on": date(2012, 2, 11),
        "held_in": "Jilin Province (reported)",
        "texts": {
            "en": (
                "Group of 9 arrested in Yanji",
                "Arrested near the border; little is known of who they are.",
            ),
            "ko": (
                "옌지에서 체포된 9명",
                "국경 근처에서 체포되었으며 신원은 거의 알려지지 않았습니다.",
                "옌지",
                "지린성 (보도)",
            ),
        },
        "counts": [],
        "timeline": [
            (date(2012, 2, 11), "arrested", "reported", AAK, date(2012, 2, 16), None),
            (date(2012, 2, 15), "investigated", "rumoured", DAILY_NK, date(2012, 2, 17), None),
        ],
        "window": (date(2012, 2, 18), date(2012, 2, 21), KOREA_TIMES, date(2012, 2, 18)),
        "record": ("Park", "2"),
    },
    {
        "position": 3,
        "kind": Case.Kind.GROUP,
        "group_size": 12,
        "arrest_place": "Changchun",
        "arrested_on": date(2012, 2, 13),
        "held_in": "Changchun",
        "texts": {
            "en": (
                "Group of 12 arrested in Changchun",
                "The last group arrested, five days after the first.",
            ),
            "ko": (
                "창춘에서 체포된 12명",
                "첫 체포 닷새 뒤 마지막으로 붙잡힌 일행입니다.",
                "창춘",
                "창춘",
            ),
        },
        "counts": [],
        "timeline": [
            (date(2012, 2, 13), "arrested", "reported", AAK, date(2012, 2, 16), None),
            (date(2012, 2, 14), "detained", "reported", DONG_A, date(2012, 2, 17), None),
        ],
        "window": (date(2012, 2, 20), date(2012, 2, 23), KOREA_TIMES, date(2012, 2, 18)),
        "record": ("Lee", "3"),
    },
    {
        "position": 4,
        "kind": Case.Kind.PERSON,
        "group_size": 1,
        "arrest_place": "Shenyang",
        "arrested_on": date(2012, 2, 8),
        "held_in": "Changchun",
        "texts": {
            "en": (
                "16-year-old boy, his older brother lives in South Korea",
                "He has no family left in the North. His brother and sister in the South "
                "ask that he be allowed to join them.",
            ),
            "ko": (
                "형이 한국에 사는 16세 소년",
                "북한에는 가족이 남아 있지 않습니다. 한국에 있는 형과 누나는 동생이 "
                "함께할 수 있게 해 달라고 호소합니다.",
                "선양",
                "창춘",
            ),
        },
        "counts": [("male", "child", 1)],
        "timeline": [
            (date(2012, 2, 8), "arrested", "reported", NKFC, date(2012, 2, 14), None),
            (date(2012, 2, 14), "investigated", "reported", KOREA_TIMES, date(2012, 2, 18), None),
        ],
        "window": (date(2012, 2, 20), date(2012, 2, 24), KOREA_TIMES, date(2012, 2, 18)),
        "record": ("Choi", "4"),
        "photo": True,
    },
    {
        "position": 5,
        "kind": Case.Kind.PERSON,
        "group_size": 1,
        "arrest_place": "Shenyang",
        "arrested_on": date(2012, 2, 8),
        "held_in": "Changchun",
        "texts": {
            "en": (
                "19-year-old woman, her parents wait for her in Seoul",
                "Her parents in Seoul have appealed publicly for her; they say she must "
                "not be sent back.",
            ),
            "ko": (
                "부모가 서울에서 기다리는 19세 여성",
                "서울의 부모는 딸을 북송하지 말아 달라고 공개적으로 호소했습니다.",
                "선양",
                "창춘",
            ),
        },
        "counts": [("female", "adult", 1)],
        "timeline": [
            (date(2012, 2, 8), "arrested", "reported", NKFC, date(2012, 2, 14), None),
            (
                date(2012, 2, 16),
                "detained",
                "confirmed",
                DONG_A,
                date(2012, 2, 17),
                (
                    "Her parents in Seoul appealed publicly for her.",
                    "서울의 부모가 딸을 위해 공개 호소했습니다.",
                ),
            ),
        ],
        "window": (date(2012, 2, 22), date(2012, 2, 26), KOREA_TIMES, date(2012, 2, 18)),
        "record": ("Jung", "5"),
    },
]


def demo_today(campaign: Campaign) -> date:
    """The demo's today: ten days before the campaign's deadline, in its time zone."""
    zone = zoneinfo.ZoneInfo(campaign.time_zone)
    if campaign.deadline_at is None:
        return timezone.now().astimezone(zone).date()
    return campaign.deadline_at.astimezone(zone).date() - timedelta(days=DAYS_BEFORE_DEADLINE)


def load_demo_cases(*, campaign: Campaign) -> int:
    """Add the demo's cases with their timelines, sources and protected records; return how many."""
    shift = demo_today(campaign) - ANCHOR
    for spec in CASES:
        case, created = Case.objects.get_or_create(
            campaign=campaign,
            position=spec["position"],
            defaults=_case_fields(spec, shift),
        )
        if created:
            _fill(case, spec, shift)
    return len(CASES)


def _case_fields(spec: dict, shift: timedelta) -> dict:
    start, end, (outlet, url), reported_on = spec["window"]
    return {
        "kind": spec["kind"],
        "is_published": True,
        "group_size": spec["group_size"],
        "arrest_place": spec["arrest_place"],
        "arrested_on": spec["arrested_on"] + shift,
        "held_in": spec["held_in"],
        "window_starts_on": start + shift,
        "window_ends_on": end + shift,
        "window_source_outlet": outlet,
        "window_source_url": url,
        "window_source_on": reported_on + shift,
    }


def _fill(case: Case, spec: dict, shift: timedelta) -> None:
    for language, (summary, details, *places) in spec["texts"].items():
        arrest_place, held_in = places or ("", "")
        CaseText.objects.create(
            case=case,
            language=language,
            summary=summary,
            details=details,
            arrest_place=arrest_place,
            held_in=held_in,
        )
    for gender, band, count in spec["counts"]:
        CaseCount.objects.create(case=case, gender=gender, age_band=band, count=count)
    for happened_on, status, confidence, (outlet, url), reported_on, notes in spec["timeline"]:
        change = StatusChange.objects.create(
            case=case, status=status, happened_on=happened_on + shift, confidence=confidence
        )
        Source.objects.create(
            change=change, outlet=outlet, url=url, published_on=reported_on + shift
        )
        if notes:
            for language, note in zip(["en", "ko"], notes, strict=True):
                StatusNote.objects.create(change=change, language=language, note=note)
    family, digit = spec["record"]
    record = CaseRecord(
        case=case,
        real_names=f"DEMO-PROTECTED {family} Demo-name-{digit}",
        exact_place=f"DEMO-PROTECTED cell block {digit}, exact-place-{digit}",
        family_contacts=f"DEMO-PROTECTED relative, +82 10-0000-000{digit}",
        notes=f"DEMO-PROTECTED organiser note {digit}",
    )
    if spec.get("photo"):
        photo = _placeholder_photo()
        record.photo.save(photo.name, photo, save=False)
    record.save()


def _placeholder_photo() -> ContentFile:
    """A grey square under a random name: the demo has no one's picture."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (128, 128, 128)).save(out, format="JPEG")
    return ContentFile(out.getvalue(), name=f"{secrets.token_hex(16)}.jpg")
