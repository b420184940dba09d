"""Address headers stay the addresses outcry meant, whatever a name holds (security issue 8).

A name written as an RFC 2047 encoded word ("=?utf-8?b?…?=") is decoded by mail
readers, and by Python's parser, wherever it stands; what it hides
(", Bcc: evil@…") then reads as more addresses. Mail goes through a real SMTP
server on loopback and is parsed back as a mail client would.
"""

import base64
from email import policy
from email.parser import BytesParser

import pytest
from django.core import mail

from outcry.core.env import env_email
from outcry.core.mail import UnsafeAddress, address_header, render_message
from outcry.testing import MailServer


def encoded(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


HOSTILE_NAMES = [
    encoded("Bcc: evil@attacker.example, x"),
    encoded("evil@attacker.example>, <x"),
    f'"{encoded("evil@attacker.example, x")}"',
    "=?utf-8?q?evil=40attacker.example=2C_x?=",
    "Ann <evil@attacker.example>, Bcc: evil@attacker.example",
    "O'Brien, Ann",
    "김민지",
]


@pytest.fixture
def smtp(settings, monkeypatch):
    server = MailServer()
    server.start()
    monkeypatch.setenv("EMAIL_URL", server.url)
    settings.MAILERS = {"default": env_email("EMAIL_URL", outbox_dir=settings.EMAIL_OUTBOX_DIR)}
    yield server
    server.stop()


def received(server):
    [envelope] = server.inbox.envelopes
    return envelope, BytesParser(policy=policy.default).parsebytes(envelope.original_content)


def addresses(message, header: str) -> list[str]:
    value = message[header]
    return [] if value is None else [address.addr_spec for address in value.addresses]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_name_stays_a_name_in_from_to_reply_to_cc_and_bcc(smtp, name):
    mail.EmailMessage(
        subject="A letter",
        body="Text.",
        from_email=address_header("noreply@outcry.example", name),
        to=[address_header("embassy@example.org", name)],
        cc=[address_header("copy@example.org", name)],
        bcc=[address_header("hidden@example.org", name)],
        reply_to=[address_header("min@example.org", name)],
    ).send()
    envelope, message = received(smtp)
    assert addresses(message, "From") == ["noreply@outcry.example"]
    assert addresses(message, "To") == ["embassy@example.org"]
    assert addresses(message, "Cc") == ["copy@example.org"]
    assert addresses(message, "Reply-To") == ["min@example.org"]
    assert message["Bcc"] is None
    assert sorted(envelope.rcpt_tos) == [
        "copy@example.org",
        "embassy@example.org",
        "hidden@example.org",
    ]
    if "=?" not in name:
        assert message["From"].addresses[0].display_name == name  # shown as written


def test_an_operators_from_address_is_rebuilt_safely(smtp, settings):
    settings.DEFAULT_FROM_EMAIL = (
        f"{encoded('Bcc: evil@attacker.example')} <noreply@outcry.example>"
    )
    render_message(
        template="petitions/emails/confirm",
        context={"signature": None, "petition_title": "A petition"},
        to="min@example.org",
        language="en",
    ).send()
    envelope, message = received(smtp)
    assert addresses(message, "From") == ["noreply@outcry.example"]
    assert addresses(message, "To") == ["min@example.org"]
    assert envelope.rcpt_tos == ["min@example.org"]


@pytest.mark.parametrize(
    "address",
    [f"{encoded('evil@attacker.example, x')}@example.org", "a@b.org, evil@attacker.example"],
)
def test_an_address_that_would_not_stay_one_address_is_refused(address):
    with pytest.raises(UnsafeAddress):
        address_header(address)
