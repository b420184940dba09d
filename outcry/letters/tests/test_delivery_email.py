"""Letters by email, received by a real SMTP server on loopback."""

import base64
import html
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from outcry.core.queue import enqueue_with_transaction
from outcry.directory.models import Channel
from outcry.directory.testing import make_target
from outcry.letters.delivery import deliver
from outcry.letters.models import Delivery, Letter
from outcry.letters.tasks import deliver_letter
from outcry.letters.tests.delivery_helpers import make_letter, queue_delivery
from outcry.testing import letter_form, make_letter_action

pytestmark = pytest.mark.django_db

# Every header a letter by email may carry; anything else is a leak or an injection.
EXPECTED_HEADERS = {
    "content-language",
    "content-transfer-encoding",
    "content-type",
    "date",
    "from",
    "message-id",
    "mime-version",
    "reply-to",
    "subject",
    "to",
}


def test_letter_arrives_from_the_platform_in_the_supporters_name_with_reply_to_them(
    mail_server, django_capture_on_commit_callbacks
):
    target = make_target(channels={"email": "chinaemb_us@mfa.gov.cn"})
    letter = make_letter(
        targets=[target], name="김민지 (stored)", sender_name="김민지", email="minji@example.org"
    )
    delivery = queue_delivery(letter=letter, target=target, kind="email")

    with django_capture_on_commit_callbacks(execute=True):
        enqueue_with_transaction(deliver_letter, delivery_id=delivery.pk)

    [envelope] = mail_server.inbox.envelopes
    assert envelope.mail_from == parseaddr(django_settings.DEFAULT_FROM_EMAIL)[1]
    assert envelope.rcpt_tos == ["chinaemb_us@mfa.gov.cn"]
    [message] = mail_server.inbox.messages()
    name, address = parseaddr(str(message["From"]))
    assert (name, address) == ("김민지", parseaddr(django_settings.DEFAULT_FROM_EMAIL)[1])
    assert parseaddr(str(message["Reply-To"])) == ("김민지", "minji@example.org")
    assert message["To"] == "chinaemb_us@mfa.gov.cn"
    assert message["Subject"] == "탈북자 강제 북송을 멈춰 주십시오"
    assert message["Content-Language"] == "ko"
    assert message["Message-ID"].startswith(f"<letter.{letter.pk}.{target.pk}.email@")
    assert "List-Unsubscribe" not in message  # one person's letter, not bulk mail
    assert message.get_content_type() == "text/plain"
    text = message.get_content().replace("\r\n", "\n")
    assert text.startswith("존경하는 대사님께")  # the stored "Your Excellency", in Korean
    assert "강제 북송을 멈춰 주실 것을" in text and "他们是难民" in text
    assert text.rstrip().endswith("김민지\nSeoul")
    assert sorted(name.lower() for name in message) == sorted(EXPECTED_HEADERS)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (Delivery.Status.SENT, 1)
    assert delivery.provider_reference == message["Message-ID"]
    assert deliver(delivery_id=delivery.pk) is False  # a duplicate task sends nothing
    assert len(mail_server.inbox.envelopes) == 1


def test_cr_lf_in_the_supporters_name_or_subject_cannot_add_headers(mail_server):
    target = make_target(channels={"email": "embassy@example.net"})
    letter = make_letter(
        targets=[target],
        name="Eve\r\nBcc: victim@example.org",
        email="eve@example.org",
        subject="Hello\r\nBcc: other@example.org\nX-Injected: yes",
        language="en",
    )
    delivery = queue_delivery(letter=letter, target=target, kind="email")

    assert deliver(delivery_id=delivery.pk) is True

    [envelope] = mail_server.inbox.envelopes
    assert envelope.rcpt_tos == ["embassy@example.net"]  # nobody added by a header
    [message] = mail_server.inbox.messages()
    assert sorted(name.lower() for name in message) == sorted(EXPECTED_HEADERS)
    assert "Bcc" not in message and "X-Injected" not in message
    assert parseaddr(str(message["From"]))[0] == "Eve Bcc: victim@example.org"
    assert message["Subject"] == "Hello Bcc: other@example.org X-Injected: yes"


