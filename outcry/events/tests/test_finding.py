"""Finding events near a place typed on the list page, offline, without JavaScript.

The data is the demo's kind: protests at China's missions in US cities, a vigil in
Seoul, and a day of action with local events in several countries.
"""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine

from outcry.events.testing import at, make_day_of_action, make_event

NOW = datetime(2027, 3, 10, 0, 0, tzinfo=UTC)
SOON = NOW.date() + timedelta(days=5)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def visible(html: str) -> str:
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    html = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&amp;", "&").split())


# name: (zone, country, venue, latitude, longitude, title, Korean title, on the day of action)
EVENTS = {
    "chicago": (
        "America/Chicago",
        "US",
        "Consulate General of China in Chicago",
        "41.89290",
        "-87.62100",
        "Chicago: protest at the Chinese Consulate",
        "시카고: 중국 총영사관 앞 시위",
        True,
    ),
    "detroit": (
        "America/Detroit",
        "US",
        "Hart Plaza, Detroit",
        "42.32870",
        "-83.04400",
        "Detroit: vigil",
        "디트로이트: 집회",
        True,
    ),
    "los_angeles": (
        "America/Los_Angeles",
        "US",
        "Consulate General of China in Los Angeles",
        "34.06570",
        "-118.29000",
        "Los Angeles: protest",
        "로스앤젤레스: 시위",
        False,
    ),
    "seoul": (
        "Asia/Seoul",
        "KR",
        "Across from the Chinese Embassy, Seoul",
        "37.57300",
        "126.97900",
        "Seoul: demonstration",
        "서울: 집회",
        True,
    ),
    # No coordinates: listed, but never near anything.
    "nowhere": (
        "America/Chicago",
        "US",
        "Somewhere in Chicago",
        None,
        None,
        "Chicago: a gathering without an address yet",
        "시카고: 장소 미정 모임",
        False,
    ),
}


@pytest.fixture
def events(campaign):
    """Each of EVENTS at noon on its clock on SOON, and the day of action most belong to."""
    day = make_day_of_action(campaign=campaign, day=SOON, title="Worldwide day of action")
    made = {"day": day}
    for name, (zone, country, venue, lat, lon, title, title_ko, on_day) in EVENTS.items():
        made[name] = make_event(
            campaign=campaign,
            starts=at(SOON, 12),
            time_zone=zone,
            country=country,
            venue=venue,
            latitude=lat,
            longitude=lon,
            title=title,
            title_ko=title_ko,
            day_of_action=day if on_day else None,
        )
    return made


def find(client, campaign, language="en", **params) -> str:
    response = client.get(f"/{language}/c/{campaign.slug}/events/?{urlencode(params)}")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_chicago_protest_is_found_from_evanston_within_50_km_but_not_within_10(
    client, campaign, events
):
    within_50 = visible(find(client, campaign, place="Evanston", distance=50))
    assert "1 event within 50 km of Evanston, IL, United States, nearest first" in within_50
    assert "Chicago: protest at the Chinese Consulate" in within_50
    assert re.search(
        r"Consulate General of China in Chicago, United States · 1\d km away", within_50
    )
    assert "Los Angeles: protest" not in within_50
    assert "without an address yet" not in within_50  # cannot be placed

    within_10 = visible(find(client, campaign, place="Evanston", distance=10))
    assert "No upcoming events within 10 km of Evanston, IL, United States." in within_10
    assert "Chicago: protest" not in within_10


def test_the_nearest_comes_first_with_its_distance_and_the_default_is_100_km(
    client, campaign, events
):
    text = visible(find(client, campaign, place="Evanston", distance=500))
    assert text.index("Chicago: protest") < text.index("Detroit: vigil")
    assert re.search(r"Hart Plaza, Detroit, United States · 3\d\d km away", text)
    default = find(client, campaign, place="Evanston")
    assert '<option value="100" selected>within 100 km</option>' in default
    assert "Detroit: vigil" not in visible(default)


def test_a_us_zip_code_is_a_place(client, campaign, events):
    text = visible(find(client, campaign, place="60201", distance=25))
    assert "within 25 km of 60201 Evanston, IL, United States" in text
    assert "Chicago: protest at the Chinese Consulate" in text


