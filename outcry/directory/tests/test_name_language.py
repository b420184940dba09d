"""An office's name that falls back to English on a page in another language is marked lang="en".

So a screen reader reading a Korean page switches to English for "Embassy of the
People's Republic of China in Germany", and back; a name given in Korean is not marked.
"""

import html

import pytest
from django.urls import reverse
from django.utils import translation

from outcry.directory.testing import make_target, make_target_list
from outcry.testing import make_letter_action

pytestmark = pytest.mark.django_db

BERLIN = "Embassy of the People's Republic of China in Germany"
MUNICH = "Consulate General of the People's Republic of China in Munich"


@pytest.fixture
def missions():
    berlin = make_target(name=BERLIN, country="DE", city="Berlin", channels={"fax": "+49302758822"})
    munich = make_target(
        name=MUNICH,
        country="DE",
        city="Munich",
        category="consulate",
        channels={"fax": "+498917301619"},
        names={"ko": "주뮌헨 중국총영사관"},
    )
    make_target_list(targets=[berlin, munich])
    return {"berlin": berlin, "munich": munich}


def get(client, name: str, *args, language: str) -> str:
    with translation.override(language):
        url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_a_korean_directory_page_marks_the_english_name(client, missions):
    content = get(client, "directory:country", "cn", "de", language="ko")
    assert f'<span lang="en">{BERLIN}</span>' in content
    assert ">주뮌헨 중국총영사관</a>" in content
    assert f'<span lang="en">{MUNICH}</span>' not in content
    content = get(client, "directory:office", missions["berlin"].pk, language="ko")
    assert (
        f'<h1 id="office-{missions["berlin"].pk}"><span lang="en">{BERLIN}</span></h1>' in content
    )


def test_an_english_page_marks_nothing(client, missions):
    content = get(client, "directory:country", "cn", "de", language="en")
    assert f">{BERLIN}</a>" in content
    assert f'<span lang="en">{BERLIN}' not in content


def test_the_composer_marks_the_english_name_in_korean(client, missions):
    action = make_letter_action(
        selection="nearest_mission", represents="CN", targets=list(missions.values())
    )
    with translation.override("ko"):
        url = reverse("letters:compose", args=[action.slug])
    sender = {
        "name": "김민준",
        "email": "min@example.org",
        "country": "DE",
        "city": "",
        "goto": "targets",
    }
    content = html.unescape(client.post(url, sender).content.decode())
    assert f'<strong><span lang="en">{BERLIN}</span></strong>' in content
    assert "<strong>주뮌헨 중국총영사관</strong>" in content


def test_markup_in_a_name_stays_text(client, missions):
    missions["berlin"].name = "<b>Embassy</b>"
    missions["berlin"].save()
    with translation.override("ko"):
        url = reverse("directory:office", args=[missions["berlin"].pk])
    content = client.get(url).content.decode()
    assert '<span lang="en">&lt;b&gt;Embassy&lt;/b&gt;</span>' in content
    assert "<b>Embassy</b>" not in content
