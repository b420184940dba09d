"""Attacks on issue 14's composer changes: "write to this office" (?office=) as a stranger
would craft it, through the composer's "whom you write to" step."""

import pytest
from django.urls import reverse

from outcry.directory.models import ZipDistrict
from outcry.directory.testing import make_target
from outcry.testing import make_letter_action

pytestmark = pytest.mark.django_db


def compose_url(action) -> str:
    return reverse("letters:compose", args=[action.slug])


def test_office_cannot_add_a_legislator_outside_the_supporters_district(client):
    """A US Congress action writes to the supporter's own members: ?office= names none else."""
    ZipDistrict.objects.create(zcta="21201", state="MD", district=3)
    mine = make_target(
        name="Representative Sarbanes",
        category="legislator",
        represents="",
        region="MD",
        district=3,
        channels={"email": "sarbanes@house.example"},
    )
    other = make_target(
        name="Representative Faraway",
        category="legislator",
        represents="",
        region="CA",
        district=12,
        channels={"email": "faraway@house.example"},
    )
    action = make_letter_action(selection="us_congress", targets=[mine, other], channels="email")
    sender = {
        "name": "Ana",
        "email": "ana@example.org",
        "zip_code": "21201",
        "office": str(other.pk),
        "goto": "targets",
    }
    content = client.post(compose_url(action), sender).content.decode()
    assert f'id="target-{mine.pk}" checked' in content
    assert "Faraway" not in content
    assert f'id="target-{other.pk}"' not in content


def test_office_cannot_add_another_states_mission_to_a_nearest_mission_action(client):
    """China's action on a list that also holds Russia's embassy: ?office= cannot pick it."""
    berlin = make_target(
        name="Embassy of China in Germany",
        country="DE",
        city="Berlin",
        channels={"email": "de@mfa.gov.cn"},
    )
    russia = make_target(
        name="Embassy of Russia in Germany",
        country="DE",
        city="Berlin",
        represents="RU",
        channels={"email": "de@mid.ru"},
    )
    action = make_letter_action(
        selection="nearest_mission", represents="CN", targets=[berlin, russia], channels="email"
    )
    sender = {
        "name": "Lena",
        "email": "lena@example.org",
        "country": "FR",
        "city": "Paris",
        "office": str(russia.pk),
        "goto": "targets",
    }
    content = client.post(compose_url(action), sender).content.decode()
    assert "Embassy of Russia" not in content
    assert f'id="target-{russia.pk}"' not in content
