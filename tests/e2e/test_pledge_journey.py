# ruff: noqa: F811 - fixtures are imported from tests/e2e and outcry.letters.testing
"""A supporter in Seoul follows a case, pledges to fast on a day she chooses, in Korean.

In a real browser: she reads the timeline of one of the people at risk, then pledges
on the campaign page. The form starts at her own time zone; she asks for reminders,
confirms from the email a real SMTP server received, sees the count of people standing
together grow (also on a page already open, refreshed by pledges.js). The evening
before her fast the reminder arrives, and she stops the reminders from its link. A
visitor in Los Angeles gets the form on Los Angeles' clock.
"""

import threading
import zoneinfo
from datetime import date, datetime, time, timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import expect

from outcry.letters.testing import mail_server  # noqa: F401 - fixture
from outcry.pledges import reminders
from outcry.testing import wait_for
from tests.e2e.conftest import browser  # noqa: F401 - fixture

pytestmark = pytest.mark.e2e

FAST = "가족들과 함께 하루 금식하기"
BOY = "형이 한국에 사는 16세 소년"
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


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


def queue_reminders_at(moment: datetime) -> int:
    """Run the reminders' periodic job as at *moment*, in a thread of its own; how many it queued.

    Playwright's sync API keeps an event loop in this thread, where Django refuses
    ORM calls; the job's own thread has none. In tests mail goes on commit, and the
    sender checks again that the reminder is due: the clock travels for both (the
    browser waits meanwhile).
    """
    result = []

    def job() -> None:
        try:
            with time_machine.travel(moment, tick=False):
                result.append(reminders.queue_reminders())
        finally:
            connection.close()

    thread = threading.Thread(target=job)
    thread.start()
    thread.join(timeout=60)
    return result[0] if result else -1


def test_a_supporter_in_seoul_follows_a_case_pledges_to_fast_and_stops_the_reminders(
    demo, mail_server, seoul
):
    page = seoul.new_page()
    page.goto(demo.url + "/ko/c/save-my-friend/")
    page.get_by_role("region", name="위험에 처한 사람들").get_by_role("link", name=BOY).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BOY)
    steps = page.get_by_role("list", name="경과").get_by_role("listitem")
    expect(steps.nth(0)).to_contain_text("체포됨")
    expect(steps.nth(1)).to_contain_text("조사 중")

    watching = seoul.new_page()  # the campaign page, left open in another tab
    watching.clock.install()
    watching.goto(demo.url + "/ko/c/save-my-friend/")
    expect(watching.get_by_role("article", name=FAST)).to_contain_text("3명이 함께합니다")

    page.locator(".breadcrumb").get_by_role(
        "link", name="탈북자 31명의 강제 북송을 막아 주세요"
    ).click()
    fast = page.get_by_role("article", name=FAST)
    expect(fast.get_by_label("내 시간대")).to_have_value("Asia/Seoul")
    fast.get_by_label("이름").fill("김민지")
    fast.get_by_label("이메일 주소").fill("minji@example.org")
    fast.get_by_label("어느 날 금식하시겠어요?").select_option(index=2)
    chosen = fast.get_by_label("어느 날 금식하시겠어요?").locator("option:checked").inner_text()
    chosen_value = fast.get_by_label("어느 날 금식하시겠어요?").input_value()
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

    # The evening before her fast, at 18:00 in Seoul, the reminder comes.
    fast_day = date.fromisoformat(chosen_value)
    assert (
        queue_reminders_at(datetime.combine(fast_day - timedelta(days=1), time(18, 1), SEOUL)) == 1
    )
    wait_for(lambda: len(mail_server.inbox.envelopes) == 2, what="the reminder", seconds=10)
    reminder = mail_server.inbox.messages()[1]
    assert reminder["To"] == "minji@example.org"
    assert reminder["Subject"].strip().startswith("알림: ")
    stop = next(
        urlsplit(word).path
        for word in reminder.get_body(("plain",)).get_content().split()
        if "/pledges/reminders/" in word
    )

    page.goto(demo.url + stop)
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
