"""The composer ticks the supporter's office from the town they typed, found offline.

Through the composer's "whom you write to" step, as a supporter sees it: a town in
any language the gazetteer knows, a US ZIP code or another country's postcode; the
consular district before distance; and a plain request to choose when we cannot tell.
"""

import html

import pytest
from django.urls import reverse
from django.utils import translation

from outcry.directory.models import Target
from outcry.directory.testing import make_target
from outcry.testing import make_letter_action

pytestmark = pytest.mark.django_db


def mission(name: str, country: str, city: str, **fields):
    category = "embassy" if name.startswith("Embassy") else "consulate"
    return make_target(
        name=name,
        country=country,
        city=city,
        category=category,
        channels={"fax": fields.pop("fax", "+12024952138")},
        **fields,
    )


@pytest.fixture
def us_missions():
    """China's embassy and four consulates in the US, with their consular districts."""
    return {
        "washington": mission(
            "Embassy of the People's Republic of China in the United States",
            "US",
            "Washington, D.C.",
            latitude=38.9425,
            longitude=-77.0664,
            consular_district="DC, DE, ID, KY, MD, MT, NE, NC, ND, SC, SD, TN, UT, VA, WV, WY, TX",
        ),
        "chicago": mission(
            "Consulate General of the People's Republic of China in Chicago",
            "US",
            "Chicago",
            latitude=41.893827,
            longitude=-87.6278071,
            consular_district="CO, IL, IN, IA, KS, MI, MN, MO, WI",
            fax="+13128030105",
        ),
        "los_angeles": mission(
            "Consulate General of the People's Republic of China in Los Angeles",
            "US",
            "Los Angeles",
            latitude=34.0657,
            longitude=-118.29,
            consular_district="AZ, CA, HI, NM",
            fax="+12138078091",
        ),
        # No coordinates in the data: placed in its city by the gazetteer.
        "new_york": mission(
            "Consulate General of the People's Republic of China in New York",
            "US",
            "New York City",
            consular_district="CT, ME, MA, NH, NJ, NY, OH, PA, RI, VT",
            fax="+12125649389",
        ),
    }


@pytest.fixture
def korean_missions():
    return {
        "seoul": mission(
            "Embassy of the People's Republic of China in the Republic of Korea",
            "KR",
            "Seoul",
            latitude=37.5622,
            longitude=126.9828,
            fax="+8227380038",
        ),
        "busan": mission(
            "Consulate General of the People's Republic of China in Busan",
            "KR",
            "Busan",
            latitude=35.17803,
            longitude=129.074649,
            fax="+82514687412",
        ),
    }


def targets_step(client, targets, *, country: str, city: str, language: str = "en") -> str:
    action = make_letter_action(
        selection="nearest_mission", represents="CN", targets=list(targets.values())
    )
    with translation.override(language):
        url = reverse("letters:compose", args=[action.slug])
    sender = {
        "name": "Min-jun Kim",
        "email": "min@example.org",
        "country": country,
        "city": city,
        "goto": "targets",
    }
    response = client.post(url, sender)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def ticked(content: str, targets: dict) -> list[str]:
    return [
        key
        for key, target in targets.items()
        if f'value="{target.pk}" id="target-{target.pk}" checked' in content
    ]


def test_a_supporter_in_evanston_gets_the_chicago_consulate(client, us_missions):
    content = targets_step(client, us_missions, country="US", city="Evanston")
    assert ticked(content, us_missions) == ["chicago"]
    assert (
        "Evanston, IL, United States is in the consular district of Consulate General of "
        "the People's Republic of China in Chicago, so it is ticked." in content
    )


def test_chicago_typed_in_korean_is_chicago(client, us_missions):
    content = targets_step(client, us_missions, country="US", city="시카고", language="ko")
    assert ticked(content, us_missions) == ["chicago"]


def test_a_zip_code_finds_its_town(client, us_missions):
    content = targets_step(client, us_missions, country="US", city="60201")
    assert ticked(content, us_missions) == ["chicago"]


def test_the_consular_district_wins_over_distance(client, us_missions):
    # Denver is nearer to Los Angeles than to Chicago, but Colorado is Chicago's.
    content = targets_step(client, us_missions, country="US", city="Denver")
    assert ticked(content, us_missions) == ["chicago"]


def test_a_mission_without_coordinates_is_placed_in_its_city(client, us_missions):
    Target.objects.update(consular_district="")  # distance alone
    content = targets_step(client, us_missions, country="US", city="Newark")
    assert ticked(content, us_missions) == ["new_york"]


def test_without_districts_the_nearest_office_is_ticked(client, korean_missions):
    content = targets_step(client, korean_missions, country="KR", city="부산", language="ko")
    assert ticked(content, korean_missions) == ["busan"]
    content = targets_step(client, korean_missions, country="KR", city="Incheon")
    assert ticked(content, korean_missions) == ["seoul"]
    assert (
        "Embassy of the People's Republic of China in the Republic of Korea is the office "
        "nearest to Incheon, South Korea, so it is ticked." in content
    )


def test_busan_without_a_consulate_gets_the_embassy(client, korean_missions):
    korean_missions.pop("busan").delete()
    content = targets_step(client, korean_missions, country="KR", city="부산", language="ko")
    assert ticked(content, korean_missions) == ["seoul"]


