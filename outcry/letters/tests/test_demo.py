"""The demo's letter action: the seeds' missions, Houston closed, China's missions worldwide.

Run as an operator runs it (``load_demo``, ``import_missions``); the composer is
driven through HTTP. The browser journey is tests/e2e/test_letter_journey.py.
"""

import html
import re
from datetime import date

import pytest
from django.core import serializers
from django.core.management import CommandError
from django.urls import reverse
from django.utils import translation

from outcry.campaigns.models import Campaign, CampaignText, Organisation
from outcry.directory.models import Channel, ImportRun, Target, TargetList, TargetName
from outcry.directory.tests.helpers import SEOUL_EMBASSY, prc_missions_copy, run
from outcry.letters import channels, demo
from outcry.letters.models import Letter, LetterAction, LetterTemplate, Paragraph
from outcry.petitions.models import Petition, PetitionText
from outcry.testing import letter_form

HOUSTON = "outcry-demo:prc-consulate-houston"
WASHINGTON = "wikidata:Q5369818"
IMPORTED = "China's missions imported from"


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # load_demo keeps the organiser's password there


def load_demo(*args: str):
    return run("load_demo", "--quiet-login", *args)


def snapshot() -> str:
    """Every row the demo writes, serialised (auto_now fields included): equal means unchanged."""
    models = [
        Organisation,
        Campaign,
        CampaignText,
        Petition,
        PetitionText,
        Target,
        TargetName,
        Channel,
        TargetList,
        LetterAction,
        LetterTemplate,
        Paragraph,
        ImportRun,
    ]
    return "\n".join(
        serializers.serialize("json", model.objects.order_by("pk")) for model in models
    )


def compose_url(action: LetterAction, language: str = "en") -> str:
    with translation.override(language):
        return reverse("letters:compose", args=[action.slug])


def page(response) -> str:
    return html.unescape(response.content.decode())


def test_a_fresh_demo_writes_to_the_seeds_missions_and_chinas_missions_worldwide(db, var_dir):
    output = load_demo()
    [imported] = [line for line in output.stdout.splitlines() if IMPORTED in line]
    assert imported.endswith(": 141 new, 3 updated, 3 unchanged, 1 skipped.")

    action = LetterAction.objects.get(campaign__slug="save-my-friend")
    assert (action.selection, action.represents) == ("nearest_mission", "CN")
    assert set(channels.offered(action)) >= {"email", "post", "mailto", "phone", "webform"}
    targets = action.target_list.targets.all()
    assert action.target_list.name == "PRC missions"
    # 147 missions in the shipped file (not the Taiwan office), and Houston, closed.
    assert targets.count() == Target.objects.count() == 148
    assert targets.values("country").distinct().count() == 109
    assert not targets.filter(country="TW").exists()
    # The seeds' missions were merged with the file's rows, not added beside them.
    assert sorted(target.city for target in targets.filter(country__in=["US", "KR"])) == [
        "Busan",
        "Chicago",
        "Gwangju",
        "Houston",
        "Jeju Province",
        "Los Angeles",
        "New York City",
        "San Francisco",
        "Seoul",
        "Washington, D.C.",
    ]
    houston = targets.get(external_id=HOUSTON)
    assert houston.is_closed and houston.closed_on == date(2020, 7, 24)
    assert "US government" in houston.closed_reason
    washington = targets.get(external_id=WASHINGTON)
    assert {(c.kind, c.value) for c in washington.channels.all()} == {
        ("email", "chinaembpress_us@mfa.gov.cn"),
        ("fax", "+12024952138"),
        ("post", "3505 International Place NW\nWASHINGTON, DC 20008\nUNITED STATES"),
    }
    seoul = targets.get(external_id=SEOUL_EMBASSY)
    # The shipped file's coordinates, kept in step by the import.
    assert (seoul.latitude, seoul.longitude) == (pytest.approx(37.5622), pytest.approx(126.9828))
    assert seoul.languages == "zh-hans,ko"
    assert (seoul.name_in("ko"), seoul.name_in("zh-hans")) == (
        "주한 중국대사관",
        "中华人民共和国驻大韩民国大使馆",
    )
    assert washington.name_in("ko") == "주미 중국대사관"
    berlin = targets.get(external_id="wikidata:Q1073835")
    assert (berlin.city, berlin.is_location_approximate) == ("Berlin", True)
    assert berlin.name_in("ko") == "주독 중국대사관"
    assert berlin.name_in("zh-hans") == "中华人民共和国驻德国大使馆"
    [post] = berlin.channels.all()  # the file has only its website
    assert post.value == "Märkisches Ufer 54\n10179 BERLIN\nGERMANY"
    assert {(c.kind, c.value) for c in seoul.channels.all()} == {
        ("email", "chinaemb_kr@mfa.gov.cn"),
        ("phone", "+8227381038"),
    }

    for template in action.templates.all():
        kinds = [paragraph.kind for paragraph in template.paragraphs.all()]
        assert kinds == ["required", "optional", "optional", "editable"], template.language
        opening, *_middle, closing = template.paragraphs.all()
        assert opening.text.startswith("{salutation}")
        assert "{supporter_name}" in closing.text
    assert sorted(template.language for template in action.templates.all()) == [
        "en",
        "ko",
        "zh-hans",
    ]


def test_running_the_demo_twice_changes_nothing(db, var_dir):
    load_demo()
    before = snapshot()
    again = load_demo()
    assert "China's missions already imported" in again.stdout
    assert snapshot() == before


