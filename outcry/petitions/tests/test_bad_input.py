"""Hostile and broken input on the signing form: a clear message, never a 500, no stray rows."""

import email
import html
import io
import logging
import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from outcry.campaigns.models import Campaign
from outcry.petitions import services
from outcry.petitions.models import Signature
from outcry.supporters.models import Consent, Supporter
from outcry.testing import (
    confirm_all_pending,
    make_campaign,
    make_organisation,
    make_petition,
    post_signature,
    sign_form,
)

TOO_LONG = "Ensure this value has at most %(limit)d characters (it has %(length)d)."
TOO_LONG_KO = "값이 최대 %(limit)d자 이하여야 합니다 (현재 %(length)d자)."  # Django's own catalogue
NOT_AN_EMAIL = "This does not look like an email address. Please check it."
UNREADABLE = "This contains characters we could not read. Please type it again."


def sign_url(petition, language: str = "en") -> str:
    with translation.override(language):
        return reverse("petitions:sign", args=[petition.slug])


def page_text(response) -> str:
    """The page as a reader sees it (entities decoded)."""
    return html.unescape(response.content.decode())


def assert_refused(response, message: str, *, status: int = 400, language: str = "en") -> None:
    assert response.status_code == status
    assert f'<html lang="{language}">' in response.content.decode()
    assert message in page_text(response)
    assert Supporter.objects.count() == 0
    assert Signature.objects.count() == 0


# Length


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", TOO_LONG % {"limit": 100, "length": 10_000}),
        ("ko", TOO_LONG_KO % {"limit": 100, "length": 10_000}),
    ],
)
def test_a_name_of_ten_thousand_characters_is_refused_in_the_pages_language(
    client, petition, language, message
):
    response = post_signature(client, petition, language=language, name="M" * 10_000)
    assert_refused(response, message, language=language)


def test_a_name_that_grows_under_unicode_normalisation_is_measured_after_it(client, petition):
    # U+0958 is excluded from NFC composition: 100 of them become 200 code points,
    # which once slipped past the length check and overflowed the column.
    response = post_signature(client, petition, name="\u0958" * 100)
    assert_refused(response, TOO_LONG % {"limit": 100, "length": 200})


def test_a_comment_of_five_thousand_characters_is_refused(client, petition):
    response = post_signature(client, petition, comment="Free them. " * 500)
    assert_refused(response, TOO_LONG % {"limit": 1000, "length": 5499})


@pytest.mark.parametrize("country", ["K" * 500, "Korea", "XX", "<script>"])
def test_a_country_not_on_the_list_is_refused(client, petition, country):
    response = post_signature(client, petition, country=country)
    assert_refused(response, "Please choose your country from the list.")


def test_the_country_is_chosen_from_a_list_named_in_the_pages_language(client, petition):
    english = client.get(f"/en/c/{petition.campaign.slug}/").content.decode()
    korean = client.get(f"/ko/c/{petition.campaign.slug}/").content.decode()
    assert re.search(r'<select name="country"[^>]*autocomplete="country"', english)
    assert '<option value="KR">South Korea</option>' in english
    assert '<option value="KR">대한민국</option>' in korean
    assert post_signature(client, petition, country="KR").status_code == 302
    assert Supporter.objects.get().country == "KR"


# Control characters, NUL, line breaks


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Min\x00jun", "This contains invisible control characters. Please type it again."),
        ("Min\x07jun", "This contains invisible control characters. Please type it again."),
        ("Min\x1b[31mjun", "This contains invisible control characters. Please type it again."),
        ("Min\x85jun", "This contains invisible control characters. Please type it again."),
        ("Min\r\nBcc: victim@example.org", "Please write this on one line."),
        ("Min\nBcc: victim@example.org", "Please write this on one line."),
        ("Min\rBcc: victim@example.org", "Please write this on one line."),
    ],
)
def test_control_characters_and_line_breaks_in_a_name_are_refused(client, petition, name, message):
    assert_refused(post_signature(client, petition, name=name), message)


def test_control_characters_are_refused_in_korean_too(client, petition):
    response = post_signature(client, petition, language="ko", name="Min\x00jun")
    assert_refused(response, "", language="ko")
    assert f'id="p{petition.pk}-name_error"' in response.content.decode()


