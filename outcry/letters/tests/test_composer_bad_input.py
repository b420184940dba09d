"""Bad and hostile input to the composer: a clear message, nothing written, never a 500."""

import html
import threading

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation

from outcry.directory.models import ZipDistrict
from outcry.directory.testing import make_channel, make_target
from outcry.letters.models import Delivery, Letter
from outcry.letters.services import NONCE_SALT
from outcry.testing import letter_form, make_campaign, make_letter_action, post_letter

NOT_IN_THE_LIST = "You can only write to the offices this campaign lists. Please choose again."


def compose_url(action, language: str = "en") -> str:
    with translation.override(language):
        return reverse("letters:compose", args=[action.slug])


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def embassy(db):
    return make_target(
        name="Embassy of the People's Republic of China",
        channels={"email": "embassy@example.cn", "fax": "+12024952138"},
    )


@pytest.fixture
def fax_only(db):
    return make_target(name="Consulate-General in New York", channels={"fax": "+12125649389"})


@pytest.fixture
def action(db, embassy, fax_only):
    return make_letter_action(selection="choose", targets=[embassy, fax_only])


def editable_of(action, language="en"):
    return action.templates.get(language=language).paragraphs.get(kind="editable")


def assert_nothing_written():
    assert Letter.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_html_in_an_edited_paragraph_stays_plain_text(client, action, embassy):
    editable = editable_of(action)
    words = '<b>Free them</b> <script>alert("x")</script> & <a href="https://x.example">go</a>'
    form = letter_form(action, targets=[embassy], goto="compose", **{f"e_{editable.pk}": words})
    preview = client.post(compose_url(action), form).content.decode()
    assert "<script>alert" not in preview
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in preview
    assert "&lt;b&gt;Free them&lt;/b&gt;" in preview

    response = post_letter(client, action, targets=[embassy], **{f"e_{editable.pk}": words})
    assert response.status_code == 302
    letter = Letter.objects.get()
    assert words in letter.body  # kept as the supporter typed it: plain text
    sent = client.get(response["Location"]).content.decode()
    assert "<script>alert" not in sent and "<b>Free them</b>" not in sent
    assert "&lt;b&gt;Free them&lt;/b&gt;" in sent


@pytest.mark.parametrize("field", ["subject", "name"])
@pytest.mark.parametrize("line_break", ["\r\n", "\n", "\r"])
def test_line_breaks_in_subject_or_name_are_refused(client, action, embassy, field, line_break):
    value = f"Stop{line_break}Bcc: everyone@example.org"
    response = post_letter(client, action, targets=[embassy], **{field: value})
    assert response.status_code == 400
    assert "Please write this on one line." in page(response)
    assert_nothing_written()


def test_an_empty_letter_is_refused(client, action, embassy):
    response = post_letter(client, action, targets=[embassy], mode="own", own_text="   \n  ")
    assert response.status_code == 400
    assert "Your letter is empty. Please write something." in page(response)
    assert_nothing_written()


def test_a_letter_of_only_emptied_paragraphs_is_refused(client, embassy):
    paragraphs = {"en": [("editable", True, "", "Please let them go.")]}
    action = make_letter_action(targets=[embassy], languages=("en",), paragraphs=paragraphs)
    editable = editable_of(action)
    response = post_letter(client, action, channels=("email",), **{f"e_{editable.pk}": "  "})
    assert response.status_code == 400
    assert "Your letter is empty." in page(response)
    assert_nothing_written()


@pytest.mark.parametrize(
    ("field", "size", "limit"),
    [
        ("name", 101, 100),
        ("subject", 201, 200),
        ("own_text", 10_001, 10_000),
        ("city", 121, 120),
        ("email", 300, 254),
    ],
)
def test_oversized_fields_are_refused_with_a_message(client, action, embassy, field, size, limit):
    value = "a" * size if field != "email" else "a" * (size - 12) + "@example.org"
    extra = {"mode": "own"} if field == "own_text" else {}
    response = post_letter(client, action, targets=[embassy], **{field: value}, **extra)
    assert response.status_code == 400
    assert f"Ensure this value has at most {limit} characters (it has {size})." in page(response)
    assert_nothing_written()


def test_an_oversized_name_is_refused_in_the_pages_language(client, action, embassy):
    response = post_letter(client, action, "ko", targets=[embassy], name="가" * 101)
    assert response.status_code == 400
    assert "값이 최대 100자 이하여야 합니다 (현재 101자)." in page(response)
    assert_nothing_written()


def test_an_oversized_edited_paragraph_is_refused(client, action, embassy):
    editable = editable_of(action)
    response = post_letter(client, action, targets=[embassy], **{f"e_{editable.pk}": "x" * 10_001})
    assert response.status_code == 400
    assert "Ensure this value has at most 10000 characters (it has 10001)." in page(response)
    assert_nothing_written()


