"""A new organiser launches a campaign in English and Korean through the guided flow.

They sign in, write the story, the petition and the letter in both languages, invite a
partner, preview the page in each language, publish it, and a supporter signs it.
The test counts the screens the organiser goes through and the fields they fill
(printed at the end; docs/organisers.md gives the figures). With
OUTCRY_SCREENSHOTS=docs/screenshots it saves a picture of each step there
(guided-*.png).
"""

import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from outcry.campaigns.services import create_organiser
from outcry.directory.testing import make_target, make_target_list
from outcry.testing import make_organisation, send_from_a_real_domain
from tests.e2e.conftest import starting

pytestmark = pytest.mark.e2e
PASSWORD = "guided-launch-2027"
SCREENSHOTS = os.environ.get("OUTCRY_SCREENSHOTS", "")


@pytest.fixture
def newcomer(live_server, settings):
    """A new organiser of one organisation, a partner to invite, and a shared list of missions."""
    send_from_a_real_domain(settings)
    organisation = make_organisation(name="Justice for North Korea")
    make_organisation(name="Beta Watch")
    create_organiser(
        username="newcomer",
        email="newcomer@example.org",
        organisation=organisation,
        password=PASSWORD,
    )
    make_target_list(
        name="China's embassies and consulates",
        targets=[
            make_target(
                name="Embassy of China in Seoul", country="KR", channels={"email": "e@x.cn"}
            ),
            make_target(
                name="Embassy of China in Berlin", country="DE", channels={"email": "d@x.cn"}
            ),
        ],
    )
    deadline = timezone.now() + timedelta(days=21)
    return {"deadline": deadline.strftime("%Y-%m-%dT23:59")}


class Counter:
    """The screens an organiser saw and the fields they filled, ticked or chose."""

    def __init__(self, page: Page) -> None:
        self.page, self.screens, self.fields = page, [], 0

    def screen(self, name: str) -> None:
        self.screens.append(name)
        if SCREENSHOTS:
            path = Path(SCREENSHOTS) / f"guided-{name}.png"
            self.page.screenshot(path=str(path), full_page=True)

    def fill(self, locator, value: str) -> None:
        locator.fill(value)
        self.fields += 1

    def check(self, locator) -> None:
        locator.check()
        self.fields += 1

    def choose(self, locator, label: str) -> None:
        locator.select_option(label=label)
        self.fields += 1


def in_group(page: Page, language: str):
    return page.get_by_role("group", name=language)


