"""The confirmation email, sent the way an operator configures it and received by a real server.

An SMTP server (aiosmtpd) listens on loopback; the app is pointed at it through
``EMAIL_URL``, parsed by the same helper settings.py uses.
"""

import email
import logging
import re
import signal
from datetime import timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import parseaddr
from io import StringIO

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from outcry.core.env import env_email
from outcry.core.models import OutgoingEmail
from outcry.core.tasks import send_email
from outcry.petitions.models import Signature
from outcry.petitions.tasks import send_signature_confirmation
from outcry.testing import MailServer, admin_url, make_petition, open_and_confirm, post_signature

# Every header a confirmation email may carry; anything else is a leak or an injection.
EXPECTED_HEADERS = {
    "content-language",
    "content-type",
    "date",
    "from",
    "message-id",
    "mime-version",
    "subject",
    "to",
}


@pytest.fixture
def mail_server():
    server = MailServer()
    yield server
    server.stop()


@pytest.fixture
def email_url(settings, monkeypatch):
    """Set EMAIL_URL as an operator would, and rebuild MAILERS from it as settings.py does."""

    def configure(url: str | None) -> None:
        if url is None:
            monkeypatch.delenv("EMAIL_URL", raising=False)
        else:
            monkeypatch.setenv("EMAIL_URL", url)
        settings.MAILERS = {"default": env_email("EMAIL_URL", outbox_dir=settings.EMAIL_OUTBOX_DIR)}

    return configure


