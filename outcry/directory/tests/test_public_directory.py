"""The public directory of missions, as a supporter reads it, in English and Korean."""

import datetime
import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from outcry.directory.models import Target
from outcry.directory.testing import make_channel, make_target, make_target_list
from outcry.directory.tests.helpers import import_missions
from outcry.testing import make_campaign, make_letter_action, make_organisation

pytestmark = pytest.mark.django_db

LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def url(name: str, *args, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=args)


def json_ld(content: str) -> list[dict]:
    return [json.loads(block) for block in LD_JSON.findall(content)]


@pytest.fixture
def missions():
    """China's missions in Germany and the US, in a list shared by the whole site."""
    berlin = make_target(
        name="Embassy of the People's Republic of China in Germany",
        country="DE",
        city="Berlin",
        website="https://de.china-embassy.gov.cn/",
        channels={"phone": "+493027588", "fax": "+49302758822", "email": "de@mfa.gov.cn"},
    )
    make_channel(
        target=berlin,
        kind="post",
        value="Märkisches Ufer 54\n10179 Berlin",
        postal_address={
            "street_address": "Märkisches Ufer 54",
            "city": "Berlin",
            "postal_code": "10179",
            "country_code": "DE",
        },
    )
    munich = make_target(
        name="Consulate General of the People's Republic of China in Munich",
        country="DE",
        city="Munich",
        category="consulate",
    )
    houston = make_target(
        name="Consulate General of the People's Republic of China in Houston",
        country="US",
        city="Houston",
        category="consulate",
        is_closed=True,
        closed_on=datetime.date(2020, 7, 24),
        channels={"fax": "+17135213064"},
    )
    washington = make_target(
        name="Embassy of the People's Republic of China in the United States",
        country="US",
        city="Washington, D.C.",
        channels={"fax": "+12024952138"},
    )
    make_target_list(targets=[berlin, munich, houston, washington])
    return {"berlin": berlin, "munich": munich, "houston": houston, "washington": washington}


def test_the_directory_lists_states_then_countries_then_missions(client, missions):
    content = client.get(url("directory:states")).content.decode()
    assert "China" in content
    assert url("directory:state", "cn") in content

    content = client.get(url("directory:state", "cn")).content.decode()
    assert "Germany" in content
    assert "United States" in content
    assert url("directory:country", "cn", "de") in content

    content = client.get(url("directory:country", "cn", "de")).content.decode()
    assert "Embassy of the People&#x27;s Republic of China in Germany" in content
    assert "+49 30 27588" in content  # the telephone, written for people
    assert "de@mfa.gov.cn" in content
    assert "https://de.china-embassy.gov.cn/" in content
    assert "Märkisches Ufer 54" in content
    assert "Munich" in content
    assert url("directory:report", missions["berlin"].pk) in content
    # The embassy comes first.
    assert content.index("in Germany") < content.index("in Munich")


def test_a_mission_page_carries_its_government_office_data(client, missions):
    berlin = missions["berlin"]
    response = client.get(url("directory:office", berlin.pk))
    assert response.status_code == 200
    [data] = json_ld(response.content.decode())
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "GovernmentOffice"
    assert data["name"] == "Embassy of the People's Republic of China in Germany"
    assert data["telephone"] == "+493027588"
    assert data["faxNumber"] == "+49302758822"
    assert data["email"] == "de@mfa.gov.cn"
    assert data["url"] == "https://de.china-embassy.gov.cn/"
    assert data["address"]["streetAddress"] == "Märkisches Ufer 54"
    assert data["address"]["postalCode"] == "10179"
    assert data["address"]["addressCountry"] == "DE"