def test_a_new_organiser_launches_a_bilingual_campaign_and_a_supporter_signs(
    newcomer, live_server, page
):
    started = time.monotonic()
    done = Counter(page)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(live_server.url + "/en/organise/")
    done.fill(page.get_by_label("Username"), "newcomer")
    done.fill(page.get_by_label("Password"), PASSWORD)
    page.get_by_role("button", name="Log in").click()
    done.screen("0-campaigns")
    page.get_by_role("link", name="Start a new campaign").click()

    # 1. Story and languages: English and Korean are ticked for a new campaign.
    expect(page.get_by_role("checkbox", name="English")).to_be_checked()
    expect(page.get_by_role("checkbox", name="한국어")).to_be_checked()
    english, korean = in_group(page, "English"), in_group(page, "한국어")
    done.fill(english.get_by_label(starting("Title")), "Stop the forced return of 60 refugees")
    done.fill(english.get_by_label(starting("Summary")), "Sixty refugees face return this week.")
    done.fill(english.get_by_label(starting("Story")), "They were **arrested** in Shenyang.")
    done.fill(korean.get_by_label(starting("Title")), "탈북민 60명의 강제 북송을 멈춰라")
    done.fill(korean.get_by_label(starting("Summary")), "탈북민 60명이 이번 주 북송될 위기입니다.")
    done.fill(korean.get_by_label(starting("Story")), "선양에서 **체포**되었습니다.")
    done.fill(page.get_by_label(starting("Deadline")), newcomer["deadline"])
    done.fill(page.get_by_label(starting("Goal")), "10000")
    done.screen("1-story")
    page.get_by_role("button", name="Save and continue").click()

    # 2. Petition.
    expect(page.get_by_role("heading", level=1)).to_have_text("Petition")
    english, korean = in_group(page, "English"), in_group(page, "한국어")
    done.fill(english.get_by_label(starting("Petition title")), "Protect the refugees")
    done.fill(english.get_by_label(starting("Addressed to")), "President Xi Jinping")
    done.fill(english.get_by_label(starting("Petition text")), "Do not send them back.")
    done.fill(korean.get_by_label(starting("Petition title")), "난민을 보호하라")
    done.fill(korean.get_by_label(starting("Addressed to")), "시진핑 주석")
    done.fill(korean.get_by_label(starting("Petition text")), "그들을 돌려보내지 마십시오.")
    done.screen("2-petition")
    page.get_by_role("button", name="Save and continue").click()

    # 3. Letter: the placeholders are listed beside the paragraphs.
    expect(page.get_by_role("heading", level=1)).to_have_text("Letter")
    placeholders = page.get_by_role("complementary", name="Placeholders")
    expect(placeholders).to_contain_text("{supporter_name}")
    done.choose(page.get_by_label(starting("Sending state")), "China")
    expect(page.get_by_label(starting("Targets"))).to_contain_text(
        "China's embassies and consulates (2 offices)"
    )
    expect(page.get_by_label(starting("Sender address"))).to_have_value("noreply@outcry.example")
    english, korean = in_group(page, "English"), in_group(page, "한국어")
    done.fill(english.get_by_label(starting("Title on the page")), "Write to the Chinese embassy")
    done.fill(english.get_by_label(starting("Subject")), "Do not send the refugees back")
    done.fill(
        english.get_by_label(starting("Paragraphs")),
        "{salutation}\n\nPlease do not send the refugees back.\n\nThank you, {supporter_name}",
    )
    done.fill(korean.get_by_label(starting("Title on the page")), "중국 대사관에 편지를 보내세요")
    done.fill(korean.get_by_label(starting("Subject")), "난민을 돌려보내지 마십시오")
    done.fill(
        korean.get_by_label(starting("Paragraphs")),
        "{salutation}\n\n난민을 돌려보내지 마십시오.\n\n{supporter_name} 드림",
    )
    done.screen("3-letter")
    page.get_by_role("button", name="Save and continue").click()

    # Back keeps what was saved; forward again.
    page.get_by_role("button", name="Save and go back").click()
    expect(in_group(page, "한국어").get_by_label(starting("Subject"))).to_have_value(
        "난민을 돌려보내지 마십시오"
    )
    page.get_by_role("button", name="Save and continue").click()

    # 4. Partners: invited, they join when they accept.
    expect(page.get_by_role("heading", level=1)).to_have_text("Partners")
    done.check(page.get_by_role("checkbox", name="Beta Watch"))
    done.screen("4-partners")
    page.get_by_role("button", name="Save and continue").click()

    # 5. Review: ready, previewed in both languages.
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and publish")
    expect(page.get_by_text("Everything is ready")).to_be_visible()
    done.screen("5-review")
    page.get_by_role("link", name="Preview in English").click()
    expect(page.get_by_text("Preview — not public")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Stop the forced return of 60 refugees"
    )
    expect(page.locator("form.sign")).to_have_attribute("inert", "")
    done.screen("6-preview-en")
    page.locator(".preview-banner").get_by_role("link", name="한국어").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", level=1)).to_have_text("탈북민 60명의 강제 북송을 멈춰라")
    done.screen("7-preview-ko")
    page.goto(live_server.url + "/en/c/stop-the-forced-return-of-60-refugees/")
    expect(page.get_by_role("heading", level=1)).not_to_have_text(
        "Stop the forced return of 60 refugees"
    )  # a draft is not public
    page.go_back()
    page.locator(".preview-banner").get_by_role(
        "link", name=re.compile("Back to review and publish|검토 및 공개로 돌아가기")
    ).click()
    page.get_by_role("button", name=re.compile("캠페인 공개|Publish the campaign")).click()
    expect(page.get_by_role("status")).to_be_visible()
    done.screen("8-published")
    organiser_seconds = time.monotonic() - started

    # A supporter signs the published campaign.
    page.context.clear_cookies()
    page.get_by_role("link", name=re.compile(r"(View on site|사이트에서 보기) \(English\)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Stop the forced return of 60 refugees"
    )
    form = page.locator("form.sign")
    form.get_by_role("textbox", name=starting("Your name")).fill("Min-ji Kim")
    form.get_by_role("textbox", name=starting("Email address")).fill("minji@example.org")
    form.get_by_role("button", name="Sign the petition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for signing")
    # The confirmation notice (the share block below it has a status line of its own).
    expect(page.get_by_role("status").filter(has_text="look in your inbox")).to_be_visible()

    filled = [s for s in done.screens if s[0] in "12345"]
    print(
        f"\nguided flow: {len(done.screens)} screens seen, {len(filled)} with fields, "
        f"{done.fields} fields filled, {organiser_seconds:.1f} s in the browser"
    )
    assert done.fields <= 35
