"""The letter composer through HTTP: steps, paragraphs, limits, sending, the page after."""

import html
import re
from io import BytesIO
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from outcry.directory.models import ZipDistrict
from outcry.directory.testing import make_channel, make_target
from outcry.letters import channels, confirmation
from outcry.letters.models import Delivery, Letter, LetterAction, Paragraph
from outcry.letters.services import letter_text
from outcry.testing import letter_form, make_campaign, make_letter_action, post_letter

# The sample letter of the 2012 campaign (seeds/000), with its optional paragraphs.
SEED_PARAGRAPHS = {
    "en": [
        (
            "required",
            True,
            "",
            "Please do not send the North Korean refugees recently arrested in China back to "
            "North Korea where they face certain torture and even execution. We urge you to "
            "accept the appeal by the South Korean government to allow them to travel to South "
            "Korea for resettlement.",
        ),
        (
            "optional",
            True,
            "China's obligations under the Refugee Convention",
            "We understand and respect China's concerns about refugees illegally entering China "
            "as they flee starvation and deprivation in North Korea. However, as a signatory to "
            "the 1951 Convention Relating to the Status of Refugees and the 1967 Protocol, China "
            "is obligated not to force these refugees back to North Korea where they face "
            "certain persecution. Furthermore, unlike any refugees in the world today, the North "
            "Korean refugees have a place to go for immediate resettlement as they are citizens "
            "of South Korea, under Articles 2 and 3 of the Republic of Korea Constitution. In "
            "addition to South Korea, many countries have willingly accepted North Koreans for "
            "resettlement, so they need not be a burden on China.",
        ),
        (
            "optional",
            True,
            "Violence and trafficking",
            "As you know, the policy of forced repatriation of North Korean refugees has created "
            "an environment of violent activity in China where North Korean agents roam freely "
            "assassinating humanitarian workers trying to help the refugees, while the majority "
            "of North Korean female refugees end up being subjected to human trafficking. "
            "Instead, China should allow the United Nations High Commissioner for Refugees to "
            "assist China in addressing this refugee problem by simply allowing them to fulfill "
            "their mission, so this violent activity could end. As your Foreign Minister Cui "
            "Tiankai recently stated, “The Chinese government has the responsibility to protect "
            "people's safety and property, and to curb violent activities. That is the most "
            "important human right for the people.”",
        ),
        (
            "optional",
            True,
            "A chance for reform",
            "Ending this policy would not only have a very positive benefit for China, but would "
            "also increase the potential for reform to come to North Korea, which is also in "
            "China's best interest. The ascendency of Kim Jong Un to power provides China with a "
            "tremendous opportunity to encourage reform there. The North Korean refugees, who "
            "risk their lives to flee to China, do not want to leave North Korea, but they feel "
            "they have no choice because of the conditions in their homeland. If China were to "
            "end its forced repatriation policy and work instead with the international "
            "community to resolve this problem, it would send a strong signal to the Kim regime "
            "of their need to open to reform, which China has been encouraging for decades.",
        ),
        (
            "editable",
            True,
            "",
            "Please save the lives of the refugees by allowing them to safely be resettled in "
            "South Korea. Thank you for your consideration of this request.",
        ),
    ]
}


def compose_url(action: LetterAction, language: str = "en") -> str:
    with translation.override(language):
        return reverse("letters:compose", args=[action.slug])


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def embassy(db):
    return make_target(
        name="Embassy of the People's Republic of China in the United States",
        city="Washington",
        salutation="Your Excellency",
        channels={"email": "chinaembpress_us@mfa.gov.cn", "fax": "+12024952138"},
    )


@pytest.fixture
def san_francisco(db):
    return make_target(
        name="Consulate-General of the People's Republic of China in San Francisco",
        category="consulate",
        city="San Francisco",
        salutation="Dear Consul General",
        channels={"email": "chinaconsul_san_us@mfa.gov.cn", "fax": "+14155630494"},
    )


