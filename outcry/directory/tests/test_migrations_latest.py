"""The directory's migrations after the move (0003 to 0006) keep every existing row.

The directory has one data migration, 0002 (content types relabelled; test_migrations.py).
0003 to 0006 add names per language, the approximate-location flag, consular districts
and opening hours to a table that already holds thousands of imported missions: each
test writes rows as they were at 0002, migrates forward as an upgrade does, and reads
them through today's models and pages; then back, as a rollback does.
"""

import pytest
from django.urls import reverse

from outcry.directory.models import Target
from outcry.directory.selection import nearest_missions
from outcry.directory.tests.helpers import migrate

BEFORE = [("directory", "0002_content_types_moved")]
LATEST = [("directory", "0006_target_opening_hours")]


@pytest.fixture
def at_0002(transactional_db):
    try:
        yield migrate(BEFORE)
    finally:
        migrate(None)


def test_existing_missions_upgrade_with_empty_new_details(at_0002, client):
    old_target = at_0002.get_model("directory", "Target")
    seoul = old_target.objects.create(
        name="Embassy of the People's Republic of China in the Republic of Korea",
        category="embassy",
        represents="CN",
        country="KR",
        city="Seoul",
        latitude=37.5622,
        longitude=126.9828,
        external_id="wikidata:Q17007157",
    )
    busan = old_target.objects.create(
        name="Consulate General of the People's Republic of China in Busan",
        category="consulate",
        represents="CN",
        country="KR",
        city="Busan",
        latitude=35.178,
        longitude=129.0746,
        is_closed=True,
    )
    old_list = at_0002.get_model("directory", "TargetList").objects.create(
        slug="prc", name="PRC missions"
    )
    old_list.targets.add(seoul, busan)

    migrate(None)

    upgraded = Target.objects.get(external_id="wikidata:Q17007157")
    assert (upgraded.pk, upgraded.name, upgraded.city) == (seoul.pk, seoul.name, "Seoul")
    assert (upgraded.latitude, upgraded.longitude) == (37.5622, 126.9828)
    assert upgraded.is_location_approximate is False
    assert upgraded.consular_district == "" and upgraded.district_regions == set()
    assert upgraded.opening_hours == ""
    assert not upgraded.names.exists()
    assert upgraded.name_in("ko") == seoul.name  # no name given yet: its own
    assert Target.objects.get(pk=busan.pk).is_closed
    # Nearest by distance again, now that no office has a district; the closed one never.
    assert nearest_missions(represents="CN", country="KR", latitude=35.1, longitude=129.0) == [
        upgraded
    ]
    response = client.get(reverse("directory:office", args=[seoul.pk]))
    assert response.status_code == 200
    assert "Opening hours" not in response.content.decode()


def test_a_rollback_to_0005_drops_only_the_opening_hours(at_0002):
    migrate(None)
    target = Target.objects.create(
        name="Embassy of the People's Republic of China in Germany",
        category="embassy",
        represents="CN",
        country="DE",
        city="Berlin",
        consular_district="BE, BB",
        opening_hours="Mo-Fr 09:00-12:00",
    )
    old = migrate([("directory", "0005_target_consular_district")])
    rolled_back = old.get_model("directory", "Target").objects.get(pk=target.pk)
    assert (rolled_back.name, rolled_back.consular_district) == (target.name, "BE, BB")
    assert not hasattr(rolled_back, "opening_hours")
    migrate(LATEST)
    assert Target.objects.get(pk=target.pk).opening_hours == ""