def test_an_unknown_place_asks_the_supporter_to_choose(client, us_missions):
    content = targets_step(client, us_missions, country="US", city="Xyzzyville")
    assert ticked(content, us_missions) == []
    assert "We could not find “Xyzzyville” among the towns we know in this country" in content
    for target in us_missions.values():
        assert f'id="target-{target.pk}"' in content


def test_an_empty_town_asks_the_supporter_to_choose(client, us_missions):
    content = targets_step(client, us_missions, country="US", city="")
    assert ticked(content, us_missions) == []
    assert "You did not give your town, so please choose the office to write to." in content


def test_a_town_of_several_places_asks_the_supporter_to_choose(client, us_missions):
    content = targets_step(client, us_missions, country="US", city="Springfield")
    assert ticked(content, us_missions) == []
    assert "Several places are called “Springfield”" in content


def test_a_town_in_another_country_is_not_found_there(client, korean_missions):
    # Chicago is no town in Korea: asked to choose, never the embassy by default.
    content = targets_step(client, korean_missions, country="KR", city="Chicago")
    assert ticked(content, korean_missions) == []
    assert "We could not find “Chicago”" in content


@pytest.mark.parametrize("city", ["<script>", "x" * 120, "Chi\u200bcago", "60201-1234", "91, 200"])
def test_odd_towns_never_fail(client, us_missions, city):
    content = targets_step(client, us_missions, country="US", city=city)
    assert "Whom to write to" in content


def test_an_office_without_a_usable_address_gives_way_to_the_next(client, korean_missions):
    korean_missions["busan"].channels.all().delete()
    content = targets_step(client, korean_missions, country="KR", city="Busan")
    assert ticked(content, korean_missions) == ["seoul"]
    assert (
        "Consulate General of the People's Republic of China in Busan is the office for "
        "Busan, South Korea, but we have no address for it that this letter can use, so "
        "Embassy of the People's Republic of China in the Republic of Korea is ticked instead."
        in content
    )


@pytest.fixture
def german_missions():
    return {
        "berlin": mission(
            "Embassy of the People's Republic of China in Germany",
            "DE",
            "Berlin",
            latitude=52.5125,
            longitude=13.4188,
            fax="+493027588221",
        ),
        "munich": mission(
            "Consulate General of the People's Republic of China in Munich",
            "DE",
            "Munich",
            latitude=48.1459,
            longitude=11.5736,
            fax="+498917301619",
        ),
        "hamburg": mission(
            "Consulate General of the People's Republic of China in Hamburg",
            "DE",
            "Hamburg",
            latitude=53.5586,
            longitude=10.0134,
            fax="+494082276021",
        ),
    }


@pytest.mark.parametrize(
    ("postcode", "office"),
    [("10117", "berlin"), ("80331", "munich"), ("D-20095", "hamburg"), ("01067", "berlin")],
)
def test_a_german_postcode_ticks_the_nearest_office(client, german_missions, postcode, office):
    content = targets_step(client, german_missions, country="DE", city=postcode)
    assert ticked(content, german_missions) == [office]
    assert "is the office nearest to" in content


def test_a_uk_postcode_is_read_by_its_outward_code(client):
    missions = {
        "london": mission(
            "Embassy of the People's Republic of China in the United Kingdom",
            "GB",
            "London",
            latitude=51.5225,
            longitude=-0.1463,
        ),
        "manchester": mission(
            "Consulate General of the People's Republic of China in Manchester",
            "GB",
            "Manchester",
            latitude=53.4587,
            longitude=-2.2280,
        ),
    }
    content = targets_step(client, missions, country="GB", city="SW1A 1AA")
    assert ticked(content, missions) == ["london"]
    assert "the office nearest to SW1A 1AA City of Westminster, United Kingdom" in content
    content = targets_step(client, missions, country="GB", city="m1 1ae")
    assert ticked(content, missions) == ["manchester"]


def test_a_korean_postcode_in_busan_ticks_the_busan_consulate(client, korean_missions):
    content = targets_step(client, korean_missions, country="KR", city="48058", language="ko")
    assert ticked(content, korean_missions) == ["busan"]
    content = targets_step(client, korean_missions, country="KR", city="03044", language="ko")
    assert ticked(content, korean_missions) == ["seoul"]


def test_an_unknown_postcode_asks_the_supporter_to_choose(client, german_missions):
    content = targets_step(client, german_missions, country="DE", city="00000")
    assert ticked(content, german_missions) == []
    assert "We could not find the postcode “00000” in this country" in content
    content = targets_step(client, german_missions, country="DE", city="00000", language="ko")
    assert "이 나라에서 우편번호 “00000”을(를) 찾지 못해" in content


def test_the_help_text_names_the_postcodes_we_know(client, german_missions):
    action = make_letter_action(
        selection="nearest_mission", represents="CN", targets=list(german_missions.values())
    )
    for language, words in [
        ("en", "for the postcodes of 59 countries, such as 10117 in Germany"),
        ("ko", "59개 나라의 우편번호(예: 독일의 10117"),
    ]:
        with translation.override(language):
            response = client.get(reverse("letters:compose", args=[action.slug]))
        assert words in html.unescape(response.content.decode())