def test_a_comment_keeps_its_lines_but_loses_control_characters(client, petition):
    response = post_signature(client, petition, comment="First line\r\nSecond\x07 line\x1b")
    assert response.status_code == 302
    assert Signature.objects.get().comment == "First line\nSecond line"


def test_unusual_but_real_names_are_accepted_and_tidied(client, petition):
    response = post_signature(client, petition, name="  김\u1100\u1161 O'Brien\t\u2028Jr ")
    assert response.status_code == 302
    # NFC joins the jamo into one syllable; tabs and the line separator become spaces.
    assert Supporter.objects.get().name == "김가 O'Brien Jr"


def test_a_control_character_is_not_echoed_back_into_the_form(client, petition):
    response = post_signature(client, petition, name="Min\x00jun", comment="Why\x00 not")
    assert response.status_code == 400
    body = response.content.decode()
    assert "\x00" not in body
    assert 'value="Minjun"' in body


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u202e\u2066 \ufeff", "...", " - "])
def test_a_name_of_only_invisible_characters_or_punctuation_is_refused(client, petition, name):
    assert_refused(post_signature(client, petition, name=name), "Please tell us your name.")


def test_direction_overrides_are_taken_out_of_a_name(client, petition):
    # U+202E would show "Ana" followed by the rest reversed on the public list.
    response = post_signature(client, petition, name="Ana\u202enogard\u2069 Lee\u200b")
    assert response.status_code == 302
    assert Supporter.objects.get().name == "Ananogard Lee"


def test_direction_overrides_and_isolates_are_taken_out_of_a_comment(client, db):
    petition = make_petition()
    comment = "Free them \u202ekcab meht dnes\u202c now\n\u2067حرروهم\u2069 \u200fok"  # noqa: RUF001
    post_signature(client, petition, comment=comment, public_name="first")
    confirm_all_pending(petition)
    stored = Signature.objects.get().comment
    assert stored == "Free them kcab meht dnes now\nحرروهم \u200fok"  # noqa: RUF001
    listed = client.get(reverse("petitions:signers", args=[petition.slug])).content.decode()
    for control in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
        assert control not in listed


@pytest.mark.parametrize(
    "email",
    [
        "=?utf-8?b?ZXZpbEBhdHRhY2tlci5leGFtcGxlLCB4?=@example.org",
        "min=?utf-8?q?x?=@example.org",
    ],
)
def test_an_address_holding_an_encoded_word_is_refused(client, petition, email):
    # "=?utf-8?b?…?=" decodes to "evil@attacker.example, x": in the To header of
    # the confirmation email a mail reader would see a second address.
    assert_refused(post_signature(client, petition, email=email), NOT_AN_EMAIL)


def test_names_and_comments_on_the_signer_list_are_isolated_from_their_neighbours(client, db):
    petition = make_petition(needs_confirmation=False)
    post_signature(client, petition, name="مريم", public_name="full", country="", comment="حرروهم")
    confirm_all_pending(petition)
    html_text = client.get(reverse("petitions:signers", args=[petition.slug])).content.decode()
    assert '<bdi class="name">مريم</bdi>' in html_text
    assert '<blockquote dir="auto">حرروهم</blockquote>' in html_text


# Invalid UTF-8


