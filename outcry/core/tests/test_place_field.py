"""A place field answers what a supporter typed: the place, or why not, in English and Korean."""

import pytest
from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from outcry.core.forms import PlaceField
from outcry.core.middleware import PermissionsPolicyMiddleware, allow_geolocation


class PlaceForm(forms.Form):
    place = PlaceField(label="Where are you?")


class OptionalPlaceForm(forms.Form):
    place = PlaceField(required=False)


def errors_of(data: dict, language: str) -> list[str]:
    with translation.override(language):
        form = PlaceForm(data)
        assert not form.is_valid()
        return list(form.errors["place"])  # in this language: the messages are lazy


@pytest.mark.parametrize("typed", ["부산", "Busan", "Busan, KR"])
def test_a_place_is_cleaned_to_its_coordinates_and_country(typed):
    form = PlaceForm({"place": typed})
    assert form.is_valid(), form.errors
    place = form.cleaned_data["place"]
    assert (place.name, place.country) == ("Busan", "KR")
    assert 35 < place.latitude < 35.3 and 129 < place.longitude < 129.2


def test_an_empty_optional_field_is_none_and_a_required_one_says_so():
    form = OptionalPlaceForm({"place": "  "})
    assert form.is_valid() and form.cleaned_data["place"] is None
    assert errors_of({"place": ""}, "en") == ["This field is required."]


def test_a_shared_name_lists_the_candidates_in_english():
    [message] = errors_of({"place": "Springfield"}, "en")
    assert message.startswith("Several places are called “Springfield”: Springfield, MO, United ")
    assert "Springfield, IL, United States" in message
    assert "Please add the country or US state, for example “Springfield, MO”." in message


def test_a_shared_name_lists_the_candidates_in_korean():
    [message] = errors_of({"place": "Springfield"}, "ko")
    assert "“Springfield”(이)라는 곳이 여러 군데 있습니다" in message
    assert "Springfield, IL, 미국" in message
    assert "“Springfield, MO”" in message
    assert "United States" not in message


@pytest.mark.parametrize(
    ("typed", "english", "korean"),
    [
        ("Xyzzyville", "We found no place called “Xyzzyville”.", "“Xyzzyville”(이)라는 곳을 찾지"),
        (
            "48058",
            "We can look up US ZIP codes only.",
            "우편번호는 미국 ZIP 코드만 찾을 수 있습니다.",
        ),
        ("SW1A 1AA", "We can look up US ZIP codes only.", "미국 ZIP 코드만"),
        ("Route 66", "We found no place called “Route 66”.", "“Route 66”(이)라는 곳을 찾지"),
        ("Chi\x00cago", "invisible control characters", "보이지 않는 제어 문자"),
        ("x" * 10_000, "at most 200 characters", "200"),
        ("91, 200", "“91, 200” are not coordinates on Earth", "지구 위의 좌표가 아닙니다"),
        ("-12.5, 300", "the longitude from -180 to 180", "경도는 -180에서 180까지"),
        ("0, -140", "We know no town near “0, -140”.", "“0, -140” 근처에서 아는 도시가 없습니다"),
    ],
)
def test_what_finds_nothing_is_explained_in_both_languages(typed, english, korean):
    [in_english] = errors_of({"place": typed}, "en")
    [in_korean] = errors_of({"place": typed}, "ko")
    assert english in in_english
    assert korean in in_korean


def test_the_field_offers_its_help_and_the_browser_a_city_autocomplete():
    with translation.override("ko"):
        html = str(PlaceForm()["place"])
        help_text = str(PlaceForm().fields["place"].help_text)
    assert 'autocomplete="address-level2"' in html
    assert 'maxlength="200"' in html
    assert help_text == "도시나 읍의 이름(영어 또는 그 나라 말), 또는 미국 ZIP 코드를 입력하세요."


def test_only_a_page_that_offers_near_me_lets_the_browser_locate_the_visitor():
    request = RequestFactory().get("/en/events/")

    def plain(request):
        return HttpResponse("ok")

    near_me = PermissionsPolicyMiddleware(allow_geolocation(plain))(request)
    elsewhere = PermissionsPolicyMiddleware(plain)(request)
    assert "geolocation=(self)" in near_me["Permissions-Policy"]
    assert "geolocation=()" in elsewhere["Permissions-Policy"]
    assert near_me["Permissions-Policy"] == settings.PERMISSIONS_POLICY.replace(
        "geolocation=()", "geolocation=(self)"
    )
    assert "camera=()" in near_me["Permissions-Policy"]


def test_the_near_me_button_is_hidden_without_javascript_and_names_its_field():
    with translation.override("ko"):
        html = Template(
            '{% include "_field.html" with field=form.place %}'
            '{% include "core/_near_me.html" with field=form.place %}'
        ).render(Context({"form": PlaceForm()}))
    assert 'id="id_place"' in html
    assert '<button type="button" class="secondary" data-near-me="id_place" hidden>' in html
    assert "내 위치 사용" in html
    assert 'data-failed="브라우저가 위치를 알려 주지 않았습니다.' in html


class GermanPlaceForm(forms.Form):
    place = PlaceField(country="DE")


class IsraeliPlaceForm(forms.Form):
    place = PlaceField(country="IL")


def test_a_field_for_one_country_takes_its_postcodes():
    form = GermanPlaceForm({"place": "10117"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["place"].label("en") == "10117 Mitte, Germany"


@pytest.mark.parametrize(
    ("form_class", "typed", "english", "korean"),
    [
        (GermanPlaceForm, "00000", "We know no postcode “00000” in this country.", "“00000”"),
        (IsraeliPlaceForm, "9414201", "We cannot look up this country's postcodes.", "우편번호"),
    ],
)
def test_a_postcode_we_do_not_know_is_explained(form_class, typed, english, korean):
    for language, words in [("en", english), ("ko", korean)]:
        with translation.override(language):
            form = form_class({"place": typed})
            assert not form.is_valid()
            [message] = form.errors["place"]
        assert words in message
        assert "ZIP" not in message