def test_invalid_utf8_is_refused_with_a_message(client, action):
    response = client.post(
        compose_url(action),
        b"name=Min%20\xff\xfe&email=min%40example.org&country=US&goto=targets",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "characters we could not read" in page(response)


def test_percent_encoded_invalid_utf8_is_refused_with_a_message(client, action, embassy):
    editable = editable_of(action)
    form = letter_form(action, targets=[embassy])
    form[f"e_{editable.pk}"] = "Free them \ufffd"
    response = client.post(compose_url(action), form)
    assert response.status_code == 400
    assert "characters we could not read" in page(response)
    assert_nothing_written()


@pytest.mark.parametrize(
    "zip_code", ["123", "abcde", "1234567890", "\uff12\uff10\uff10\uff10\uff18"]
)
def test_a_malformed_zip_code_gets_a_clear_message(client, db, zip_code):
    senator = make_target(name="Senator", category="legislator", represents="", region="MD")
    action = make_letter_action(selection="us_congress", targets=[senator])
    response = client.post(
        compose_url(action),
        {"name": "Ana", "email": "ana@example.org", "zip_code": zip_code, "goto": "targets"},
    )
    assert response.status_code == 400
    assert "A US ZIP code has five digits, like 20008. Please check it." in page(response)


@pytest.mark.parametrize("district", ["XX-1", "MD-99", "MD-", "-3", "MD-²", "x" * 500])
def test_a_forged_district_is_asked_again(client, db, district):
    senator = make_target(
        name="Senator",
        category="legislator",
        represents="",
        region="MD",
        channels={"email": "s@senate.example"},
    )
    ZipDistrict.objects.create(zcta="20910", state="MD", district=3)
    ZipDistrict.objects.create(zcta="20910", state="MD", district=8)
    action = make_letter_action(selection="us_congress", targets=[senator])
    response = client.post(
        compose_url(action),
        {
            "name": "Ana",
            "email": "ana@example.org",
            "zip_code": "20910",
            "district": district,
            "goto": "compose",
        },
    )
    assert response.status_code == 400
    assert "Please choose one of the districts listed." in page(response)


@pytest.mark.parametrize("value", ["abc", "²", "-1", "1.5", "", "9" * 30])
def test_garbage_target_ids_are_refused(client, action, value):
    form = letter_form(action, targets=[])
    form["targets"] = [value]
    response = client.post(compose_url(action), form)
    assert response.status_code == 400
    assert NOT_IN_THE_LIST in page(response)
    assert_nothing_written()


def test_a_target_with_no_channel_left_for_the_chosen_way_gets_a_clear_message(
    client, action, embassy, fax_only
):
    response = post_letter(client, action, targets=[embassy, fax_only], channels=("email",))
    assert response.status_code == 400
    assert (
        "Consulate-General in New York cannot receive letters by email. "
        "Please tick another way to send, or leave this office out."
    ) in page(response)
    assert_nothing_written()


def test_a_channel_that_went_bouncing_meanwhile_is_refused(client, action, embassy):
    form = letter_form(action, targets=[embassy], channels=("email",))
    embassy.channels.filter(kind="email").update(status="bouncing")
    response = client.post(compose_url(action), form)
    assert response.status_code == 400
    assert "Please choose from the ways of sending listed." in page(response)
    assert_nothing_written()


def test_a_forged_channel_is_refused(client, embassy):
    action = make_letter_action(selection="choose", targets=[embassy], channels="email")
    response = post_letter(client, action, targets=[embassy], channels=("fax",))
    assert response.status_code == 400
    assert "Please choose from the ways of sending listed." in page(response)
    assert_nothing_written()


def test_email_and_mailto_together_are_refused(client, action, embassy):
    response = post_letter(client, action, targets=[embassy], channels=("email", "mailto"))
    assert response.status_code == 400
    assert "the office would get your letter twice" in page(response)
    assert_nothing_written()


def test_no_channel_chosen_is_refused(client, action, embassy):
    response = post_letter(client, action, targets=[embassy], channels=())
    assert response.status_code == 400
    assert "Please choose how to send your letter." in page(response)
    assert_nothing_written()


@pytest.mark.parametrize("nonce", ["", "made-up", "abc:def:ghi", "signed-with-another-salt"])
def test_a_forged_or_missing_form_token_is_refused(client, action, embassy, nonce):
    if nonce == "signed-with-another-salt":
        nonce = signing.TimestampSigner(salt="other").sign("token")
    response = post_letter(client, action, targets=[embassy], nonce=nonce)
    assert response.status_code == 400
    assert "This form was too old to send." in page(response)
    assert_nothing_written()


def test_a_week_old_form_asks_to_send_again(client, action, embassy, time_machine):
    time_machine.move_to("2026-01-01")
    form = letter_form(action, targets=[embassy])
    time_machine.move_to("2026-01-09")
    response = client.post(compose_url(action), form)
    assert response.status_code == 400
    assert "This form was too old to send." in page(response)
    fresh = signing.TimestampSigner(salt=NONCE_SALT)
    nonce = page(response).split('name="nonce" value="', 1)[1].split('"', 1)[0]
    fresh.unsign(nonce, max_age=60)  # a new token to send with
    assert_nothing_written()


def test_too_many_letters_from_one_address_are_refused(client, action, embassy, settings):
    settings.RATELIMIT_LETTER_PER_EMAIL = 2
    for _ in range(2):
        assert post_letter(client, action, targets=[embassy]).status_code == 302
    response = post_letter(client, action, targets=[embassy])
    assert response.status_code == 429
    assert "Too many letters have come from here in a short time." in page(response)
    assert Letter.objects.count() == 2


def test_too_many_letters_from_one_network_are_refused(client, action, embassy, settings):
    settings.RATELIMIT_LETTER_PER_NETWORK = 2
    for n in range(2):
        response = post_letter(client, action, targets=[embassy], email=f"p{n}@example.org")
        assert response.status_code == 302
    response = post_letter(client, action, targets=[embassy], email="p3@example.org")
    assert response.status_code == 429
    assert "Too many letters have come from here in a short time." in page(response)
    assert Letter.objects.count() == 2


def test_a_double_submit_is_not_counted_against_the_rate_limit(client, action, embassy, settings):
    settings.RATELIMIT_LETTER_PER_EMAIL = 2
    form = letter_form(action, targets=[embassy])
    first = client.post(compose_url(action), form)
    again = client.post(compose_url(action), form)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]  # the same letter's page
    assert Letter.objects.count() == 1
    # The double submit counted once: a second letter is still within the limit of 2.
    assert post_letter(client, action, targets=[embassy]).status_code == 302
    assert Letter.objects.count() == 2


