"""The demo's cases: the seeds' groups, replayed so that days since arrest read as in 2012."""

from io import StringIO

import pytest
from django.core.management import call_command

from outcry.campaigns.models import Campaign
from outcry.cases.models import Case, CaseRecord, Source, StatusChange
from outcry.cases.views import campaign_today
from outcry.letters import demo as letters_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(letters_demo, "SHARED_MISSIONS_CSV", tmp_path / "absent.csv")
    call_command("load_demo", "--quiet-login", stdout=StringIO(), stderr=StringIO())
    return Campaign.objects.get(slug="save-my-friend")


def test_the_demo_has_the_seeds_groups_with_timelines_sources_and_records(demo, client):
    cases = list(Case.objects.filter(campaign=demo).order_by("position"))
    assert [case.group_size for case in cases] == [10, 9, 12, 1, 1]
    assert [case.arrest_place for case in cases[:3]] == ["Shenyang", "Yanji", "Changchun"]
    today = campaign_today(demo)
    assert [case.days_since_arrest(today) for case in cases[:3]] == [11, 8, 6]
    assert all(case.changes.exists() for case in cases)
    assert not StatusChange.objects.filter(sources=None).exists()
    assert not StatusChange.objects.filter(happened_on__gt=today).exists()
    assert not Source.objects.filter(published_on__gt=today).exists()
    assert CaseRecord.objects.count() == 5
    html = client.get(f"/en/c/{demo.slug}/").content.decode()
    assert "11 days since arrest" in html
    assert "has passed" in html  # the Shenyang group's window
    assert "any day now" in html  # Yanji's
    assert "1 day left" in html  # Changchun's
    korean = client.get(f"/ko/c/{demo.slug}/cases/").content.decode()
    assert "선양에서 체포된 10명" in korean and "선양에서 체포" in korean
    assert "Shenyang" not in korean


def test_loading_the_demo_twice_changes_nothing(demo):
    before = (Case.objects.count(), StatusChange.objects.count(), Source.objects.count())
    call_command("load_demo", "--quiet-login", stdout=StringIO(), stderr=StringIO())
    after = (Case.objects.count(), StatusChange.objects.count(), Source.objects.count())
    assert before == after == (5, 11, 11)