@pytest.fixture
def database_tasks(settings):
    """Queue tasks in the database, as in production, instead of running them at once."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def run_worker() -> None:
    """Run ``manage.py db_worker --batch`` here, then undo what it changes in this process.

    The worker installs its own SIGINT/SIGTERM handlers (Ctrl-C would no longer
    stop pytest) and sets its loggers' levels.
    """
    numbers = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    handlers = {number: signal.getsignal(number) for number in numbers}
    loggers = [logging.getLogger(name) for name in ("django.tasks", "django_tasks_db")]
    levels = [logger.level for logger in loggers]
    try:
        call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def in_language(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def link_in(message: EmailMessage) -> str:
    """The confirmation link in the text part, as a path the test client can open."""
    text = message.get_body(("plain",)).get_content()
    url = next(word for word in text.split() if "/confirm/" in word)
    assert url.startswith(django_settings.BASE_URL + "/")
    return url.removeprefix(django_settings.BASE_URL)


def shown_count(client, petition, language: str = "en") -> int:
    page = client.get(f"/{language}/c/{petition.campaign.slug}/").content.decode()
    return int(re.search(r'<progress max="\d+" value="(\d+)"', page).group(1))


def test_confirmation_arrives_over_smtp_in_korean_and_its_link_counts_the_signature(
    client, petition, mail_server, email_url, run_on_commit
):
    mail_server.start()
    email_url(mail_server.url)
    assert shown_count(client, petition, "ko") == 0

    response = run_on_commit(
        lambda: post_signature(
            client, petition, language="ko", name="김민지", email="minji@example.org"
        )
    )
    assert response.status_code == 302

    [envelope] = mail_server.inbox.envelopes
    assert envelope.mail_from == parseaddr(django_settings.DEFAULT_FROM_EMAIL)[1]
    assert envelope.rcpt_tos == ["minji@example.org"]
    [message] = mail_server.inbox.messages()
    # In the campaign's name (its Korean title), from the site's address.
    address = parseaddr(django_settings.DEFAULT_FROM_EMAIL)[1]
    assert message["From"] == f"강제 북송을 멈춰라 <{address}>"
    assert message["To"] == "minji@example.org"
    subject = in_language("ko", "Please confirm your signature: %(petition_title)s")
    assert message["Subject"] == subject % {"petition_title": "난민을 보호하라"}
    assert message["Content-Language"] == "ko"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # A plain greeting: the name typed is not repeated to an address not yet confirmed.
    assert text.startswith("안녕하세요.") and "김민지" not in text
    assert "/ko/confirm/" in text
    assert '<html lang="ko">' in html and "/ko/confirm/" in html
    names = [name.lower() for name in message]
    assert sorted(names) == sorted(EXPECTED_HEADERS)  # each once, nothing else

    page = open_and_confirm(client, link_in(message))
    assert page.status_code == 200
    assert in_language("ko", "Your signature is confirmed") in page.content.decode()
    assert shown_count(client, petition, "ko") == 1
    assert shown_count(client, petition, "en") == 1
    entry = OutgoingEmail.objects.get()
    assert (entry.status, entry.attempt_count) == (OutgoingEmail.Status.SENT, 1)


def test_english_signer_gets_the_email_and_confirmation_in_english(
    client, petition, mail_server, email_url, run_on_commit
):
    mail_server.start()
    email_url(mail_server.url)
    run_on_commit(lambda: post_signature(client, petition, email="min@example.org"))
    [message] = mail_server.inbox.messages()
    assert message["Subject"] == "Please confirm your signature: Protect the refugees"
    assert message["Content-Language"] == "en"
    page = open_and_confirm(client, link_in(message))
    assert "Your signature is confirmed" in page.content.decode()
    assert shown_count(client, petition) == 1


def run_sender() -> None:
    """Run ``manage.py send_mail --once``, as the senders serve starts do, here."""
    call_command("send_mail", once=True, stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_mail_server_down_keeps_the_signature_and_a_later_run_sends_exactly_once(
    client, mail_server, email_url, database_tasks, settings
):
    settings.MAIL_SEND_ON_COMMIT = False  # as in production: the senders send
    petition = make_petition()
    email_url(mail_server.url)  # nothing listens there yet: connection refused

    response = post_signature(client, petition, email="down@example.org")
    assert response.status_code == 302
    assert response["Location"] == f"/en/petitions/{petition.slug}/thanks/"
    run_sender()

    signature = Signature.objects.get(petition=petition)
    assert not signature.is_confirmed
    entry = OutgoingEmail.objects.get()
    assert entry.status == OutgoingEmail.Status.QUEUED
    assert entry.attempt_count == 1
    assert "ConnectionRefusedError" in entry.last_error
    assert mail_server.inbox.envelopes == []

    # The sender scheduled a retry with backoff; once the server is back and the
    # backoff has passed, the next batch sends the email.
    mail_server.start()
    run_sender()  # too early: the retry is not due yet
    assert mail_server.inbox.envelopes == []
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        run_sender()
        assert len(mail_server.inbox.envelopes) == 1
        run_sender()  # nothing left to do
        # A duplicate task (one queued by an earlier release) finds the ledger row sent.
        send_email.enqueue(purpose="signature-confirmation", subject_id=signature.pk)
        run_worker()
    assert len(mail_server.inbox.envelopes) == 1
    entry.refresh_from_db()
    assert entry.status == OutgoingEmail.Status.SENT
    assert entry.attempt_count == 2
    assert entry.last_error == ""
    page = open_and_confirm(client, link_in(mail_server.inbox.messages()[0]))
    assert "Your signature is confirmed" in page.content.decode()
    assert shown_count(client, petition) == 1


def test_without_email_url_mail_is_written_to_the_outbox_as_a_readable_file(
    client, petition, settings, email_url, run_on_commit, tmp_path, caplog
):
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    email_url(None)
    assert settings.MAILERS["default"]["BACKEND"] == "outcry.core.mail.OutboxBackend"

    run_on_commit(lambda: post_signature(client, petition, email="min@example.org"))

    [path] = (tmp_path / "outbox").glob("*.eml")
    assert f"written to {path}" in caplog.text
    assert "min@example.org" not in caplog.text  # logs are no place for supporters' addresses
    raw = path.read_bytes()
    assert b"\r\n" not in raw  # plain Unix lines, for any editor
    message = email.message_from_bytes(raw, policy=default_policy)
    assert message["To"] == "min@example.org"
    assert message["Subject"] == "Please confirm your signature: Protect the refugees"
    assert message.get_body(("html",)) is not None
    page = open_and_confirm(client, link_in(message))
    assert "Your signature is confirmed" in page.content.decode()


def test_a_name_written_as_an_encoded_word_changes_no_address_header(
    client, petition, mail_server, email_url, run_on_commit
):
    mail_server.start()
    email_url(mail_server.url)
    name = "=?utf-8?b?QmNjOiBldmlsQGF0dGFja2VyLmV4YW1wbGUsIHg=?="  # "Bcc: evil@attacker.example, x"
    run_on_commit(lambda: post_signature(client, petition, name=name, email="min@example.org"))
    [envelope] = mail_server.inbox.envelopes
    assert envelope.rcpt_tos == ["min@example.org"]
    message = BytesParser(policy=default_policy).parsebytes(envelope.original_content)
    assert [a.addr_spec for a in message["From"].addresses] == [
        parseaddr(django_settings.DEFAULT_FROM_EMAIL)[1]
    ]
    assert [a.addr_spec for a in message["To"].addresses] == ["min@example.org"]
    for header in ["Reply-To", "Cc", "Bcc"]:
        assert message[header] is None


def test_sent_on_commit_a_mail_error_waits_for_the_sweep(
    client, petition, mail_server, email_url, run_on_commit, caplog
):
    # Where no sender runs (tests, development) the email is sent when the
    # signature commits; after a mail error the row waits for the sweep.
    email_url(mail_server.url)  # nothing listens there yet: connection refused
    response = run_on_commit(lambda: post_signature(client, petition, email="min@example.org"))
    assert response.status_code == 302
    entry = OutgoingEmail.objects.get()
    assert (entry.status, entry.attempt_count) == (OutgoingEmail.Status.QUEUED, 1)
    assert "ConnectionRefusedError" in entry.last_error
    assert entry.next_attempt_at is not None
    assert "InvalidTask" not in caplog.text

    mail_server.start()
    call_command("run_periodic", "--once", stdout=StringIO())  # not due yet
    assert mail_server.inbox.envelopes == []
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        call_command("run_periodic", "--once", stdout=StringIO())
        call_command("run_periodic", "--once", stdout=StringIO())  # sent: nothing more
    assert len(mail_server.inbox.envelopes) == 1
    entry.refresh_from_db()
    assert (entry.status, entry.attempt_count) == (OutgoingEmail.Status.SENT, 2)
    page = open_and_confirm(client, link_in(mail_server.inbox.messages()[0]))
    assert "Your signature is confirmed" in page.content.decode()


def test_an_email_fails_for_good_after_the_configured_attempts_and_the_admin_shows_it(
    client, admin_client, petition, mail_server, email_url, run_on_commit, settings
):
    settings.EMAIL_MAX_ATTEMPTS = 3  # OUTCRY_EMAIL_MAX_ATTEMPTS
    email_url(mail_server.url)  # never listening
    run_on_commit(lambda: post_signature(client, petition, email="gone@example.org"))
    for minutes in (2, 5, 60, 600):  # past each backoff (1, 2, 4 minutes, ...)
        with time_machine.travel(timezone.now() + timedelta(minutes=minutes)):
            call_command("run_periodic", "--once", stdout=StringIO())
    entry = OutgoingEmail.objects.get()
    assert (entry.status, entry.attempt_count) == (OutgoingEmail.Status.FAILED, 3)
    assert "ConnectionRefusedError" in entry.last_error
    assert entry.next_attempt_at is None

    listing = admin_client.get(admin_url(OutgoingEmail, "changelist"), {"status__exact": "failed"})
    assert listing.status_code == 200
    assert "gone@example.org" in listing.content.decode()
    assert ">failed<" in listing.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_under_its_old_name_before_an_upgrade_still_sends_the_email(
    client, mail_server, email_url, database_tasks
):
    petition = make_petition()
    mail_server.start()
    email_url(mail_server.url)
    post_signature(client, petition, email="old@example.org")
    signature = Signature.objects.get()
    DBTaskResult.objects.all().delete()  # as if queued by the previous release instead:
    send_signature_confirmation.enqueue(signature_id=signature.pk)
    run_worker()
    run_worker()
    assert [envelope.rcpt_tos for envelope in mail_server.inbox.envelopes] == [["old@example.org"]]
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.SENT
