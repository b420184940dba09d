"""The outbound mail engine: every email a ledger row, sent in batches over one connection.

Queueing (in the transaction that decides to send)::

    queue(purpose=, subject_id=, round_=, to=, priority=TRANSACTIONAL)   one row, one INSERT
    queue_many(purpose=, recipients=[(subject_id, to), ...], priority=BULK)   bulk INSERTs

Either writes ``OutgoingEmail`` rows keyed ``<purpose>:<subject_id>:<round>``
(``INSERT … ON CONFLICT DO NOTHING``: queueing twice is harmless) and nothing
else: no task row per message. The rows commit or roll back with the caller's.

Sending (``manage.py send_mail``, started by ``serve``): a *sender* loops

1. **claim** a batch of due rows, transactional before bulk (``priority``), by
   ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL or one conditional UPDATE
   on SQLite: QUEUED → SENDING with ``claimed_by`` = this sender;
2. **render** the batch with one batch renderer call per purpose
   (``core.ledger.render_emails``);
3. **send** it over ONE open connection of the configured backend, one message
   at a time, writing to the sender's *journal* (a local append-only file)
   ``>id`` before a message and ``+id`` once the server accepted it;
4. **record** the outcome in bulk (sent, skipped, retry later or failed) and empty the journal.

Crash semantics. A sender killed with -9 leaves its batch SENDING. The next
sender to take its slot (``serve`` starts one within seconds) reads the journal
first: ``+`` rows are marked sent, the one ``>`` row without ``+`` was in flight
(transactional: queued again, so a confirmation may arrive twice; bulk: marked
IN_DOUBT, never resent, counted), the rest go back to the queue untouched. So
nothing is lost and nothing is sent twice except the message in flight. A batch
claimed for OUTCRY_CONFIRMATION_STALE_SECONDS whose sender has not come back is
settled by the periodic sweep: from its journal if the slot is on this machine
(and its sender dead), else without one (its machine gone): transactional rows
queued again, bulk rows IN_DOUBT.

The journal survives the process (the kernel holds what was written), not a
power cut; after one, the sweep's rule applies to the interrupted batch.
"""

import contextlib
import fcntl
import logging
import os
import smtplib
import socket
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.core.mail import mailers
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, F, Q
from django.dispatch import Signal
from django.utils import timezone

from outcry.core import ledger
from outcry.core.models import OutgoingEmail

logger = logging.getLogger("outcry.mail")

Status = OutgoingEmail.Status
TRANSACTIONAL = OutgoingEmail.Priority.TRANSACTIONAL
BULK = OutgoingEmail.Priority.BULK

# Rows written per INSERT by queue_many.
INSERT_CHUNK = 2000


# --- queueing ----------------------------------------------------------------------------


def queue(
    *, purpose: str, subject_id: int, round_: int = 0, to: str, priority: int = TRANSACTIONAL
) -> bool:
    """Queue the email *purpose* about *subject_id* (round *round_*) to *to*; True if new.

    Call it inside the transaction that decides to send: the row commits with
    it. An INSERT … ON CONFLICT DO NOTHING after a look for the key, so queueing
    the same key again writes nothing. The sender renders the email when its turn comes.
    """
    entry = _entry(purpose, subject_id, round_, to, priority, timezone.now())
    # Queued before (a retry, a second press): nothing to write. Two requests
    # queueing one key at once both write "nothing on conflict": one row.
    created = not OutgoingEmail.objects.filter(idempotency_key=entry.idempotency_key).exists()
    if created:
        OutgoingEmail.objects.bulk_create([entry], ignore_conflicts=True)
    if created and settings.MAIL_SEND_ON_COMMIT:
        transaction.on_commit(partial(send_now, [entry.idempotency_key]))
    return created


def queue_many(
    *,
    purpose: str,
    recipients: Iterable[tuple[int, str]],
    round_: int = 0,
    priority: int = BULK,
) -> int:
    """Queue the email *purpose* for each (subject_id, address) of *recipients*; return how many.

    Bulk INSERTs of INSERT_CHUNK rows, each ignoring keys already queued (a
    mailing started twice queues each recipient once). Inside the caller's
    transaction, like queue(). *recipients* may be an iterator: it is read a
    chunk at a time.
    """
    offered = 0
    iterator = iter(recipients)
    while chunk := list(islice(iterator, INSERT_CHUNK)):
        now = timezone.now()
        entries = [
            _entry(purpose, subject_id, round_, to, priority, now) for subject_id, to in chunk
        ]
        OutgoingEmail.objects.bulk_create(entries, ignore_conflicts=True)
        offered += len(entries)
        if settings.MAIL_SEND_ON_COMMIT:
            keys = [entry.idempotency_key for entry in entries]
            transaction.on_commit(partial(send_now, keys))
    return offered