def test_chicago_typed_in_korean_on_the_korean_page(client, campaign, events):
    text = visible(find(client, campaign, "ko", place="시카고", distance=10))
    assert "시카고: 중국 총영사관 앞 시위" in text
    assert re.search(r"\d(\.\d)?km 거리", text)
    assert "가까운 순" in text
    assert "디트로이트" not in text


def test_near_me_coordinates_are_a_place_and_the_page_may_ask_for_them(client, campaign, events):
    response = client.get(
        f"/en/c/{campaign.slug}/events/?" + urlencode({"place": "42.05, -87.69", "distance": 50})
    )
    assert "geolocation=(self)" in response["Permissions-Policy"]
    text = visible(response.content.decode())
    assert "Chicago: protest at the Chinese Consulate" in text
    assert 'data-near-me="id_place"' in response.content.decode()


def test_a_name_several_places_share_offers_each_of_them_as_a_link(client, campaign, events):
    html = find(client, campaign, place="Springfield", distance=250)
    text = visible(html)
    assert "Several places are called “Springfield”" in text
    assert "Which of these places do you mean?" in text
    links = re.findall(r'<li><a href="([^"]+)">(Springfield, [^<]+)</a></li>', html)
    assert len(links) >= 3
    labels = [label for _url, label in links]
    assert "Springfield, IL, United States" in labels
    url = dict((label, url) for url, label in links)["Springfield, IL, United States"]
    chosen = client.get(url.replace("&amp;", "&"))
    assert chosen.status_code == 200
    # Springfield, Illinois is 290 km from the consulate in Chicago.
    assert "within 250 km of Springfield, IL, United States" in visible(chosen.content.decode())
    farther = client.get(url.replace("&amp;", "&").replace("distance=250", "distance=500"))
    assert "Chicago: protest at the Chinese Consulate" in visible(farther.content.decode())


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Xyzzyville", "We found no place called “Xyzzyville”"),
        ("Chicago" * 715, "Ensure this value has at most 200 characters (it has 5005)."),
        ("Chi\x01cago", "This contains invisible control characters. Please type it again."),
        ("Chicago\nIL", "Please write this on one line."),
        ("91, 200", "“91, 200” are not coordinates on Earth"),
        ("0, -140", "We know no town near “0, -140”."),
        ("SW1A 1AA", "We can look up US ZIP codes only."),
    ],
)
def test_a_place_that_cannot_be_found_is_a_message_and_every_event_stays_listed(
    client, campaign, events, typed, message
):
    html = find(client, campaign, place=typed, distance=50)
    text = visible(html)
    assert message in text
    assert 'role="alert"' in html
    assert "Los Angeles: protest" in text and "Seoul: demonstration" in text


def test_a_distance_not_offered_is_a_message_not_an_error(client, campaign, events):
    text = visible(find(client, campaign, place="Evanston", distance="ten"))
    assert "Select a valid choice. ten is not one of the available choices." in text
    for typed in ("Evanston", ""):
        assert (
            client.get(
                f"/en/c/{campaign.slug}/events/?place={typed}&distance=99999999999999999999"
            ).status_code
            == 200
        )


def test_the_map_has_a_point_linking_to_each_event_shown_and_is_described_by_the_list(
    client, campaign, events
):
    html = find(client, campaign, place="Evanston", distance=500)
    [svg] = re.findall(r"<svg.*?</svg>", html, re.S)
    links = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)">', svg)
    slug = campaign.slug
    assert links == [
        (
            f"/en/c/{slug}/events/{events['chicago'].pk}/?place=Evanston",
            "Chicago: protest at the Chinese Consulate (Consulate General of China in Chicago)",
        ),
        (
            f"/en/c/{slug}/events/{events['detroit'].pk}/?place=Evanston",
            "Detroit: vigil (Hart Plaza, Detroit)",
        ),
    ]
    assert re.search(r'<figure class="events-map" aria-describedby="events-map-note">', html)
    assert 'id="events-map-note"' in html
    # The whole list: a point for each event with coordinates, none for the one without.
    svg = re.findall(r"<svg.*?</svg>", find(client, campaign), re.S)[0]
    assert svg.count('class="map-point"') == 4


