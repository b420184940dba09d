"""The outbound ledger's life cycle, for every kind of row (OutgoingEmail, letters' Delivery).

A row (``core.models.LedgerEntry``) is written with a unique idempotency key
before anything is sent. Then, here and nowhere else:

- **claim**: ``entry.claim()``, a conditional UPDATE QUEUED → SENDING; only the
  worker whose update changed the row sends it;
- **sent**: ``entry.mark_sent()``;
- **retry or fail**: after a failed attempt the row is QUEUED again with its
  error (``entry.mark_retry``); ``retry_or_fail`` then either gives up
  (``entry.mark_failed``) once the row's own ``attempt_count`` reaches the
  limit, or notes when it is due and queues its task for then, where the task
  backend can run tasks later (``schedule``). Where it cannot (the immediate
  backend of tests and development), the row waits QUEUED for the periodic sweep;
- **recover**: ``recover_stuck`` resolves rows a killed worker left SENDING,
  and ``requeue_due`` finds QUEUED rows whose task may be lost; both sweeps
  (``core.tasks.requeue_stale_emails`` and ``letters.tasks.recover_deliveries``)
  use them.

Emails to supporters go through one path: ``send_email`` renders the message
with the renderer its *purpose* registered (``register_email``, called from each
app's ``AppConfig.ready``), claims the row and sends. Its task is
``core.tasks.send_email``.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from django.core.mail import EmailMessage
from django.db.models import Q, QuerySet
from django.tasks import Task
from django.utils import timezone

from outcry.core.models import LedgerEntry, OutgoingEmail

logger = logging.getLogger("outcry.ledger")

# The longest wait between two attempts, however many were made.
LONGEST_DELAY = timedelta(hours=6)
# What a released row says until its next attempt.
INTERRUPTED = "interrupted while sending"


# --- retry or fail -----------------------------------------------------------------------


def retry_delay(attempts: int, *, base_seconds: int) -> timedelta:
    """Exponential backoff: *base_seconds* doubled per attempt made after the first, at most 6 h."""
    return min(timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), LONGEST_DELAY)


def schedule(entry: LedgerEntry, task: Task, *, at: datetime, **task_kwargs) -> bool:
    """Note on the QUEUED *entry* that it is due *at*, and queue *task* for then if possible.

    Returns whether the task was queued. A backend that cannot run tasks later
    (``supports_defer`` false: the immediate backend) gets none, since asking
    it would raise InvalidTask: the periodic sweep queues the row once due.
    """
    type(entry).objects.filter(pk=entry.pk, status=entry.Status.QUEUED).update(next_attempt_at=at)
    if task.get_backend().supports_defer:
        task.using(run_after=at).enqueue(**task_kwargs)
        return True
    logger.info("%s is due at %s; the periodic sweep will queue it", entry.idempotency_key, at)
    return False


def retry_or_fail(
    entry: LedgerEntry, *, task: Task, max_attempts: int, base_seconds: int, **task_kwargs
) -> bool:
    """After a failed attempt (the row QUEUED again with its error): retry later or give up.

    The attempts are counted on the row (``attempt_count``, raised by each
    claim), never by the task's arguments, so a duplicate task or a sweep
    cannot stretch the limit. Once it is reached the row becomes FAILED (the
    admin shows it so); otherwise it is scheduled after the backoff. Returns
    whether another attempt was planned.
    """
    made = type(entry).objects.filter(pk=entry.pk).values_list("attempt_count", flat=True).first()
    if made is None:
        return False
    if made >= max_attempts:
        entry.mark_failed()
        logger.error("Giving up on %s after %s attempts", entry.idempotency_key, made)
        return False
    at = timezone.now() + retry_delay(made, base_seconds=base_seconds)
    logger.warning("%s failed (attempt %s); retrying at %s", entry.idempotency_key, made, at)
    schedule(entry, task, at=at, **task_kwargs)
    return True


# --- recovery after a crash --------------------------------------------------------------

Resolver = Callable[[LedgerEntry, QuerySet], str]


def release(entry: LedgerEntry, same_row: QuerySet) -> str:
    """Give an interrupted row back to the queue: "requeued", or "" if it moved meanwhile."""
    released = same_row.update(status=entry.Status.QUEUED, last_error=INTERRUPTED)
    return "requeued" if released else ""


def recover_stuck(
    rows: QuerySet, *, stale_before: datetime, resolve: Resolver = release
) -> list[tuple[LedgerEntry, str]]:
    """Resolve the rows of *rows* a killed worker left SENDING; return each with its outcome.

    A row claimed (or, claimed before ``claimed_at`` existed, written) at or
    before *stale_before* was interrupted between its claim and its result.
    *resolve* gets the row and a queryset of that row exactly as read (same
    status and claim time), so a worker that was merely slow and finishes
    meanwhile wins and the sweep changes nothing; it returns the outcome
    (default ``release``: QUEUED again). Idempotent.
    """
    stuck = (
        rows.filter(status=LedgerEntry.Status.SENDING)
        .filter(
            Q(claimed_at__lte=stale_before)
            | Q(claimed_at__isnull=True, created_at__lte=stale_before)
        )
        .order_by("pk")
    )
    outcomes = []
    for entry in stuck:
        same_row = type(entry).objects.filter(
            pk=entry.pk, status=entry.Status.SENDING, claimed_at=entry.claimed_at
        )
        outcomes.append((entry, resolve(entry, same_row)))
    return outcomes


def requeue_due(
    rows: QuerySet, *, due_before: datetime, lost_before: datetime, now: datetime
) -> list[LedgerEntry]:
    """QUEUED rows of *rows* whose task may never come; return those this call took.

    A row due (``next_attempt_at``) at or before *due_before*, or never tried
    and written at or before *lost_before*, gets ``next_attempt_at`` = *now*
    by a conditional update, so two sweeps take it once; the caller queues
    its task. A duplicate task is harmless: it finds the row claimed or sent.
    """
    due = (
        rows.filter(status=LedgerEntry.Status.QUEUED)
        .filter(
            Q(next_attempt_at__lte=due_before)
            | Q(next_attempt_at__isnull=True, created_at__lte=lost_before)
        )
        .order_by("pk")
    )
    return [
        entry
        for entry in due
        if type(entry)
        .objects.filter(pk=entry.pk, status=entry.Status.QUEUED)
        .update(next_attempt_at=now)
    ]


# --- emails ------------------------------------------------------------------------------


class Email(NamedTuple):
    """A rendered email and the plain address it goes to (kept on the ledger row)."""

    to: str
    message: EmailMessage


# A renderer builds the email *purpose* sends about the row *subject_id* (a
# signature, a letter, a supporter) in round *round_*, or returns None when
# there is nothing to send (the row is gone, or nothing waits for the email).
# *queued* says the ledger row exists already: the email was decided on, so it
# is rendered if its subject still exists.
Renderer = Callable[..., Email | None]

_renderers: dict[str, Renderer] = {}

# A batch renderer builds many emails of one purpose at once, for the senders
# (core.mail.engine): it gets [(subject_id, round_), ...] whose ledger rows
# exist, and returns {(subject_id, round_): Email or None}. One query for all
# the subjects, and each template compiled once, is most of a sender's speed.
BatchRenderer = Callable[[list[tuple[int, int]]], dict[tuple[int, int], "Email | None"]]

_batch_renderers: dict[str, BatchRenderer] = {}


class SendFailed(Exception):
    """The mail server or backend refused a claimed email; its row is QUEUED with the error."""

    def __init__(self, entry: OutgoingEmail) -> None:
        super().__init__(entry.idempotency_key)
        self.entry = entry


def register_email(purpose: str, renderer: Renderer, *, batch: BatchRenderer | None = None) -> None:
    """Make *renderer* build the emails of *purpose* (from an app's ``ready``).

    *batch*, if given, renders many at once for the senders; without it they
    call *renderer* for each email (with ``queued=True``: the row exists).
    """
    _renderers[purpose] = renderer
    if batch is not None:
        _batch_renderers[purpose] = batch


def render_emails(
    purpose: str, items: list[tuple[int, int]]
) -> dict[tuple[int, int], Email | None]:
    """Render the emails of *purpose* for *items* [(subject_id, round_)] whose rows exist.

    Returns {(subject_id, round_): Email or None (nothing to send)}. Raises
    LookupError for a purpose nobody registered, and what the renderer raises.
    """
    batch = _batch_renderers.get(purpose)
    if batch is not None:
        return batch(items)
    try:
        render = _renderers[purpose]
    except KeyError:
        raise LookupError(f"No email renderer is registered for {purpose!r}.") from None
    return {
        (subject_id, round_): render(subject_id=subject_id, round_=round_, queued=True)
        for subject_id, round_ in items
    }


def email_key(purpose: str, subject_id: int, round_: int = 0) -> str:
    """The idempotency key of the email *purpose* about *subject_id* in round *round_*."""
    return f"{purpose}:{subject_id}:{round_}"


def emailed_since(purpose: str, subject_id: int, *, since: datetime, other_than_round: int) -> bool:
    """Whether an email of *purpose* about *subject_id* was decided on after *since*.

    Its ledger row counts, whether sent yet or not, except round
    *other_than_round* (the email being decided on: the mail engine writes its
    row before rendering it) and rows found to have nothing to send (SKIPPED).
    What the "one email an hour" rules of repeated actions ask.
    """
    return (
        OutgoingEmail.objects.filter(
            idempotency_key__startswith=f"{purpose}:{subject_id}:", created_at__gt=since
        )
        .exclude(status=OutgoingEmail.Status.SKIPPED)
        .exclude(idempotency_key=email_key(purpose, subject_id, other_than_round))
        .exists()
    )


def parse_email_key(key: str) -> tuple[str, int, int]:
    """(purpose, subject_id, round) from an email's idempotency key."""
    purpose, subject_id, round_ = key.rsplit(":", 2)
    return purpose, int(subject_id), int(round_)


def send_email(*, purpose: str, subject_id: int, round_: int = 0) -> bool:
    """Send the email *purpose* about *subject_id* once; return True if this call sent it.

    Renders it, writes the ledger row (unique idempotency key) if there is
    none yet, claims it and sends it. Does nothing if the renderer finds
    nothing to send, or the row is sent, failed or being sent by another
    worker. Raises SendFailed after recording the mail error on the row
    (QUEUED again), so the caller can retry_or_fail; LookupError for a purpose
    nobody registered.
    """
    try:
        render = _renderers[purpose]
    except KeyError:
        raise LookupError(f"No email renderer is registered for {purpose!r}.") from None
    key = email_key(purpose, subject_id, round_)
    entry = OutgoingEmail.objects.filter(idempotency_key=key).first()
    if entry is not None and entry.status != OutgoingEmail.Status.QUEUED:
        return False
    email = render(subject_id=subject_id, round_=round_, queued=entry is not None)
    if email is None:
        return False
    if entry is None:
        entry, _created = OutgoingEmail.objects.get_or_create(
            idempotency_key=key, defaults={"to_address": email.to, "purpose": purpose}
        )
    if not entry.claim():
        return False
    try:
        entry.send(email.message)
    except Exception as error:
        raise SendFailed(entry) from error
    return True