def _entry(
    purpose: str, subject_id: int, round_: int, to: str, priority: int, now
) -> OutgoingEmail:
    """A ledger row, due now, for the email *purpose* about *subject_id* to *to*."""
    return OutgoingEmail(
        idempotency_key=ledger.email_key(purpose, subject_id, round_),
        purpose=purpose,
        to_address=to,
        priority=priority,
        created_at=now,
        next_attempt_at=now,
    )


def count_by_status() -> dict[str, int]:
    """How many ledger emails are in each status (``send_mail --report``, operations)."""
    counts = dict.fromkeys(Status.values, 0)
    for status, number in (
        OutgoingEmail.objects.order_by().values_list("status").annotate(Count("pk"))
    ):
        counts[status] = number
    return counts


# --- one sender --------------------------------------------------------------------------


@dataclass
class Claimed:
    """A claimed row, as the sender needs it."""

    pk: int
    key: str
    purpose: str
    to: str
    priority: int
    attempts: int


@dataclass
class Outcome:
    """What became of one batch (the counts a sender logs and the bench reads)."""

    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # pk → error
    in_doubt: dict[int, str] = field(default_factory=dict)  # pk → error
    untried: list[int] = field(default_factory=list)


class Journal:
    """A sender's local record of what went on the wire, so a crash loses no knowledge.

    One file per slot (``<MAIL_JOURNAL_DIR>/sender-<slot>.journal``), locked
    with ``flock`` while its sender lives: the lock picks the slot, and a
    killed sender's lock goes with it, so the next sender takes over its slot
    and its journal. A line is one ``os.write``: kept by the kernel when the
    process dies.
    """

    def __init__(self, directory: Path, *, slot: int | None = None, exact: bool = False) -> None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The slot asked for if it is free (serve gives each sender its own), else the
        # first free; *exact*: that slot or BlockingIOError (its sender is alive).
        slots = ([slot] if slot is not None else []) + ([] if exact else list(range(1, 1000)))
        for number in slots:
            path = directory / f"sender-{number}.journal"
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.fd, self.path, self.slot = fd, path, number
            return
        if exact:
            raise BlockingIOError(slot)
        raise RuntimeError(f"No free sender slot in {directory}")

    def before(self, pk: int) -> None:
        os.write(self.fd, b">%d\n" % pk)

    def accepted(self, pk: int) -> None:
        os.write(self.fd, b"+%d\n" % pk)

    def read(self) -> tuple[set[int], set[int]]:
        """(started, accepted) ids from the file."""
        os.lseek(self.fd, 0, os.SEEK_SET)
        data = b""
        while chunk := os.read(self.fd, 1 << 16):
            data += chunk
        started, accepted = set(), set()
        for line in data.split(b"\n"):
            if line[:1] == b">" and line[1:].isdigit():
                started.add(int(line[1:]))
            elif line[:1] == b"+" and line[1:].isdigit():
                accepted.add(int(line[1:]))
        return started, accepted

    def clear(self) -> None:
        os.ftruncate(self.fd, 0)

    def close(self) -> None:
        os.close(self.fd)


def sender_name(slot: int) -> str:
    """What ``claimed_by`` says for sender *slot* on this machine."""
    return f"{socket.gethostname()[:80]}/{slot}"


def due_rows(now: datetime):
    """QUEUED rows whose time has come, transactional first, oldest first."""
    return OutgoingEmail.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now).order_by(
        "priority", "next_attempt_at", "pk"
    )


