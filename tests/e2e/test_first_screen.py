"""The campaign page's first screen on a phone and a desktop: an action before any scrolling.

A new supporter lands on the demo campaign from a shared link. Without scrolling
they see the picture (with its description), the summary, how far the petition
is from its next milestone, and a button that takes them to the sign form; the
letter is one tap away. It works the same with JavaScript off.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SIZES = {"phone": (360, 640), "desktop": (1280, 800)}


@pytest.fixture
def demo(live_server):
    call_command("load_demo", quiet_login=True)
    return live_server


def in_first_screen(locator, height: int) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


WORDS = {
    "en": ("Thirty-one candles", "Take action", "Sign the petition", "Write a letter"),
    "ko": ("어둠 속에 타오르는 촛불", "행동하기", "청원에 서명하기", "편지 쓰기"),
}


@pytest.mark.parametrize("language", WORDS)
@pytest.mark.parametrize("size", SIZES)
def test_the_sign_button_and_the_letter_are_in_the_first_screen(demo, browser, size, language):
    width, height = SIZES[size]
    alt, nav, sign_text, letter_text = WORDS[language]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    page = context.new_page()
    page.goto(demo.url + f"/{language}/c/save-my-friend/")
    picture = page.get_by_role("img", name=alt)
    expect(picture).to_be_visible()
    shortcuts = page.get_by_role("navigation", name=nav)
    sign = shortcuts.get_by_role("link", name=sign_text)
    letter = shortcuts.get_by_role("link", name=letter_text)
    assert in_first_screen(sign, height) and in_first_screen(letter, height)
    # The picture keeps its place while it loads: width and height are in the HTML.
    assert picture.get_attribute("width") and picture.get_attribute("height")
    letter.click()
    expect(page).to_have_url(demo.url + f"/{language}/letters/write-to-chinas-missions/")
    context.close()


def test_without_javascript_the_button_leads_to_the_sign_form_in_korean(demo, browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 640}, locale="ko-KR", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(demo.url + "/ko/c/save-my-friend/")
    expect(page.get_by_text("처음 서명하는 100명이 되어 주세요.").first).to_be_visible()
    page.get_by_role("navigation", name="행동하기").get_by_role(
        "link", name="청원에 서명하기"
    ).click()
    form = page.locator("form.sign")
    expect(form.get_by_role("textbox").first).to_be_in_viewport()
    # Korean lines break between words, never inside one.
    assert page.locator("h1").evaluate("e => getComputedStyle(e).wordBreak") == "keep-all"
    context.close()