def test_the_day_of_action_page_maps_its_local_events(client, campaign, events):
    response = client.get(f"/en/c/{campaign.slug}/days/{events['day'].pk}/")
    html = response.content.decode()
    [svg] = re.findall(r"<svg.*?</svg>", html, re.S)
    assert svg.count('class="map-point"') == 3  # Chicago, Detroit, Seoul
    assert f'href="/en/c/{campaign.slug}/events/{events["seoul"].pk}/"' in svg


@pytest.mark.parametrize(
    "path",
    [
        "/{language}/c/{slug}/events/?place=Evanston&distance=500",
        "/{language}/c/{slug}/events/",
        "/{language}/c/{slug}/days/{day}/",
        "/{language}/c/{slug}/events/{seoul}/?place=Los+Angeles",
    ],
)
@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_pages_load_nothing_from_another_host(
    client, campaign, events, settings, path, language
):
    settings.MAP_TILES = ""
    html = client.get(
        path.format(
            language=language, slug=campaign.slug, day=events["day"].pk, seoul=events["seoul"].pk
        )
    ).content.decode()
    for tag in re.findall(
        r"<(?:script|img|link|iframe|source|image|use|style|video|audio)\b[^>]*>", html
    ):
        for url in re.findall(r'(?:src|href|srcset)="([^"]*)"', tag):
            assert not re.match(r"(?:https?:)?//", url), tag
    assert "url(" not in html


def test_times_are_also_on_the_searched_places_clock_without_javascript(client, campaign, events):
    text = visible(find(client, campaign, place="Evanston", distance=500))
    # The Detroit vigil at noon on Detroit's clock is 11 a.m. in Evanston.
    detroit = text[text.index("Detroit: vigil") :]
    assert "12:00" in detroit or "noon" in detroit
    assert "In Evanston: Monday March 15, 2027, 11 a.m.\u2013noon CDT" in detroit
    # Chicago's clock is Evanston's: nothing added.
    chicago = text[text.index("Chicago: protest") : text.index("Detroit: vigil")]
    assert "In Evanston" not in chicago


def test_an_event_and_a_day_reached_from_a_search_give_the_time_there_too(client, campaign, events):
    seoul = events["seoul"]
    detail = visible(
        client.get(f"/en/c/{campaign.slug}/events/{seoul.pk}/?place=Los+Angeles").content.decode()
    )
    assert "In Los Angeles: Sunday March 14, 2027, 8 p.m.\u20139 p.m. PDT" in detail
    korean = visible(
        client.get(f"/ko/c/{campaign.slug}/events/{seoul.pk}/?place=로스앤젤레스").content.decode()
    )
    assert "로스앤젤레스 시각: " in korean and "PDT" in korean
    day = visible(
        client.get(
            f"/en/c/{campaign.slug}/days/{events['day'].pk}/?place=Evanston"
        ).content.decode()
    )
    assert "In Evanston: Sunday March 14, 2027, 10 p.m.\u201311 p.m. CDT" in day
    assert re.search(
        r"Across from the Chinese Embassy, Seoul, South Korea · 10,\d\d\d km away", day
    )
    # An unknown place on those pages is simply not used.
    assert client.get(f"/en/c/{campaign.slug}/events/{seoul.pk}/?place=%01").status_code == 200


def test_every_page_with_times_offers_the_visitors_own_clock_to_javascript(
    client, campaign, events
):
    slug = campaign.slug
    for path in (
        f"/ko/c/{slug}/events/",
        f"/ko/c/{slug}/days/{events['day'].pk}/",
        f"/ko/c/{slug}/events/{events['seoul'].pk}/",
    ):
        html = client.get(path).content.decode()
        assert 'data-label="내 시각: %(time)s"' in html
        assert re.search(r'<script src="/static/outcry/events[^"]*\.js" defer></script>', html)
        assert (
            'class="when-at" data-zone="Asia/Seoul" data-start="2027-03-15T12:00:00+09:00"' in html
        )


def test_geonames_is_credited_beside_the_place_field(client, campaign, events):
    for language, credit in (("en", "with names from GeoNames (CC BY 4.0)"), ("ko", "GeoNames")):
        assert credit in visible(find(client, campaign, language))