def claim(name: str, *, limit: int, keys: list[str] | None = None) -> list[Claimed]:
    """Take up to *limit* due rows (only those of *keys*, if given) for sender *name*.

    PostgreSQL: the due rows are locked with SKIP LOCKED, so concurrent
    senders take disjoint batches without waiting on each other. SQLite: one
    conditional UPDATE (the database's single writer makes it atomic). Each
    claimed row's attempt is counted.
    """
    now = timezone.now()
    due = due_rows(now)
    if keys is not None:
        due = due.filter(idempotency_key__in=keys)
    changes = {
        "status": Status.SENDING,
        "claimed_by": name,
        "claimed_at": now,
        "attempt_count": F("attempt_count") + 1,
    }
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            if ids:
                OutgoingEmail.objects.filter(pk__in=ids).update(**changes)
        else:
            OutgoingEmail.objects.filter(
                pk__in=due.values("pk")[:limit], status=Status.QUEUED
            ).update(**changes)
    fields = ("pk", "idempotency_key", "purpose", "to_address", "priority", "attempt_count")
    claimed = OutgoingEmail.objects.filter(claimed_by=name, status=Status.SENDING)
    if keys is not None:
        claimed = claimed.filter(idempotency_key__in=keys)
    return [Claimed(*values) for values in claimed.order_by("priority", "pk").values_list(*fields)]


def render(batch: list[Claimed]) -> dict[int, ledger.Email | Exception | None]:
    """Each claimed row's email (None: nothing to send; an exception: it failed to render)."""
    by_purpose: dict[str, list[Claimed]] = defaultdict(list)
    for row in batch:
        by_purpose[row.purpose].append(row)
    rendered: dict[int, ledger.Email | Exception | None] = {}
    for purpose, group in by_purpose.items():
        items = {ledger.parse_email_key(row.key)[1:]: row for row in group}
        try:
            emails = ledger.render_emails(purpose, list(items))
        except Exception as error:
            logger.exception("Rendering %s emails failed", purpose)
            for row in group:
                rendered[row.pk] = error
            continue
        for item, row in items.items():
            rendered[row.pk] = emails.get(item)
    return rendered


def settle_from_journal(name: str, journal: Journal) -> dict[str, int]:
    """Settle what the dead sender *name* left SENDING, from its slot's *journal*.

    Accepted rows are marked sent; the one started and not accepted was in
    flight (transactional: queued again; bulk: IN_DOUBT); the rest are queued
    again without counting the attempt. Empties the journal; returns the counts.
    The caller holds the journal's lock, so no live sender has this name.
    """
    started, accepted = journal.read()
    left = OutgoingEmail.objects.filter(claimed_by=name, status=Status.SENDING)
    rows_left = list(left.values_list("pk", "priority"))
    now = timezone.now()
    sent = [pk for pk, _priority in rows_left if pk in accepted]
    in_flight = [pk for pk, _priority in rows_left if pk in started and pk not in accepted]
    untouched = [pk for pk, _priority in rows_left if pk not in started]
    bulk = {pk for pk, priority in rows_left if priority != TRANSACTIONAL}
    doubtful = [pk for pk in in_flight if pk in bulk]
    with transaction.atomic():
        left.filter(pk__in=sent).update(status=Status.SENT, sent_at=now, last_error="")
        left.filter(pk__in=doubtful).update(status=Status.IN_DOUBT, last_error=ledger.INTERRUPTED)
        left.filter(pk__in=[pk for pk in in_flight if pk not in bulk]).update(
            status=Status.QUEUED, last_error=ledger.INTERRUPTED, next_attempt_at=now
        )
        left.filter(pk__in=untouched).update(
            status=Status.QUEUED, next_attempt_at=now, attempt_count=F("attempt_count") - 1
        )
    journal.clear()
    counts = {
        "sent": len(sent),
        "in_doubt": len(doubtful),
        "requeued": len(in_flight) - len(doubtful),
        "untouched": len(untouched),
    }
    if rows_left:
        logger.warning("Settled the batch sender %s left: %s", name, counts)
    return counts