@pytest.fixture
def houston(db):
    return make_target(
        name="Consulate-General of the People's Republic of China in Houston",
        category="consulate",
        city="Houston",
        is_closed=True,
        channels={"fax": "+17135213064"},
    )


@pytest.fixture
def action(db, embassy, san_francisco, houston):
    return make_letter_action(selection="choose", targets=[embassy, san_francisco, houston])


def test_campaign_page_links_to_each_open_letter_action(client, db):
    campaign = make_campaign()
    open_action = make_letter_action(campaign=campaign)
    closed_action = make_letter_action(campaign=campaign, is_open=False)
    content = page(client.get(f"/en/c/{campaign.slug}/"))
    assert "Write to the Chinese embassy" in content
    assert compose_url(open_action) in content
    assert compose_url(closed_action) not in content
    korean = page(client.get(f"/ko/c/{campaign.slug}/"))
    assert "중국 대사관에 편지를 보내세요" in korean
    assert compose_url(open_action, "ko") in korean


def test_the_campaign_page_reads_letter_actions_without_a_query_per_action(
    client, db, django_assert_max_num_queries
):
    campaign = make_campaign()
    for _ in range(3):
        make_letter_action(campaign=campaign)
    client.get(f"/en/c/{campaign.slug}/")  # warm up anything cached per process
    # 8, 2 for the events section (upcoming events, days of action), 1 for the pledges and
    # 1 for the cases section (published cases), 1 for the letters' paragraphs (an action
    # without any is not offered), none per action.
    with django_assert_max_num_queries(13):
        client.get(f"/en/c/{campaign.slug}/")


def test_walking_through_the_steps_without_javascript(client, action, embassy, houston):
    first = client.get(compose_url(action))
    assert first.status_code == 200
    assert 'name="email"' in first.content.decode()
    assert "letters.js" in first.content.decode()

    sender = {"name": "Min-jun Kim", "email": "min@example.org", "country": "US", "city": "Boston"}
    targets_page = client.post(compose_url(action), sender | {"goto": "targets"})
    content = page(targets_page)
    assert targets_page.status_code == 200
    assert "Embassy of the People's Republic of China in the United States" in content
    assert "in San Francisco" in content
    assert "Houston" not in content  # closed: never offered

    compose_page = client.post(
        compose_url(action),
        sender | {"targets": [str(embassy.pk)], "targets_step": "1", "goto": "compose"},
    )
    content = page(compose_page)
    assert compose_page.status_code == 200
    assert "Violence and trafficking" in content  # an optional paragraph, to tick
    # The preview is the letter as the embassy reads it: placeholders filled.
    preview = re.search(r'id="letter-preview"[^>]*>(.*?)</div>', content, re.S).group(1)
    assert "Your Excellency" in preview
    assert "Thank you, Embassy of the People's Republic of China in the United States," in preview
    assert "from Min-jun Kim in Boston" in preview
    assert "{target_name}" not in preview
    assert 'name="nonce"' in content


def test_optional_paragraphs_are_in_the_letter_only_when_ticked(client, action, embassy):
    template = action.templates.get(language="en")
    ticked, unticked = template.paragraphs.filter(kind=Paragraph.Kind.OPTIONAL)
    assert ticked.is_included_by_default and not unticked.is_included_by_default

    response = post_letter(client, action, targets=[embassy])
    assert response.status_code == 302, page(response)
    letter = Letter.objects.get()
    assert ticked.text in letter.body
    assert unticked.text not in letter.body

    post_letter(
        client,
        action,
        targets=[embassy],
        email="other@example.org",
        **{f"p_{ticked.pk}": None, f"p_{unticked.pk}": "on"},
    )
    second = Letter.objects.get(supporter__email="other@example.org")
    assert ticked.text not in second.body
    assert unticked.text in second.body


