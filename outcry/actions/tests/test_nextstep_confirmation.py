"""After a letter's confirmation link, the next step of the browser that opened it."""

import html
from urllib.parse import urlsplit

from django.test import Client

from outcry.testing import (
    letter_form,
    post_signature,
)


def confirmation_path(mail_server) -> str:
    [message] = [m for m in mail_server.inbox.messages() if m["To"] == "writer@example.org"]
    body = message.get_body(("plain",)).get_content()
    return urlsplit(next(word for word in body.split() if "/confirm/" in word)).path


def send_and_confirm(writer: Client, opener: Client, action, mail_server, capture) -> str:
    """Write a letter by email in *writer*, open its link in *opener* and press Send."""
    with capture(execute=True):
        response = writer.post(
            f"/en/letters/{action.slug}/",
            letter_form(action, channels=("email",), email="writer@example.org"),
        )
    assert response.status_code == 302
    path = confirmation_path(mail_server)
    before = html.unescape(opener.get(path).content.decode())
    assert "Send my letter" in before and "Now sign the petition" not in before
    with capture(execute=True):
        page = opener.post(path)
    assert page.status_code == 200
    return html.unescape(page.content.decode())


def test_the_confirmed_letters_page_offers_the_petition(
    client, petition, action, mail_server, django_capture_on_commit_callbacks
):
    page = send_and_confirm(client, client, action, mail_server, django_capture_on_commit_callbacks)
    assert "Your email address is confirmed and your letter is on its way." in page
    assert "Now sign the petition" in page
    assert f"#petition-{petition.slug}" in page
    assert "Now ask your friends to write too" in page


def test_a_browser_that_signed_and_confirms_its_letter_is_not_asked_to_sign_again(
    client, petition, action, mail_server, django_capture_on_commit_callbacks
):
    post_signature(client, petition, email="writer@example.org")
    page = send_and_confirm(client, client, action, mail_server, django_capture_on_commit_callbacks)
    assert "Your email address is confirmed" in page
    assert "Now sign the petition" not in page
    assert "Now ask your friends to write too" in page


def test_the_link_opened_on_another_device_offers_the_petition_there(
    client, petition, action, mail_server, django_capture_on_commit_callbacks
):
    post_signature(client, petition, email="writer@example.org")
    phone = Client()
    page = send_and_confirm(client, phone, action, mail_server, django_capture_on_commit_callbacks)
    assert "Now sign the petition" in page
