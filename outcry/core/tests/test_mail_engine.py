"""The mail engine: batches over one connection, priorities, and a sender killed with -9.

A real SMTP server (aiosmtpd) on loopback receives the mail. The crash tests run
``manage.py send_mail`` as a subprocess on this test's database, kill it with
SIGKILL mid-batch, start another and read the inbox and the ledger.
"""

import signal
from collections import Counter
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from outcry.core.ledger import register_email
from outcry.core.mail import engine
from outcry.core.models import OutgoingEmail
from outcry.core.tasks import requeue_stale_emails
from outcry.core.tests.bulk_sender import bulk_email
from outcry.letters import testing as letters_testing
from outcry.testing import (
    MailServer,
    make_petition,
    post_signature,
    received_by,
    start_sender,
    wait_for,
)

# send_mail with the purpose "test-bulk" registered.
BULK_SENDER = ("-m", "outcry.core.tests.bulk_sender")
# A real SMTP server on loopback, with MAILERS pointed at it through EMAIL_URL.
mail_server = letters_testing.mail_server
Status = OutgoingEmail.Status


@pytest.fixture
def bulk_purpose():
    register_email("test-bulk", bulk_email)


@pytest.fixture
def senders(settings):
    """As in production: emails wait for the senders instead of leaving on commit."""
    settings.MAIL_SEND_ON_COMMIT = False


def kill_mid_batch(tmp_path: Path, server: MailServer, *, total: int) -> None:
    """Start a sender claiming all *total* rows at once; SIGKILL it once a quarter arrived."""
    sender = start_sender(
        tmp_path, server, "--slot", "1", "--batch", str(total), command=BULK_SENDER
    )
    try:
        wait_for(lambda: len(server.inbox.envelopes) >= total // 4, what="a quarter of the mail")
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait()
    assert len(server.inbox.envelopes) < total  # killed mid-batch
    assert OutgoingEmail.objects.filter(status=Status.SENDING).count() > 0


def kill_and_restart(tmp_path: Path, server: MailServer, *, total: int, priority: int) -> None:
    """Queue *total* emails, kill their sender mid-batch, and let the next one finish."""
    engine.queue_many(
        purpose="test-bulk",
        recipients=((n, f"reader-{n}@example.org") for n in range(1, total + 1)),
        priority=priority,
    )
    kill_mid_batch(tmp_path, server, total=total)
    # The next sender on that slot settles the batch from its journal, then sends the rest.
    again = start_sender(tmp_path, server, "--slot", "1", "--once", command=BULK_SENDER)
    assert again.wait(timeout=300) == 0, again.stderr.read().decode()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_mid_batch_of_2000_bulk_emails_sends_each_once_and_counts_one_in_doubt(
    tmp_path, mail_server, senders
):
    total = 2000
    kill_and_restart(tmp_path, mail_server, total=total, priority=engine.BULK)

    counts = received_by(mail_server)
    assert max(counts.values()) == 1  # nobody got a message twice
    statuses = Counter(OutgoingEmail.objects.values_list("status", flat=True))
    assert statuses[Status.SENT] + statuses[Status.IN_DOUBT] == total
    assert statuses[Status.IN_DOUBT] <= 1  # the message on the wire at the kill
    assert len(counts) >= total - statuses[Status.IN_DOUBT]  # nobody else missed theirs
    for entry in OutgoingEmail.objects.filter(status=Status.SENT).only("to_address"):
        assert counts[entry.to_address] == 1
    report = StringIO()
    call_command("send_mail", report=True, stdout=report)
    assert f"in-doubt: {statuses[Status.IN_DOUBT]}" in report.getvalue()
    # Each message in its reader's language, with its unsubscribe headers.
    for message in mail_server.inbox.messages()[:20]:
        number = int(message["To"].split("-")[1].split("@")[0])
        assert message["Content-Language"] == ("ko" if number % 2 == 0 else "en")
        assert message["List-Unsubscribe"] == f"<https://example.org/unsubscribe/{number}/>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_mid_batch_of_confirmations_may_send_only_the_one_in_flight_twice(
    tmp_path, mail_server, senders
):
    total = 2000
    kill_and_restart(tmp_path, mail_server, total=total, priority=engine.TRANSACTIONAL)

    counts = received_by(mail_server)
    assert len(counts) == total  # everyone got theirs
    assert sum(1 for number in counts.values() if number > 1) <= 1
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.django_db(transaction=True)
def test_a_sender_that_never_comes_back_is_settled_by_the_sweep(
    tmp_path, mail_server, senders, bulk_purpose
):
    engine.queue_many(
        purpose="test-bulk", recipients=[(1, "reader-1@example.org"), (2, "reader-2@example.org")]
    )
    engine.queue(purpose="test-bulk", subject_id=3, to="reader-3@example.org")
    engine.claim("lost-machine/1", limit=10)  # claimed, then its machine was lost
    call_command("run_periodic", "--once", stdout=StringIO())  # not stale yet: nothing moves
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {Status.SENDING}

    later = OutgoingEmail.objects.get(idempotency_key="test-bulk:3:0").claimed_at
    requeue_stale_emails(now=later + timedelta(hours=1))
    statuses = dict(OutgoingEmail.objects.values_list("idempotency_key", "status"))
    # Bulk mail is never sent twice: in doubt. A confirmation is sent (again).
    assert statuses == {
        "test-bulk:1:0": Status.IN_DOUBT,
        "test-bulk:2:0": Status.IN_DOUBT,
        "test-bulk:3:0": Status.QUEUED,
    }
    call_command("send_mail", once=True, stdout=StringIO())
    assert OutgoingEmail.objects.get(idempotency_key="test-bulk:3:0").status == Status.SENT
    assert received_by(mail_server) == Counter({"reader-3@example.org": 1})


