"""'Use my location' (core/_near_me.html with site.js) fills a place field, or says why not.

No page of outcry offers it yet (events and the directory will), so the field and the
include are rendered by Django's templates into a file that loads the real site.js.
"""

from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.utils import translation
from playwright.sync_api import expect

from outcry.core.forms import PlaceField
from outcry.core.places import resolve_place

pytestmark = pytest.mark.e2e

SITE_JS = Path(settings.BASE_DIR) / "outcry" / "static" / "outcry" / "site.js"


class PlaceForm(forms.Form):
    place = PlaceField()


@pytest.fixture
def form_page(tmp_path) -> str:
    with translation.override("ko"):
        html = Template(
            '<!doctype html><html lang="ko"><body><form method="get">'
            '{% include "_field.html" with field=form.place %}'
            '{% include "core/_near_me.html" with field=form.place %}'
            '</form><script src="{{ site_js }}"></script></body></html>'
        ).render(Context({"form": PlaceForm(), "site_js": SITE_JS.as_uri()}))
    path = tmp_path / "near-me.html"
    path.write_text(html, encoding="utf-8")
    return path.as_uri()


def test_the_button_fills_the_field_with_the_position_to_a_kilometre_and_sends_the_form(
    browser, form_page
):
    context = browser.new_context(
        geolocation={"latitude": 42.054631, "longitude": -87.694312},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(form_page)
    page.evaluate(
        "document.querySelector('form').addEventListener('submit', event => {"
        " event.preventDefault(); window.sent = document.getElementById('id_place').value; })"
    )
    page.get_by_role("button", name="내 위치 사용").click()
    page.wait_for_function("window.sent")
    sent = page.evaluate("window.sent")
    context.close()
    assert sent == "42.05, -87.69"
    place = resolve_place(sent)
    assert (place.name, place.region) == ("Evanston", "IL")


def test_a_visitor_who_says_no_is_asked_to_type_a_place(browser, form_page):
    context = browser.new_context()  # no permission granted: the browser refuses
    page = context.new_page()
    page.goto(form_page)
    page.get_by_role("button", name="내 위치 사용").click()
    expect(page.get_by_role("status")).to_have_text(
        "브라우저가 위치를 알려 주지 않았습니다. 대신 장소를 입력해 주세요."
    )
    context.close()


def test_without_javascript_there_is_no_button_only_the_field(page_without_javascript, form_page):
    page_without_javascript.goto(form_page)
    expect(page_without_javascript.get_by_role("textbox")).to_be_visible()
    expect(page_without_javascript.locator("[data-near-me]")).to_be_hidden()
