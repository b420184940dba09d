"""The demo's pledges: one of each kind in English and Korean, a fast from today to the
deadline, confirmed demo supporters in the counters, and no change on a second load."""

import zoneinfo
from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from outcry.campaigns.models import Campaign
from outcry.core.models import OutgoingEmail
from outcry.letters import demo as letters_demo
from outcry.pledges import services
from outcry.pledges.models import Commitment, Pledge

NOW = datetime(2027, 5, 3, 9, 30, tzinfo=UTC)
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def load() -> None:
    with time_machine.travel(NOW, tick=False):
        call_command("load_demo", "--quiet-login", stdout=StringIO(), stderr=StringIO())


@pytest.fixture
def demo(db, settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(letters_demo, "SHARED_MISSIONS_CSV", tmp_path / "absent.csv")
    load()
    return Campaign.objects.get(slug="save-my-friend")


def test_the_demo_has_a_fast_a_prayer_and_a_boycott_with_people_standing_together(demo, client):
    pledges = {pledge.kind: pledge for pledge in demo.pledges.all()}
    assert set(pledges) == {Pledge.Kind.FAST, Pledge.Kind.PRAY, Pledge.Kind.BOYCOTT}
    fast = pledges[Pledge.Kind.FAST]
    assert fast.first_day_on == NOW.astimezone(SEOUL).date()
    assert fast.last_day_on == demo.deadline_at.astimezone(SEOUL).date()
    for pledge in pledges.values():
        assert {text.language for text in pledge.texts.all()} == {"en", "ko"}
        assert services.count(pledge) == Commitment.objects.filter(pledge=pledge).count() >= 2
    boycott = pledges[Pledge.Kind.BOYCOTT].text_for("en")
    assert "Made in China" in boycott.companies
    with time_machine.travel(NOW, tick=False):
        english = client.get("/en/c/save-my-friend/").content.decode()
        korean = client.get("/ko/c/save-my-friend/").content.decode()
    assert "Fast for a day with their families" in english
    assert "3 people stand together" in english
    assert "가족들과 함께 하루 금식하기" in korean and "3명이 함께합니다" in korean
    assert not OutgoingEmail.objects.filter(purpose__startswith="pledge").exists()


def test_loading_the_demo_again_changes_no_pledge(demo):
    before = list(Commitment.objects.order_by("pk").values())
    pledges = list(Pledge.objects.order_by("pk").values())
    load()
    assert list(Commitment.objects.order_by("pk").values()) == before
    assert list(Pledge.objects.order_by("pk").values()) == pledges