def test_the_directory_reads_in_korean(client, missions):
    content = client.get(url("directory:state", "cn", language="ko")).content.decode()
    assert "독일" in content  # Germany
    assert "미국" in content  # the United States
    assert "중국" in content
    content = client.get(url("directory:country", "cn", "de", language="ko")).content.decode()
    assert '<html lang="ko">' in content
    assert "전화" in content  # Telephone
    assert "팩스" in content
    assert "오래된 정보 알리기" in content  # Report outdated details
    offices = json_ld(content)
    assert {office["@type"] for office in offices} == {"GovernmentOffice"}
    assert "Embassy of the People's Republic of China in Germany" in [o["name"] for o in offices]


def test_a_closed_mission_is_shown_closed_with_its_date(client, missions):
    content = client.get(url("directory:country", "cn", "us")).content.decode()
    assert "Houston" in content
    assert "Closed since July 24, 2020." in content
    content = client.get(url("directory:office", missions["houston"].pk, language="ko"))
    assert "2020년 7월 24일부터 문을 닫았습니다." in content.content.decode()


def test_a_mission_only_an_organisations_own_list_holds_is_not_listed(client, missions):
    private = make_target(
        name="Consulate General of the People's Republic of China in Hamburg",
        country="DE",
        city="Hamburg",
        category="consulate",
    )
    make_target_list(targets=[private], organisation=make_organisation())
    draft = make_campaign(status="draft")
    draft_only = make_target(
        name="Consulate General of the People's Republic of China in Frankfurt",
        country="DE",
        city="Frankfurt",
        category="consulate",
    )
    make_letter_action(campaign=draft, targets=[draft_only])
    content = client.get(url("directory:country", "cn", "de")).content.decode()
    assert "Munich" in content
    assert "Hamburg" not in content
    assert "Frankfurt" not in content
    assert client.get(url("directory:office", private.pk)).status_code == 404
    assert client.get(url("directory:office", draft_only.pk)).status_code == 404


def test_a_legislator_is_no_mission(client, missions):
    senator = make_target(name="Senator Smith", category="legislator", represents="")
    make_target_list(targets=[senator])
    assert client.get(url("directory:office", senator.pk)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/en/directory/xx/",
        "/en/directory/cnn/",
        "/en/directory/c%00/",
        "/en/directory/%3Cb%3E/",
        "/en/directory/cn/zz/",
        "/en/directory/cn/is/",  # a country with none of its missions
        "/en/directory/cn/deu/",
        "/en/directory/kr/de/",
        "/en/directory/offices/99999999999999999999999/",
        "/en/directory/offices/9223372036854775807/",
        "/en/directory/offices/0/",
        "/ko/directory/offices/-1/",
    ],
)
def test_bad_directory_addresses_are_not_found(client, missions, path):
    # A NUL is refused before any view (400); everything else is a page not found.
    assert client.get(path).status_code == (400 if "%00" in path else 404)


def test_the_directory_takes_only_get(client, missions):
    assert client.post(url("directory:country", "cn", "de")).status_code == 405


def test_an_actions_directory_links_each_office_into_its_composer(client, missions):
    berlin, munich = missions["berlin"], missions["munich"]
    action = make_letter_action(
        selection="nearest_mission", represents="CN", targets=[berlin, munich]
    )
    content = client.get(url("letters:offices_states", action.slug)).content.decode()
    assert "Germany" in content
    assert "United States" not in content  # not in this action's list
    content = client.get(url("letters:offices_country", action.slug, "cn", "de")).content.decode()
    compose = url("letters:compose", action.slug)
    assert f"{compose}?office={berlin.pk}" in content
    assert "Write to this office" in content
    # Munich has no address the action can send to: no link to write.
    assert f"{compose}?office={munich.pk}" not in content
    assert client.get(url("letters:offices_office", action.slug, berlin.pk)).status_code == 200
    other = missions["washington"]
    assert client.get(url("letters:offices_office", action.slug, other.pk)).status_code == 404


