"""Third attack on the letter's confirmation (issue 10): a stranger typing someone else's address.

Each test is an attack on the confirmation email or link, through the
composer and the real SMTP server: the email carries nothing the stranger
typed beyond a short greeting (the page behind the link shows the letter),
a link confirms only the letter it was emailed for, and only the press that
sends a letter makes the browser remember its writer.
"""

import html
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outcry.letters.models import Letter
from outcry.letters.tests.test_confirmation import (  # noqa: F401 - fixtures
    EMBASSY_EMAIL,
    action,
    embassy,
    post,
)
from outcry.letters.views import SENDER_COOKIE

SPAM = "Cheap pills at pills.example.com, today only"


@pytest.fixture
def write(post):  # noqa: F811 - the fixture imported above
    """test_confirmation's post, from a stranger's network unless told otherwise."""

    def writing(*, via=None, address="203.0.113.9", **form):
        return post(via=via or Client(), address=address, **form)

    return writing


def to(mail_server, address: str) -> list:
    return [m for m in mail_server.inbox.messages() if m["To"].addresses[0].addr_spec == address]


def link_in(message) -> str:
    body = message.get_body(("plain",)).get_content()
    url = next(word for word in body.split() if "/confirm/" in word)
    return url[url.index("/", len("https://")) :]


def both_parts(message) -> str:
    return message.get_body(("plain",)).get_content() + message.get_body(("html",)).get_content()


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_email_carries_neither_the_subject_nor_the_letter_a_stranger_typed(
    write,
    mail_server,
    embassy,  # noqa: F811 - the fixture imported above
):
    write(
        email="victim@example.org",
        name="Kim",
        subject=f"Subject: {SPAM}",
        mode="own",
        own_text=f"Dear friend, {SPAM}. Reply to claim your prize.",
    )
    [message] = to(mail_server, "victim@example.org")
    assert "pills" not in message["Subject"], "the site mailed a stranger's subject"
    assert "pills" not in both_parts(message), "the site mailed a stranger's letter"
    # What it is, for which campaign and to whom: the organisers' words only.
    assert message["Subject"] == "Confirm to send your letter: Write to the Chinese embassy"
    assert f"{embassy.name} (email)" in both_parts(message)
    assert "The page the link opens shows the letter" in both_parts(message)
    # The page behind the link shows the subject, the letter and the offices.
    page = page_text(Client().get(link_in(message)))
    assert f"Subject: {SPAM}" in page and "Reply to claim your prize." in page
    assert embassy.name in page and "Send my letter" in page


def test_the_greeting_is_a_plain_hello_never_the_typed_name(write, mail_server):
    write(email="victim@example.org", name="Visit-pills.example.com-for-cheap-pills-today")
    [message] = to(mail_server, "victim@example.org")
    first_line = message.get_body(("plain",)).get_content().splitlines()[0]
    assert first_line == "Hello,"
    assert "pills" not in both_parts(message)


def test_a_strangers_later_letter_does_not_change_what_the_owners_link_sends(write, mail_server):
    # Letters are never replaced: every form is its own letter with its own link.
    owner = Client()
    write(via=owner, email="ji@example.org", name="Ji-woo", address="198.51.100.4")
    [mine] = to(mail_server, "ji@example.org")
    write(email="ji@example.org", name="Ji-woo", mode="own", own_text=SPAM)
    page = page_text(owner.get(link_in(mine)))
    assert SPAM not in page
    owner.post(link_in(mine))
    sent, waiting = Letter.objects.order_by("pk")
    assert sent.confirmed_at is not None and waiting.confirmed_at is None
    assert SPAM not in sent.body


def test_opening_a_used_link_does_not_remember_the_writer(write, mail_server):
    writer = Client()
    write(via=writer, email="ji@example.org", address="198.51.100.4")
    path = link_in(to(mail_server, "ji@example.org")[0])
    writer.post(path)
    assert SENDER_COOKIE in writer.cookies  # the press that sent it: remembered
    assert writer.cookies[SENDER_COOKIE]["max-age"] == 86400  # a day, not ninety

    # The link leaks (a forwarded email, a shared screen): opening it or
    # pressing again shows what was sent, and remembers nobody.
    finder = Client()
    opened = finder.get(path)
    assert opened.status_code == 200 and "Thank you for writing" in page_text(opened)
    assert SENDER_COOKIE not in opened.cookies, "a used link made its opener the writer"
    again = finder.post(path)
    assert SENDER_COOKIE not in again.cookies, "a used link made its presser the writer"
    before = len(to(mail_server, EMBASSY_EMAIL))
    write(via=finder, email="ji@example.org", address="192.0.2.50")
    assert len(to(mail_server, EMBASSY_EMAIL)) == before  # waits for a new link


def test_opening_an_expired_link_does_not_remember_the_writer(
    write, mail_server, settings, time_machine
):
    time_machine.move_to(timezone.now())
    write(email="ji@example.org")
    path = link_in(to(mail_server, "ji@example.org")[0])
    time_machine.shift(timedelta(days=settings.LETTER_CONFIRMATION_DAYS, minutes=1))
    finder = Client()
    for response in (finder.get(path), finder.post(path)):
        assert response.status_code == 410
        assert SENDER_COOKIE not in response.cookies
