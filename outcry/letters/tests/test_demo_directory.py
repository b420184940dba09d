"""The demo's missions in the public directory and the composer, as a supporter finds them.

``load_demo`` as an operator runs it, with whatever mission data it finds (the seeds'
missions at least); cases that need more say so and adapt.
"""

import html
import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from outcry.directory.models import Target
from outcry.directory.tests.helpers import run
from outcry.letters import demo
from outcry.letters.models import LetterAction

pytestmark = pytest.mark.django_db

HOUSTON = "outcry-demo:prc-consulate-houston"
CHICAGO = "wikidata:Q19854368"


@pytest.fixture
def demo_action(settings, tmp_path) -> LetterAction:
    settings.VAR_DIR = tmp_path  # load_demo keeps the organiser's password there
    run("load_demo", "--quiet-login")
    return LetterAction.objects.get(slug=demo.ACTION_SLUG)


def get(client, name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def nearest(client, action: LetterAction, country: str, city: str, language: str = "en") -> str:
    with translation.override(language):
        url = reverse("letters:compose", args=[action.slug])
    sender = {"name": "Ana", "email": "ana@example.org", "country": country, "city": city}
    response = client.post(url, sender | {"goto": "targets"})
    assert response.status_code == 200
    return response.content.decode()


def ticked(content: str) -> list[Target]:
    ids = re.findall(r'name="targets" value="(\d+)" id="target-\d+" checked', content)
    return list(Target.objects.filter(pk__in=ids))


def test_the_demo_missions_in_the_us_are_listed_with_houston_closed(client, demo_action):
    content = get(client, "directory:country", "cn", "us")
    assert "Consulate General of the People's Republic of China in Chicago" in content
    assert "Closed since July 24, 2020." in content
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    offices = {data["name"]: data for data in map(json.loads, blocks)}
    chicago = offices["Consulate General of the People's Republic of China in Chicago"]
    assert chicago["@type"] == "GovernmentOffice"
    assert chicago["address"]["streetAddress"] == "100 West Erie St."
    assert chicago["faxNumber"] == "+13128030105"
    houston = Target.objects.get(external_id=HOUSTON)
    content = get(client, "directory:office", houston.pk, language="ko")
    assert "2020년 7월 24일부터 문을 닫았습니다." in content


def test_the_demo_action_ticks_the_chicago_consulate_for_evanston(client, demo_action):
    content = nearest(client, demo_action, "US", "Evanston")
    assert [t.external_id for t in ticked(content)] == [CHICAGO]
    content = nearest(client, demo_action, "US", "시카고", language="ko")
    assert [t.external_id for t in ticked(content)] == [CHICAGO]
    content = nearest(client, demo_action, "US", "Milwaukee")
    assert [t.external_id for t in ticked(content)] == [CHICAGO]


def test_busan_gets_its_consulate_if_the_data_has_one_else_the_embassy(client, demo_action):
    content = nearest(client, demo_action, "KR", "부산", language="ko")
    busan = Target.objects.open().filter(country="KR", city="Busan", represents="CN").first()
    seoul = "wikidata:Q17007157"
    if busan is None:
        assert [t.external_id for t in ticked(content)] == [seoul]
    elif busan.channels.exists():
        assert [t.external_id for t in ticked(content)] == [busan.external_id]
    else:
        # The shared data knows the consulate, but no address of it: the embassy,
        # and the supporter is told why.
        assert [t.external_id for t in ticked(content)] == [seoul]
        assert "이 편지를 보낼 수 있는 연락처가 없어" in html.unescape(content)


def test_the_campaign_page_leads_to_the_directory_and_on_to_the_composer(client, demo_action):
    content = get(client, "campaigns:detail", demo_action.campaign.slug, language="ko")
    with translation.override("ko"):
        directory = reverse("letters:offices_states", args=[demo_action.slug])
    assert directory in content
    content = get(client, "letters:offices_country", demo_action.slug, "cn", "us", language="ko")
    chicago = Target.objects.get(external_id=CHICAGO)
    assert f"?office={chicago.pk}" in content
    assert "이 공관에 편지 쓰기" in content


def test_the_shipped_missions_are_in_the_directory_in_korean(client, demo_action):
    content = get(client, "directory:state", "cn", language="ko")
    for country in ["독일", "일본", "영국", "대한민국", "미국"]:
        assert country in content
    content = get(client, "directory:country", "cn", "de", language="ko")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', content, re.S)
    offices = [json.loads(block) for block in blocks]
    assert offices and all(office["@type"] == "GovernmentOffice" for office in offices)
    assert all(office["address"]["addressCountry"] == "DE" for office in offices)


def test_the_roles_of_the_offices_are_in_the_page_language(client, demo_action):
    # The importers store the roles they know as English msgids; a Korean page
    # shows them in Korean, next to the Korean names.
    content = html.unescape(nearest(client, demo_action, "US", "시카고", language="ko"))
    assert "주시카고 중국총영사관</strong>, 총영사" in content
    assert "Consul General" not in content and "Ambassador" not in content
    content = html.unescape(nearest(client, demo_action, "US", "Evanston"))
    assert ", Consul General" in content
    chicago = Target.objects.get(external_id=CHICAGO)
    content = get(client, "directory:report", chicago.pk, language="ko")
    assert "<br>총영사<br>" in content and "Consul General" not in content
    chicago.role = "Consul General (acting)"  # typed by an organiser: shown as typed
    assert chicago.role_in("ko") == "Consul General (acting)"