def test_a_closed_action_takes_no_letters(client, embassy):
    action = make_letter_action(targets=[embassy], is_open=False)
    assert "This letter action is closed" in page(client.get(compose_url(action)))
    response = post_letter(client, action, channels=("email",))
    assert response.status_code == 409
    assert "This letter action is closed" in page(response)
    assert_nothing_written()


def test_an_action_of_a_draft_campaign_is_not_found(client, embassy):
    action = make_letter_action(targets=[embassy], campaign=make_campaign(status="draft"))
    assert client.get(compose_url(action)).status_code == 404


def test_a_target_closed_after_the_page_was_shown_is_refused(client, action, embassy):
    form = letter_form(action, targets=[embassy])
    embassy.is_closed = True
    embassy.save()
    response = client.post(compose_url(action), form)
    assert response.status_code == 400
    assert NOT_IN_THE_LIST in page(response)
    assert_nothing_written()


def test_an_unknown_language_or_step_falls_back_safely(client, action, embassy):
    form = letter_form(action, targets=[embassy], goto="nowhere", letter_language="xx")
    form["switch_language"] = "../../etc"
    response = client.post(compose_url(action), form)
    # The letter step again, in the page's language, with the letter's preview: not sent.
    assert response.status_code == 200
    content = page(response)
    assert 'id="letter-preview"' in content
    assert 'name="letter_language" value="en"' in content
    assert action.templates.get(language="en").subject in content
    assert_nothing_written()


def test_a_thank_you_page_for_an_unknown_letter_is_not_found(client, action):
    url = f"/en/letters/{action.slug}/sent/nothing-here/"
    assert client.get(url).status_code == 404


def test_the_errors_come_in_the_pages_language(client, action, embassy):
    response = client.post(
        compose_url(action, "ko"), {"name": "", "email": "bad", "goto": "targets"}
    )
    content = page(response)
    assert response.status_code == 400
    assert '<html lang="ko">' in content
    assert "이름을 알려 주세요." in content
    assert "올바른 이메일 주소가 아닌 것 같습니다. 다시 확인해 주세요." in content
    assert "Please tell us your name." not in content


def test_a_webform_letter_too_long_is_refused_even_if_the_page_was_bypassed(client, embassy):
    make_channel(target=embassy, kind="webform", value="https://example.org/f", char_limit=100)
    action = make_letter_action(selection="choose", targets=[embassy])
    response = post_letter(client, action, targets=[embassy], channels=("webform",))
    assert response.status_code == 400
    assert "but its web form takes at most 100." in page(response)
    assert_nothing_written()


@pytest.mark.django_db(transaction=True)
def test_the_same_form_from_ten_browsers_at_once_makes_one_letter(settings):
    settings.RATELIMIT_LETTER_PER_EMAIL = 100  # this test is about the race, not the limit
    embassy = make_target(name="Embassy", channels={"email": "embassy@example.cn"})
    action = make_letter_action(selection="choose", targets=[embassy])
    form = letter_form(action, targets=[embassy], channels=("mailto",))
    barrier = threading.Barrier(10)
    results: list = [None] * 10

    def post(i: int) -> None:
        try:
            barrier.wait()
            response = Client().post(compose_url(action), form)
            results[i] = (response.status_code, response.get("Location", ""))
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(result, tuple) for result in results), results
    assert {status for status, _location in results} == {302}
    assert len({location for _status, location in results}) == 1
    assert Letter.objects.count() == 1
    assert Delivery.objects.count() == 1


def test_send_from_a_letter_never_shown_only_shows_it(client, action, embassy):
    form = letter_form(action, targets=[embassy])
    del form["compose_step"]
    response = client.post(compose_url(action), form)
    assert response.status_code == 200
    assert 'id="letter-preview"' in response.content.decode()
    assert_nothing_written()