class Sender:
    """One sender: claims, renders and sends batches over one reused connection."""

    def __init__(
        self, *, slot: int | None = None, batch_size: int | None = None, of: int | None = None
    ) -> None:
        self.journal = Journal(Path(settings.MAIL_JOURNAL_DIR), slot=slot)
        self.name = sender_name(self.journal.slot)
        self.batch_size = batch_size or settings.MAIL_BATCH_SIZE
        # OUTCRY_MAIL_RATE is the mail provider's rate for this machine, shared by
        # its senders: *of* of them (serve says how many it started), else
        # OUTCRY_MAIL_SENDERS. Each keeps to its share, so together they keep to the rate.
        self.rate = settings.MAIL_RATE / (of or settings.MAIL_SENDERS or 1)
        self.connection = None
        self.should_stop = lambda: False
        self.sent_count = 0
        self.next_send_at = 0.0  # time.monotonic() before which the next message waits

    def close(self) -> None:
        self._close_connection()
        self.journal.close()

    def _close_connection(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):  # a broken connection is dropped either way
                self.connection.close()
            self.connection = None

    def recover(self) -> dict[str, int]:
        """Settle what this slot's previous sender left SENDING, from its journal."""
        return settle_from_journal(self.name, self.journal)

    def run_batch(self, *, keys: list[str] | None = None) -> Outcome | None:
        """Claim, render, send and record one batch; None when nothing was due."""
        batch = claim(self.name, limit=self.batch_size, keys=keys)
        if not batch:
            return None
        emails = render(batch)
        outcome = self.send(batch, emails)
        self.record(batch, outcome)
        return outcome

    def send(self, batch: list[Claimed], emails: dict) -> Outcome:
        outcome = Outcome()
        pending = list(batch)
        while pending:
            if self.should_stop():
                # Asked to stop (SIGTERM): the message in hand went; the rest wait.
                outcome.untried = [other.pk for other in pending]
                break
            row = pending.pop(0)
            email = emails.get(row.pk)
            if email is None:
                outcome.skipped.append(row.pk)
                continue
            if isinstance(email, Exception):
                outcome.failed[row.pk] = f"{type(email).__name__}: {email}"
                continue
            self._pace()
            try:
                if self.connection is None:
                    self.connection = mailers.default
                    self.connection.open()
            except Exception as error:
                # The server is down: this email's attempt failed, the rest wait.
                outcome.failed[row.pk] = f"{type(error).__name__}: {error}"
                self._close_connection()
                outcome.untried = [other.pk for other in pending]
                break
            self.journal.before(row.pk)
            try:
                self.connection.send_messages([email.message])
            except Exception as error:
                problem = f"{type(error).__name__}: {error}"
                if _refused_recipient(error):
                    outcome.failed[row.pk] = problem  # refused: not sent; the connection is fine
                    _report_refusal(error)
                    continue
                # The connection broke with this message on the wire: it may have
                # been accepted. A confirmation is tried again, bulk mail never.
                if row.priority == TRANSACTIONAL:
                    outcome.failed[row.pk] = problem
                else:
                    outcome.in_doubt[row.pk] = problem
                self._close_connection()
                outcome.untried = [other.pk for other in pending]
                break
            self.journal.accepted(row.pk)
            outcome.sent.append(row.pk)
            self.sent_count += 1
        return outcome

    def _pace(self) -> None:
        """Keep to this sender's share of OUTCRY_MAIL_RATE messages a second, if set.

        Messages start at least 1/rate seconds apart. No credit is saved up while
        idle, so a batch after a quiet hour keeps to the rate like any other.
        """
        if self.rate:
            wait = self.next_send_at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self.next_send_at = time.monotonic() + 1 / self.rate

    def record(self, batch: list[Claimed], outcome: Outcome) -> None:
        """Write the batch's outcome to the ledger in a few statements, then empty the journal."""
        now = timezone.now()
        ours = OutgoingEmail.objects.filter(claimed_by=self.name, status=Status.SENDING)
        attempts = {row.pk: row.attempts for row in batch}
        with transaction.atomic():
            if outcome.sent:
                ours.filter(pk__in=outcome.sent).update(
                    status=Status.SENT, sent_at=now, last_error="", next_attempt_at=None
                )
            if outcome.skipped:
                ours.filter(pk__in=outcome.skipped).update(
                    status=Status.SKIPPED, next_attempt_at=None
                )
            if outcome.untried:
                ours.filter(pk__in=outcome.untried).update(
                    status=Status.QUEUED,
                    next_attempt_at=now + timedelta(seconds=1),
                    attempt_count=F("attempt_count") - 1,
                )
            for pk, error in outcome.in_doubt.items():
                logger.error("Email %s may or may not have left: %s", pk, error)
                ours.filter(pk=pk).update(status=Status.IN_DOUBT, last_error=error[:2000])
            for pk, error in outcome.failed.items():
                made = attempts[pk]
                if made >= settings.EMAIL_MAX_ATTEMPTS:
                    logger.error("Giving up on email %s after %s attempts: %s", pk, made, error)
                    ours.filter(pk=pk).update(
                        status=Status.FAILED, last_error=error[:2000], next_attempt_at=None
                    )
                else:
                    delay = ledger.retry_delay(made, base_seconds=settings.EMAIL_RETRY_SECONDS)
                    logger.warning("Email %s failed (attempt %s): %s", pk, made, error)
                    ours.filter(pk=pk).update(
                        status=Status.QUEUED, last_error=error[:2000], next_attempt_at=now + delay
                    )
        self.journal.clear()

    def run(self, *, should_stop, poll_seconds: float = 0.5, once: bool = False) -> int:
        """Send batches until *should_stop()* (or, with *once*, until nothing is due)."""
        self.should_stop = should_stop
        self.recover()
        while not should_stop():
            if not once:
                close_old_connections()
            outcome = self.run_batch()
            if outcome is None:
                self._close_connection()  # an idle sender holds no connection open
                if once:
                    break
                time.sleep(poll_seconds)
            elif outcome.untried and not should_stop():
                time.sleep(1 if once else min(poll_seconds * 4, 5))
                if once:
                    break
        return self.sent_count