@pytest.mark.slow
def test_a_queued_mailing_of_100000_never_delays_a_confirmation(
    db, client, settings, senders, bulk_purpose
):
    settings.MAIL_BATCH_SIZE = 100
    engine.queue_many(
        purpose="test-bulk",
        recipients=((n, f"reader-{n}@example.org") for n in range(1, 100_001)),
    )
    petition = make_petition()
    post_signature(client, petition, email="signer@example.org")
    sender = engine.Sender()
    try:
        outcome = sender.run_batch()
    finally:
        sender.close()
    # The confirmation went first, then the batch filled up with the mailing.
    assert mail.outbox[0].to == ["signer@example.org"]
    assert len(outcome.sent) == 100
    assert OutgoingEmail.objects.filter(status=Status.QUEUED).count() == 100_000 - 99


def test_a_mailing_started_twice_queues_each_recipient_once(db, senders):
    recipients = [(n, f"reader-{n}@example.org") for n in range(1, 11)]
    engine.queue_many(purpose="test-bulk", recipients=recipients)
    engine.queue_many(purpose="test-bulk", recipients=recipients)
    assert OutgoingEmail.objects.count() == 10
    assert set(OutgoingEmail.objects.values_list("priority", flat=True)) == {engine.BULK}


def test_a_refused_recipient_is_retried_later_and_the_rest_of_the_batch_is_sent(
    db, mail_server, senders, bulk_purpose, settings
):
    engine.queue_many(
        purpose="test-bulk",
        recipients=[(n, f"reader-{n}@example.org") for n in range(1, 4)],
    )
    # The server refuses reader-2 (a mailbox that does not exist).

    async def handle_rcpt(server, session, envelope, address, rcpt_options):
        if address == "reader-2@example.org":
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    mail_server.inbox.handle_RCPT = handle_rcpt
    call_command("send_mail", once=True, stdout=StringIO())
    statuses = dict(OutgoingEmail.objects.values_list("idempotency_key", "status"))
    assert statuses == {
        "test-bulk:1:0": Status.SENT,
        "test-bulk:2:0": Status.QUEUED,
        "test-bulk:3:0": Status.SENT,
    }
    refused = OutgoingEmail.objects.get(idempotency_key="test-bulk:2:0")
    assert "550" in refused.last_error and refused.next_attempt_at is not None
    assert received_by(mail_server) == Counter(
        {"reader-1@example.org": 1, "reader-3@example.org": 1}
    )


