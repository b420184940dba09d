"""Places typed as supporters type them, found offline (core/places.py)."""

import time

import pytest

from outcry.core.places import (
    AmbiguousPlace,
    NoPlaceFound,
    by_distance,
    distance_km,
    find_places,
    great_circle_km,
    nearest_city,
    resolve_place,
)
from outcry.core.postcodes import postcode_key


@pytest.mark.parametrize(
    ("typed", "name", "country"),
    [
        ("Chicago", "Chicago", "US"),
        ("시카고", "Chicago", "US"),
        ("chicago ", "Chicago", "US"),
        ("Evanston", "Evanston", "US"),
        ("부산", "Busan", "KR"),
        ("부산광역시", "Busan", "KR"),
        ("Busan", "Busan", "KR"),
        ("München", "Munich", "DE"),
        ("Munchen", "Munich", "DE"),
        ("Munich", "Munich", "DE"),
        ("서울", "Seoul", "KR"),
        ("Milwaukee", "Milwaukee", "US"),
        ("Washington", "Washington", "US"),
        ("London", "London", "GB"),
    ],
)
def test_a_city_resolves_from_its_english_or_its_local_spelling(typed, name, country):
    place = resolve_place(typed)
    assert (place.name, place.country) == (name, country)


def test_evanston_is_the_one_next_to_chicago():
    evanston = resolve_place("Evanston")
    assert evanston.region == "IL"
    assert distance_km(evanston, resolve_place("Chicago")) < 30


def test_busan_typed_in_korean_is_shown_back_as_typed_with_the_country_in_the_readers_language():
    busan = resolve_place("부산")
    assert (busan.name, busan.country) == ("Busan", "KR")
    assert busan.label("ko") == "부산, 대한민국"
    assert busan.label("en") == "부산, South Korea"
    assert resolve_place("Busan").label("en") == "Busan, South Korea"
    assert resolve_place("Evanston").label("en") == "Evanston, IL, United States"


def test_a_shared_name_gives_candidates_ranked_by_population_with_their_state_or_country():
    with pytest.raises(AmbiguousPlace) as raised:
        resolve_place("Springfield")
    candidates = raised.value.candidates
    assert len(candidates) == 5
    populations = [place.population for place in candidates]
    assert populations == sorted(populations, reverse=True)
    assert {place.country for place in candidates} == {"US"}
    assert len({place.region for place in candidates}) == 5
    labels = [place.label("en") for place in candidates]
    assert "Springfield, IL, United States" in labels


@pytest.mark.parametrize(
    ("typed", "region"),
    [("Springfield, MO", "MO"), ("Springfield IL", "IL"), ("Springfield, Massachusetts", "MA")],
)
def test_a_us_state_after_the_name_picks_one(typed, region):
    place = resolve_place(typed)
    assert (place.name, place.country, place.region) == ("Springfield", "US", region)


@pytest.mark.parametrize(
    "typed", ["Busan, South Korea", "Busan South Korea", "부산, 대한민국", "Busan, KR", "부산 한국"]
)
def test_a_country_after_the_name_in_english_korean_or_as_a_code(typed):
    place = resolve_place(typed)
    assert (place.name, place.country) == ("Busan", "KR")


def test_a_country_given_apart_keeps_to_that_country():
    assert resolve_place("London").country == "GB"
    assert resolve_place("London", country="CA").country == "CA"
    assert resolve_place("London", country="Canada").country == "CA"
    assert find_places("Busan", country="US") == []
    assert find_places("Busan", country="Atlantis") == []


def test_a_us_zip_code_is_its_town():
    place = resolve_place("60201")
    assert (place.name, place.region, place.country, place.postcode) == (
        "Evanston",
        "IL",
        "US",
        "60201",
    )
    assert place.label("en") == "60201 Evanston, IL, United States"
    assert distance_km(place, resolve_place("Chicago")) < 30
    assert resolve_place("60201-1234").postcode == "60201"


@pytest.mark.parametrize(
    ("typed", "country"),
    [
        ("99999", ""),
        ("48058", ""),
        ("00000", "DE"),
        ("75007", "CA"),
        ("12345", "AQ"),
        ("SW1A", "DE"),
    ],
)
def test_unknown_postcodes_and_zip_codes_find_nothing(typed, country):
    assert find_places(typed, country=country) == []