def test_a_missions_file_given_by_path_is_imported_once_into_the_same_list(db, var_dir, tmp_path):
    missions = prc_missions_copy(tmp_path)
    output = load_demo("--missions", str(missions))
    assert f"{IMPORTED} {missions}: 141 new" in output.stdout
    target_list = TargetList.objects.get(slug="prc-missions")
    assert target_list.targets.count() == Target.objects.filter(represents="CN").count() == 148
    assert Target.objects.filter(represents="CN", country="US").count() == 6
    assert Target.objects.filter(represents="CN", country="KR", category="embassy").count() == 1
    assert Target.objects.get(external_id=HOUSTON).is_closed

    before = snapshot()
    again = load_demo("--missions", str(missions))
    assert "already imported" in again.stdout
    assert snapshot() == before


def test_import_missions_after_the_demo_updates_its_rows_instead_of_duplicating_them(
    db, var_dir, tmp_path
):
    load_demo()
    seoul = Target.objects.get(external_id=SEOUL_EMBASSY)
    missions = prc_missions_copy(tmp_path)
    output = run("import_missions", missions, "--operator-country", "CN", "--list", "prc-missions")
    assert "0 created, 0 updated, 147 unchanged, 1 skipped, 0 closed." in output.stdout
    assert Target.objects.filter(represents="CN", country="US").count() == 6
    assert Target.objects.filter(represents="CN", city="Seoul").count() == 1
    seoul.refresh_from_db()
    assert seoul.name == "Embassy of the People's Republic of China in the Republic of Korea"
    assert not seoul.channels.exclude(import_kind="").exists()  # same address: not added twice
    houston = Target.objects.get(external_id=HOUSTON)
    assert houston.is_closed and not houston.is_closed_by_import  # imports never reopen it
    assert TargetList.objects.get(slug="prc-missions").targets.count() == 148


def test_a_missions_file_given_but_missing_stops_the_demo_with_a_message(db, var_dir):
    with pytest.raises(CommandError, match="No such file"):
        load_demo("--missions", "/nonexistent/missions.csv")
    assert not LetterAction.objects.exists()  # nothing half-loaded


@pytest.fixture
def demo_action(db, var_dir) -> LetterAction:
    load_demo()
    return LetterAction.objects.get(slug=demo.ACTION_SLUG)


def test_the_campaign_page_links_to_the_demo_letter(client, demo_action):
    content = page(client.get("/ko/c/save-my-friend/"))
    assert "중국 대사관과 영사관에 편지를 보내 주세요" in content
    assert compose_url(demo_action, "ko") in content


def test_a_supporter_in_the_us_is_never_offered_the_closed_houston_consulate(client, demo_action):
    sender = {"name": "Ana", "email": "ana@example.org", "country": "US", "goto": "targets"}
    content = page(client.post(compose_url(demo_action), sender))
    assert "in the United States" in content  # the embassy, ticked
    # Offices come embassy first, then by city: open, Houston would be offered third.
    assert "in Chicago" in content and "in Los Angeles" in content
    assert "Houston" not in content

    houston = Target.objects.get(external_id=HOUSTON)
    forged = client.post(
        compose_url(demo_action),
        letter_form(demo_action, targets=[houston], channels=("fax",), country="US"),
    )
    assert forged.status_code == 400
    assert "You can only write to the offices this campaign lists." in page(forged)
    assert not Letter.objects.exists()


@pytest.mark.parametrize(
    ("country", "embassy"),
    [
        ("DE", "Embassy of the People's Republic of China in Germany"),
        ("JP", "Embassy of the People's Republic of China in Minato-ku"),
        ("GB", "Embassy of the People's Republic of China in Marylebone"),
    ],
)
def test_a_supporter_in_germany_japan_or_the_uk_is_offered_chinas_embassy_there(
    client, demo_action, country, embassy
):
    sender = {"name": "Ana", "email": "ana@example.org", "country": country, "goto": "targets"}
    content = page(client.post(compose_url(demo_action), sender))
    assert "we know of no office in the country you chose" not in content.lower()
    assert embassy in content
    offered = Target.objects.get(name=embassy)
    assert f'value="{offered.pk}"' in content
    # And the letter to it goes through: the composer's next step names it.
    chosen = sender | {"targets": [str(offered.pk)], "targets_step": "1", "goto": "compose"}
    assert embassy in page(client.post(compose_url(demo_action), chosen))


def test_the_report_page_of_a_demo_mission_names_it_in_korean(client, demo_action):
    berlin = Target.objects.get(external_id="wikidata:Q1073835")
    with translation.override("ko"):
        content = page(client.get(reverse("directory:report", args=[berlin.pk])))
    assert "<strong>주독 중국대사관</strong>" in content
    assert "Berlin" in content


def test_the_closed_consulate_shows_as_closed_on_its_public_page(client, demo_action):
    houston = Target.objects.get(external_id=HOUSTON)
    content = page(client.get(reverse("directory:report", args=[houston.pk])))
    assert "This office is marked as closed: no letters are sent to it." in content


def test_a_korean_letter_opens_with_the_salutation_once(client, demo_action):
    seoul = Target.objects.get(external_id=SEOUL_EMBASSY)
    sender = {"name": "김민지", "email": "minji@example.org", "country": "KR", "city": "부산"}
    content = page(
        client.post(
            compose_url(demo_action, "ko"),
            sender | {"targets": [str(seoul.pk)], "targets_step": "1", "goto": "compose"},
        )
    )
    preview = re.search(r'id="letter-preview"[^>]*>(.*?)</div>', content, re.S).group(1)
    text = re.sub(r"<[^>]+>", "\n", preview)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    with translation.override("ko"):
        salutation = translation.gettext(seoul.salutation)  # as the catalogue has it today
    assert lines[0].rstrip(",") == salutation
    assert lines[1].startswith("저는 귀하께")
    assert preview.count(salutation) == 1
    assert "저는 김민지입니다." in preview
    assert lines[-1] == "부산"  # the city is signed under the name
