"""Load the demo coalition and campaign (idempotent: running it again changes nothing).

The letter action and its targets come from outcry/letters/demo.py; the updates and
the press list from outcry/updates/demo.py; the vigil, protests and day of action from
outcry/events/demo.py; the fast, prayer and boycott pledges from outcry/pledges/demo.py;
the cases at risk, their timelines and protected records from outcry/cases/demo.py.
"""

import secrets
import zoneinfo
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from outcry.campaigns import images
from outcry.campaigns.models import (
    Campaign,
    CampaignText,
    Organisation,
    OrganisationName,
    PartnerInvitation,
)
from outcry.campaigns.services import create_organiser
from outcry.cases.demo import load_demo_cases
from outcry.directory import importers
from outcry.events.demo import load_demo_events
from outcry.letters.demo import load_demo_letters
from outcry.petitions.models import Petition, PetitionText
from outcry.pledges.demo import load_demo_pledges
from outcry.updates.demo import load_demo_updates

ORGANISATIONS = [
    ("North Korea Freedom Coalition", "nkfc", "https://www.nkfreedom.org/", "북한자유연합"),
    ("Save My Friend", "save-my-friend", "", "내 친구를 구해주세요"),
    ("Justice for North Korea", "jfnk", "", "북한정의연대"),
]

STORY_EN = """\
On 8 February 2012 Chinese police arrested a group of North Koreans in Shenyang who were
trying to reach their families in South Korea. They were moved to a detention centre in
Changchun. More arrests followed in the days after: in all, at least **31 people**.

Among them are a 16-year-old boy whose older brother lives in Seoul, a 19-year-old woman
whose parents wait for her in Seoul, a mother with her two children, a father with his
daughter, a woman of 70, and a child of five.

China treats them as illegal migrants and is preparing to send them back. People returned
to North Korea face prison camps, torture and worse, all the more so for leaving during the
official mourning period after Kim Jong-il's death. China signed the 1951 Refugee Convention
and its 1967 Protocol; sending refugees back to persecution breaks the rule of
*non-refoulement* it accepted.

Their families went public only when quiet diplomacy failed. Now the world's attention is
the strongest protection these people have. Sign the petition below, then share it.

Every day at 2 p.m. supporters stand in front of the Chinese Embassy in Seoul
(Gyeongbokgung station, line 3, exit 2, about ten minutes on foot).
"""

STORY_KO = """\
2012년 2월 8일, 중국 공안은 한국에 있는 가족에게 가려던 탈북자들을 선양에서 체포했습니다.
이들은 창춘의 구금 시설로 옮겨졌고, 며칠 사이에 체포가 이어져 **최소 31명**이 붙잡혔습니다.

그중에는 형이 서울에 사는 16세 소년, 부모가 서울에서 기다리는 19세 여성, 두 자녀와 함께 있는
어머니, 딸과 함께 있는 아버지, 70세 할머니, 그리고 다섯 살 아이가 있습니다.

중국은 이들을 불법 이주자로 보고 북한으로 돌려보내려 합니다. 강제 북송된 사람들은 수용소와
고문, 그보다 더 나쁜 일을 겪습니다. 김정일 사망 후 애도 기간에 탈북했다는 이유로 처벌은 더
무거울 수 있습니다. 중국은 1951년 난민협약과 1967년 의정서에 가입했으며, 박해가 기다리는 곳으로
난민을 돌려보내는 것은 중국이 받아들인 *강제송환 금지 원칙*을 어기는 일입니다.

가족들은 조용한 외교가 통하지 않자 세상에 도움을 청했습니다. 지금 이들을 지켜 줄 가장 큰 힘은
세계의 관심입니다. 아래 청원에 서명하고 널리 알려 주세요.

매일 오후 2시, 서울 주한 중국대사관 앞에서 시민들이 모입니다
(경복궁역 3호선 2번 출구, 걸어서 약 10분).
"""

PETITION_EN = """\
We ask the UN High Commissioner for Refugees and the UN Special Rapporteur on the situation
of human rights in the DPRK to act now for the North Koreans held in China since February 2012:
to ask China for access to them, to recognise them as people in need of protection, and to
press China to let them travel to South Korea, where their families are waiting, instead of
returning them to North Korea."""

PETITION_KO = """\
유엔난민기구(UNHCR) 최고대표와 북한인권 특별보고관께 요청합니다. 2012년 2월부터 중국에 구금된
탈북자들을 위해 지금 행동해 주십시오. 중국에 이들에 대한 접견을 요구하고, 이들을 보호가 필요한
사람으로 인정하며, 북한으로 돌려보내는 대신 가족이 기다리는 한국으로 갈 수 있도록 중국을
설득해 주십시오."""


