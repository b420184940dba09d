"""Targets' names per language: the fallback, the template filter, the admin inline."""

import pytest
from django.db import IntegrityError
from django.template import Context, Template

from outcry.core.models import AuditEvent
from outcry.directory.models import Target, TargetName, prefetch_names
from outcry.directory.testing import make_target
from outcry.directory.tests.test_admin import change_url, form_of, report_url
from outcry.testing import make_organisation, make_organiser

SEOUL = "Embassy of the People's Republic of China in the Republic of Korea"


@pytest.fixture
def seoul(db):
    return make_target(
        name=SEOUL,
        country="KR",
        city="Seoul",
        names={"ko": "주한 중국대사관", "zh-hans": "中华人民共和国驻大韩民国大使馆"},
    )


def test_name_in_a_language_falls_back_to_the_targets_own(seoul):
    assert seoul.name_in("ko") == "주한 중국대사관"
    assert seoul.name_in("ko-KR") == "주한 중국대사관"
    assert seoul.name_in("zh-hans") == "中华人民共和国驻大韩民国大使馆"
    assert seoul.name_in("en") == SEOUL
    assert seoul.name_in("ja") == SEOUL
    assert seoul.name_in("") == SEOUL
    with pytest.raises(IntegrityError):
        TargetName.objects.create(target=seoul, language="ko", name="주한국 중국대사관")


def test_names_of_a_list_come_in_one_query(seoul, django_assert_num_queries):
    make_target(name="Embassy in Tokyo", country="JP", names={"ko": "주일 중국대사관"})
    make_target(name="Embassy in Berlin", country="DE")
    with django_assert_num_queries(2):
        names = [t.name_in("ko") for t in Target.objects.with_names().order_by("country")]
    assert names == ["Embassy in Berlin", "주일 중국대사관", "주한 중국대사관"]
    targets = list(Target.objects.order_by("country"))
    with django_assert_num_queries(1):
        prefetch_names(targets)
        assert [t.name_in("zh-hans") for t in targets][2] == "中华人民共和国驻大韩民国大使馆"


def test_the_template_filter_shows_the_name_in_the_pages_language(seoul):
    template = Template("{% load targets %}{{ target|name_in:LANGUAGE_CODE }}")
    assert template.render(Context({"target": seoul, "LANGUAGE_CODE": "ko"})) == "주한 중국대사관"
    assert template.render(Context({"target": seoul, "LANGUAGE_CODE": "en"})) == (
        "Embassy of the People&#x27;s Republic of China in the Republic of Korea"
    )


def test_the_report_page_names_the_office_in_korean(client, seoul):
    response = client.get(report_url(seoul, "ko"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>주한 중국대사관</strong>" in html
    english = client.get(report_url(seoul, "en"))
    assert "Republic of Korea</strong>" in english.content.decode()


def _name_rows(data: dict) -> dict[str, str]:
    return {key: value for key, value in data.items() if key.startswith("names-")}


def test_a_superuser_adds_changes_and_deletes_names_and_each_is_audited(
    client, django_user_model, seoul
):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "pw"))
    data = form_of(client, change_url(seoul))
    rows = _name_rows(data)
    assert rows["names-TOTAL_FORMS"] == "2"
    ko = next(k.split("-")[1] for k, v in rows.items() if k.endswith("-language") and v == "ko")
    zh = "1" if ko == "0" else "0"
    data[f"names-{ko}-name"] = "주한국 중국대사관"
    data[f"names-{zh}-DELETE"] = "on"
    data.update({"names-TOTAL_FORMS": "3", "names-2-language": "en", "names-2-name": "PRC Embassy"})
    response = client.post(change_url(seoul), data)
    assert response.status_code == 302, response.content.decode()[:3000]

    assert dict(seoul.names.values_list("language", "name")) == {
        "ko": "주한국 중국대사관",
        "en": "PRC Embassy",
    }
    events = {e.action: e.details for e in AuditEvent.objects.all()}
    assert set(events) == {"target-name-add", "target-name-change", "target-name-delete"}
    assert events["target-name-change"]["changes"] == {
        "name": ["주한 중국대사관", "주한국 중국대사관"]
    }
    assert events["target-name-delete"]["language"] == "zh-hans"
    assert events["target-name-add"]["target_id"] == seoul.pk


@pytest.mark.parametrize("role", ["other organisation", "organisation using the target"])
def test_an_organiser_cannot_change_a_targets_names(client, seoul, role):
    organiser = make_organiser(organisation=make_organisation(name="Beta Rights"), username="beta")
    client.force_login(organiser)
    page = client.get(change_url(seoul))
    assert page.status_code == 200  # they read the directory
    assert 'name="names-0-name"' not in page.content.decode()
    response = client.post(
        change_url(seoul),
        {
            "name": "Renamed",
            "country": "KR",
            "names-TOTAL_FORMS": "1",
            "names-INITIAL_FORMS": "0",
            "names-0-language": "ko",
            "names-0-name": "바뀐 이름",
        },
    )
    assert response.status_code == 403
    assert dict(seoul.names.values_list("language", "name"))["ko"] == "주한 중국대사관"
    assert not AuditEvent.objects.exists()