def test_a_refused_address_fails_at_once_with_the_servers_reason(settings, mail_server):
    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 5.1.1 No such mailbox"

    mail_server.stop()
    mail_server.inbox = Refusing()
    mail_server.start()
    target = make_target(channels={"email": "gone@example.net"})
    delivery = queue_delivery(letter=make_letter(targets=[target]), target=target, kind="email")

    deliver_letter.enqueue(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.error_code == Delivery.Error.REFUSED
    assert "550" in delivery.last_error and "No such mailbox" in delivery.last_error
    assert delivery.attempt_count == 1


def test_mail_server_down_puts_the_letter_back_in_the_queue_with_the_error(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    target = make_target(channels={"email": "embassy@example.net"})
    delivery = queue_delivery(letter=make_letter(targets=[target]), target=target, kind="email")

    deliver_letter.enqueue(delivery_id=delivery.pk)  # immediate backend: no later run

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.QUEUED
    assert delivery.error_code == Delivery.Error.UNAVAILABLE
    assert "ConnectionRefusedError" in delivery.last_error
    assert delivery.next_attempt_at is not None  # for the recovery sweep to pick up


def test_a_closed_channel_falls_back_to_another_active_address_or_fails_clearly(mail_server):
    target = make_target(channels={"email": "old@example.net"})
    letter = make_letter(targets=[target])
    delivery = queue_delivery(letter=letter, target=target, kind="email")
    Channel.objects.filter(value="old@example.net").update(status=Channel.Status.CLOSED)
    Channel.objects.create(target=target, kind=Channel.Kind.EMAIL, value="new@example.net")

    assert deliver(delivery_id=delivery.pk) is True
    assert mail_server.inbox.envelopes[0].rcpt_tos == ["new@example.net"]

    lonely = make_target(channels={"email": "only@example.net"})
    other = queue_delivery(letter=letter, target=lonely, kind="email")
    Channel.objects.filter(target=lonely).update(status=Channel.Status.BOUNCING)
    assert deliver(delivery_id=other.pk) is False
    other.refresh_from_db()
    assert other.status == Delivery.Status.FAILED
    assert other.error_code == Delivery.Error.BAD_ADDRESS
    assert "no active email address" in other.last_error


def test_a_target_gets_at_most_the_hourly_limit_and_the_rest_waits(settings, mail_server):
    settings.DELIVERY_RATE_PER_TARGET_HOUR = {"email": 2, "fax": 2}
    target = make_target(channels={"email": "embassy@example.net"})
    rows = [
        queue_delivery(letter=make_letter(targets=[target]), target=target, kind="email")
        for _ in range(3)
    ]

    for row in rows:
        deliver_letter.enqueue(delivery_id=row.pk)

    assert len(mail_server.inbox.envelopes) == 2
    waiting = Delivery.objects.get(pk=rows[2].pk)
    assert waiting.status == Delivery.Status.QUEUED
    assert waiting.attempt_count == 0  # waiting is not a failed attempt
    first_sent = Delivery.objects.get(pk=rows[0].pk).sent_at
    assert waiting.next_attempt_at > first_sent.replace(microsecond=0)
    assert (waiting.next_attempt_at - first_sent).total_seconds() >= 3600


def encoded(text: str) -> str:
    """*text* as an RFC 2047 encoded word, which mail programs decode inside headers."""
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


SMUGGLING_NAMES = [
    encoded("Bcc: evil@attacker.example"),
    "=?utf-8?q?x=22_=3Cevil=40attacker.example=3E_=22?=",
    "Min " + encoded("<evil@attacker.example>, ") + " Kim",
    encoded("evil@attacker.example"),
]


def addresses(message, header: str) -> list[str]:
    """The mailboxes a mail program finds in *header* of the received message, re-parsed."""
    value = message[header]
    return [] if value is None else [address.addr_spec for address in value.addresses]


@pytest.mark.parametrize("name", SMUGGLING_NAMES)
def test_a_name_stored_as_an_encoded_word_cannot_smuggle_an_address_into_any_header(
    mail_server, name
):
    target = make_target(channels={"email": "embassy@example.net"})
    letter = make_letter(
        targets=[target],
        name=name,
        email="writer@example.org",
        subject=encoded("x\r\nBcc: evil@attacker.example"),
        language="en",
    )
    delivery = queue_delivery(letter=letter, target=target, kind="email")

    assert deliver(delivery_id=delivery.pk) is True

    [envelope] = mail_server.inbox.envelopes
    assert envelope.rcpt_tos == ["embassy@example.net"]
    raw = envelope.original_content
    # Re-parsed as a mail program would (email.parser, policy.default).
    message = BytesParser(policy=policy.default).parsebytes(raw)
    platform = parseaddr(django_settings.DEFAULT_FROM_EMAIL)[1]
    assert addresses(message, "From") == [platform]
    assert addresses(message, "Reply-To") == ["writer@example.org"]
    assert addresses(message, "To") == ["embassy@example.net"]
    assert message["Bcc"] is None and message["Cc"] is None
    assert sorted(key.lower() for key in message) == sorted(EXPECTED_HEADERS)
    assert b"evil@attacker.example" not in raw.split(b"\r\n\r\n")[0].replace(b"\r\n ", b" ")
    assert "\n" not in str(message["Subject"])


def test_a_writers_address_holding_an_encoded_word_fails_the_delivery_unsent(mail_server):
    target = make_target(channels={"email": "embassy@example.net"})
    letter = make_letter(targets=[target], email="=?utf-8?q?evil=40attacker.example?=@example.org")
    delivery = queue_delivery(letter=letter, target=target, kind="email")

    assert deliver(delivery_id=delivery.pk) is False

    assert mail_server.inbox.envelopes == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == ("failed", Delivery.Error.BAD_ADDRESS)
    assert "cannot be written in an email header" in delivery.last_error


@pytest.mark.parametrize(
    "field,value",
    [
        ("name", SMUGGLING_NAMES[0]),
        ("email", "=?utf-8?q?evil=40attacker.example?=@example.org"),
        ("subject", encoded("Bcc: evil@attacker.example")),
    ],
)
def test_the_composer_refuses_an_encoded_word_in_the_name_address_or_subject(client, field, value):
    embassy = make_target(channels={"email": "embassy@example.net"})
    action = make_letter_action(selection="fixed", targets=[embassy])
    response = client.post(
        reverse("letters:compose", args=[action.slug]), letter_form(action, **{field: value})
    )
    assert response.status_code == 400
    # An address is refused by the supporter form every action shares, as not an address.
    message = (
        "This does not look like an email address"
        if field == "email"
        else "Please leave “=?” out of your name, email address and subject"
    )
    assert message in html.unescape(response.content.decode())
    assert not Letter.objects.exists()


def test_the_confirmation_email_names_exactly_the_writer_and_nobody_else(
    client, mail_server, django_capture_on_commit_callbacks
):
    embassy = make_target(channels={"email": "embassy@example.net"})
    action = make_letter_action(selection="fixed", targets=[embassy])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("letters:compose", args=[action.slug]),
            letter_form(action, name="Min <evil@attacker.example>", email="min@example.org"),
        )
    [envelope] = mail_server.inbox.envelopes
    assert envelope.rcpt_tos == ["min@example.org"]
    message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
    assert addresses(message, "To") == ["min@example.org"]
    assert addresses(message, "From") == [parseaddr(django_settings.DEFAULT_FROM_EMAIL)[1]]
    assert message["Reply-To"] is None and message["Bcc"] is None and message["Cc"] is None
