"""A supporter reads the demo's updates and asks for them in Korean, without JavaScript.

The live server runs in this process, so the confirmation email lands in Django's
locmem outbox, where the test reads it (mail is sent on commit in tests).
"""

import re
import threading

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect

from outcry.campaigns.models import Campaign
from outcry.mailings import services as mailing_services
from outcry.supporters.models import Consent
from outcry.testing import make_mailing
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


def in_thread(work):
    """Run *work* (ORM calls) in a thread of its own and return its result.

    Playwright's loop runs in this thread, where Django refuses ORM calls; an
    organiser's action in the middle of the journey runs beside it instead.
    """
    outcome = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as error:  # re-raised in the test's thread below
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def send_mailing_from_the_lead() -> int:
    campaign = Campaign.objects.get(slug="save-my-friend")
    mailing = make_mailing(
        organisation=campaign.lead_organisation,
        campaign=campaign,
        texts={
            "en": ("They are still held", "Write to the embassy **again** today."),
            "ko": ("아직 구금되어 있습니다", "오늘 **다시** 대사관에 편지를 보내 주세요."),
        },
    )
    return mailing_services.start(mailing, user=None)


def lead_consent_is_active() -> bool:
    campaign = Campaign.objects.get(slug="save-my-friend")
    return Consent.objects.filter(
        supporter__email="minji@example.org",
        organisation=campaign.lead_organisation,
        confirmed_at__isnull=False,
        withdrawn_at__isnull=True,
    ).exists()


def test_a_korean_subscriber_gets_a_mailing_in_korean_and_stops_it_from_its_link(demo, page):
    page.goto(demo.url + "/ko/c/save-my-friend/#get-updates")
    form = page.locator("form.subscribe")
    form.get_by_role("textbox", name=starting(ko("Email address"))).fill("minji@example.org")
    form.get_by_label("북한자유연합", exact=False).check()
    form.get_by_role("button", name=ko("Get updates")).click()
    [message] = mail.outbox
    url = next(word for word in message.body.split() if "/confirm/" in word)
    page.goto(demo.url + url.removeprefix(settings.BASE_URL))
    page.get_by_role("button", name=ko("Yes, send me the updates")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ko("You will get the updates"))

    mail.outbox.clear()
    assert in_thread(send_mailing_from_the_lead) >= 1
    [mailing] = [m for m in mail.outbox if m.to == ["minji@example.org"]]
    assert mailing.subject == "아직 구금되어 있습니다"
    assert mailing.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    stop = next(word for word in mailing.body.split() if "/stop/" in word)
    assert stop.startswith(settings.BASE_URL + "/ko/email/")

    page.goto(demo.url + stop.removeprefix(settings.BASE_URL))
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    stop_lead = ko("Stop emails from %(name)s") % {"name": "북한자유연합"}
    page.get_by_role("button", name=stop_lead, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ko("You will get no more emails"))
    assert not in_thread(lead_consent_is_active)