@pytest.mark.parametrize(
    ("typed", "country", "near", "label"),
    [
        ("10117", "DE", "Berlin", "10117 Mitte, Germany"),
        ("D-10117", "Germany", "Berlin", "D-10117 Mitte, Germany"),
        ("SW1A 1AA", "GB", "London", "SW1A 1AA City of Westminster, United Kingdom"),
        ("sw1a1aa", "GB", "London", "SW1A1AA City of Westminster, United Kingdom"),
        ("SW1A", "GB", "London", "SW1A City of Westminster, United Kingdom"),
        ("K1A 0B1", "CA", "Ottawa", "K1A 0B1 Centretown, Canada"),
        ("1012 AB", "NL", "Amsterdam", "1012 AB Amsterdam, Netherlands"),
        ("D02 X285", "IE", "Dublin", "D02 X285 Dublin, Ireland"),
        ("48058", "KR", "Busan", "48058 Gijang, South Korea"),
        ("100-0001", "JP", "Tokyo", "100-0001 Chiyoda, Japan"),
        (
            "〒\uff11\uff10\uff10\uff0d\uff10\uff10\uff10\uff11",
            "JP",
            "Tokyo",
            "〒100-0001 Chiyoda, Japan",
        ),
        ("75007", "FR", "Paris", "75007 Paris 06 Luxembourg, France"),
        ("2600", "AU", "Canberra", "2600 Canberra, Australia"),
        ("1100-148", "PT", "Lisbon", "1100-148 São Jorge de Arroios, Portugal"),
    ],
)
def test_a_postcode_of_the_chosen_country_is_its_area(typed, country, near, label):
    place = resolve_place(typed, country=country)
    assert distance_km(place, resolve_place(near)) < 15
    assert place.label("en") == label
    assert place.population == 0


def test_a_postcode_is_named_after_a_city_of_its_own_country():
    # Kerkrade's 6461 lies by Aachen; the Dutch postcode is named after a Dutch town.
    place = resolve_place("6461", country="NL")
    assert place.country == "NL"
    assert place.name != "Aachen"


def test_a_postcode_read_twice_is_read_from_memory():
    resolve_place("80331", country="DE")
    started = time.perf_counter()
    for _ in range(100):
        resolve_place("80331", country="DE")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("country", "typed", "key"),
    [
        ("GB", "SW1A 1AA", "SW1A"),
        ("GB", "e1 6an", "E1"),
        ("GB", "EC1A1BB", "EC1A"),
        ("GB", "1AA", ""),
        ("CA", "K1A 0B1", "K1A"),
        ("CA", "K1A", "K1A"),
        ("NL", "1012 AB", "1012"),
        ("NL", "1012", "1012"),
        ("IE", "D02 X285", "D02"),
        ("IE", "D6W", "D6W"),
        ("KR", "48058", "48058"),
        ("KR", "480-58", "48058"),
        ("KR", "4805", ""),
        ("JP", "123-4567", "1234567"),
        ("JP", "〒123-4567", "1234567"),
        ("DE", "D-10117", "10117"),
        ("CH", "CH-3003", "3003"),
        ("PT", "1100-148", "1100"),
        ("DE", "<script>", ""),
        ("DE", "1" * 30, ""),
        ("DE", None, ""),
    ],
)
def test_postcodes_are_read_as_the_country_writes_them(country, typed, key):
    assert postcode_key(country, typed) == key


def test_coordinates_are_kept_and_named_after_the_nearest_city():
    place = resolve_place("42.05, -87.69")
    assert (place.latitude, place.longitude) == (42.05, -87.69)
    assert (place.country, place.region) == ("US", "IL")
    assert distance_km(place, resolve_place("Evanston")) < 10
    assert resolve_place("35.18 129.08").country == "KR"
    assert nearest_city(37.57, 126.98).name == "Seoul"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "x" * 10_000,
        "Chicago" * 40,
        "Chi\x00cago",
        "Chicago\x1b[31m",
        "\u0085Chicago",
        "asdfghjkl",
        "!!!",
        "-",
        "91, 10",
        "45, 190",
        None,
        12,
        ["Chicago"],
    ],
)
def test_empty_garbage_and_hostile_input_finds_nothing_and_raises_no_other_error(typed):
    assert find_places(typed) == []
    with pytest.raises(NoPlaceFound):
        resolve_place(typed)


def test_great_circle_distances():
    seoul, busan = resolve_place("Seoul"), resolve_place("Busan")
    assert 320 < distance_km(seoul, busan) < 330
    assert distance_km(seoul, busan) == pytest.approx(distance_km(busan, seoul))
    assert distance_km(seoul, seoul) == 0
    assert great_circle_km(37.5665, 126.978, 35.1796, 129.0756) == pytest.approx(325, abs=3)
    new_york = resolve_place("New York")
    assert 11_000 < distance_km(seoul, new_york) < 11_100


def test_by_distance_puts_the_nearest_first():
    evanston = resolve_place("Evanston")
    offices = [resolve_place(name) for name in ("Washington", "Milwaukee", "Chicago")]
    ordered = [place.name for _km, place in by_distance(evanston, offices)]
    assert ordered == ["Chicago", "Milwaukee", "Washington"]
    assert offices[0].region == "DC"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Evanston", "America/Chicago"),
        ("서울", "Asia/Seoul"),
        ("60201", "America/Chicago"),
        ("34.05, -118.24", "America/Los_Angeles"),
        ("Munich", "Europe/Berlin"),
    ],
)
def test_a_place_knows_its_time_zone(typed, zone):
    assert resolve_place(typed).time_zone == zone
