# ruff: noqa: F811 - fixtures are imported from tests/e2e and outcry.letters.testing
"""A supporter in Korea writes to China's embassy in a real browser, by email and by fax.

Nothing goes out in her name until she opens the link the site emails her; the
test reads that email from the SMTP server and opens the link in the browser.

The letter goes out for real, to servers on loopback: the email to an SMTP
server (aiosmtpd) and the fax to a fake InterFax, both from
outcry/letters/testing.py, which point this process's settings at them.

How the deliveries go out during the test: the live server runs in this
process, and tests run tasks with Django's immediate backend (the root
conftest's ``_test_settings``). ``queue_letter`` enqueues the confirmation
email, and ``confirm_letter`` each delivery task, with ``transaction.on_commit``,
so the live server's request thread sends them as soon as its transaction
commits, before it answers the browser. The thank-you page reads each delivery's status from the
ledger, so "sent" there is the ledger's word; the SMTP server and the fake
InterFax hold what was actually sent. (In production the same task is a row
that ``db_worker`` picks up; the worker path is tested in outcry/letters/tests.)

Test data is made in fixtures requested before the page (see tests/e2e/conftest.py):
Django refuses ORM calls while Playwright runs in the test's thread.
"""

import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from outcry.directory.models import Channel, Target
from outcry.letters.demo import ACTION_SLUG
from outcry.letters.testing import interfax, interfax_server, mail_server  # noqa: F401 - fixtures
from tests.e2e.conftest import browser, ko, page, squeezed, starting  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

SEOUL_EMBASSY = "wikidata:Q17007157"
HOUSTON = "outcry-demo:prc-consulate-houston"
# The seeds give no fax number for the embassy in Seoul; the test adds one, as
# an organiser would in the admin. It only ever reaches the fake InterFax.
TEST_FAX = "+82220000000"
REFORM = "강제 송환을 멈추는 것은 중국에도 이익이 됩니다."
OPENING = "중화인민공화국 주석께 이 편지를 드립니다."


def load_demo() -> None:
    call_command("load_demo", quiet_login=True, stdout=StringIO(), stderr=StringIO())


@pytest.fixture
def demo(live_server, interfax, mail_server):
    """The demo on a live server, sending email to *mail_server* and faxes to *interfax*."""
    load_demo()
    seoul = Target.objects.get(external_id=SEOUL_EMBASSY)
    Channel.objects.create(target=seoul, kind=Channel.Kind.FAX, value=TEST_FAX)
    return live_server


@pytest.fixture
def korean_page(browser):
    """A browser set to Korean, as a supporter's phone in Korea is."""
    context = browser.new_context(locale="ko-KR")
    yield context.new_page()
    context.close()


def letter_number(page: Page) -> int:
    return int(re.sub(r"\D", "", page.locator("#letter-count").inner_text()))


