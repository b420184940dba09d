"""The thank-you page's next step: after signing the letter, after a letter the petition.

The name and email typed into the petition are carried into the letter's form
by a signed cookie of this browser only; whether the petition is offered after
a letter depends on what this browser did, never on the address typed.
"""

import html
import re
from datetime import timedelta
from urllib.parse import quote, unquote

from django.test import Client
from django.utils import timezone

from outcry.actions.nextstep import CARRY_COOKIE, DONE_COOKIE
from outcry.campaigns.models import Campaign
from outcry.testing import (
    letter_form,
    make_campaign,
    make_letter_action,
    make_petition,
    post_signature,
)

NAME = "Seo-yeon Carrytest"
EMAIL = "seoyeon.carry@example.org"
# Where a URL could hold what was typed: a link, a form's target, a script or image.
URL_ATTRIBUTE = re.compile(r'(?:href|action|src|formaction)="([^"]*)"')


def text(response) -> str:
    return html.unescape(response.content.decode())


def next_step(response) -> str:
    """The next-step section of a thank-you page, or "" when it offers no other action."""
    match = re.search(r'<section class="next-step".*?</section>', text(response), re.S)
    return match.group(0) if match else ""


def sign(client, petition, **fields):
    response = post_signature(client, petition, **{"name": NAME, "email": EMAIL} | fields)
    assert response.status_code == 302
    return client.get(response["Location"])


def compose_page(client, action) -> str:
    return text(client.get(f"/en/letters/{action.slug}/"))


def write(client, action, **fields):
    """Send a letter the writer sends themself (mailto: no confirmation), and open its page."""
    form = letter_form(action, channels=("mailto",), **{"name": NAME, "email": EMAIL} | fields)
    response = client.post(f"/en/letters/{action.slug}/", form)
    assert response.status_code == 302, text(response)
    return client.get(response["Location"])


