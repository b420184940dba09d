"""Organiser guard rails: no live letter action without paragraphs in each language.

Through the admin's own forms (read from the page and posted back, as a browser
would), and the public page of an action that slipped through anyway.
"""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from outcry.directory.testing import make_target
from outcry.letters.models import LetterAction, LetterTemplate, Paragraph
from outcry.letters.tests.test_composer import compose_url, page
from outcry.testing import (
    make_campaign,
    make_letter_action,
    make_organisation,
    make_organiser,
    make_petition,
)


def form_data(content: str) -> dict[str, list[str]]:
    """The fields of the page's main form as a browser would post them unchanged."""
    content = content[content.index("<form") :]
    found: dict[str, list[str]] = {}
    for tag in re.finditer(r"<input\b[^>]*>", content):
        text = tag.group(0)
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', text))
        kind = attributes.get("type", "text")
        if "name" not in attributes or kind in ("submit", "button", "file"):
            continue
        if kind in ("checkbox", "radio") and " checked" not in text:
            continue
        found.setdefault(attributes["name"], []).append(
            html.unescape(attributes.get("value", "on"))
        )
    for area in re.finditer(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', content, re.S):
        found.setdefault(area.group(1), []).append(html.unescape(area.group(2)))
    for select in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', content, re.S):
        chosen = re.findall(r'<option value="([^"]*)"[^>]*selected', select.group(2))
        found[select.group(1)] = [html.unescape(value) for value in chosen] or [""]
    return found


@pytest.fixture
def organisation(db):
    return make_organisation(name="Alpha Rights")


@pytest.fixture
def organiser_client(client, organisation):
    client.force_login(make_organiser(organisation=organisation))
    return client


def empty_action(organisation, *, is_open: bool, status: str = "active") -> LetterAction:
    embassy = make_target(name="Embassy", channels={"email": "e@example.cn"})
    campaign = make_campaign(lead=organisation, status=status)
    action = make_letter_action(campaign=campaign, targets=[embassy], is_open=is_open)
    Paragraph.objects.filter(template__action=action, template__language="ko").delete()
    return action


def change_url(obj) -> str:
    return reverse(f"admin:letters_{obj._meta.model_name}_change", args=[obj.pk])


def test_opening_an_action_with_an_empty_language_is_refused_with_a_clear_message(
    organiser_client, organisation
):
    action = empty_action(organisation, is_open=False)
    data = form_data(organiser_client.get(change_url(action)).content.decode())
    data["is_open"] = ["on"]
    response = organiser_client.post(change_url(action), data)
    assert response.status_code == 200  # the form again, with the reason
    content = html.unescape(response.content.decode())
    assert "needs at least one paragraph in each language of its letter; ko has none" in content
    action.refresh_from_db()
    assert action.is_open is False


def test_a_closed_action_or_a_draft_campaign_may_wait_for_its_paragraphs(
    organiser_client, organisation
):
    action = empty_action(organisation, is_open=False)
    data = form_data(organiser_client.get(change_url(action)).content.decode())
    assert organiser_client.post(change_url(action), data).status_code == 302

    draft = empty_action(organisation, is_open=True, status="draft")
    data = form_data(organiser_client.get(change_url(draft)).content.decode())
    assert organiser_client.post(change_url(draft), data).status_code == 302


def test_a_new_template_on_a_live_action_is_refused_until_the_action_is_closed(
    organiser_client, organisation
):
    action = make_letter_action(
        campaign=make_campaign(lead=organisation, languages="en,ko,zh-hans"), languages=("en",)
    )
    data = form_data(organiser_client.get(change_url(action)).content.decode())
    prefix = "templates"
    data |= {
        f"{prefix}-TOTAL_FORMS": ["2"],
        f"{prefix}-1-language": ["ko"],
        f"{prefix}-1-title": ["편지"],
        f"{prefix}-1-subject": ["제목"],
        f"{prefix}-1-action": [str(action.pk)],
    }
    response = organiser_client.post(change_url(action), data)
    assert response.status_code == 200
    assert "ko has none" in html.unescape(response.content.decode())
    assert not LetterTemplate.objects.filter(action=action, language="ko").exists()


def test_removing_the_last_paragraph_of_a_live_action_is_refused(organiser_client, organisation):
    action = make_letter_action(
        campaign=make_campaign(lead=organisation),
        languages=("en",),
        paragraphs={"en": [("required", True, "", "Please let them go.")]},
    )
    template = action.templates.get()
    content = organiser_client.get(change_url(template)).content.decode()
    data = form_data(content)
    data["paragraphs-0-DELETE"] = ["on"]
    response = organiser_client.post(change_url(template), data)
    assert response.status_code == 200
    assert "en has none" in html.unescape(response.content.decode())
    assert template.paragraphs.count() == 1


def test_the_template_page_lists_the_placeholders_beside_the_paragraphs(
    organiser_client, organisation
):
    action = make_letter_action(campaign=make_campaign(lead=organisation))
    url = change_url(action.templates.get(language="en"))
    for language, expected in [("en", "the office's name"), ("ko", "기관 이름")]:
        content = html.unescape(
            organiser_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        )
        for code in ("{salutation}", "{target_name}", "{supporter_name}", "{supporter_city}"):
            assert f"<code>{code}</code>" in content
        assert expected in content


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_live_action_without_paragraphs_gives_supporters_a_clear_page(db, client, language):
    campaign = make_campaign()
    petition = make_petition(campaign=campaign)
    action = make_letter_action(campaign=campaign, targets=[make_target(name="Embassy")])
    Paragraph.objects.filter(template__action=action).delete()
    url = compose_url(action, language)
    for response in (client.get(url), client.post(url, {"name": "Ana", "goto": "targets"})):
        content = page(response)
        assert response.status_code in (200, 409)
        expected = {
            "en": "This letter is not ready yet",
            "ko": "이 편지는 아직 준비되지 않았습니다",
        }
        assert expected[language] in content
        assert "Your letter is empty" not in content and "편지가 비어" not in content
        assert petition.slug in content or "campaign-" in content  # a way on, not a dead end
    # Nor does the campaign page send supporters to it.
    with translation.override(language):
        campaign_page = page(client.get(reverse("campaigns:detail", args=[campaign.slug])))
    assert url not in campaign_page
