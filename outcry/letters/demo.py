# ruff: noqa: RUF001 - the Chinese letter is punctuated with full-width commas and colons
"""The demo campaign's letter action: China's missions named in the seeds, and a letter.

``load_demo`` (site) calls ``load_demo_letters``. The targets are the PRC
embassy and consulates in the USA from the 2012 appeal, the Houston consulate
closed in 2020 (kept, and shown as closed), and the embassy in Seoul. They carry
the importers' external ids ("wikidata:Q…"), so a later ``import_missions`` of the
database-of-embassies file updates these rows instead of adding a second copy.
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.conf import settings

from outcry.directory import importers
from outcry.directory.importers.base import postal_channel
from outcry.directory.importers.missions import MISSIONS as MISSIONS_IMPORT
from outcry.directory.models import Channel, ImportRun, Target, TargetList, TargetName
from outcry.directory.phones import e164
from outcry.letters.models import LetterAction, LetterTemplate, Paragraph

# The file ../shared/data/SOURCES.md describes; absent on a fresh clone.
SHARED_MISSIONS_CSV = (
    Path(settings.BASE_DIR).parent / "shared" / "data" / "prc_missions" / "prc_missions.csv"
)

LIST_SLUG = "prc-missions"
LIST_NAME = "PRC missions"
ACTION_SLUG = "write-to-chinas-missions"


@dataclass(frozen=True)
class Mission:
    """One mission as the demo knows it; channels as (kind, value) with addresses as fields."""

    external_id: str
    category: str
    name: str
    role: str
    country: str
    city: str
    region: str = ""
    latitude: float | None = None
    longitude: float | None = None
    languages: str = "zh-hans,en"
    salutation: str = "Your Excellency"
    email: str = ""
    fax: str = ""
    phone: str = ""
    address: dict = field(default_factory=dict)
    closed_on: datetime.date | None = None
    closed_reason: str = ""
    # The name in each other language, as that language's readers write it.
    names: dict = field(default_factory=dict)


def _us_address(street: str, city: str, state: str, zip_code: str) -> dict:
    return {
        "street_address": street,
        "city": city,
        "country_area": state,
        "postal_code": zip_code,
        "country_code": "US",
    }


CONSULATE_GENERAL = "Consul General"
# Cities as the database-of-embassies file spells them, so that importing it
# later leaves these rows as they are; coordinates from the same file where it
# has them (New York has none there), Seoul's from the seeds.
DEMO_MISSIONS = [
    Mission(
        external_id="wikidata:Q5369818",
        category=Target.Category.EMBASSY,
        name="Embassy of the People's Republic of China in the United States",
        names={"ko": "주미 중국대사관", "zh-hans": "中华人民共和国驻美国大使馆"},
        role="Ambassador",
        country="US",
        region="DC",
        city="Washington, D.C.",
        latitude=38.9425,
        longitude=-77.0664,
        email="chinaembpress_us@mfa.gov.cn",
        fax="+1 202-495-2138",
        address=_us_address("3505 International Place NW", "Washington", "DC", "20008"),
    ),
    Mission(
        external_id="wikidata:Q20688008",
        category=Target.Category.CONSULATE,
        name="Consulate General of the People's Republic of China in San Francisco",
        names={"ko": "주샌프란시스코 중국총영사관", "zh-hans": "中华人民共和国驻旧金山总领事馆"},
        role=CONSULATE_GENERAL,
        country="US",
        region="CA",
        city="San Francisco",
        latitude=37.784650578,
        longitude=-122.427796959,
        salutation="Dear Consul General",
        email="chinaconsul_san_us@mfa.gov.cn",
        fax="+1 415-563-0494",
        address=_us_address("1450 Laguna Street", "San Francisco", "CA", "94115"),
    ),
    Mission(
        external_id="wikidata:Q19854364",
        category=Target.Category.CONSULATE,
        name="Consulate General of the People's Republic of China in New York",
        names={"ko": "주뉴욕 중국총영사관", "zh-hans": "中华人民共和国驻纽约总领事馆"},
        role=CONSULATE_GENERAL,
        country="US",
        region="NY",
        city="New York City",
        salutation="Dear Consul General",
        fax="+1 212-564-9389",
        address=_us_address("520 12th Avenue", "New York", "NY", "10036"),
    ),
    Mission(
        external_id="wikidata:Q19854368",
        category=Target.Category.CONSULATE,
        name="Consulate General of the People's Republic of China in Chicago",
        names={"ko": "주시카고 중국총영사관", "zh-hans": "中华人民共和国驻芝加哥总领事馆"},
        role=CONSULATE_GENERAL,
        country="US",
        region="IL",
        city="Chicago",
        latitude=41.893827,
        longitude=-87.6278071,
        salutation="Dear Consul General",
        fax="+1 312-803-0105",
        address=_us_address("100 West Erie St.", "Chicago", "IL", "60610"),
    ),
    Mission(
        external_id="wikidata:Q5100423",
        category=Target.Category.CONSULATE,
        name="Consulate General of the People's Republic of China in Los Angeles",
        names={"ko": "주로스앤젤레스 중국총영사관", "zh-hans": "中华人民共和国驻洛杉矶总领事馆"},
        role=CONSULATE_GENERAL,
        country="US",
        region="CA",
        city="Los Angeles",
        latitude=34.0657,
        longitude=-118.29,
        salutation="Dear Consul General",
        email="webmaster@chinaconsulatela.org",
        fax="+1 213-807-8091",
        address=_us_address("443 Shatto Place", "Los Angeles", "CA", "90020"),
    ),
    # Not in the database-of-embassies file (it lists missions open in 2022), so
    # it has an id of the demo's own, which no import will ever close or reopen.
    Mission(
        external_id="outcry-demo:prc-consulate-houston",
        category=Target.Category.CONSULATE,
        name="Consulate General of the People's Republic of China in Houston",
        names={"ko": "주휴스턴 중국총영사관", "zh-hans": "中华人民共和国驻休斯敦总领事馆"},
        role=CONSULATE_GENERAL,
        country="US",
        region="TX",
        city="Houston",
        salutation="Dear Consul General",
        fax="+1 713-521-3064",
        address=_us_address("3417 Montrose Boulevard", "Houston", "TX", "77006"),
        closed_on=datetime.date(2020, 7, 24),
        closed_reason="Ordered closed by the US government in July 2020.",
    ),
    Mission(
        external_id="wikidata:Q17007157",
        category=Target.Category.EMBASSY,
        name="Embassy of the People's Republic of China in the Republic of Korea",
        names={"ko": "주한 중국대사관", "zh-hans": "中华人民共和国驻大韩民国大使馆"},
        role="Ambassador",
        country="KR",
        city="Seoul",
        latitude=37.5622,
        longitude=126.9828,
        languages="zh-hans,ko",
        email="chinaemb_kr@mfa.gov.cn",
        phone="+82 2 738 1038",
    ),
]


# The letter, after the sample letter in the 2012 appeal. Each paragraph is
# (kind, ticked by default, label, text). The opening starts with {salutation}
# on a line of its own: the composer sees where the letter begins, and
# letters/wording.py prints the salutation once, above the body.
PARAGRAPHS = {
    "en": [
        (
            Paragraph.Kind.REQUIRED,
            True,
            "",
            "{salutation},\n"
            "I am writing to you, and through you to the President of the People's Republic "
            "of China, about the North Koreans arrested in China since February 2012. Please "
            "do not return them to North Korea, where they face torture and perhaps execution. "
            "The government of South Korea has asked that they be allowed to go to South Korea "
            "and settle there; I urge you to grant that request.",
        ),
        (
            Paragraph.Kind.OPTIONAL,
            True,
            "China's duty under the Refugee Convention, and South Korea's open door",
            "I understand China's concern about people who cross its border without "
            "permission, fleeing hunger and hardship in North Korea. But China signed the 1951 "
            "Refugee Convention and its 1967 Protocol, and they bind it not to send anyone back "
            "to a country where they will be persecuted. These refugees also have somewhere to "
            "go at once: under Articles 2 and 3 of its Constitution, South Korea counts them as "
            "its own citizens, and many other countries have taken in North Koreans too. They "
            "need not be a burden on China.",
        ),
        (
            Paragraph.Kind.OPTIONAL,
            False,
            "Ending forced returns is in China's own interest",
            "Ending forced returns would serve China as well. The North Koreans who risk their "
            "lives to cross the border do not want to leave their homeland; conditions there "
            "leave them no choice. If China stopped sending them back and worked with the UN "
            "High Commissioner for Refugees and the international community instead, it would "
            "tell the new leadership in Pyongyang that it must open up to the reforms China has "
            "encouraged for decades.",
        ),
        (
            Paragraph.Kind.EDITABLE,
            True,
            "Your closing words (change them as you like)",
            "Please save their lives by letting them reach South Korea safely. My name is "
            "{supporter_name}; like many people around the world, I am following what happens "
            "to them. Thank you for considering this request.",
        ),
    ],
    "ko": [
        (
            Paragraph.Kind.REQUIRED,
            True,
            "",
            "{salutation}\n"
            "저는 귀하께, 그리고 귀하를 통해 중화인민공화국 주석께 이 편지를 드립니다. "
            "2012년 2월부터 중국에서 체포된 탈북자들을 북한으로 돌려보내지 말아 주십시오. "
            "그들은 북한에서 고문을 당하고 처형될 수도 있습니다. 대한민국 정부는 이들이 한국으로 "
            "와서 정착할 수 있게 해 달라고 요청했습니다. 이 요청을 받아들여 주시기를 간곡히 "
            "부탁드립니다.",
        ),
        (
            Paragraph.Kind.OPTIONAL,
            True,
            "난민협약에 따른 중국의 의무와 이들을 맞을 준비가 된 한국",
            "북한의 굶주림과 궁핍을 피해 허가 없이 국경을 넘는 사람들에 대한 중국의 우려를 "
            "이해합니다. 그러나 중국은 1951년 난민협약과 1967년 의정서에 가입한 나라로서, 박해가 "
            "기다리는 나라로 누구도 돌려보내지 않을 의무가 있습니다. 게다가 이들에게는 당장 갈 "
            "곳이 있습니다. 대한민국 헌법 제2조와 제3조에 따라 이들은 대한민국 국민이며, 다른 "
            "여러 나라도 탈북자를 받아들여 왔습니다. 이들이 중국에 짐이 될 이유는 없습니다.",
        ),
        (
            Paragraph.Kind.OPTIONAL,
            False,
            "강제 송환을 멈추는 것은 중국에도 이익입니다",
            "강제 송환을 멈추는 것은 중국에도 이익이 됩니다. 목숨을 걸고 국경을 넘는 북한 "
            "주민들은 고향을 떠나고 싶어서가 아니라, 그곳의 형편이 다른 길을 남겨 두지 않기 "
            "때문에 떠납니다. 중국이 이들을 돌려보내는 대신 유엔난민기구(UNHCR) 및 국제사회와 "
            "협력한다면, 평양의 새 지도부에 중국이 수십 년 동안 권해 온 개혁과 개방이 필요하다는 "
            "분명한 신호가 될 것입니다.",
        ),
        (
            Paragraph.Kind.EDITABLE,
            True,
            "맺음말 (원하는 대로 고쳐 쓰세요)",
            "부디 이들이 안전하게 한국에 갈 수 있도록 생명을 구해 주십시오. 저는 "
            "{supporter_name}입니다. 세계 곳곳의 많은 사람들처럼 저도 이들의 앞날을 지켜보고 "
            "있습니다. 이 요청을 살펴 주셔서 감사합니다.",
        ),
    ],
    "zh-hans": [
        (
            Paragraph.Kind.REQUIRED,
            True,
            "",
            "{salutation}\n"
            "我谨致函阁下，并请阁下转呈中华人民共和国主席：请不要把自2012年2月以来在中国被捕的"
            "朝鲜人遣返回朝鲜，他们回去后将遭受酷刑，甚至可能被处决。韩国政府已请求允许他们前往"
            "韩国定居，恳请贵国接受这一请求。",
        ),
        (
            Paragraph.Kind.OPTIONAL,
            True,
            "中国在《难民公约》下的义务，以及愿意接纳他们的韩国",
            "我们理解中国对那些为逃离朝鲜的饥饿与贫困而未经允许越境的人的关切。但中国是1951年"
            "《关于难民地位的公约》及其1967年议定书的缔约国，有义务不将任何人遣返至会遭受迫害的"
            "国家。而且，这些难民马上就有去处：根据《大韩民国宪法》第二条和第三条，他们是韩国"
            "公民；许多其他国家也接纳过朝鲜人。他们不必成为中国的负担。",
        ),
        (
            Paragraph.Kind.OPTIONAL,
            False,
            "停止强制遣返符合中国自身的利益",
            "停止强制遣返也符合中国自身的利益。冒着生命危险越境的朝鲜人并不想离开故土，是那里的"
            "境况让他们别无选择。如果中国不再遣返他们，而是与联合国难民署和国际社会合作解决这一"
            "问题，就会向平壤的新领导层发出明确的信号：必须推行中国几十年来一直鼓励的改革开放。",
        ),
        (
            Paragraph.Kind.EDITABLE,
            True,
            "结束语（可按您的意思修改）",
            "恳请您挽救他们的生命，让他们平安前往韩国。我是{supporter_name}，与世界各地的许多人"
            "一样，一直关注着他们的命运。感谢您考虑这一请求。",
        ),
    ],
}

TEMPLATES = {
    # language: (title on the page, subject, introduction)
    "en": (
        "Write to China's embassies and consulates",
        "Please do not send the North Korean refugees back",
        "China's embassies and consulates pass letters on to Beijing. Write to the mission "
        "nearest to you by email, fax or post: tick the arguments you want to make, put the "
        "closing in your own words, and send. A personal letter carries the most weight.",
    ),
    "ko": (
        "중국 대사관과 영사관에 편지를 보내 주세요",
        "탈북 난민들을 북한으로 돌려보내지 말아 주십시오",
        "중국 대사관과 영사관은 편지를 본국 정부에 전달합니다. 가장 가까운 공관에 이메일, "
        "팩스, 우편으로 편지를 보내 주세요. 넣고 싶은 내용을 고르고, 맺음말은 자신의 말로 바꿔 "
        "써도 됩니다. 직접 쓴 편지일수록 더 큰 힘이 됩니다.",
    ),
    "zh-hans": (
        "致中国驻外使领馆的信",
        "请不要把被捕的朝鲜难民遣返回朝鲜",
        "中国驻外使领馆会把信件转交国内。请通过电子邮件、传真或邮寄，给离您最近的使领馆写信："
        "选择您想表达的理由，用自己的话写结束语，然后发送。亲自写的信最有分量。",
    ),
}


def load_demo_letters(
    *, campaign, missions: str | None = None, stdout: TextIO, stderr: TextIO
) -> LetterAction:
    """Create the demo letter action on *campaign* once, and import the shared missions.

    Idempotent: rows are found by external id or slug, and nothing that exists is
    changed (an organiser may have edited it). *missions* is a file path or URL
    of a database-of-embassies CSV; None means the shared data file if it is
    there. A file already imported from the same place is not imported again
    (``import_missions`` refreshes it). Raises ImportFailed for a *missions* file
    given but unreadable; the shared file failing only prints why.
    """
    target_list, _created = TargetList.objects.get_or_create(
        slug=LIST_SLUG,
        defaults={
            "name": LIST_NAME,
            "description": "China's embassies and consulates, for letters about the "
            "North Korean refugees detained in China.",
        },
    )
    target_list.targets.add(*[_mission(mission) for mission in DEMO_MISSIONS])
    action = _action(campaign=campaign, target_list=target_list)
    _import_shared_missions(source=missions, stdout=stdout, stderr=stderr)
    return action


def _mission(mission: Mission) -> Target:
    target, created = Target.objects.get_or_create(
        external_id=mission.external_id,
        defaults={
            "category": mission.category,
            "name": mission.name,
            "role": mission.role,
            "organisation": mission.name,
            "represents": "CN",
            "country": mission.country,
            "region": mission.region,
            "city": mission.city,
            "latitude": mission.latitude,
            "longitude": mission.longitude,
            "languages": mission.languages,
            "salutation": mission.salutation,
            "is_closed": mission.closed_on is not None,
            "closed_on": mission.closed_on,
            "closed_reason": mission.closed_reason,
        },
    )
    _add_names(target, mission.names)
    if not created:
        return target  # the organisers' (or an import's) from now on
    channels = []
    for kind, value in [
        (Channel.Kind.EMAIL, mission.email),
        (Channel.Kind.FAX, e164(mission.fax, region=mission.country) if mission.fax else ""),
        (Channel.Kind.PHONE, e164(mission.phone, region=mission.country) if mission.phone else ""),
    ]:
        if value:
            channels.append(Channel(target=target, kind=kind, value=value))
    if mission.address:
        post = postal_channel(fields=mission.address, label="", notes=[], where=mission.name)
        channels.append(
            Channel(
                target=target,
                kind=Channel.Kind.POST,
                value=post.value,
                postal_address=post.postal_address,
            )
        )
    # No import_kind: entered by hand, so imports add their own channels beside
    # these and never change or close them.
    Channel.objects.bulk_create(channels)
    return target


def _add_names(target: Target, names: dict) -> None:
    """Add the names per language *target* lacks; names an organiser gave stay as they are."""
    TargetName.objects.bulk_create(
        [TargetName(target=target, language=code, name=name) for code, name in names.items()],
        ignore_conflicts=True,
    )


def _action(*, campaign, target_list: TargetList) -> LetterAction:
    action, created = LetterAction.objects.get_or_create(
        slug=ACTION_SLUG,
        defaults={
            "campaign": campaign,
            "target_list": target_list,
            "selection": LetterAction.Selection.NEAREST_MISSION,
            "represents": "CN",
            "channels": "email,fax,post,mailto,phone,webform",
        },
    )
    if not created:
        return action
    for language, (title, subject, introduction) in TEMPLATES.items():
        template = LetterTemplate.objects.create(
            action=action,
            language=language,
            title=title,
            subject=subject,
            introduction=introduction,
        )
        Paragraph.objects.bulk_create(
            Paragraph(
                template=template,
                position=position,
                kind=kind,
                is_included_by_default=ticked,
                label=label,
                text=text,
            )
            for position, (kind, ticked, label, text) in enumerate(PARAGRAPHS[language])
        )
    return action


def _import_shared_missions(*, source: str | None, stdout: TextIO, stderr: TextIO) -> None:
    """Import the missions of every other country into the demo's list, once per source."""
    given = source is not None
    if not given:
        if not SHARED_MISSIONS_CSV.is_file():
            stdout.write(
                f"Skipped the missions of other countries: {SHARED_MISSIONS_CSV} is not there "
                "(add them with `manage.py load_demo --missions FILE_OR_URL`, e.g. "
                f"{importers.MISSIONS_URL}).\n"
            )
            return
        source = str(SHARED_MISSIONS_CSV)
    recorded = source if importers.is_url(source) else str(Path(source).resolve())
    earlier = (
        ImportRun.objects.filter(
            kind=MISSIONS_IMPORT, source=recorded[:500], finished_at__isnull=False
        )
        .exclude(created_count=0, updated_count=0, unchanged_count=0)
        .first()
    )
    if earlier is not None:
        stdout.write(
            f"Missions already imported from {recorded} on {earlier.started_at:%Y-%m-%d}; "
            f"`manage.py import_missions {recorded} --operator-country CN --list {LIST_SLUG}` "
            "refreshes them.\n"
        )
        return
    try:
        with importers.local_copy(source, stream=stderr) as path:
            run = importers.import_missions(
                path=path,
                source=recorded,
                operator_country="CN",
                list_slug=LIST_SLUG,
                list_name=LIST_NAME,
                stream=stderr,
            )
    except importers.ImportFailed as error:
        if given:
            raise
        stdout.write(f"Skipped the missions of other countries: {error}\n")
        return
    stdout.write(
        f"Missions of other countries imported from {recorded}: {run.created_count} new, "
        f"{run.updated_count} updated, {run.unchanged_count} unchanged, "
        f"{run.skipped_count} skipped.\n"
    )