def test_a_supporter_in_korea_writes_to_the_embassy_in_seoul_by_email_and_fax(
    demo, interfax, mail_server, korean_page
):
    page = korean_page
    page.goto(demo.url + "/c/save-my-friend/")
    expect(page).to_have_url(demo.url + "/ko/c/save-my-friend/")  # from Accept-Language
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    letters = page.locator(f"#letter-{ACTION_SLUG}")
    expect(letters.get_by_role("heading")).to_have_text("중국 대사관과 영사관에 편지를 보내 주세요")
    letters.get_by_role("link", name=ko("Write your letter")).click()

    page.get_by_label(starting(ko("Your name"))).fill("김민지")
    page.get_by_label(starting(ko("Email address"))).fill("minji@example.org")
    page.get_by_label(starting(ko("Country"))).select_option("KR")
    page.get_by_label(starting(ko("City or town"))).fill("부산")
    page.get_by_role("button", name=ko("Continue")).click()

    # Busan's own consulate has no address a letter can use (the shipped data knows
    # none), so the next office, the embassy in Seoul, is ticked (named in Korean), and
    # the page says why.
    seoul = page.get_by_label(re.compile("주한 중국대사관"))
    expect(seoul).to_be_checked()
    page.get_by_role("button", name=ko("Continue")).click()

    preview = page.locator("#letter-preview")
    expect(preview).to_have_attribute("lang", "ko")
    expect(preview).to_contain_text(OPENING)
    expect(preview).not_to_contain_text(REFORM)
    before = letter_number(page)
    page.get_by_label(re.compile("강제 송환을 멈추는 것은 중국에도 이익입니다")).check()
    expect(preview).to_contain_text(REFORM)  # letters.js, at once
    assert letter_number(page) > before + len(REFORM)

    # One choice for email (a radio button), fax a checkbox of its own.
    email = page.get_by_role(
        "radio", name=ko("Email, sent for you from this site (replies come to your address)")
    )
    fax = page.get_by_label(ko("Fax, sent for you from this site"))
    expect(email).to_be_checked()
    expect(fax).to_be_checked()
    expect(page.locator("#letter-preview")).not_to_contain_text("{")
    page.get_by_role("button", name=ko("Send my letter")).click()

    # Nothing goes out in her name until she opens the link emailed to her.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        ko("Check your email to send your letter")
    )
    waiting = ko("Waiting for you: open the link we emailed you, and we send this at once.")
    expect(page.locator(".delivery-email")).to_contain_text(waiting)
    expect(page.locator(".delivery-fax")).to_contain_text(waiting)
    assert interfax.faxes == []
    [confirmation] = mail_server.inbox.messages()
    assert confirmation["To"] == "minji@example.org"
    assert confirmation["Content-Language"] == "ko"
    text = confirmation.get_body(("plain",)).get_content()
    # Not the letter itself (anyone may have typed it, issue 10): the page shows it.
    assert OPENING not in text and REFORM not in text
    link = next(word for word in text.split() if "/confirm/" in word)

    page.goto(demo.url + urlsplit(link).path)
    expect(page.get_by_role("heading", level=1)).to_have_text(ko("Send your letter"))
    expect(page.locator(".your-letter")).to_contain_text(OPENING)  # to check before sending
    expect(page.locator(".your-letter")).to_contain_text(REFORM)
    page.get_by_role("button", name=ko("Send my letter")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ko("Thank you for writing"))
    # In plain words, the office named in Korean: sent, at what time.
    expect(page.locator(".delivery-email")).to_contain_text(
        re.compile(r"주한 중국대사관에 보내는 이메일이 \d\d:\d\d .*에 발송되었습니다")
    )
    expect(page.locator(".delivery-fax")).to_contain_text("주한 중국대사관(")
    expect(page.locator("body")).not_to_contain_text("Embassy of the People's Republic")

    inbox = mail_server.inbox.messages()
    [message] = [m for m in inbox if m["To"] == "chinaemb_kr@mfa.gov.cn"]
    assert "minji@example.org" in message["Reply-To"]
    assert message["Subject"] == "탈북 난민들을 북한으로 돌려보내지 말아 주십시오"
    assert message["Content-Language"] == "ko"
    body = message.get_body(("plain",)).get_content()
    assert OPENING in body and REFORM in body and "저는 김민지입니다." in body
    # Her address is proven now: she gets a copy of what went, in Korean.
    [_confirmation, copy] = [m for m in inbox if m["To"] == "minji@example.org"]
    assert copy["Content-Language"] == "ko"
    assert copy["Subject"].startswith("보내신 편지:")
    copied = copy.get_body(("plain",)).get_content()
    assert OPENING in copied and REFORM in copied
    assert "주한 중국대사관 (이메일): chinaemb_kr@mfa.gov.cn" in copied

    [received] = interfax.faxes
    assert received.number == TEST_FAX
    text = squeezed(received.text())
    for words in (OPENING, REFORM, "김민지", "부산"):
        assert squeezed(words) in text


@pytest.fixture
def houston(live_server):
    """The demo on a live server; the closed Houston consulate's id."""
    load_demo()
    return Target.objects.get(external_id=HOUSTON).pk


def test_a_supporter_in_the_us_is_not_offered_houston_which_shows_as_closed(
    live_server, houston, page
):
    page.goto(f"{live_server.url}/en/letters/{ACTION_SLUG}/")
    page.get_by_label(starting("Your name")).fill("Ana Lima")
    page.get_by_label(starting("Email address")).fill("ana@example.org")
    page.get_by_label(starting("Country")).select_option("US")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Whom to write to")).to_be_visible()
    # No town given: nothing is ticked for her, she is asked to choose.
    expect(page.get_by_text("You did not give your town")).to_be_visible()
    expect(page.get_by_label(re.compile("China in the United States"))).not_to_be_checked()
    expect(page.get_by_label(re.compile("China in Chicago"))).to_be_visible()
    expect(page.get_by_text("Houston")).to_have_count(0)

    page.goto(f"{live_server.url}/en/targets/{houston}/report/")
    expect(page.get_by_text("in Houston")).to_be_visible()
    expect(page.locator("p.status")).to_have_text(
        "This office is marked as closed: no letters are sent to it."
    )


@pytest.fixture
def phone_page(browser):
    """A phone-sized browser (iPhone SE's viewport), in English."""
    context = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 667})
    yield context.new_page()
    context.close()


def test_on_a_phone_send_stays_in_reach_and_optional_paragraphs_are_folded(demo, phone_page):
    page = phone_page
    page.goto(demo.url + f"/en/letters/{ACTION_SLUG}/")
    page.get_by_label(starting("Your name")).fill("Ana")
    page.get_by_label(starting("Email address")).fill("ana@example.org")
    page.get_by_label(starting("Country")).select_option("US")
    # Her town ticks her office (without one she would be asked to choose).
    page.get_by_label(starting("City or town")).fill("Evanston")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label(re.compile("China in Chicago"))).to_be_checked()
    page.get_by_role("button", name="Continue").click()
    send = page.get_by_role("button", name="Send my letter")
    expect(send).to_be_visible()
    # At the top of the letter step, Send is already on the screen (sticky at the bottom).
    page.evaluate("window.scrollTo(0, 0)")
    box = send.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 667
    # Optional paragraphs show their titles; their text opens on demand.
    folded = page.locator("details.fold").first
    expect(folded).not_to_have_attribute("open", "")
    expect(folded.locator("summary")).to_be_visible()
