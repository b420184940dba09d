# ruff: noqa: F811 - fixtures are imported from the other letters tests
"""The page after sending in plain words, the phone script, and office names per language.

The letter goes out through the real composer, confirmation link and SMTP
server (aiosmtpd); the states a worker leaves a delivery in (held back by the
office's hourly limit, a failed try, given up) are set on its ledger row.
"""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from outcry.letters.models import Delivery, Letter
from outcry.letters.tests.test_composer import page
from outcry.letters.tests.test_composer_fixes import embassy  # noqa: F401 - a fixture
from outcry.letters.tests.test_confirmation import (  # noqa: F401 - open_link is a fixture
    link_in,
    open_link,
    to,
)
from outcry.testing import letter_form, make_campaign, make_letter_action

EMAIL = "de@mfa.gov.cn"  # the embassy in Germany of test_composer_fixes
KO_NAME = "주독일 중국대사관"


@pytest.fixture
def client(client, django_capture_on_commit_callbacks):
    """The test client, with the tasks a request queues run once it commits."""

    class Committing:
        def __getattr__(self, name):
            return getattr(client, name)

        def post(self, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return client.post(*args, **kwargs)

    return Committing()


@pytest.fixture
def action(db, embassy):
    campaign = make_campaign()
    campaign.time_zone = "Europe/Berlin"
    campaign.save()
    return make_letter_action(campaign=campaign, targets=[embassy], channels="email,fax,post,phone")


def write(client, action, *, language="en", channels=("email",), **extra):
    """Send the letter from the composer in *language* (page and letter); return the sent page."""
    with translation.override(language):
        url = reverse("letters:compose", args=[action.slug])
    codes = [code for code in channels if code not in ("email", "mailto")]
    email_by = next((code for code in channels if code in ("email", "mailto")), "")
    form = letter_form(action, language=language, channels=codes, email_by=email_by, **extra)
    form["country"] = "DE"
    form["city"] = "Leipzig" if language == "en" else "라이프치히"
    response = client.post(url, form)
    assert response.status_code == 302, page(response)
    return response["Location"]


def test_the_sent_page_follows_an_email_from_waiting_to_sent_in_plain_words(
    client,
    action,
    mail_server,
    open_link,
):
    sent_url = write(client, action)
    [confirmation] = to(mail_server, "min@example.org")
    open_link(link_in(confirmation))
    content = page(client.get(sent_url))
    assert "Status:" not in content and "queued" not in content
    assert re.search(
        r"Your email to Embassy of the People's Republic of China in Germany was sent at "
        r"\d\d:\d\d (CET|CEST)\.",
        content,
    )
    assert "reload it to see the latest" not in content  # nothing left to go out
    assert [m["To"].addresses[0].addr_spec for m in to(mail_server, EMAIL)] == [EMAIL]


@pytest.mark.parametrize(
    ("state", "fields", "expected"),
    [
        ("waiting", {}, "Your email to {office} is on its way: it goes out within a few minutes."),
        (
            "later",
            {"next_attempt_at": 40},
            "Many people are writing to {office}, so emails to it are spaced out",
        ),
        (
            "retrying",
            {"attempt_count": 1, "last_error": "451 try later", "next_attempt_at": 5},
            "did not get through. We will try again at about",
        ),
        (
            "failed",
            {"status": "failed", "last_error": "550 no such user"},
            "could not be delivered, and we have stopped trying",
        ),
    ],
)
def test_each_state_of_a_delivery_reads_as_what_happens_next(
    client, action, embassy, state, fields, expected
):
    sent_url = write(client, action)
    if "next_attempt_at" in fields:
        fields["next_attempt_at"] = timezone.now() + timedelta(minutes=fields["next_attempt_at"])
    Delivery.objects.update(status=fields.pop("status", "queued"), **fields)
    content = page(client.get(sent_url))
    assert expected.format(office=embassy.name) in content
    assert "550 no such user" not in content  # the server's words are for organisers
    pending = state != "failed"
    assert ("reload it to see the latest" in content) is pending
    assert ("outcry/letters-sent.js" in content) is pending
    assert ("data-refresh" in content) is pending


def test_the_sent_page_in_korean_names_the_office_in_korean(client, action, embassy):
    sent_url = write(client, action, language="ko", channels=("email", "fax"))
    Delivery.objects.update(status="queued")
    content = page(client.get(sent_url))
    assert f"{KO_NAME}에 보내는 이메일이 곧 발송됩니다." in content
    assert f"{KO_NAME}(+493027588221)에 보내는 팩스가 곧 발송됩니다." in content
    assert embassy.name not in content
    assert "Status" not in content


@pytest.mark.parametrize(("language", "name"), [("en", None), ("ko", KO_NAME)])
def test_post_shows_the_whole_envelope_with_the_addressee(client, action, embassy, language, name):
    sent_url = write(client, action, language=language, channels=("post",))
    content = page(client.get(sent_url))
    address = re.search(r"<address[^>]*>(.*?)</address>", content, re.S).group(1)
    lines = address.split("<br>")
    assert lines == [name or embassy.name, "Märkisches Ufer 54", "10179 Berlin", "GERMANY"]


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_phone_script_reads_naturally(client, action, language):
    sent_url = write(client, action, language=language, channels=("phone",))
    content = page(client.get(sent_url))
    script = re.search(r'<blockquote class="call-script"[^>]*>(.*?)</blockquote>', content, re.S)
    script = re.sub(r"<[^>]+>", "", script.group(1)).strip()
    subject = action.templates.get(language=language).subject
    expected = {
        "en": (
            f"Hello, my name is Min-jun Kim and I live in Leipzig. I am calling about “{subject}”. "
            "I have also written to your embassy about it. Please pass my message on. Thank you."
        ),
        "ko": (
            f"안녕하세요. 저는 라이프치히에 사는 Min-jun Kim입니다. “{subject}”, 이 일로 "
            "전화드렸습니다. 이 일에 대해 귀 대사관에 편지도 보냈습니다. 제 뜻을 꼭 전해 "
            "주십시오. 감사합니다."
        ),
    }[language]
    assert script == expected
    assert "I am calling Embassy" not in content


def test_the_composer_preview_and_letter_name_the_office_in_the_supporters_language(
    client,
    action,
    embassy,
    mail_server,
    open_link,
):
    with translation.override("ko"):
        url = reverse("letters:compose", args=[action.slug])
    first = {"name": "Min-jun Kim", "email": "min@example.org", "country": "DE"}
    content = page(client.post(url, first | {"goto": "compose", "step": "sender"}))
    assert f"<strong>{KO_NAME}</strong>" in content  # whom the letter goes to
    assert f"미리 보기: {KO_NAME}" in content.split('id="preview-title"')[1]
    assert embassy.name not in re.sub(r"<script.*?</script>", "", content, flags=re.S)
    # The letter itself (Korean), the email the office gets and the PDF to post.
    sent_url = write(client, action, language="ko", channels=("email", "post"))
    [confirmation] = to(mail_server, "min@example.org")
    open_link(link_in(confirmation))
    [email] = to(mail_server, EMAIL)
    letter = Letter.objects.get()
    if "{target_name}" in letter.body:
        assert KO_NAME in email.get_body(("plain",)).get_content()
    pdf_url = reverse("letters:letter_pdf", args=[action.slug, letter.nonce])
    pdf = client.get(pdf_url)
    assert pdf.status_code == 200
    pdf_text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)
    assert KO_NAME.replace(" ", "") in pdf_text.replace(" ", "")
    assert sent_url