def test_percent_encoded_invalid_utf8_is_refused(client, petition):
    body = b"name=%FF%FEMin&email=min%40example.org&public_name=hidden"
    response = client.generic(
        "POST", sign_url(petition), data=body, content_type="application/x-www-form-urlencoded"
    )
    assert_refused(response, UNREADABLE)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_raw_invalid_utf8_in_a_form_body_is_refused_not_read_as_latin1(client, petition, language):
    # Django falls back to Latin-1 for a whole urlencoded body that is not UTF-8,
    # which would store "ÿþMin" and turn every Korean name in it into mojibake.
    body = "name=김".encode() + b"\xff\xfeMin&email=min@example.org&public_name=hidden"
    response = client.generic(
        "POST",
        sign_url(petition, language),
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert f'<html lang="{language}">' in response.content.decode()
    if language == "en":
        assert "Your form arrived with characters we could not read" in page_text(response)
    assert Supporter.objects.count() == 0


def test_raw_invalid_utf8_in_a_multipart_body_is_refused(client, petition):
    boundary = "outcry-boundary"
    parts = [("name", b"\xff\xfeMin"), ("email", b"min@example.org"), ("public_name", b"hidden")]
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
            for name, value in parts
        )
        + f"--{boundary}--\r\n".encode()
    )
    response = client.generic(
        "POST",
        sign_url(petition),
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert_refused(response, UNREADABLE)


# Script


SCRIPT = "<script>alert(1)</script>"


def test_script_in_every_field_is_shown_escaped_when_the_form_comes_back(client, petition):
    fields = {
        name: SCRIPT for name in ("name", "email", "country", "postcode", "comment", "public_name")
    }
    response = post_signature(client, petition, **fields)
    assert response.status_code == 400
    content = response.content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert Supporter.objects.count() == 0


def test_a_script_name_is_escaped_on_the_signer_list_and_in_the_confirmation_email(
    client, petition, run_on_commit
):
    response = run_on_commit(
        lambda: post_signature(
            client,
            petition,
            name=f"{SCRIPT} Kim",
            comment=SCRIPT,
            public_name=Signature.PublicName.FULL,
        )
    )
    assert response.status_code == 302
    assert Supporter.objects.get().name == f"{SCRIPT} Kim"  # stored as typed, escaped on output
    [message] = mail.outbox
    [(html_body, _type)] = message.alternatives
    # Neither as markup nor as text: the email to an unconfirmed address greets with "Hello,".
    assert "<script>" not in html_body and "alert(1)" not in html_body
    confirm_all_pending(petition)
    listing = client.get(reverse("petitions:signers", args=[petition.slug])).content.decode()
    assert "<script>alert" not in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Kim" in listing


def test_the_plain_text_email_shows_names_and_titles_as_typed(client, petition, run_on_commit):
    petition.texts.update(title="Free O'Brien & Lee")
    run_on_commit(lambda: post_signature(client, petition, name="O'Brien <Kim>"))
    [message] = mail.outbox
    assert "Free O'Brien & Lee" in message.subject
    assert "Free O'Brien & Lee" in message.body
    assert "<Kim>" not in message.body  # the typed name is not repeated before confirmation


# Email header injection


def header_names(message) -> set[str]:
    parsed = email.message_from_bytes(message.message().as_bytes())
    return {name.lower() for name in parsed}


def test_no_confirmation_email_ever_carries_an_injected_header(client, db, run_on_commit):
    petition = make_petition()
    # Organisers write the title, and it goes into the subject line.
    petition.texts.update(title="Free them\r\nBcc: victim@example.org")
    attempts = [
        {"name": "Min\r\nBcc: victim@example.org", "email": "a@example.org"},
        {"name": "Min\u2028Bcc: victim@example.org", "email": "b@example.org"},
        {"name": "Min", "email": "c@example.org\r\nBcc: victim@example.org"},
        {"name": "Min", "email": "d@example.org%0d%0aBcc:victim@example.org"},
        {"name": "Min", "email": '"e\r\nBcc: victim@example.org"@example.org'},
        {"name": "Min", "email": "f@example.org", "country": "KR\nBcc: victim@example.org"},
    ]
    statuses = [
        run_on_commit(lambda a=a: post_signature(client, petition, **a)).status_code
        for a in attempts
    ]
    assert statuses == [400, 302, 400, 400, 400, 400]
    assert [s.email for s in Supporter.objects.all()] == ["b@example.org"]
    [message] = mail.outbox
    assert message.recipients() == ["b@example.org"]
    assert "bcc" not in header_names(message)
    headers = message.message().as_bytes().split(b"\n\n", 1)[0].splitlines()
    assert not [line for line in headers if line.lower().startswith(b"bcc")]
    assert "\n" not in message.subject and "\r" not in message.subject


# Email addresses


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("a@b", NOT_AN_EMAIL),
        ("min@@example.org", NOT_AN_EMAIL),
        ("min jun@example.org", NOT_AN_EMAIL),
        ("min@exam ple.org", NOT_AN_EMAIL),
        ("min@example.org\nBcc: victim@example.org", NOT_AN_EMAIL),
        ('"min\x01jun"@example.org', NOT_AN_EMAIL),
        ("m" * 243 + "@example.org", TOO_LONG % {"limit": 254, "length": 255}),
        ("m" * 5000 + "@example.org", TOO_LONG % {"limit": 254, "length": 5012}),
        ("", "Please give your email address."),
    ],
)
def test_invalid_or_overlong_emails_are_refused(client, petition, address, message):
    assert_refused(post_signature(client, petition, email=address), message)