def test_placeholders_are_filled_for_each_target(client, action, embassy, san_francisco):
    response = post_letter(client, action, targets=[embassy, san_francisco], channels=("webform",))
    # Neither has a web form: refused, and nothing written.
    assert response.status_code == 400
    assert Letter.objects.count() == 0
    for target in (embassy, san_francisco):
        make_channel(target=target, kind="webform", value=f"https://example.org/{target.pk}")

    response = post_letter(client, action, targets=[embassy, san_francisco], channels=("webform",))
    assert response.status_code == 302
    letter = Letter.objects.get()
    assert "{target_name}" in letter.body  # kept: one letter, several targets
    sent = page(client.get(response["Location"]))
    assert "Your Excellency,\n\n" in sent
    assert f"Thank you, {embassy.name}, for considering" in sent
    assert "Dear Consul General,\n\n" in sent
    assert f"Thank you, {san_francisco.name}, for considering" in sent
    assert letter_text(letter=letter, target=san_francisco).startswith("Dear Consul General,")


@pytest.fixture
def white_house(db):
    target = make_target(
        name="The White House",
        category="government",
        represents="",
        salutation="Dear Mr. President",
        channels={"phone": "+12024561111"},
    )
    make_channel(
        target=target,
        kind="webform",
        value="https://www.whitehouse.gov/contact/",
        char_limit=2500,
    )
    return target


@pytest.fixture
def seed_action(db, white_house, embassy):
    return make_letter_action(
        selection="choose",
        targets=[white_house, embassy],
        languages=("en",),
        paragraphs=SEED_PARAGRAPHS,
    )


def test_a_letter_too_long_for_a_2500_character_web_form_is_refused_with_an_offer(
    client, seed_action, white_house
):
    response = post_letter(
        client, seed_action, targets=[white_house], channels=("webform", "phone")
    )
    content = page(response)
    assert response.status_code == 400
    assert Letter.objects.count() == 0
    assert re.search(r"Your letter to The White House has 2,[5-9]\d\d characters", content)
    assert "but its web form takes at most 2,500." in content
    assert "of 2,500 characters (the limit of the web form of The White House)" in content
    assert 'value="fit"' in content


def test_dropping_optional_paragraphs_longest_first_until_it_fits(client, seed_action, white_house):
    template = seed_action.templates.get()
    optional = list(template.paragraphs.filter(kind=Paragraph.Kind.OPTIONAL))
    longest = max(optional, key=lambda p: len(p.text))
    response = post_letter(
        client, seed_action, targets=[white_house], channels=("webform",), goto="fit"
    )
    content = page(response)
    assert response.status_code == 200
    assert longest.label == "Violence and trafficking"
    assert "We left out “Violence and trafficking”, so that your letter fits." in content
    # The box of the dropped paragraph is unticked, the others stay ticked.
    assert re.search(rf'name="p_{longest.pk}"[^>]*>', content).group(0).count("checked") == 0
    for paragraph in optional:
        if paragraph != longest:
            assert "checked" in re.search(rf'name="p_{paragraph.pk}"[^>]*>', content).group(0)
    assert "Your letter to The White House has" not in content

    # Sending what the page now holds goes through, within the limit.
    form = letter_form(seed_action, targets=[white_house], channels=("webform",))
    del form[f"p_{longest.pk}"]
    response = client.post(compose_url(seed_action), form)
    assert response.status_code == 302
    letter = Letter.objects.get()
    assert len(letter_text(letter=letter, target=white_house)) <= 2500
    assert longest.text not in letter.body


def test_when_even_dropping_every_optional_paragraph_is_not_enough_the_page_says_so(
    client, seed_action, white_house
):
    editable = seed_action.templates.get().paragraphs.get(kind=Paragraph.Kind.EDITABLE)
    response = post_letter(
        client,
        seed_action,
        targets=[white_house],
        channels=("webform",),
        goto="fit",
        **{f"e_{editable.pk}": "Please act now. " * 200},
    )
    content = page(response)
    assert "Even without the optional paragraphs your letter is too long for the web form" in (
        content
    )


