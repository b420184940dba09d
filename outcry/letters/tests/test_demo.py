"""The demo's letter action: the seeds' missions, Houston closed, and the shared missions merged.

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
from outcry.directory.models import Channel, ImportRun, Target, TargetList
from outcry.directory.tests.helpers import MISSIONS_CSV, SEOUL_EMBASSY, need, run
from outcry.letters import channels, demo
from outcry.letters.models import Letter, LetterAction, LetterTemplate, Paragraph
from outcry.petitions.models import Petition, PetitionText
from outcry.testing import letter_form

HOUSTON = "outcry-demo:prc-consulate-houston"
WASHINGTON = "wikidata:Q5369818"
SKIPPED = "Skipped the missions of other countries"


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # load_demo keeps the organiser's password there


@pytest.fixture
def no_shared_data(monkeypatch, tmp_path, var_dir):
    """As on a fresh clone: no ../shared/data next to the project."""
    monkeypatch.setattr(demo, "SHARED_MISSIONS_CSV", tmp_path / "absent" / "prc_missions.csv")


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


def test_without_shared_data_the_demo_writes_to_the_seeds_missions_and_says_what_it_skipped(
    db, no_shared_data
):
    output = load_demo()
    [skipped] = [line for line in output.stdout.splitlines() if SKIPPED in line]
    assert "load_demo --missions" in skipped

    action = LetterAction.objects.get(campaign__slug="save-my-friend")
    assert (action.selection, action.represents) == ("nearest_mission", "CN")
    assert set(channels.offered(action)) >= {"email", "post", "mailto", "phone", "webform"}
    targets = action.target_list.targets.all()
    assert action.target_list.name == "PRC missions"
    assert sorted(target.city for target in targets) == [
        "Chicago",
        "Houston",
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
    assert (seoul.latitude, seoul.longitude, seoul.languages) == (37.5622, 126.9828, "zh-hans,ko")
    assert (seoul.name_in("ko"), seoul.name_in("zh-hans")) == (
        "주한 중국대사관",
        "中华人民共和国驻大韩民国大使馆",
    )
    assert washington.name_in("ko") == "주미 중국대사관"
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


def test_running_the_demo_twice_changes_nothing(db, no_shared_data):
    load_demo()
    before = snapshot()
    load_demo()
    assert snapshot() == before


def test_with_shared_data_the_demo_imports_the_other_missions_once_into_the_same_list(db, var_dir):
    need(MISSIONS_CSV)
    output = load_demo("--missions", str(MISSIONS_CSV))
    assert "Missions of other countries imported" in output.stdout
    target_list = TargetList.objects.get(slug="prc-missions")
    assert target_list.targets.count() == Target.objects.filter(represents="CN").count() > 100
    # The seeds' missions were merged with the file's rows, not added beside them.
    assert Target.objects.filter(represents="CN", country="US").count() == 6
    assert Target.objects.filter(represents="CN", country="KR", category="embassy").count() == 1
    assert Target.objects.get(external_id=HOUSTON).is_closed

    before = snapshot()
    again = load_demo("--missions", str(MISSIONS_CSV))
    assert "already imported" in again.stdout
    assert snapshot() == before


def test_import_missions_after_the_demo_updates_its_rows_instead_of_duplicating_them(
    db, no_shared_data
):
    need(MISSIONS_CSV)
    load_demo()
    seoul = Target.objects.get(external_id=SEOUL_EMBASSY)
    run("import_missions", MISSIONS_CSV, "--operator-country", "CN", "--list", "prc-missions")
    imported = ImportRun.objects.get(kind="missions")
    # 147 missions in the file; 6 of them are the demo's (all but Houston).
    assert imported.created_count == 141
    assert imported.updated_count + imported.unchanged_count == 6
    assert Target.objects.filter(represents="CN", country="US").count() == 6
    assert Target.objects.filter(represents="CN", city="Seoul").count() == 1
    seoul.refresh_from_db()
    assert seoul.name == "Embassy of the People's Republic of China in the Republic of Korea"
    assert not seoul.channels.exclude(import_kind="").exists()  # same address: not added twice
    houston = Target.objects.get(external_id=HOUSTON)
    assert houston.is_closed and not houston.is_closed_by_import  # imports never reopen it
    assert TargetList.objects.get(slug="prc-missions").targets.count() == 148


def test_a_missions_file_given_but_missing_stops_the_demo_with_a_message(db, no_shared_data):
    with pytest.raises(CommandError, match="No such file"):
        load_demo("--missions", "/nonexistent/missions.csv")
    assert not LetterAction.objects.exists()  # nothing half-loaded


@pytest.fixture
def demo_action(db, no_shared_data) -> LetterAction:
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
