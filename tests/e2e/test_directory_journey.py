# ruff: noqa: F811 - fixtures are imported from tests/e2e and outcry.letters.testing
"""A supporter in Germany, reading Korean, finds China's embassy in the directory and writes.

She starts on the campaign page, follows the directory link from the letter
section, chooses Germany, opens the embassy in Berlin, checks its address and
website, presses "write to this office" and sends the letter the data allows:
the shipped file gives the embassy in Germany a postal address and a website,
no email and no fax, so she sends it by post: no confirmation email is needed
(the real SMTP server receives nothing). On every page, and in the PDF she
prints, the office has its Korean name and never its English one.

Test data is made in fixtures requested before the page (see tests/e2e/conftest.py):
Django refuses ORM calls while Playwright runs in the test's thread.
"""

import io
import json
import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from outcry.directory.models import Target
from outcry.letters.demo import ACTION_SLUG
from outcry.letters.testing import mail_server  # noqa: F401 - fixture
from tests.e2e.conftest import browser, ko, squeezed, starting  # noqa: F401 - browser is a fixture

pytestmark = pytest.mark.e2e

BERLIN_EMBASSY = "wikidata:Q1073835"
KOREAN_NAME = "주독 중국대사관"
ENGLISH_NAME = "Embassy of the People's Republic of China"


@pytest.fixture
def demo(live_server, mail_server):
    """The demo on a live server, sending email to *mail_server*; the embassy's id."""
    call_command("load_demo", quiet_login=True, stdout=StringIO(), stderr=StringIO())
    embassy = Target.objects.get(external_id=BERLIN_EMBASSY)
    # What the test relies on from the shipped data: a postal address and a
    # website, nothing that the site sends for the supporter.
    assert embassy.website and not embassy.channels.filter(kind__in=["email", "fax"]).exists()
    return live_server


@pytest.fixture
def korean_in_berlin(browser):
    """A browser set to Korean, in Germany's time zone: a Korean reader living in Berlin."""
    context = browser.new_context(locale="ko-KR", timezone_id="Europe/Berlin")
    yield context.new_page()
    context.close()


def named_in_korean(page: Page) -> None:
    """The page names the embassy in Korean and never in English."""
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("body")).to_contain_text(KOREAN_NAME)
    expect(page.locator("body")).not_to_contain_text(ENGLISH_NAME)
    assert ENGLISH_NAME not in page.title()


def test_a_supporter_in_germany_finds_the_embassy_in_the_directory_and_writes_to_it(
    demo, mail_server, korean_in_berlin
):
    page = korean_in_berlin
    page.goto(demo.url + "/ko/c/save-my-friend/")
    letters = page.locator(f"#letter-{ACTION_SLUG}")
    letters.get_by_role(
        "link", name=ko("Find the embassy or consulate in your country in the directory")
    ).click()

    # The campaign's directory: China's missions, then the country she lives in.
    expect(page).to_have_url(re.compile(rf"/ko/letters/{ACTION_SLUG}/directory/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("중국")
    page.get_by_role("link", name="독일").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("독일")
    named_in_korean(page)
    page.get_by_role("link", name=KOREAN_NAME, exact=True).click()

    # The embassy's own page: its name in Korean, address, website, machine-readable data.
    expect(page.get_by_role("heading", level=1)).to_have_text(KOREAN_NAME)
    named_in_korean(page)
    address = page.locator("address")
    expect(address).to_contain_text("Märkisches Ufer 54")
    expect(address).to_contain_text("10179 BERLIN")  # as the post reads it
    expect(page.get_by_text(ko("Website"), exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^https?:"))).to_have_count(1)
    [data] = [
        json.loads(block)
        for block in page.locator('script[type="application/ld+json"]').all_text_contents()
    ]
    assert data["@type"] == "GovernmentOffice"
    assert data["address"]["addressCountry"] == "DE"
    assert data["address"]["streetAddress"] == "Märkisches Ufer 54"
    page.get_by_role("link", name=ko("Write to this office")).click()

    # The composer, with the embassy she chose.
    expect(page).to_have_url(re.compile(rf"/ko/letters/{ACTION_SLUG}/\?office=\d+$"))
    page.get_by_label(starting(ko("Your name"))).fill("이서연")
    page.get_by_label(starting(ko("Email address"))).fill("seoyeon@example.org")
    page.get_by_label(starting(ko("Country"))).select_option("DE")
    page.get_by_label(starting(ko("City or town"))).fill("함부르크")
    page.get_by_role("button", name=ko("Continue")).click()

    # She lives in Hamburg, but chose the embassy in the directory: it is ticked, and
    # the page says why, naming it in Korean; its head's role is in Korean too.
    expect(page.get_by_label(re.compile(KOREAN_NAME))).to_be_checked()
    expect(page.get_by_label(re.compile(f"^{KOREAN_NAME}, 대사"))).to_be_checked()
    expect(page.locator("main")).not_to_contain_text("Ambassador")
    expect(page.locator("p.note")).to_contain_text(KOREAN_NAME)
    named_in_korean(page)
    page.get_by_role("button", name=ko("Continue")).click()

    # The way the data allows: post (the file has no email or fax for this embassy).
    expect(page.get_by_label(ko("Post: print the letter and mail it yourself"))).to_be_checked()
    preview = page.locator("#letter-preview")
    expect(preview).to_have_attribute("lang", "ko")
    expect(preview).not_to_contain_text("{")
    expect(preview).to_contain_text("저는 이서연입니다.")
    expect(preview).to_contain_text("함부르크")
    named_in_korean(page)
    page.get_by_role("button", name=ko("Send my letter")).click()

    # Post is her own doing: nothing waits for an email, the page gives the envelope.
    expect(page.get_by_role("heading", level=1)).to_have_text(ko("Thank you for writing"))
    post = page.locator(".delivery-post")
    expect(post.get_by_role("heading")).to_contain_text(KOREAN_NAME)
    envelope = post.locator("address")
    expect(envelope).to_contain_text(KOREAN_NAME)
    expect(envelope).to_contain_text("Märkisches Ufer 54")
    expect(envelope).to_contain_text("10179 BERLIN")
    expect(post.get_by_role("link", name=ko("Download the letter to print (PDF)"))).to_be_visible()
    named_in_korean(page)
    # The letter to print names the embassy in Korean too.
    download = post.get_by_role("link", name=ko("Download the letter to print (PDF)"))
    pdf = page.request.get(demo.url + download.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = squeezed(
        "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf.body())).pages)
    )
    assert squeezed(KOREAN_NAME) in text and "이서연" in text
    assert squeezed(ENGLISH_NAME) not in text
    # Nothing was emailed in her name, nor to her: a letter by post needs no confirmation.
    assert mail_server.inbox.messages() == []
    assert urlsplit(page.url).path.startswith(f"/ko/letters/{ACTION_SLUG}/sent/")
