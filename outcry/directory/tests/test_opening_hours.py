"""An office's opening hours: set in the admin, read on the directory pages and in JSON-LD."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from outcry.core.models import AuditEvent
from outcry.directory.hours import EN_DASH
from outcry.directory.models import Target
from outcry.directory.testing import make_target, make_target_list
from outcry.directory.tests.test_admin import change_url, form_of
from outcry.testing import make_organisation, make_organiser

pytestmark = pytest.mark.django_db

LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def berlin():
    target = make_target(
        name="Embassy of the People's Republic of China in Germany",
        country="DE",
        city="Berlin",
        channels={"phone": "+493027588"},
        opening_hours="Mo-Fr 09:00-12:00 14:00-16:00; Sa 10:00-12:00",
    )
    make_target_list(targets=[target])
    return target


def page(client, target: Target, language: str) -> str:
    with translation.override(language):
        url = reverse("directory:office", args=[target.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def en_dashed(text: str) -> str:
    return text.replace("-", EN_DASH)


def test_the_hours_read_in_english_and_korean(client, berlin):
    content = page(client, berlin, "en")
    assert "<dt>Opening hours</dt>" in content
    assert en_dashed("Monday-Friday: 09:00-12:00, 14:00-16:00<br>Saturday: 10:00-12:00") in content
    content = page(client, berlin, "ko")
    assert "<dt>업무 시간</dt>" in content
    assert en_dashed("월요일-금요일: 09:00-12:00, 14:00-16:00<br>토요일: 10:00-12:00") in content


def test_the_hours_are_the_offices_opening_hours_in_json_ld(client, berlin):
    [data] = [json.loads(block) for block in LD_JSON.findall(page(client, berlin, "ko"))]
    assert data["openingHours"] == ["Mo-Fr 09:00-12:00", "Mo-Fr 14:00-16:00", "Sa 10:00-12:00"]
    Target.objects.filter(pk=berlin.pk).update(opening_hours="Mo,We-Th 09:30-11:30")
    [data] = [json.loads(block) for block in LD_JSON.findall(page(client, berlin, "en"))]
    assert data["openingHours"] == "Mo,We-Th 09:30-11:30"


@pytest.mark.parametrize("hours", ["", "Mo-Fr 9-12", "whenever"])
def test_an_office_without_readable_hours_shows_none(client, berlin, hours):
    # The admin refuses "whenever"; an old row or an import might still hold it.
    Target.objects.filter(pk=berlin.pk).update(opening_hours=hours)
    content = page(client, berlin, "en")
    assert "Opening hours" not in content
    assert "openingHours" not in content


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "pw"))
    return client


def test_a_superuser_sets_the_hours_and_the_change_is_audited(superuser_client, berlin):
    data = form_of(superuser_client, change_url(berlin))
    assert data["opening_hours"] == "Mo-Fr 09:00-12:00 14:00-16:00; Sa 10:00-12:00"
    data["opening_hours"] = "Mo-Fr 09:00-12:00"
    response = superuser_client.post(change_url(berlin), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    berlin.refresh_from_db()
    assert berlin.opening_hours == "Mo-Fr 09:00-12:00"
    event = AuditEvent.objects.get()
    assert event.details["changes"]["opening_hours"] == [
        "Mo-Fr 09:00-12:00 14:00-16:00; Sa 10:00-12:00",
        "Mo-Fr 09:00-12:00",
    ]


@pytest.mark.parametrize("hours", ["Mo-Fr 9-12", "Monday 09:00-12:00", "Mo 12:00-09:00", "Mo"])
def test_hours_schema_org_cannot_read_are_refused(superuser_client, berlin, hours):
    data = form_of(superuser_client, change_url(berlin))
    data["opening_hours"] = hours
    response = superuser_client.post(change_url(berlin), data)
    assert response.status_code == 200
    assert "is not opening hours as schema.org writes them" in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_an_organiser_reads_the_hours_but_cannot_change_them(client, berlin):
    client.force_login(make_organiser(organisation=make_organisation(name="Alpha"), username="a"))
    data = form_of(client, change_url(berlin))
    assert "opening_hours" not in data  # shown as text, not a field
    assert (
        "Mo-Fr 09:00-12:00 14:00-16:00; Sa 10:00-12:00"
        in client.get(change_url(berlin)).content.decode()
    )
    data["opening_hours"] = "Mo 09:00-10:00"
    assert client.post(change_url(berlin), data).status_code == 403
    berlin.refresh_from_db()
    assert berlin.opening_hours.startswith("Mo-Fr")
