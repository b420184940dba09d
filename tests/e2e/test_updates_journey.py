"""A supporter reads the demo's updates and asks for them in Korean, without JavaScript.

The live server runs in this process, so the confirmation email lands in Django's
locmem outbox, where the test reads it. Emailing the updates themselves is not built yet.
"""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.test_sign_journey import ko, starting

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(live_server):
    """The demo campaign (with its two updates) on a live server."""
    call_command("load_demo", quiet_login=True)
    return live_server


def test_a_korean_supporter_reads_the_updates_and_asks_for_them_without_javascript(
    demo, page_without_javascript
):
    page = page_without_javascript
    page.goto(demo.url + "/ko/c/save-my-friend/")
    updates = page.get_by_role("region", name=ko("Latest updates"))
    expect(updates.locator(".update-list").get_by_role("heading", level=3)).to_have_count(2)
    updates.get_by_role("link", name=re.compile("2만 5천")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2만 5천")

    page.goto(demo.url + "/ko/c/save-my-friend/#get-updates")
    form = page.locator("form.subscribe")
    form.get_by_role("textbox", name=starting(ko("Email address"))).fill("minji@example.org")
    form.get_by_role("textbox", name=starting(ko("Your name (optional)"))).fill("김민지")
    form.get_by_label("북한자유연합", exact=False).check()
    form.get_by_role("button", name=ko("Get updates")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        ko("One more step: look in your inbox")
    )

    [message] = mail.outbox
    url = next(word for word in message.body.split() if "/confirm/" in word)
    page.goto(demo.url + url.removeprefix(settings.BASE_URL))
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("listitem").filter(has_text="북한자유연합")).to_be_visible()
    page.get_by_role("button", name=ko("Yes, send me the updates")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ko("You will get the updates"))
