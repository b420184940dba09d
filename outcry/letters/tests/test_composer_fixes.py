"""Issue 14's composer fixes, through HTTP in English and Korean.

Supporters see the letter filled in (never "{salutation}"); switching the
letter's or the page's language keeps what they typed; optional paragraphs fold
to their titles and Send stays in reach; email is one choice.
"""

import html
import re

import pytest

from outcry.directory.testing import make_target
from outcry.letters.demo import PARAGRAPHS
from outcry.letters.models import Delivery, Letter, Paragraph
from outcry.letters.tests.test_composer import compose_url, page
from outcry.testing import letter_form, make_letter_action


@pytest.fixture
def embassy(db):
    return make_target(
        name="Embassy of the People's Republic of China in Germany",
        country="DE",
        city="Berlin",
        salutation="Your Excellency",
        channels={
            "email": "de@mfa.gov.cn",
            "fax": "+493027588221",
            "post": "Märkisches Ufer 54\n10179 Berlin",
            "phone": "+493027588222",
        },
        names={"ko": "주독일 중국대사관"},
    )


@pytest.fixture
def consulate(db):
    return make_target(
        name="Consulate-General of the People's Republic of China in Munich",
        country="DE",
        city="Munich",
        salutation="Dear Consul General",
        channels={"email": "munich@mfa.gov.cn"},
    )


@pytest.fixture
def action(db, embassy):
    """The demo's letter (its first paragraph opens with {salutation}) in English and Korean."""
    return make_letter_action(
        selection="fixed",
        targets=[embassy],
        paragraphs={"en": PARAGRAPHS["en"], "ko": PARAGRAPHS["ko"]},
        channels="email,mailto,fax,post,phone",
    )


def first_step(action, language: str = "en", **overrides) -> dict:
    """The composer's POST that opens the letter step, as the "Continue" button sends it."""
    data = {
        "name": "Lena Vogel",
        "email": "lena@example.org",
        "country": "DE",
        "city": "Leipzig",
        "goto": "compose",
        "step": "sender",
    }
    return data | overrides


