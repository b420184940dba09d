"""A supporter in Seoul follows a case's timeline in Korean, without JavaScript.

The demo's cases are on the campaign page with days since arrest and the
countdown; the case's page lists its status changes oldest first, each with its
confidence and sources. No protected value of the demo is on any page seen.
"""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.test_sign_journey import ko

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(live_server):
    call_command("load_demo", quiet_login=True)
    return live_server


def test_a_supporter_in_seoul_follows_a_case_timeline_in_korean(demo, browser):
    context = browser.new_context(
        locale="ko-KR", timezone_id="Asia/Seoul", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(demo.url + "/ko/c/save-my-friend/")
    cases = page.get_by_role("region", name=ko("The people at risk"))
    expect(cases).to_contain_text("체포 후 11일")
    expect(cases).to_contain_text("일 남음")
    cases.get_by_role("link", name="형이 한국에 사는 16세 소년").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("형이 한국에 사는 16세 소년")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    steps = page.get_by_role("list", name=ko("Timeline")).get_by_role("listitem")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text("체포됨")
    expect(steps.nth(1)).to_contain_text("조사 중")
    expect(steps.nth(1)).to_contain_text("확실성: 보도됨")
    expect(steps.nth(1).get_by_role("link", name="The Korea Times")).to_have_attribute(
        "href", "https://www.koreatimes.co.kr/"
    )
    expect(page.locator("body")).not_to_contain_text(re.compile("DEMO-PROTECTED|0000-000"))
    context.close()