def value_of(page: str, field: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{field}"[^>]*>', page)
    assert match, f"no {field} field"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def test_after_signing_the_thank_you_page_offers_the_letter(client, petition, action):
    thanks = sign(client, petition)
    offer = next_step(thanks)
    assert "Now write a letter" in offer
    assert "Write to the Chinese embassy" in offer  # the letter's own title
    assert f'href="/en/letters/{action.slug}/"' in offer
    assert "Your name and email address are filled in as you just typed them." in offer
    # Sharing comes after it, as on every thank-you page.
    assert text(thanks).index("Now write a letter") < text(thanks).index(
        "Now ask your friends to sign"
    )
    assert "Cookie" in thanks["Vary"]


def test_the_letters_form_opens_with_the_name_and_email_typed_into_the_petition(
    client, petition, action
):
    sign(client, petition)
    page = compose_page(client, action)
    assert value_of(page, "name") == NAME
    assert value_of(page, "email") == EMAIL
    assert "filled in as you typed them a moment ago in this browser" in page


def test_another_browser_gets_neither_the_name_nor_the_email(client, petition, action):
    sign(client, petition)
    stranger = Client()
    page = compose_page(stranger, action)
    assert NAME not in page and EMAIL not in page
    assert value_of(page, "name") is None and value_of(page, "email") is None
    assert "filled in" not in page


def test_the_name_and_email_are_in_no_url(client, petition, action):
    response = post_signature(client, petition, name=NAME, email=EMAIL)
    urls = [response["Location"]]
    for page in (client.get(response["Location"]), client.get(f"/en/letters/{action.slug}/")):
        urls += URL_ATTRIBUTE.findall(page.content.decode())
        urls += [page.get("Location", "")]
    sent = write(client, action)
    urls += [
        url for url in URL_ATTRIBUTE.findall(sent.content.decode()) if not url.startswith("mailto:")
    ]
    assert len(urls) > 10
    for url in urls:
        for secret in (NAME, EMAIL, quote(NAME), quote(EMAIL), "Carrytest", "seoyeon"):
            assert secret not in unquote(html.unescape(url)), url
    # The cookies carrying them are this browser's alone, and out of reach of scripts.
    for name in (CARRY_COOKIE, DONE_COOKIE):
        assert client.cookies[name]["httponly"]
        assert client.cookies[name]["samesite"] == "Lax"


def test_what_was_typed_is_carried_for_an_hour_only(client, petition, action, time_machine):
    time_machine.move_to(timezone.now())
    sign(client, petition)
    time_machine.shift(timedelta(minutes=59))
    assert value_of(compose_page(client, action), "name") == NAME
    time_machine.shift(timedelta(minutes=2))
    assert value_of(compose_page(client, action), "name") is None


def test_a_forged_cookie_carries_nothing(client, petition, action):
    client.cookies[CARRY_COOKIE] = "eyJuYW1lIjoiRXZlIiwiZW1haWwiOiJldmVAZXhhbXBsZS5vcmcifQ:1:x"
    client.cookies[DONE_COOKIE] = "garbage"
    page = compose_page(client, action)
    assert "Eve" not in page and value_of(page, "email") is None
    assert "Now sign the petition" in next_step(write(client, action))


def test_after_a_letter_the_petition_is_offered_to_a_browser_that_did_not_sign(
    client, petition, action
):
    sent = write(client, action)
    offer = next_step(sent)
    assert "Now sign the petition" in offer
    assert "Protect the refugees" in offer  # the petition's title
    assert f'href="/en/c/{petition.campaign.slug}/#petition-{petition.slug}"' in offer
    assert "Now ask your friends to write too" in text(sent)
    # The link leads to the petition's form on the campaign page.
    campaign_page = text(client.get(f"/en/c/{petition.campaign.slug}/"))
    assert f'id="petition-{petition.slug}"' in campaign_page


def test_after_a_letter_a_browser_that_signed_is_not_asked_to_sign_again(client, petition, action):
    sign(client, petition)
    sent = write(client, action)
    assert next_step(sent) == ""
    assert "Sign the petition" not in text(sent)
    assert "Now ask your friends to write too" in text(sent)
    for name in ["X", "Facebook", "WhatsApp", "Telegram", "LINE", "KakaoStory", "Email"]:
        assert f">{name}</a>" in text(sent)


def test_the_petition_is_offered_even_when_the_typed_address_signed_in_another_browser(
    petition, action
):
    """No oracle: the page after a letter is the same whether its address signed or not."""
    signer = Client()
    sign(signer, petition, email="known@example.org")
    assert petition.signatures.filter(supporter__email="known@example.org").exists()

    def offer_after_letter(email: str) -> str:
        return next_step(write(Client(), action, email=email))

    known, unknown = offer_after_letter("known@example.org"), offer_after_letter("new@example.org")
    assert "Now sign the petition" in known
    assert known == unknown


def test_signing_one_petition_here_still_offers_the_campaigns_other_petition(
    client, petition, action
):
    other = make_petition(campaign=petition.campaign)
    sign(client, petition)
    assert f"#petition-{other.slug}" in next_step(write(client, action))


def test_a_signature_over_the_address_limit_is_remembered_like_any_other(
    client, petition, action, settings
):
    settings.RATELIMIT_SIGN_PER_EMAIL = 0
    thanks = sign(client, petition)
    assert "Now write a letter" in next_step(thanks)
    assert value_of(compose_page(client, action), "email") == EMAIL
    assert next_step(write(client, action)) == ""


def test_without_a_letter_action_the_next_step_after_signing_is_sharing(client, petition):
    thanks = sign(client, petition)
    assert next_step(thanks) == ""
    assert "Now ask your friends to sign" in text(thanks)


def test_a_closed_letter_action_is_not_offered(client, petition):
    make_letter_action(campaign=petition.campaign, is_open=False)
    assert next_step(sign(client, petition)) == ""


def test_once_the_campaign_is_closed_only_sharing_is_offered(client, petition, action):
    letter = write(client, action)
    assert "Now sign the petition" in next_step(letter)
    Campaign.objects.filter(pk=petition.campaign.pk).update(status=Campaign.Status.WON)
    assert next_step(client.get(letter.request["PATH_INFO"])) == ""
    thanks = client.get(f"/en/petitions/{petition.slug}/thanks/")
    assert next_step(thanks) == ""
    assert "Now ask your friends to sign" in text(thanks)


def test_the_letter_of_another_campaign_is_not_offered(client, petition):
    make_letter_action(campaign=make_campaign())
    assert next_step(sign(client, petition)) == ""


def test_the_next_step_speaks_korean(client, petition, action):
    response = post_signature(client, petition, language="ko", name=NAME, email=EMAIL)
    offer = next_step(client.get(response["Location"]))
    assert "이제 편지를 써 주세요" in offer
    assert "중국 대사관에 편지를 보내세요" in offer  # the letter's Korean title
    assert f'href="/ko/letters/{action.slug}/"' in offer
