# ruff: noqa: F811 - fixtures are imported from tests/e2e and outcry.letters.testing
"""A supporter in Seoul pledges to fast on a day she chooses, in Korean, in a real browser.

The form starts at her own time zone; she asks for reminders, confirms from the email a
real SMTP server received, sees the count of people standing together grow (also on a
page already open, refreshed by pledges.js), and stops the reminders from the link in
the email. A visitor in Los Angeles gets the form on Los Angeles' clock.
"""

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from outcry.letters.testing import mail_server  # noqa: F401 - fixture
from tests.e2e.conftest import browser  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

FAST = "가족들과 함께 하루 금식하기"


@pytest.fixture
def demo(live_server, mail_server):
    call_command("load_demo", quiet_login=True, stdout=StringIO(), stderr=StringIO())
    return live_server


@pytest.fixture
def seoul(browser):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    yield context
    context.close()


def links_in(message) -> dict[str, str]:
    text = message.get_body(("plain",)).get_content()
    words = [word for word in text.split() if word.startswith("http")]
    return {
        "confirm": next(urlsplit(w).path for w in words if "/confirm/" in w),
        "stop": next(urlsplit(w).path for w in words if "/pledges/reminders/" in w),
    }


def test_a_supporter_in_seoul_pledges_to_fast_confirms_and_stops_the_reminders(
    demo, mail_server, seoul
):
    watching = seoul.new_page()  # the campaign page, left open in another tab
    watching.clock.install()
    watching.goto(demo.url + "/ko/c/save-my-friend/")
    expect(watching.get_by_role("article", name=FAST)).to_contain_text("3명이 함께합니다")

    page = seoul.new_page()
    page.goto(demo.url + "/ko/c/save-my-friend/")
    fast = page.get_by_role("article", name=FAST)
    expect(fast.get_by_label("내 시간대")).to_have_value("Asia/Seoul")
    fast.get_by_label("이름").fill("김민지")
    fast.get_by_label("이메일 주소").fill("minji@example.org")
    fast.get_by_label("어느 날 금식하시겠어요?").select_option(index=2)
    chosen = fast.get_by_label("어느 날 금식하시겠어요?").locator("option:checked").inner_text()
    fast.get_by_label("이메일로 알림 받기").check()
    fast.get_by_role("button", name="이 서약에 참여하기").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("서약해 주셔서 감사합니다")

    [message] = mail_server.inbox.messages()
    assert message["To"] == "minji@example.org"
    assert message["Subject"].strip() == f"서약을 확인해 주세요: {FAST}"
    body = message.get_body(("plain",)).get_content()
    assert f"{chosen}에 금식합니다." in body
    assert "오후 6:00(Asia/Seoul)에 이메일로 알려 드립니다." in body
    links = links_in(message)

    page.goto(demo.url + links["confirm"])
    expect(page.locator(".pledge-facts")).to_contain_text(f"{chosen}에 금식합니다.")
    page.get_by_role("button", name="서약 확인하기").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("서약이 확인되었습니다")
    expect(page.locator("p.together")).to_have_text("4명이 함께합니다")

    # The open tab catches up within 30 seconds, without a reload.
    watching.clock.fast_forward(31_000)
    expect(watching.get_by_role("article", name=FAST)).to_contain_text("4명이 함께합니다")

    page.goto(demo.url + links["stop"])
    expect(page.get_by_role("heading", level=1)).to_have_text("알림 그만 받기")
    page.get_by_role("button", name="알림 그만 받기").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("알림이 중단되었습니다")
    expect(page.get_by_role("status")).to_contain_text("서약은 계속 집계됩니다")


def test_the_form_starts_on_the_visitors_own_clock(demo, browser):
    context = browser.new_context(locale="en-US", timezone_id="America/Los_Angeles")
    page = context.new_page()
    page.goto(demo.url + "/en/c/save-my-friend/")
    prayer = page.get_by_role("article", name="Pray for them every day")
    expect(prayer.get_by_label("Your time zone")).to_have_value("America/Los_Angeles")
    context.close()