def fields_of(content: str) -> dict[str, list[str]]:
    """Every named input, textarea and ticked box of a page, as a browser would post them."""
    found: dict[str, list[str]] = {}
    for tag in re.finditer(r"<input\b[^>]*>", content):
        attributes = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(0)))
        kind = attributes.get("type", "text")
        if "name" not in attributes or kind in ("submit",):
            continue
        if kind in ("checkbox", "radio") and " checked" not in tag.group(0):
            continue
        found.setdefault(attributes["name"], []).append(
            html.unescape(attributes.get("value", "on"))
        )
    for area in re.finditer(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', content, re.S):
        found.setdefault(area.group(1), []).append(html.unescape(area.group(2)))
    return found


def press(client, url: str, content: str, **changes):
    """Post the form on *content* back to *url* with *changes* (None removes a field)."""
    data = fields_of(content)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return client.post(url, data)


# 1. No template syntax shown to supporters ----------------------------------------------


@pytest.mark.parametrize(
    ("language", "salutation"), [("en", "Your Excellency,"), ("ko", "존경하는 대사님께")]
)
def test_the_letter_step_shows_the_filled_letter_and_no_braces(
    client, action, language, salutation
):
    response = client.post(compose_url(action, language), first_step(action, language))
    assert response.status_code == 200
    content = page(response)
    letter = content[
        content.index('<section class="letter"') : content.index(
            "</section>", content.index('<section class="letter"')
        )
    ]
    assert "{" not in letter and "}" not in letter
    assert "braces" not in content and "중괄호" not in content
    # The office's salutation in the letter's language, where the template had "{salutation}".
    assert salutation in letter
    # The editable closing words are filled with the supporter's name.
    assert "Lena Vogel" in letter


def test_unchanged_filled_words_go_out_to_each_office_with_its_own_name(client, embassy, consulate):
    action = make_letter_action(selection="fixed", targets=[embassy, consulate], channels="email")
    content = page(client.post(compose_url(action), first_step(action)))
    assert "{target_name}" not in re.sub(r"<script.*?</script>", "", content, flags=re.S)
    assert "each office gets it with its own name and greeting" in content
    response = press(client, compose_url(action), content, goto="send")
    assert response.status_code == 302
    letter = Letter.objects.get()
    assert "{target_name}" in letter.body
    deliveries = {d.target_id: d for d in letter.deliveries.all()}
    assert set(deliveries) == {embassy.pk, consulate.pk}


# 2. Switching languages keeps what was typed ---------------------------------------------


def test_switching_the_letter_language_keeps_ticks_own_subject_and_edited_words(client, action):
    url = compose_url(action)
    content = page(client.post(url, first_step(action)))
    en = action.templates.get(language="en")
    ko = action.templates.get(language="ko")
    en_optional = list(en.paragraphs.filter(kind=Paragraph.Kind.OPTIONAL))
    en_editable = en.paragraphs.get(kind=Paragraph.Kind.EDITABLE)
    changes = {
        "subject": "Let them go to South Korea",
        f"p_{en_optional[0].pk}": None,  # unticked
        f"p_{en_optional[1].pk}": "on",  # ticked
        f"e_{en_editable.pk}": "My own closing words, written by me.",
        "channels": ["post"],
        "email_by": "mailto",
        "switch_language": "ko",
    }
    response = press(client, url, content, **changes)
    assert response.status_code == 200
    switched = page(response)
    assert 'name="letter_language" value="ko"' in switched
    fields = fields_of(switched)
    ko_optional = list(ko.paragraphs.filter(kind=Paragraph.Kind.OPTIONAL))
    ko_editable = ko.paragraphs.get(kind=Paragraph.Kind.EDITABLE)
    assert f"p_{ko_optional[0].pk}" not in fields
    assert fields[f"p_{ko_optional[1].pk}"] == ["on"]
    assert fields[f"e_{ko_editable.pk}"] == ["My own closing words, written by me."]
    assert fields["subject"] == ["Let them go to South Korea"]
    assert fields["channels"] == ["post"]
    assert fields["email_by"] == ["mailto"]
    assert fields["name"] == ["Lena Vogel"] and fields["email"] == ["lena@example.org"]
    # The required paragraph is now the Korean sample's.
    assert "저는 귀하께" in switched


def test_switching_the_letter_language_keeps_a_letter_in_own_words(client, action):
    url = compose_url(action)
    content = page(client.post(url, first_step(action)))
    own = page(press(client, url, content, goto="own"))
    written = page(
        press(
            client,
            url,
            own,
            own_text="Please let them go. I wrote this myself.",
            switch_language="ko",
        )
    )
    fields = fields_of(written)
    assert fields["mode"] == ["own"]
    assert fields["own_text"] == ["Please let them go. I wrote this myself."]
    assert 'name="letter_language" value="ko"' in written


@pytest.mark.parametrize("step", ["sender", "compose"])
def test_the_page_language_links_submit_the_form_and_keep_everything(client, action, step):
    url = compose_url(action)
    if step == "sender":
        content = page(client.get(url))
        # Half filled in: no error for what is still missing, only the page in Korean.
        data = {"name": "Lena Vogel", "email": "", "city": "Leipzig", "step": "sender"}
    else:
        content = page(client.post(url, first_step(action)))
        data = fields_of(content)
        data["own_text"] = ["unused"]
    # The language link is a button of the composer's form, posting to the Korean page.
    button = re.search(
        r'<button type="submit" form="composer" formaction="([^"]+)" '
        r'name="goto" value="stay"[^>]*lang="ko"',
        content,
    )
    assert button is not None
    assert button.group(1) == compose_url(action, "ko")
    response = client.post(button.group(1), data | {"goto": "stay"})
    assert response.status_code == 200
    korean = page(response)
    assert '<html lang="ko">' in korean
    assert 'value="Lena Vogel"' in korean
    assert 'value="Leipzig"' in korean
    assert "error" not in re.sub(r"<script.*?</script>", "", korean).replace("form-errors", "")
    if step == "compose":
        assert "편지 보내기" in korean or "보내기" in korean
        assert 'name="letter_language" value="en"' in korean  # the letter stays in English


# 3. On a phone: folded optional paragraphs, Send in reach -------------------------------


def test_optional_paragraphs_fold_to_their_titles_and_send_sits_in_a_sticky_bar(client, action):
    content = page(client.post(compose_url(action, "ko"), first_step(action, "ko")))
    ko = action.templates.get(language="ko")
    for paragraph in ko.paragraphs.filter(kind=Paragraph.Kind.OPTIONAL):
        folded = re.search(
            rf'<details class="paragraph-text fold" id="id_p_{paragraph.pk}-text">'
            r"<summary>([^<]+)</summary>",
            content,
        )
        assert folded is not None
        assert folded.group(1) == "이 문단 읽기"
        assert f'<label for="id_p_{paragraph.pk}">포함: {paragraph.label}</label>' in content
    bar = content.index('<div class="send-bar">')
    assert content.index('name="goto" value="send"', bar) > bar
    # Send is the form's last button: after it, only the end of the form.
    assert (
        "<button"
        not in content[content.index('value="send"') : content.index("</form>")].split(">", 1)[1]
    )


# 4. One choice for how the email is sent -----------------------------------------------


def test_email_is_one_choice_of_three_radio_buttons(client, action):
    content = page(client.post(compose_url(action), first_step(action)))
    radios = re.findall(r'<input type="radio" name="email_by" value="([^"]*)"', content)
    assert radios == ["email", "mailto", ""]
    assert "How should the email be sent?" in content
    assert 'type="checkbox" name="channels" value="email"' not in content
    assert 'type="checkbox" name="channels" value="mailto"' not in content


@pytest.mark.parametrize("email_by", ["email", "mailto", ""])
def test_each_email_choice_sends_as_chosen(client, action, email_by):
    form = letter_form(action, channels=("post",), email_by=email_by)
    response = client.post(compose_url(action), form)
    assert response.status_code == 302
    kinds = set(Delivery.objects.values_list("kind", flat=True))
    assert kinds == {"post", *filter(None, [email_by])}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_both_email_ways_at_once_are_refused_in_the_page_language(client, action, language):
    form = letter_form(action, language=language, channels=("email",), email_by="mailto")
    response = client.post(compose_url(action, language), form)
    assert response.status_code == 400
    message = {"en": "the office would get your letter twice", "ko": "두 번"}[language]
    assert message in page(response)
    assert Letter.objects.count() == 0


@pytest.mark.parametrize("email_by", ["fax", "<script>", "x" * 5000])
def test_an_email_choice_not_offered_is_refused(client, action, email_by):
    response = client.post(
        compose_url(action), letter_form(action, channels=("post",), email_by=email_by)
    )
    assert response.status_code == 400
    assert "Please choose from the ways of sending listed." in page(response)


def test_no_way_of_sending_at_all_asks_for_one(client, action):
    response = client.post(compose_url(action), letter_form(action, channels=(), email_by=""))
    assert response.status_code == 400
    assert "Please choose how to send your letter." in page(response)


@pytest.mark.parametrize(
    "data",
    [
        {"goto": "stay", "step": "../../etc"},
        {"goto": "stay", "step": "compose", "name": "A" * 5000, "email": "\x00@x"},
        {"goto": "stay", "step": "targets", "name": "<b>Ana</b>", "email": "ana@example.org"},
        {"goto": "compose", "switch_language": "xx", "letter_language": "<script>"},
    ],
)
def test_odd_language_switches_are_answered_without_an_error_page(client, action, data):
    response = client.post(compose_url(action, "ko"), data)
    assert response.status_code in (200, 400)
    assert '<html lang="ko">' in response.content.decode()