class Command(BaseCommand):
    help = (
        "Load the demo coalition, campaign, petition, letter action to China's missions, "
        "updates and press list, events, pledges, and an organiser login. Idempotent."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--quiet-login", action="store_true", help="Do not print the organiser login."
        )
        parser.add_argument(
            "--missions",
            metavar="FILE_OR_URL",
            help=(
                "A database-of-embassies CSV (file or URL) whose PRC missions join the letter "
                "action's list (default: the copy that ships with outcry, "
                "outcry/directory/data/database_of_embassies.csv.xz)."
            ),
        )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        organisations = []
        for name, slug, website, korean_name in ORGANISATIONS:
            organisation, _created = Organisation.objects.get_or_create(
                slug=slug, defaults={"name": name, "website": website}
            )
            OrganisationName.objects.get_or_create(
                organisation=organisation, language="ko", defaults={"name": korean_name}
            )
            organisations.append(organisation)
        lead, *partners = organisations
        # Ten days from the first load, so the demo always shows a live countdown;
        # the end of that day in Seoul, where the coalition works.
        seoul = zoneinfo.ZoneInfo("Asia/Seoul")
        deadline = (timezone.now().astimezone(seoul) + timedelta(days=10)).replace(
            hour=23, minute=59, second=0, microsecond=0
        )
        campaign, created = Campaign.objects.get_or_create(
            slug="save-my-friend",
            defaults={
                "status": Campaign.Status.ACTIVE,
                "languages": "en,ko",
                "time_zone": "Asia/Seoul",
                "deadline_at": deadline,
                "lead_organisation": lead,
                "created_at": datetime(2012, 2, 14, tzinfo=UTC),
            },
        )
        if created:
            # The demo's partners agreed in 2012: on record as accepted invitations.
            campaign.partners.set(partners)
            for partner in partners:
                PartnerInvitation.objects.create(
                    campaign=campaign,
                    organisation=partner,
                    status=PartnerInvitation.Status.ACCEPTED,
                    answered_at=timezone.now(),
                )
        if not campaign.image_name:
            stored = images.store(demo_picture())
            campaign.image_name, campaign.image_width = stored.name, stored.width
            campaign.image_height = stored.height
            campaign.image_widths = ",".join(str(width) for width in stored.widths)
            campaign.save(
                update_fields=["image_name", "image_width", "image_height", "image_widths"]
            )
        for language, title, summary, story, alt in [
            (
                "en",
                "Stop the forced return of 31 North Korean refugees",
                "Arrested in China in February 2012 and days from being sent back. "
                "Ask the UN to act before it is too late.",
                STORY_EN,
                "Thirty-one candles burning in the dark, one for each person detained.",
            ),
            (
                "ko",
                "탈북자 31명의 강제 북송을 막아 주세요",
                "2012년 2월 중국에서 체포되어 곧 북송될 위기에 있습니다. "
                "늦기 전에 유엔이 나서도록 목소리를 내 주세요.",
                STORY_KO,
                "어둠 속에 타오르는 촛불 서른한 개. 구금된 한 사람에 하나씩.",
            ),
        ]:
            text, _created = CampaignText.objects.get_or_create(
                campaign=campaign,
                language=language,
                defaults={"title": title, "summary": summary, "story": story},
            )
            if not text.image_alt:
                text.image_alt = alt
                text.save(update_fields=["image_alt"])
        petition, _created = Petition.objects.get_or_create(
            slug="unhcr-save-my-friend",
            defaults={"campaign": campaign, "goal": 175000, "needs_confirmation": True},
        )
        for language, title, addressee, text in [
            (
                "en",
                "UNHCR: protect the North Koreans detained in China",
                "UN High Commissioner for Refugees; UN Special Rapporteur on the DPRK",
                PETITION_EN,
            ),
            (
                "ko",
                "유엔난민기구는 중국에 구금된 탈북자들을 보호하라",
                "유엔난민기구 최고대표, 유엔 북한인권 특별보고관",
                PETITION_KO,
            ),
        ]:
            PetitionText.objects.get_or_create(
                petition=petition,
                language=language,
                # One paragraph each: the constants are wrapped only to fit the source.
                defaults={"title": title, "addressee": addressee, "text": " ".join(text.split())},
            )
        try:
            action = load_demo_letters(
                campaign=campaign,
                missions=options["missions"],
                stdout=self.stdout,
                stderr=self.stderr,
            )
        except importers.ImportFailed as error:
            raise CommandError(str(error)) from None
        load_demo_updates(campaign=campaign)
        load_demo_events(campaign=campaign)
        load_demo_pledges(campaign=campaign)
        load_demo_cases(campaign=campaign)
        self._organiser(lead, quiet=options["quiet_login"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo campaign ready: /en/c/{campaign.slug}/ (letters: /en/letters/{action.slug}/)"
            )
        )

    def _organiser(self, organisation: Organisation, *, quiet: bool) -> None:
        """Create the demo organiser once; its password is kept in var/ to print it again."""
        password_file = settings.VAR_DIR / "demo_organiser_password"
        # With the file there, an existing organiser keeps their password (they may
        # have changed it); without it, set a new one so it can be written down.
        user, password = create_organiser(
            username="demo-organiser",
            email="organiser@demo.invalid",
            organisation=organisation,
            password=None if password_file.exists() else secrets.token_urlsafe(12),
        )
        if password:
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password)
            password_file.chmod(0o600)
        if not quiet:
            self.stdout.write(
                f"Demo organiser login: {user.get_username()} / {password_file.read_text().strip()}"
            )


def demo_picture() -> Image.Image:
    """The demo campaign's picture, drawn here: 31 candles in the dark, one per person.

    Drawn rather than a photograph: the demo shows no real person's face.
    """
    width, height = 1600, 800
    picture = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(picture)
    for y in range(height):  # night sky, darker at the top
        shade = 12 + y * 30 // height
        draw.line([(0, y), (width, y)], fill=(shade, shade, shade + 28))
    rows = [(11, 470), (10, 590), (10, 710)]
    for count, base in rows:
        step = width // (count + 1)
        for n in range(count):
            x = (
                step * (n + 1)
                + (step // 2 if count == 10 else 0)
                - (step // 4 if count == 10 else 0)
            )
            for radius, colour in [(46, (60, 40, 20)), (30, (120, 80, 30)), (18, (200, 140, 50))]:
                draw.ellipse(
                    [x - radius, base - 95 - radius, x + radius, base - 95 + radius], fill=colour
                )
            draw.ellipse([x - 9, base - 120, x + 9, base - 80], fill=(255, 214, 120))
            draw.ellipse([x - 4, base - 108, x + 4, base - 88], fill=(255, 250, 230))
            draw.rectangle([x - 16, base - 75, x + 16, base], fill=(236, 228, 210))
    return picture