# Sent when the mail server refuses a recipient outright (address, permanent: a 5xx
# code rather than a 4xx). supporters.mailbox stops bulk mail to a supporter's address
# that bounces so: mail servers say over SMTP what a provider's webhook says elsewhere.
recipient_refused = Signal()


def _report_refusal(error: Exception) -> None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        for address, (code, _reply) in error.recipients.items():
            recipient_refused.send(Sender, address=address, permanent=500 <= code < 600)


def _refused_recipient(error: Exception) -> bool:
    """Whether *error* refused this message only (the connection is still good)."""
    return isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPSenderRefused)


# --- in-process sending and the sweep ----------------------------------------------------


def send_now(keys: list[str]) -> int:
    """Send the rows of *keys* in this process (MAIL_SEND_ON_COMMIT: tests, development)."""
    sender = Sender()
    try:
        sender.recover()
        while sender.run_batch(keys=keys) is not None:
            pass
        return sender.sent_count
    finally:
        sender.close()


def send_due() -> int:
    """Send every due row in this process: the sweep does it where no sender runs."""
    sender = Sender()
    try:
        return sender.run(should_stop=lambda: False, once=True)
    finally:
        sender.close()


def settle_abandoned(*, stale_before: datetime) -> dict[str, int]:
    """Settle rows claimed before *stale_before* by a sender that did not come back.

    A slot of this machine whose sender is dead (its journal's lock is free)
    is settled exactly from its journal, as its next sender would; a slot
    whose lock is held is left to its live sender. Rows of other machines (or
    of no journal) are settled without one: transactional rows queued again
    (a confirmation may arrive twice), bulk rows IN_DOUBT (never resent).
    Idempotent.
    """
    now = timezone.now()
    abandoned = OutgoingEmail.objects.filter(status=Status.SENDING).filter(
        Q(claimed_at__lte=stale_before) | Q(claimed_at__isnull=True, created_at__lte=stale_before)
    )
    here = f"{socket.gethostname()[:80]}/"
    names = abandoned.filter(claimed_by__startswith=here).values_list("claimed_by", flat=True)
    live = []
    for name in set(names):
        slot = name.removeprefix(here)
        if not slot.isdigit():
            continue
        try:
            journal = Journal(Path(settings.MAIL_JOURNAL_DIR), slot=int(slot), exact=True)
        except BlockingIOError:
            live.append(name)  # its sender is running and settles its own batch
            continue
        try:
            settle_from_journal(name, journal)
        finally:
            journal.close()
    abandoned = abandoned.exclude(claimed_by__in=live)
    in_doubt = abandoned.exclude(priority=TRANSACTIONAL).update(
        status=Status.IN_DOUBT, last_error=ledger.INTERRUPTED
    )
    requeued = abandoned.filter(priority=TRANSACTIONAL).update(
        status=Status.QUEUED, last_error=ledger.INTERRUPTED, next_attempt_at=now
    )
    return {"requeued": requeued, "in_doubt": in_doubt}