def test_an_email_that_grows_when_lower_cased_is_refused(client, petition):
    # "İ".lower() is two code points: 254 characters as typed, far more once normalised.
    label = "İ" * 40
    address = f"min@{label}.{label}.{label}.{label}.{label}.org"
    assert len(address) <= 254 < len(address.lower())
    assert_refused(post_signature(client, petition, email=address), NOT_AN_EMAIL)


def test_invalid_email_is_refused_in_korean(client, petition):
    response = post_signature(client, petition, language="ko", email="min@@example.org")
    assert_refused(response, "", language="ko")
    assert f'id="p{petition.pk}-email_error"' in response.content.decode()


# Choices and consents


def test_a_public_name_choice_that_is_not_offered_is_refused(client, petition):
    response = post_signature(client, petition, public_name="everyone")
    assert_refused(response, "Select a valid choice. everyone is not one of the available choices.")
    body = response.content.decode()
    # The summary links to the choice; no radio button grabs the focus.
    assert f'<fieldset id="p{petition.pk}-public_name"' in body
    assert f'<a href="#p{petition.pk}-public_name">' in body
    assert "autofocus" not in body


def test_the_error_summary_links_to_each_field_to_fix_and_the_first_takes_the_focus(
    client, petition
):
    response = post_signature(client, petition, name="", email="not an address")
    text = page_text(response)
    assert "Please correct the marked fields below." in text
    assert f'<a href="#p{petition.pk}-name">Your name: Please tell us your name.</a>' in text
    assert f'<a href="#p{petition.pk}-email">Email address: {NOT_AN_EMAIL}</a>' in text
    assert re.search(r'<input[^>]*name="name"[^>]*autofocus', text)
    assert not re.search(r'<input[^>]*name="email"[^>]*autofocus', text)


def test_consent_for_an_organisation_outside_the_coalition_is_ignored(client, db):
    lead, outsider = make_organisation(), make_organisation(name="Outsider")
    petition = make_petition(campaign=make_campaign(lead=lead))
    response = post_signature(
        client, petition, **{f"consent_{outsider.pk}": "on", f"consent_{lead.pk}": "on"}
    )
    assert response.status_code == 302
    assert Signature.objects.count() == 1
    assert list(Consent.objects.values_list("organisation__name", flat=True)) == [lead.name]


# Closed petitions and campaigns


def test_a_closed_petition_takes_no_signature(client, petition):
    petition.is_open = False
    petition.save()
    response = post_signature(client, petition)
    assert_refused(response, "This petition is no longer taking signatures.", status=409)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_campaign_past_its_deadline_takes_no_signature(client, db, language):
    campaign = make_campaign(deadline_at=timezone.now() - timedelta(minutes=1))
    petition = make_petition(campaign=campaign)
    response = post_signature(client, petition, language=language)
    assert response.status_code == 409
    assert f'<html lang="{language}">' in response.content.decode()
    if language == "en":
        assert "This petition is no longer taking signatures." in page_text(response)
        assert "The deadline has passed." in page_text(response)
    assert Supporter.objects.count() == 0


def test_a_finished_campaign_takes_no_signature(client, db):
    petition = make_petition(campaign=make_campaign(status=Campaign.Status.WON))
    response = post_signature(client, petition)
    assert_refused(response, "This petition is no longer taking signatures.", status=409)


# CSRF


def test_a_missing_csrf_token_gets_an_explanation_in_english(db, petition):
    client = Client(enforce_csrf_checks=True)
    response = client.post(sign_url(petition, "en"), sign_form())
    assert response.status_code == 403
    assert '<html lang="en">' in response.content.decode()
    assert "its security token was missing or had expired. Nothing was saved." in page_text(
        response
    )
    assert Supporter.objects.count() == 0


def test_a_missing_csrf_token_gets_a_page_in_korean(db, petition):
    client = Client(enforce_csrf_checks=True)
    response = client.post(sign_url(petition, "ko"), sign_form())
    assert response.status_code == 403
    assert '<html lang="ko">' in response.content.decode()
    assert Supporter.objects.count() == 0