def test_the_limit_applies_only_to_the_channel_that_has_it(client, seed_action, white_house):
    response = post_letter(client, seed_action, targets=[white_house], channels=("phone",))
    assert response.status_code == 302
    assert Delivery.objects.get().kind == "phone"


def test_letters_are_marked_personalised_only_when_the_supporter_changed_the_words(
    client, action, embassy
):
    editable = action.templates.get(language="en").paragraphs.get(kind="editable")
    post_letter(client, action, targets=[embassy], email="same@example.org")
    post_letter(
        client,
        action,
        targets=[embassy],
        email="edited@example.org",
        **{f"e_{editable.pk}": "My grandmother fled too. Please let them go to Seoul."},
    )
    post_letter(
        client,
        action,
        targets=[embassy],
        email="respaced@example.org",
        **{f"e_{editable.pk}": "  " + editable.text.replace(" ", "\n", 1) + "\n"},
    )
    post_letter(
        client,
        action,
        targets=[embassy],
        email="own@example.org",
        mode="own",
        own_text="I am writing in my own words to ask you to stop the repatriation.",
    )
    by_email = {letter.supporter.email: letter for letter in Letter.objects.all()}
    assert by_email["same@example.org"].is_personalised is False
    assert by_email["respaced@example.org"].is_personalised is False
    assert by_email["edited@example.org"].is_personalised is True
    assert "My grandmother fled too." in by_email["edited@example.org"].body
    assert by_email["own@example.org"].is_personalised is True
    assert by_email["own@example.org"].body == (
        "I am writing in my own words to ask you to stop the repatriation."
    )


def test_own_words_start_from_the_assembled_letter_and_unchanged_are_not_personal(
    client, action, embassy
):
    form = letter_form(action, targets=[embassy], goto="own")
    content = page(client.post(compose_url(action), form))
    own_text = re.search(r'<textarea name="own_text"[^>]*>\n?(.*?)</textarea>', content, re.S)
    assert own_text is not None
    body = own_text.group(1)
    assert body.startswith("Please do not send the North Korean refugees")
    # Shown filled in for the office, never as "{target_name}"; stored with the
    # placeholder again, so that each office reads its own name.
    assert "{" not in body
    assert f"Thank you, {embassy.name}, for considering" in body

    form = letter_form(action, targets=[embassy], mode="own", own_text=body)
    response = client.post(compose_url(action), form)
    assert response.status_code == 302
    letter = Letter.objects.get()
    assert letter.is_personalised is False
    assert "Thank you, {target_name}, for considering" in letter.body


def test_a_forged_target_is_refused(client, action, embassy):
    elsewhere = make_target(name="Someone Else", channels={"email": "someone@example.org"})
    response = post_letter(client, action, targets=[embassy, elsewhere])
    assert response.status_code == 400
    assert "You can only write to the offices this campaign lists." in page(response)
    assert Letter.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_a_closed_target_is_not_offered_and_cannot_be_forged_in(client, action, houston):
    response = post_letter(client, action, targets=[houston], channels=("fax",))
    assert response.status_code == 400
    assert Letter.objects.count() == 0


def test_a_target_without_a_working_channel_is_shown_unreachable_with_the_reason(client, embassy):
    bouncing = make_target(name="Consulate-General in Chicago", city="Chicago")
    make_channel(target=bouncing, kind="email", value="old@example.org", status="bouncing")
    action = make_letter_action(selection="choose", targets=[embassy, bouncing])
    sender = {"name": "Ana", "email": "ana@example.org", "country": "US", "goto": "targets"}
    content = page(client.post(compose_url(action), sender))
    assert f'value="{embassy.pk}"' in content
    assert f'value="{bouncing.pk}"' not in content
    assert "Consulate-General in Chicago</strong>: None of its addresses works at the moment" in (
        content
    )
    assert "email: bouncing" in content


