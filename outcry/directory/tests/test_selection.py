"""Choosing targets for a supporter, on the directory as the shipped data fills it."""

import pytest

from outcry.directory.models import Target, TargetList
from outcry.directory.selection import (
    InvalidZip,
    UnknownDistrict,
    UnknownZip,
    choose_district,
    legislators_for_zip,
    nearest_missions,
)
from outcry.directory.tests.helpers import (
    BUSAN_CONSULATE,
    CHICAGO_CONSULATE,
    SEOUL_EMBASSY,
    ZCCD_CSV,
    import_congress,
    import_missions,
    loaded_for_module,
    run,
)

BUSAN = {"latitude": 35.18, "longitude": 129.07}
CHICAGO = {"latitude": 41.88, "longitude": -87.63}


@pytest.fixture(scope="module")
def missions(django_db_setup, django_db_blocker):
    with loaded_for_module(django_db_blocker, import_missions):
        yield


@pytest.fixture(scope="module")
def congress(django_db_setup, django_db_blocker):
    with loaded_for_module(
        django_db_blocker, import_congress, lambda: run("import_zip_districts", ZCCD_CSV)
    ):
        yield


def cities(targets: list[Target]) -> list[str]:
    return [target.city for target in targets]


def test_a_supporter_in_busan_gets_the_busan_consulate_first(db, missions):
    missions = nearest_missions(represents="CN", country="KR", **BUSAN)
    assert [m.external_id for m in missions][:1] == [BUSAN_CONSULATE]
    assert cities(missions) == ["Busan", "Gwangju", "Jeju Province"]


def test_without_coordinates_the_embassy_comes_first_then_consulates_by_city(db, missions):
    missions = nearest_missions(represents="cn", country="kr", limit=5)
    assert [m.external_id for m in missions][:1] == [SEOUL_EMBASSY]
    assert cities(missions) == ["Seoul", "Busan", "Gwangju", "Jeju Province"]


def test_a_supporter_in_chicago_gets_the_chicago_consulate_first(db, missions):
    missions = nearest_missions(represents="CN", country="US", **CHICAGO)
    assert missions[0].external_id == CHICAGO_CONSULATE
    assert missions[1].city == "Washington, D.C."


def test_a_country_without_a_mission_falls_back_to_the_nearest_anywhere(db, missions):
    vaduz = {"latitude": 47.14, "longitude": 9.52}  # Liechtenstein has no PRC mission
    missions = nearest_missions(represents="CN", country="LI", **vaduz)
    assert [(m.country, m.city) for m in missions] == [
        ("CH", "Bern"),
        ("DE", "Munich"),
        ("FR", "Strasbourg"),
    ]
    assert nearest_missions(represents="CN", country="LI") == []


def test_a_closed_mission_is_never_offered(db, missions):
    Target.objects.filter(external_id=BUSAN_CONSULATE).update(is_closed=True)
    missions = nearest_missions(represents="CN", country="KR", **BUSAN)
    assert cities(missions) == ["Gwangju", "Jeju Province", "Seoul"]


def test_a_target_list_limits_the_choice(db, missions):
    only_seoul = TargetList.objects.create(slug="seoul-only", name="Seoul only")
    only_seoul.targets.add(Target.objects.get(external_id=SEOUL_EMBASSY))
    missions = nearest_missions(represents="CN", country="KR", target_list=only_seoul, **BUSAN)
    assert cities(missions) == ["Seoul"]


def test_coordinates_off_the_earth_are_refused(db, missions):
    with pytest.raises(ValueError, match="Not a point on Earth"):
        nearest_missions(represents="CN", country="KR", latitude=135.0, longitude=0.0)


def test_a_zip_code_across_two_districts_asks_which(db, congress):
    result = legislators_for_zip(zip_code="35005")
    assert result.needs_choice
    assert result.districts == [("AL", 6), ("AL", 7)]
    assert {t.region for t in result.senators} == {"AL"} and len(result.senators) == 2
    assert [(t.region, t.district) for t in result.representatives] == [("AL", 6), ("AL", 7)]

    chosen = choose_district(result, "AL-7")
    assert not chosen.needs_choice
    assert [(t.region, t.district) for t in chosen.representatives] == [("AL", 7)]
    assert chosen.senators == result.senators
    assert choose_district(result, ("AL", 6)).representatives == result.representatives[:1]
    with pytest.raises(UnknownDistrict, match="35005 is not in the district AL-3"):
        choose_district(result, "AL-3")


def test_an_at_large_state_gives_two_senators_and_one_representative(db, congress):
    result = legislators_for_zip(zip_code="05401")
    assert not result.needs_choice
    assert result.districts == [("VT", 0)]
    assert sorted(t.salutation for t in result.senators) == [
        "Dear Senator Sanders",
        "Dear Senator Welch",
    ]
    assert [t.name for t in result.representatives] == ["Becca Balint"]
    assert legislators_for_zip(zip_code=" 05401-1234 ").representatives == result.representatives


def test_an_unknown_zip_code_is_answered_with_a_clear_message(db, congress):
    with pytest.raises(UnknownZip, match="no congressional district for the ZIP code 00000"):
        legislators_for_zip(zip_code="00000")


@pytest.mark.parametrize("bad", ["", "1234", "ABCDE", "123456", "05401-12", "0540\n1"])
def test_a_malformed_zip_code_is_refused(db, bad):
    with pytest.raises(InvalidZip, match=r"is not a US ZIP code\. Please give five digits"):
        legislators_for_zip(zip_code=bad)


def test_without_coordinates_a_mission_in_the_supporters_city_comes_first(db):
    # "ZZ": a sending state no shared-data fixture of this module imports.
    def mission(name, city, category):
        return Target.objects.create(
            name=name, city=city, country="US", represents="ZZ", category=category
        )

    mission("Embassy", "Washington", Target.Category.EMBASSY)
    mission("Consulate Chicago", "Chicago", Target.Category.CONSULATE)
    mission("Consulate New York", "New York", Target.Category.CONSULATE)
    chosen = nearest_missions(represents="ZZ", country="US", city="new york", limit=12)
    assert [t.name for t in chosen] == ["Consulate New York", "Embassy", "Consulate Chicago"]
    assert nearest_missions(represents="ZZ", country="US", limit=12)[0].name == "Embassy"
