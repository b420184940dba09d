"""The plain map: inline SVG from bundled geography, drawn by the `world_map` template tag."""

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from django.template import Context, Template

from outcry.core.worldmap import MapPoint, world_map

SVG = "{http://www.w3.org/2000/svg}"


def render(points, title="Events near you", fit=False) -> str:
    template = Template("{% load maps %}<div>{% world_map points title=title fit=fit %}</div>")
    return template.render(Context({"points": points, "title": title, "fit": fit}))


def parse(html: str) -> ET.Element:
    return ET.fromstring(html)[0]  # noqa: S314 (our own markup, parsed to check it)


def view_box(svg: ET.Element) -> tuple[float, float, float, float]:
    x, y, width, height = map(float, svg.get("viewBox").split())
    return x, y, width, height


def test_the_world_map_is_small_svg_with_a_title_and_each_point_a_titled_link():
    html = render(
        [
            MapPoint(37.57, 126.98, "Seoul: daily vigil", "/en/events/seoul/"),
            MapPoint(41.88, -87.63, "Chicago protest", "/en/events/chicago/"),
        ]
    )
    assert len(html.encode()) < 30_000
    svg = parse(html)
    assert svg.tag == f"{SVG}svg"
    title_id = svg.get("aria-labelledby")
    assert svg.find(f"{SVG}title").get("id") == title_id
    assert svg.find(f"{SVG}title").text == "Events near you"
    links = svg.findall(f".//{SVG}a")
    assert [link.get("href") for link in links] == ["/en/events/seoul/", "/en/events/chicago/"]
    assert [link.get("aria-label") for link in links] == ["Seoul: daily vigil", "Chicago protest"]
    assert [link.find(f"{SVG}circle/{SVG}title").text for link in links] == [
        "Seoul: daily vigil",
        "Chicago protest",
    ]
    land = svg.find(f"{SVG}path")
    assert land.get("d").startswith("M") and land.get("d").count("z") > 50


def test_points_sit_where_their_coordinates_are():
    svg = parse(render([MapPoint(37.57, 126.98, "Seoul"), MapPoint(-33.87, 151.21, "Sydney")]))
    seoul, sydney = svg.findall(f".//{SVG}circle")
    x0, y0, width, height = view_box(svg)
    # Equirectangular: x grows eastward with longitude, y southward as latitude falls.
    assert float(seoul.get("cx")) < float(sydney.get("cx"))
    assert float(seoul.get("cy")) < float(sydney.get("cy"))
    for circle in (seoul, sydney):
        assert x0 <= float(circle.get("cx")) <= x0 + width
        assert y0 <= float(circle.get("cy")) <= y0 + height


def test_the_map_asks_no_other_host_for_anything():
    html = render([MapPoint(37.57, 126.98, "Seoul", "/en/events/seoul/")])
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<image" not in html and "url(" not in html and "<script" not in html


def test_labels_are_escaped_and_only_paths_and_web_addresses_are_linked():
    html = render(
        [
            MapPoint(37.57, 126.98, '<script>alert(1)</script> & "vigil"', "javascript:alert(1)"),
            MapPoint(35.18, 129.08, "Busan", "//evil.example/"),
            MapPoint(41.88, -87.63, "Chicago", "https://example.org/chicago"),
        ]
    )
    assert "<script>" not in html and "javascript:" not in html and "//evil" not in html
    svg = parse(html)
    assert [link.get("href") for link in svg.findall(f".//{SVG}a")] == [
        "https://example.org/chicago"
    ]
    unlinked = svg.findall(f".//{SVG}g[@role='img']")
    assert unlinked[0].get("aria-label") == '<script>alert(1)</script> & "vigil"'


@dataclass
class Office:
    name: str
    latitude: float | None
    longitude: float | None

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/en/offices/{self.name.lower()}/"


def test_anything_with_coordinates_is_a_point_and_a_point_without_them_is_left_out():
    offices = [
        Office("Seoul", 37.57, 126.98),
        Office("Busan", 35.18, 129.08),
        Office("Nowhere", None, None),
        {"latitude": "bad", "longitude": 3, "label": "Broken"},
        {"latitude": 95, "longitude": 3, "label": "Off the map"},
    ]
    svg = parse(render(offices))
    assert [link.get("href") for link in svg.findall(f".//{SVG}a")] == [
        "/en/offices/seoul/",
        "/en/offices/busan/",
    ]
    assert len(svg.findall(f".//{SVG}circle")) == 2


def test_fit_frames_the_points_with_less_land_to_draw():
    korea = [MapPoint(37.57, 126.98, "Seoul"), MapPoint(35.18, 129.08, "Busan")]
    world_html, korea_html = render(korea), render(korea, fit=True)
    x0, y0, width, height = view_box(parse(korea_html))
    assert width < 400 and height < 300  # map units are tenths of a degree
    for circle in parse(korea_html).findall(f".//{SVG}circle"):
        assert x0 < float(circle.get("cx")) < x0 + width
        assert y0 < float(circle.get("cy")) < y0 + height
    assert len(korea_html) < len(world_html) / 2


def test_an_empty_map_is_the_world():
    svg = parse(render(None, title="Where we are"))
    assert svg.findall(f".//{SVG}circle") == []
    assert view_box(svg) == (0, 60, 3600, 1440)


def test_a_region_leaves_out_the_points_beyond_it():
    html = (
        "<div>"
        + world_map(
            [MapPoint(37.57, 126.98, "Seoul", "/s/"), MapPoint(41.88, -87.63, "Chicago", "/c/")],
            title="Korea",
            bounds=(120, 30, 135, 42),
        )
        + "</div>"
    )
    svg = parse(html)
    assert [link.get("aria-label") for link in svg.findall(f".//{SVG}a")] == ["Seoul"]
    assert view_box(svg) == (3000, 480, 150, 120)