def test_a_fixed_list_goes_straight_to_the_letter(client, embassy, san_francisco):
    action = make_letter_action(selection="fixed", targets=[embassy, san_francisco])
    sender = {"name": "Ana", "email": "ana@example.org", "country": "US", "goto": "targets"}
    content = page(client.post(compose_url(action), sender))
    assert 'name="compose_step"' in content
    assert embassy.name in content and san_francisco.name in content
    response = post_letter(client, action, channels=("fax",))
    assert response.status_code == 302
    assert {d.target_id for d in Delivery.objects.all()} == {embassy.pk, san_francisco.pk}


def test_deliveries_carry_the_agreed_keys_and_statuses(
    client, action, embassy, django_capture_on_commit_callbacks
):
    make_channel(target=embassy, kind="post", value="3505 International Place, N.W.")
    make_channel(target=embassy, kind="webform", value="https://example.org/contact")
    make_channel(target=embassy, kind="phone", value="+12024952266")
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_letter(
            client,
            action,
            targets=[embassy],
            channels=("email", "fax", "post", "webform", "phone"),
        )
    assert response.status_code == 302
    letter = Letter.objects.get()
    deliveries = {d.kind: d for d in letter.deliveries.all()}
    assert set(deliveries) == {"email", "fax", "post", "webform", "phone"}
    for kind, delivery in deliveries.items():
        assert delivery.idempotency_key == f"letter:{letter.pk}:{embassy.pk}:{kind}"
        assert delivery.target == embassy
        assert delivery.channel.kind == kind
    # Email and fax go out in the writer's name: they wait for the emailed link.
    assert {k for k, d in deliveries.items() if d.status == Delivery.Status.UNCONFIRMED} == {
        "email",
        "fax",
    }
    assert deliveries["post"].status == Delivery.Status.QUEUED  # the supporter prints it
    assert deliveries["webform"].status == Delivery.Status.SENT
    assert deliveries["webform"].sent_at is not None
    # One task, the confirmation email, queued when the transaction commits.
    assert len(callbacks) == 1