def test_write_to_this_office_preselects_it_in_the_composer(client, missions):
    berlin, munich = missions["berlin"], missions["munich"]
    make_channel(target=munich, kind="email", value="munich@mfa.gov.cn")
    action = make_letter_action(
        selection="nearest_mission", represents="CN", targets=[berlin, munich]
    )
    compose = url("letters:compose", action.slug)
    content = client.get(f"{compose}?office={munich.pk}").content.decode()
    assert f'<input type="hidden" name="office" value="{munich.pk}"' in content
    sender = {
        "name": "Lena",
        "email": "lena@example.org",
        "country": "DE",
        "city": "Berlin",
        "office": str(munich.pk),
        "goto": "targets",
    }
    content = client.post(compose, sender).content.decode()
    assert f'value="{munich.pk}" id="target-{munich.pk}" checked' in content
    assert f'value="{berlin.pk}" id="target-{berlin.pk}">' in content
    assert "You chose Consulate General of the People&#x27;s Republic of China in Munich" in content
    # Nonsense in the office field is ignored: Berlin's supporter gets Berlin.
    content = client.post(compose, sender | {"office": "<b>1</b>"}).content.decode()
    assert f'value="{berlin.pk}" id="target-{berlin.pk}" checked' in content


def test_the_campaign_page_and_the_composer_link_to_the_directory(client, missions):
    action = make_letter_action(
        selection="nearest_mission", represents="CN", targets=[missions["berlin"]]
    )
    directory = url("letters:offices_states", action.slug)
    content = client.get(url("campaigns:detail", action.campaign.slug)).content.decode()
    assert directory in content
    sender = {"name": "Lena", "email": "lena@example.org", "country": "DE", "goto": "targets"}
    content = client.post(url("letters:compose", action.slug), sender).content.decode()
    assert directory in content


def test_a_country_page_asks_the_same_queries_however_many_missions(
    client, missions, django_assert_max_num_queries
):
    path = url("directory:country", "cn", "de")
    client.get(path)  # warm the session and translation caches
    for n in range(20):
        target = make_target(name=f"Consulate {n}", country="DE", city=f"Town {n}")
        make_channel(target=target, kind="email", value=f"c{n}@mfa.gov.cn")
        target.lists.add(missions["berlin"].lists.get())
    with django_assert_max_num_queries(8):
        assert client.get(path).status_code == 200


def test_markup_in_a_name_cannot_leave_the_json_ld(client, missions):
    berlin = missions["berlin"]
    berlin.name = "</script><script>alert(1)</script> & <!--"
    berlin.save()
    content = client.get(url("directory:office", berlin.pk)).content.decode()
    assert "<script>alert(1)" not in content
    [data] = json_ld(content)
    assert data["name"] == "</script><script>alert(1)</script> & <!--"


def continents_of(content: str) -> dict[str, list[str]]:
    """Each continent's heading → the country names listed under it, in page order."""
    sections = re.findall(
        r'<h2 id="continent-\d+">(.*?) <span.*?</h2>(.*?)</section>', content, re.S
    )
    return {
        heading: re.findall(r'<li><a href="[^"]+">([^<]+)</a>', body) for heading, body in sections
    }


def test_the_countries_are_grouped_by_continent_in_the_pages_language(client, missions):
    content = client.get(url("directory:state", "cn")).content.decode()
    assert continents_of(content) == {"Europe": ["Germany"], "North America": ["United States"]}
    assert '<a href="#continent-1">Europe</a>' in content
    content = client.get(url("directory:state", "cn", language="ko")).content.decode()
    assert continents_of(content) == {"북아메리카": ["미국"], "유럽": ["독일"]}


def test_the_shipped_missions_read_by_continent(client):
    import_missions()
    make_target_list(targets=list(Target.objects.all()))
    content = client.get(url("directory:state", "cn")).content.decode()
    groups = continents_of(content)
    assert list(groups) == [
        "Africa",
        "Asia",
        "Europe",
        "North America",
        "Oceania",
        "South America",
    ]
    assert sum(len(countries) for countries in groups.values()) == 109
    assert "Japan" in groups["Asia"] and "Germany" in groups["Europe"]
    assert groups["Europe"] == sorted(groups["Europe"])