def test_a_wrong_csrf_token_is_refused_too(db, petition):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("campaigns:detail", args=[petition.campaign.slug]))  # sets the cookie
    response = client.post(sign_url(petition), sign_form(csrfmiddlewaretoken="x" * 64))
    assert response.status_code == 403
    assert Supporter.objects.count() == 0


def test_the_token_from_the_page_is_accepted(db, petition):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("campaigns:detail", args=[petition.campaign.slug]))
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"')[0]
    response = client.post(sign_url(petition), sign_form(csrfmiddlewaretoken=token))
    assert response.status_code == 302
    assert Signature.objects.count() == 1


# The same address from 20 threads at once


def run_at_once(count: int, action) -> list:
    """Run *action(i)* in *count* threads released together; return results or exceptions."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = action(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


CASES = ["min@example.org", "MIN@EXAMPLE.ORG", "Min@Example.org", " min@example.ORG "]


@pytest.mark.django_db(transaction=True)
def test_one_address_signing_from_twenty_threads_at_once_leaves_one_signature(settings):
    settings.RATELIMIT_SIGN_PER_EMAIL = 100  # this test is about the race, not the limit
    petition = make_petition()

    def sign(i: int):
        return services.sign(
            petition=petition,
            email=CASES[i % len(CASES)],
            name=f"Min {i}",
            language="en",
            network="test",
        )

    results = run_at_once(20, sign)
    assert all(isinstance(result, tuple) for result in results), results
    assert [is_new for _signature, is_new in results].count(True) == 1
    assert Supporter.objects.count() == 1
    assert Signature.objects.count() == 1
    signature = Signature.objects.get()
    assert signature.supporter.email == "min@example.org"
    assert {found.pk for found, _is_new in results} == {signature.pk}


@pytest.mark.django_db(transaction=True)
def test_one_address_posted_from_twenty_browsers_at_once_gets_clear_answers(settings):
    settings.RATELIMIT_SIGN_PER_EMAIL = 100  # this test is about the race, not the limit
    petition = make_petition()

    def post(i: int):
        response = post_signature(Client(), petition, email=CASES[i % len(CASES)])
        return response.status_code, response.get("Location", "")

    results = run_at_once(20, post)
    assert all(isinstance(result, tuple) for result in results), results
    assert {status for status, _location in results} == {302}
    assert {location for _status, location in results} == {f"/en/petitions/{petition.slug}/thanks/"}
    assert Supporter.objects.count() == 1
    assert Signature.objects.count() == 1


def test_a_request_with_too_many_fields_gets_a_readable_page(client, petition, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    data = {f"f{n}": "x" for n in range(60)}
    response = client.post(f"/en/petitions/{petition.slug}/sign/", data)
    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()
    assert not Signature.objects.exists()


def test_a_refused_request_is_logged_as_one_warning_line_without_a_traceback(
    client, petition, settings
):

    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    (handler,) = [
        handler
        for handler in logging.getLogger("django.security").handlers
        if any(type(f).__name__ == "OneLineWarning" for f in handler.filters)
    ]
    log = io.StringIO()
    stream = handler.setStream(log)
    try:
        client.post(f"/en/petitions/{petition.slug}/sign/", {f"f{n}": "x" for n in range(60)})
        client.get(f"/en/c/{petition.campaign.slug}/", HTTP_HOST="evil.example")
    finally:
        handler.setStream(stream)
    lines = log.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert "WARNING django.security.TooManyFieldsSent" in lines[0]
    assert "WARNING django.security.DisallowedHost" in lines[1]
    assert "Traceback" not in log.getvalue()


def test_errors_and_help_are_tied_to_their_fields_for_screen_readers(client, petition):
    response = post_signature(client, petition, name="", email="not-an-email")
    html = response.content.decode()
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert described, "fields with errors must point at their message"
    for ids in described:
        for element_id in ids.split():
            assert f'id="{element_id}"' in html, f"aria-describedby names a missing id {element_id}"


def test_a_form_with_errors_puts_the_focus_on_the_first_field_to_fix(client, petition):
    html = post_signature(client, petition, name="Min", email="not-an-email").content.decode()
    email_input = html.split('name="email"', 1)[1].split(">", 1)[0]
    assert "autofocus" in email_input
    assert html.count("autofocus") == 1