def test_the_same_form_sent_twice_makes_one_letter(client, action, embassy):
    form = letter_form(action, targets=[embassy], channels=("email", "fax"))
    first = client.post(compose_url(action), form)
    second = client.post(compose_url(action), form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Letter.objects.count() == 1
    assert Delivery.objects.count() == 2


def test_a_new_form_makes_a_new_letter(client, action, embassy):
    post_letter(client, action, targets=[embassy])
    post_letter(client, action, targets=[embassy])  # a fresh nonce: a second letter
    assert Letter.objects.count() == 2


def test_the_thank_you_page_lists_every_target_and_channel(client, action, embassy, san_francisco):
    response = post_letter(
        client, action, targets=[embassy, san_francisco], channels=("email", "fax")
    )
    # Once the writer has opened the link emailed to them and pressed its button.
    code = confirmation.confirmation_code(Letter.objects.get())
    assert client.post(reverse("letters:confirm", args=[code])).status_code == 200
    content = page(client.get(response["Location"]))
    assert content.count('class="delivery delivery-email"') == 2
    assert content.count('class="delivery delivery-fax"') == 2
    assert "(+14155630494) is on its way" in content
    assert "replies go to your own address." in content


def test_the_thank_you_page_of_another_letter_cannot_be_guessed(client, action, embassy):
    response = post_letter(client, action, targets=[embassy])
    letter = Letter.objects.get()
    assert response["Location"].endswith(f"/sent/{letter.nonce}/")
    assert len(letter.nonce) >= 24
    assert client.get(f"/en/letters/{action.slug}/sent/{letter.pk}/").status_code == 404


def test_mailto_link_carries_recipient_subject_and_korean_body_encoded(client, action, embassy):
    response = post_letter(
        client, action, targets=[embassy], channels=("mailto",), language="ko", page_language="ko"
    )
    assert response.status_code == 302
    content = client.get(response["Location"]).content.decode()
    href = re.search(r'href="(mailto:[^"]+)"', content).group(1).replace("&amp;", "&")
    assert href.startswith("mailto:chinaembpress_us@mfa.gov.cn?subject=")
    assert " " not in href and "\n" not in href
    assert "%EB%82%9C%EB%AF%BC" in href  # 난민, percent-encoded UTF-8
    query = href.split("?", 1)[1]
    subject, body = (part.split("=", 1)[1] for part in query.split("&"))
    letter = Letter.objects.get()
    assert unquote(subject) == "난민을 돌려보내지 마십시오"
    expected = letter_text(letter=letter, target=embassy)
    assert unquote(body) == expected.replace("\n", "\r\n")
    assert "%0D%0A" in body
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_a_long_mailto_letter_warns_and_offers_the_text_to_copy(client, embassy):
    action = make_letter_action(
        selection="choose", targets=[embassy], languages=("en",), paragraphs=SEED_PARAGRAPHS
    )
    response = post_letter(client, action, targets=[embassy], channels=("mailto",))
    content = page(client.get(response["Location"]))
    assert "some email programs cut it short" in content
    assert 'data-copy="copy-' in content


def test_web_form_delivery_shows_the_letter_to_copy_and_the_form_link(
    client, seed_action, white_house
):
    optional = seed_action.templates.get().paragraphs.filter(kind="optional")
    unticked = {f"p_{p.pk}": None for p in optional}
    response = post_letter(
        client, seed_action, targets=[white_house], channels=("webform",), **unticked
    )
    content = page(client.get(response["Location"]))
    assert '<textarea id="copy-' in content and "readonly" in content
    assert 'maxlength="2500"' in content
    assert 'href="https://www.whitehouse.gov/contact/"' in content
    assert "the form takes up to 2,500" in content


def test_phone_delivery_shows_a_call_script_and_a_tel_link(client, seed_action, white_house):
    response = post_letter(client, seed_action, targets=[white_house], channels=("phone",))
    content = page(client.get(response["Location"]))
    assert 'href="tel:+12024561111"' in content
    assert "Call +1 202-456-1111" in content
    assert "Hello, my name is Min-jun Kim and I live in Boston." in content
    subject = seed_action.templates.get().subject
    assert f"I am calling about “{subject}”. I have also written to The White House" in content
    assert "I am calling The White House" not in content


def test_the_organisers_call_script_is_used_when_there_is_one(client, seed_action, white_house):
    template = seed_action.templates.get()
    template.call_script = "This is {supporter_name} calling {target_name} about the refugees."
    template.save()
    response = post_letter(client, seed_action, targets=[white_house], channels=("phone",))
    content = page(client.get(response["Location"]))
    assert "This is Min-jun Kim calling The White House about the refugees." in content


def test_the_korean_page_is_in_korean(client, action):
    content = page(client.get(compose_url(action, "ko")))
    assert '<html lang="ko">' in content
    assert "중국 대사관에 편지를 보내세요" in content
    assert "이메일 주소" in content
    assert "Write to the Chinese embassy" not in content
    sender = {"name": "김민준", "email": "min@example.org", "country": "KR", "goto": "targets"}
    targets_page = page(client.post(compose_url(action, "ko"), sender))
    assert '<html lang="ko">' in targets_page
    assert "대한민국" in page(client.get(compose_url(action, "ko")))  # country names in Korean


def test_the_letter_starts_in_the_page_language(client, action, embassy):
    form = letter_form(action, targets=[embassy], goto="compose")
    del form["compose_step"], form["letter_language"]
    content = page(client.post(compose_url(action, "ko"), form))
    assert "최근 중국에서 체포된 탈북 난민들을" in content
    assert 'name="letter_language" value="ko"' in content


def test_the_targets_preferred_language_is_suggested_with_a_switch(client, db):
    beijing = make_target(
        name="Ministry of Foreign Affairs",
        country="CN",
        languages="zh,en",
        channels={"email": "mfa@example.cn"},
    )
    paragraphs = {
        "en": [("required", True, "", "Please let them go.")],
        "zh-hans": [("required", True, "", "请放他们走。")],
    }
    action = make_letter_action(
        selection="fixed", targets=[beijing], languages=("en", "zh-hans"), paragraphs=paragraphs
    )
    form = letter_form(action, goto="compose")
    del form["compose_step"]
    content = page(client.post(compose_url(action), form))
    assert "Ministry of Foreign Affairs prefers letters in 简体中文" in content
    assert 'name="switch_language" value="zh-hans"' in content

    form["switch_language"] = "zh-hans"
    form["compose_step"] = "1"
    content = page(client.post(compose_url(action), form))
    assert 'name="letter_language" value="zh-hans"' in content
    assert "请放他们走。" in content


def test_nearest_mission_is_offered_in_the_supporters_country(client, embassy):
    seoul = make_target(
        name="Embassy of the People's Republic of China in the Republic of Korea",
        country="KR",
        city="Seoul",
        channels={"fax": "+8227380038"},
    )
    busan = make_target(
        name="Consulate-General of the People's Republic of China in Busan",
        country="KR",
        city="Busan",
        category="consulate",
        channels={"fax": "+82514687412"},
    )
    action = make_letter_action(
        selection="nearest_mission", represents="CN", targets=[embassy, seoul, busan]
    )
    sender = {"name": "김민준", "email": "min@example.org", "country": "KR", "goto": "targets"}
    content = page(client.post(compose_url(action), sender))
    # No town given: the supporter chooses, nothing is ticked for them.
    assert "You did not give your town, so please choose the office to write to." in content
    assert f'value="{seoul.pk}" id="target-{seoul.pk}">' in content
    assert f'id="target-{busan.pk}"' in content
    assert f'id="target-{embassy.pk}"' not in content

    response = post_letter(
        client, action, targets=[seoul], channels=("fax",), country="KR", name="김민준"
    )
    assert response.status_code == 302
    assert Delivery.objects.get().target == seoul
    # An embassy elsewhere cannot be forged in.
    response = post_letter(client, action, targets=[embassy], country="KR", email="x@example.org")
    assert response.status_code == 400


def test_nearest_mission_needs_a_country(client, embassy):
    action = make_letter_action(selection="nearest_mission", represents="CN", targets=[embassy])
    response = client.post(
        compose_url(action), {"name": "Ana", "email": "ana@example.org", "goto": "targets"}
    )
    assert response.status_code == 400
    assert "Please choose the country you live in." in page(response)
    response = client.post(
        compose_url(action),
        {"name": "Ana", "email": "ana@example.org", "country": "IS", "goto": "targets"},
    )
    # No mission in Iceland: the embassies elsewhere are offered, none ticked.
    content = page(response)
    assert response.status_code == 200
    assert "We know of no office in the country you chose." in content
    assert f'id="target-{embassy.pk}"' in content
    assert f'id="target-{embassy.pk}" checked' not in content


@pytest.fixture
def congress(db):
    senators = [
        make_target(
            name=f"Senator {name}",
            category="legislator",
            represents="",
            region="MD",
            salutation=f"Dear Senator {name}",
            channels={"email": f"{name.lower()}@senate.example"},
        )
        for name in ("Cardin", "Mikulski")
    ]
    representatives = [
        make_target(
            name=f"Representative {name}",
            category="legislator",
            represents="",
            region="MD",
            district=district,
            channels={"email": f"{name.lower()}@house.example"},
        )
        for name, district in (("Sarbanes", 3), ("Van Hollen", 8))
    ]
    ZipDistrict.objects.create(zcta="20910", state="MD", district=3)
    ZipDistrict.objects.create(zcta="20910", state="MD", district=8)
    ZipDistrict.objects.create(zcta="21201", state="MD", district=3)
    action = make_letter_action(
        selection="us_congress", targets=[*senators, *representatives], channels="email,mailto"
    )
    return action, senators, representatives


def test_my_senators_and_representative_from_my_zip_code(client, congress):
    action, senators, (sarbanes, _van_hollen) = congress
    sender = {"name": "Ana", "email": "ana@example.org", "zip_code": "21201", "goto": "targets"}
    content = page(client.post(compose_url(action), sender))
    for target in [*senators, sarbanes]:
        assert f'value="{target.pk}" id="target-{target.pk}" checked' in content
    assert "Van Hollen" not in content


def test_a_zip_code_across_two_districts_asks_which(client, congress):
    action, senators, (sarbanes, van_hollen) = congress
    sender = {"name": "Ana", "email": "ana@example.org", "zip_code": "20910", "goto": "targets"}
    content = page(client.post(compose_url(action), sender))
    assert "more than one congressional district" in content
    assert 'value="MD-3"' in content and 'value="MD-8"' in content
    content = page(client.post(compose_url(action), sender | {"district": "MD-8"}))
    assert f'value="{van_hollen.pk}"' in content
    assert f'value="{sarbanes.pk}"' not in content
    assert 'name="district" value="MD-8"' in content  # carried to the next steps

    form = letter_form(
        action,
        targets=[*senators, van_hollen],
        zip_code="20910",
        district="MD-8",
        country=None,
    )
    assert client.post(compose_url(action), form).status_code == 302
    assert {d.target_id for d in Delivery.objects.all()} == {
        senators[0].pk,
        senators[1].pk,
        van_hollen.pk,
    }
    # The representative of the other district cannot be added by hand.
    form = letter_form(
        action, targets=[sarbanes], zip_code="20910", district="MD-8", email="b@example.org"
    )
    assert client.post(compose_url(action), form).status_code == 400


def test_an_unknown_zip_code_gets_a_clear_message(client, congress):
    action = congress[0]
    response = client.post(
        compose_url(action),
        {"name": "Ana", "email": "ana@example.org", "zip_code": "99999", "goto": "targets"},
    )
    assert response.status_code == 400
    assert "We know of no congressional district for the ZIP code 99999." in page(response)


def test_a_letter_by_post_is_offered_as_a_pdf_to_print(client, action, embassy):
    make_channel(
        target=embassy, kind="post", value="3505 International Place, N.W.\nWashington, DC 20008"
    )
    response = post_letter(
        client, action, targets=[embassy], channels=("post",), language="ko", name="김민준"
    )
    sent = page(client.get(response["Location"]))
    assert "Print your letter, sign it, and post it to:" in sent
    pdf_url = re.search(r'href="([^"]+letter\.pdf)"', sent).group(1)
    download = client.get(pdf_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(download.content)).pages)
    assert "최근 중국에서 체포된 탈북 난민들을" in text
    assert "3505 International Place" in text
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_an_unreachable_target_links_to_the_address_report(client, embassy):
    silent = make_target(name="Consulate-General in Chicago")
    action = make_letter_action(selection="choose", targets=[embassy, silent])
    sender = {"name": "Ana", "email": "ana@example.org", "country": "US", "goto": "targets"}
    content = page(client.post(compose_url(action), sender))
    report = reverse("directory:report", args=[silent.pk])
    assert f'href="{report}"' in content
    assert client.get(report).status_code == 200


def test_fax_is_not_offered_on_a_site_without_a_fax_service(client, action, embassy, settings):
    settings.FAX_BACKEND = "none"
    assert "fax" not in channels.offered(action)
    response = post_letter(client, action, channels=("fax",))
    assert response.status_code == 400
    assert not Letter.objects.exists()