def test_the_sweep_settles_a_dead_sender_of_this_machine_from_its_journal(
    db, senders, bulk_purpose, settings
):
    # A sender of this machine died, and its slot was not started again in time
    # (a loaded machine): the sweep reads the slot's journal, so what the server
    # had accepted is marked sent and never sent again.
    engine.queue_many(
        purpose="test-bulk",
        recipients=[(n, f"reader-{n}@example.org") for n in range(1, 4)],
        priority=engine.TRANSACTIONAL,
    )
    name = engine.sender_name(7)
    first, second, third = engine.claim(name, limit=10)
    journal = engine.Journal(Path(settings.MAIL_JOURNAL_DIR), slot=7, exact=True)
    journal.before(first.pk)
    journal.accepted(first.pk)
    journal.before(second.pk)  # on the wire at the kill
    journal.close()  # the sender is dead: its lock is free

    requeue_stale_emails(now=first_claim_time() + timedelta(hours=1))
    statuses = dict(OutgoingEmail.objects.values_list("pk", "status"))
    assert statuses == {first.pk: Status.SENT, second.pk: Status.QUEUED, third.pk: Status.QUEUED}


def first_claim_time():
    return OutgoingEmail.objects.order_by("claimed_at").first().claimed_at


# Rate. Only lower bounds on time: a loaded machine makes sending slower, never faster,
# so none of these can fail for want of speed. A sender waits for the server's answer
# to one message before pacing the next, so the first of k messages arrived before the
# second started: the span of k arrivals is at least k - 2 gaps of 1/rate.


def arrival_spans(server: MailServer) -> dict[str, tuple[int, float]]:
    """For each sender (its ledger name): how many messages arrived, and over how long."""
    sender_of = dict(OutgoingEmail.objects.values_list("to_address", "claimed_by"))
    times: dict[str, list[float]] = {}
    for envelope, at in zip(server.inbox.envelopes, server.inbox.received_at, strict=True):
        times.setdefault(sender_of[envelope.rcpt_tos[0]], []).append(at)
    return {name: (len(arrived), max(arrived) - min(arrived)) for name, arrived in times.items()}


@pytest.mark.parametrize(
    ("arguments", "senders_configured"),
    [(["--of", "2"], 1), ([], 2)],
    ids=["told-by-option", "from-OUTCRY_MAIL_SENDERS"],
)
def test_a_sender_keeps_to_its_share_of_the_machines_mail_rate(
    db, mail_server, senders, bulk_purpose, settings, arguments, senders_configured
):
    settings.MAIL_RATE = 20  # messages a second for the provider, shared by two senders
    settings.MAIL_SENDERS = senders_configured
    engine.queue_many(
        purpose="test-bulk", recipients=[(n, f"reader-{n}@example.org") for n in range(1, 21)]
    )
    call_command("send_mail", "--once", *arguments, stdout=StringIO())
    [(count, span)] = arrival_spans(mail_server).values()
    assert count == 20
    assert span >= 18 / 10 - 0.01  # 10 a second, its half of 20 (at 20: 0.9 s)


@pytest.mark.django_db(transaction=True)
def test_two_senders_together_keep_to_the_machines_mail_rate(
    tmp_path, mail_server, senders, bulk_purpose
):
    engine.queue_many(
        purpose="test-bulk", recipients=[(n, f"reader-{n}@example.org") for n in range(1, 41)]
    )
    pair = [
        start_sender(
            tmp_path,
            mail_server,
            "--slot",
            str(slot),
            "--of",
            "2",
            "--batch",
            "5",
            "--once",
            command=BULK_SENDER,
            rate=20,
        )
        for slot in (1, 2)
    ]
    for sender in pair:
        assert sender.wait(timeout=120) == 0, sender.stderr.read().decode()
    assert sorted(received_by(mail_server)) == sorted(
        f"reader-{n}@example.org" for n in range(1, 41)
    )
    spans = arrival_spans(mail_server)
    for count, span in spans.values():
        assert span >= (count - 2) / 10 - 0.01  # each at 10 a second, half of 20
    # Whichever sent more sent at least 20: the 40 took at least 1.8 s.
    assert max(received_at := mail_server.inbox.received_at) - min(received_at) >= 1.8 - 0.01


def test_a_sender_refuses_a_share_of_no_senders(db):
    with pytest.raises(CommandError, match="--of must be at least 1"):
        call_command("send_mail", "--once", "--of", "0", stdout=StringIO())
