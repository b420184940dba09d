"""The demo has two updates from the seeds' weeks, in English and Korean, and a press list."""

import xml.etree.ElementTree as ET
from io import StringIO

import pytest
from django.core.management import call_command

from outcry.campaigns.models import Campaign
from outcry.updates.models import PressItem, Update, UpdateText

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path  # load_demo keeps the organiser's password there
    call_command("load_demo", "--quiet-login", stdout=StringIO(), stderr=StringIO())
    return Campaign.objects.get(slug="save-my-friend")


def test_the_demo_has_two_updates_in_both_languages_and_a_press_list(client, demo):
    updates = list(demo.updates.published().newest_first())
    assert len(updates) == 2
    assert {text.language for update in updates for text in update.texts.all()} == {"en", "ko"}
    english = client.get("/en/c/save-my-friend/updates/").content.decode()
    korean = client.get("/ko/c/save-my-friend/updates/").content.decode()
    assert "Almost 25,000 signatures" in english and "What we know about the arrests" in english
    assert "서명 2만 5천 명 가까이" in korean and "체포에 관해" in korean
    campaign_page = client.get("/en/c/save-my-friend/").content.decode()
    assert "Almost 25,000 signatures" in campaign_page
    press = client.get("/en/c/save-my-friend/press/").content.decode()
    assert "Daily NK" in press and "JoongAng Daily" in press
    feed = ET.fromstring(client.get("/ko/c/save-my-friend/updates/feed/").content)  # noqa: S314
    assert len(feed.findall(f"{ATOM}entry")) == 2


def test_loading_the_demo_again_adds_nothing(demo):
    counts = (Update.objects.count(), UpdateText.objects.count(), PressItem.objects.count())
    call_command("load_demo", "--quiet-login", stdout=StringIO(), stderr=StringIO())
    assert (Update.objects.count(), UpdateText.objects.count(), PressItem.objects.count()) == counts
    assert counts == (2, 4, 3)
