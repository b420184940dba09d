# ruff: noqa: F811 - fixtures are imported from test_confirmation
"""The writer gets a copy of their letter once, and only once they proved their address.

Through HTTP, with the real SMTP server on loopback (aiosmtpd) receiving the
confirmation emails, the letters and the copies. A copy mailed to an address
nobody proved would let anyone mail any text to anyone, so every test checks
who got what.
"""

from django.test import Client

from outcry.core.mail import engine
from outcry.core.models import OutgoingEmail
from outcry.directory.testing import make_channel
from outcry.letters.models import Letter
from outcry.letters.tests.test_confirmation import (  # noqa: F401 - fixtures
    EMBASSY_EMAIL,
    action,
    embassy,
    link_in,
    open_link,
    post,
    to,
)
from outcry.supporters.mailbox import Report, record_report
from outcry.supporters.services import erase_supporter

WRITER = "min@example.org"


def receipts(mail_server, address: str = WRITER) -> list:
    return [m for m in to(mail_server, address) if "/confirm/" not in plain(m)]


def confirmations(mail_server, address: str = WRITER) -> list:
    return [m for m in to(mail_server, address) if "/confirm/" in plain(m)]


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_confirming_the_address_sends_one_copy_with_the_text_and_where_it_went(
    post,
    open_link,
    mail_server,
    embassy,
):
    post(email=WRITER, channels=("email", "fax"))
    assert receipts(mail_server) == []  # nothing before the address is proven
    open_link(link_in(confirmations(mail_server)[0]))

    [copy] = receipts(mail_server)
    assert copy["Subject"] == "Your letter: Write to the Chinese embassy"
    body = plain(copy)
    assert body.startswith("Hello Min-jun,")
    # The letter, as the embassy reads it, with its subject.
    assert "Your Excellency," in body
    assert "Please do not send the North Korean refugees" in body
    assert "Subject: " in body
    # Where and how it went: the office, the way, the office's public address.
    assert f"{embassy.name} (email): {EMBASSY_EMAIL}" in body
    assert f"{embassy.name} (fax): +12024952138" in body
    html = copy.get_body(("html",)).get_content()
    assert "Please do not send the North Korean refugees" in html
    key = OutgoingEmail.objects.get(purpose="letter-receipt").idempotency_key
    assert key == f"letter-receipt:{Letter.objects.get().pk}:0"


def test_an_unconfirmed_address_gets_no_copy(post, mail_server, embassy):
    # A stranger types someone's address: the owner gets the link, never the text.
    post(email="victim@example.org", channels=("email", "fax"), address="203.0.113.9")
    assert len(confirmations(mail_server, "victim@example.org")) == 1
    assert receipts(mail_server, "victim@example.org") == []
    assert not OutgoingEmail.objects.filter(purpose="letter-receipt").exists()


def test_confirming_twice_sends_one_copy(
    client,
    post,
    open_link,
    mail_server,
):
    post(email=WRITER)
    path = link_in(confirmations(mail_server)[0])
    open_link(path)
    client.post(path)  # a double click
    open_link(path)  # the link again, days later
    assert len(receipts(mail_server)) == 1
    assert OutgoingEmail.objects.filter(purpose="letter-receipt").count() == 1


def test_an_erased_writer_gets_no_copy(
    settings,
    post,
    open_link,
    mail_server,
):
    settings.MAIL_SEND_ON_COMMIT = False  # as in production: the senders send
    post(email=WRITER)
    engine.send_due()
    open_link(link_in(confirmations(mail_server)[0]))
    # The writer asks for their data to be erased before the sender reaches the copy.
    erase_supporter(supporter_id=Letter.objects.get().supporter_id)
    engine.send_due()
    assert receipts(mail_server) == []
    assert all("erased" not in m["To"].addresses[0].addr_spec for m in mail_server.inbox.messages())


def test_an_address_that_bounced_or_complained_gets_no_copy(
    post,
    open_link,
    mail_server,
):
    for address, report in (
        ("bounced@example.org", Report.HARD_BOUNCE),
        ("complained@example.org", Report.COMPLAINT),
    ):
        post(email=address)
        record_report(address=address, report=report)
        # The confirmation link still goes: it is mail the writer asked for.
        open_link(link_in(confirmations(mail_server, address)[0]))
        assert receipts(mail_server, address) == [], address
    assert len(to(mail_server, EMBASSY_EMAIL)) == 2  # the letters themselves went


def test_a_korean_writer_gets_a_korean_copy(
    post,
    open_link,
    mail_server,
    embassy,
):
    embassy.names.create(language="ko", name="주미 중국대사관")
    post(email=WRITER, language="ko")
    open_link(link_in(confirmations(mail_server)[0]))
    [copy] = receipts(mail_server)
    assert copy["Content-Language"] == "ko"
    assert copy["Subject"].startswith("보내신 편지:")
    body = plain(copy)
    assert "주미 중국대사관 (이메일)" in body
    assert "Hello" not in body and "Where it goes" not in body
    # The letter itself is in the language it was written in.
    assert "Please do not send the North Korean refugees" in body


def test_a_browser_that_proved_the_address_gets_a_copy_of_each_later_letter(
    post,
    open_link,
    mail_server,
):
    post(email=WRITER)
    open_link(link_in(confirmations(mail_server)[0]))
    post(email=WRITER)  # the same browser: the cookie proves the address
    assert len(confirmations(mail_server)) == 1
    assert len(receipts(mail_server)) == 2
    # The same address in another browser proves nothing: a link, no copy.
    post(email=WRITER, via=Client())
    assert len(confirmations(mail_server)) == 2
    assert len(receipts(mail_server)) == 2


def test_a_letter_by_post_gets_a_copy_only_when_the_address_was_proven(
    post,
    open_link,
    mail_server,
    embassy,
):
    make_channel(target=embassy, kind="post", value="3505 International Place, N.W.")
    post(email=WRITER, channels=("post",))
    assert mail_server.inbox.messages() == []  # post needs no link, and proves nothing
    post(email=WRITER)
    open_link(link_in(confirmations(mail_server)[0]))
    assert len(receipts(mail_server)) == 1  # the email letter's
    post(email=WRITER, channels=("post",))  # now this browser proved the address
    [_email, by_post] = receipts(mail_server)
    assert f"{embassy.name} (post)" in plain(by_post)
    assert "A letter by post goes once it is printed and posted." in plain(by_post)


def test_letters_by_mailto_web_form_or_phone_get_no_copy(
    post,
    open_link,
    mail_server,
    embassy,
):
    make_channel(target=embassy, kind="phone", value="+12024952266")
    post(email=WRITER)
    open_link(link_in(confirmations(mail_server)[0]))
    post(email=WRITER, channels=("mailto", "phone"))  # proven, but the writer sent it
    assert len(receipts(mail_server)) == 1
