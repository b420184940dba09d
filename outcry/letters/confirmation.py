"""A letter by email or fax goes out in its writer's name only once they confirm their address.

Anyone can type anyone's name and address into the composer, and an embassy
cannot tell a letter from the person named from one made up by someone else.
So, as WriteToThem does, the email and fax deliveries of a new letter wait as
UNCONFIRMED (no task) and the writer is emailed a link that shows the letter:

- ``core.tasks.send_email`` sends it once, through the ledger (OutgoingEmail,
  key ``letter-confirmation:<letter>:<round>``), as signature confirmations
  do; ``letters.emails.confirmation_email`` renders it;
- ``confirm_letter`` (the link, signed and valid for
  OUTCRY_LETTER_CONFIRMATION_DAYS) moves those rows to QUEUED and queues their
  delivery tasks, once: a mail scanner opening the link first or a second click
  change nothing more;
- ``expire_unconfirmed_letters`` (run_periodic) marks the rows of letters not
  confirmed in time EXPIRED: they are never sent;
- ``queue_receipt``, in the same transaction that proves the writer's address
  (the press on the link's page, or the remember-me cookie when the letter is
  written), queues a copy of the letter for its writer (key
  ``letter-receipt:<letter>:0``); ``letters.emails.receipt_email`` renders it.
  Never before: a copy mailed to an address nobody proved would let anyone
  mail any text to anyone.

Post, mailto, web form and phone are the writer's own doing and never wait.
A browser that pressed "Send" behind a live link keeps a signed cookie naming the
address by a keyed hash (see views.remember_sender), and letters from that
address in that browser need no new link; typing a confirmed address elsewhere
proves nothing.
"""

import hmac
import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from outcry.actions import confirmation as actions_confirmation
from outcry.core.mail import engine
from outcry.core.queue import enqueue_with_transaction
from outcry.core.ratelimit import email_key
from outcry.directory.models import Channel
from outcry.letters.models import Delivery, Letter
from outcry.letters.tasks import deliver_letter
from outcry.supporters.models import MailProblem, normalise_email

logger = logging.getLogger("outcry.letters")

CONFIRM_SALT = "outcry.letters.confirm"
# The ledger's purpose for the copy of a letter its writer gets (queue_receipt).
RECEIPT_PURPOSE = "letter-receipt"
# The ways of sending whose letters the writer gets a copy of: the ones the site
# sends in their name, and post (printed from the site). By mailto, a web form
# or the phone the writer sent or said it themselves, with the text before them.
RECEIPT_KINDS = (Channel.Kind.EMAIL, Channel.Kind.FAX, Channel.Kind.POST)


# The confirmation link's refusal, shared by every kind of action.
InvalidConfirmation = actions_confirmation.InvalidConfirmation


def new_token() -> str:
    return secrets.token_urlsafe(24)


def sender_proof(email: str) -> str:
    """What the remember-me cookie holds for *email*: a keyed hash, not the address."""
    return email_key(normalise_email(email))


def is_proven(*, email: str, proof: str) -> bool:
    """True if *proof* (from a signed cookie this site set) names *email*."""
    return bool(proof) and hmac.compare_digest(proof, sender_proof(email))


def confirmation_code(letter: Letter) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(letter.confirm_token)


def confirmation_url(letter: Letter) -> str:
    with translation.override(letter.writer_language or settings.LANGUAGE_CODE):
        path = reverse("actions:confirm", args=[confirmation_code(letter)])
    return f"{settings.BASE_URL}{path}"


def expires_at(letter: Letter) -> datetime:
    return letter.created_at + timedelta(days=settings.LETTER_CONFIRMATION_DAYS)


def letter_to_confirm(*, code: str) -> Letter:
    """The letter behind the link *code*, without changing anything.

    For the page that asks the writer to press "Send": opening a link (as a mail
    scanner does, on its own) never sends a letter. Raises InvalidConfirmation as
    confirm_letter does.
    """
    token, expired = _token_of(code)
    letter = Letter.objects.filter(confirm_token=token).first()
    if letter is None:
        raise InvalidConfirmation(expired=False)
    if letter.confirmed_at is None:
        waiting = letter.deliveries.filter(status=Delivery.Status.UNCONFIRMED)
        if expired or timezone.now() >= expires_at(letter) or not waiting.exists():
            raise InvalidConfirmation(expired=True)
    return letter


def _token_of(code: str) -> tuple[str, bool]:
    """The letter token signed in *code* and whether the code is too old (InvalidConfirmation)."""
    signer = signing.TimestampSigner(salt=CONFIRM_SALT)
    max_age = settings.LETTER_CONFIRMATION_DAYS * 86400
    try:
        return signer.unsign(code, max_age=max_age), False
    except signing.SignatureExpired:
        return signer.unsign(code), True
    except signing.BadSignature:
        raise InvalidConfirmation(expired=False) from None


def confirm_letter(*, code: str) -> tuple[Letter, bool]:
    """Send the letter behind the link *code*; return it and whether this call confirmed it.

    Called when the writer presses "Send" on the page the link opens (a POST), never
    by opening the link. In one transaction: the letter's confirmed_at, its
    UNCONFIRMED deliveries to QUEUED, and a delivery task for each. Idempotent: a
    second call (a double click) returns the letter unchanged. Raises
    InvalidConfirmation for a tampered code, or an expired one whose letter was
    not confirmed in time (its deliveries are then EXPIRED and never sent).
    """
    token, expired = _token_of(code)
    with transaction.atomic():
        letter = Letter.objects.select_for_update().filter(confirm_token=token).first()
        if letter is None:
            raise InvalidConfirmation(expired=False)
        if letter.confirmed_at is not None:
            return letter, False
        waiting = letter.deliveries.filter(status=Delivery.Status.UNCONFIRMED)
        if expired or timezone.now() >= expires_at(letter) or not waiting.exists():
            raise InvalidConfirmation(expired=True)
        letter.confirmed_at = timezone.now()
        letter.save(update_fields=["confirmed_at"])
        ids = list(waiting.values_list("pk", flat=True))
        # Conditional, like every change of state in the ledger: a row the
        # expiry job reached first stays expired and gets no task.
        for delivery_id in ids:
            if Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.UNCONFIRMED).update(
                status=Delivery.Status.QUEUED
            ):
                enqueue_with_transaction(deliver_letter, delivery_id=delivery_id)
        queue_receipt(letter)
    logger.info("Letter %s confirmed by its writer", letter.pk)
    return letter, True


def queue_receipt(letter: Letter) -> bool:
    """Queue the copy of *letter* for its writer; return True if this call queued it.

    Call it inside the transaction that proves the writer's address (the letter
    has ``confirmed_at``): the ledger row commits with it. Nothing for a letter
    whose address nobody proved (anyone can type anyone's address, and the copy
    carries the text they typed), for an erased writer, for an address that
    bounced or complained (the copy is not mail they asked for), or for a letter
    with no email, fax or post delivery. Idempotent: the key
    ``letter-receipt:<letter>:0`` is queued once, however often this is called.
    """
    supporter = letter.supporter
    if (
        letter.confirmed_at is None
        or supporter.is_erased
        or supporter.mail_problem != MailProblem.NONE
        or not letter.deliveries.filter(kind__in=RECEIPT_KINDS).exists()
    ):
        return False
    return engine.queue(purpose=RECEIPT_PURPOSE, subject_id=letter.pk, to=supporter.email)


def expire_unconfirmed_letters(*, now: datetime | None = None) -> int:
    """Mark the waiting deliveries of letters never confirmed in time EXPIRED; return how many.

    They are never sent, and the admin shows them as expired. Also forgets the
    network hash of letters with nothing left to send and nothing sent in the
    last hour (it only serves the per-network share of a target's hourly limit).
    Idempotent; run_periodic runs it every ten minutes.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LETTER_CONFIRMATION_DAYS)
    expired = Delivery.objects.filter(
        status=Delivery.Status.UNCONFIRMED,
        letter__confirmed_at__isnull=True,
        letter__created_at__lte=cutoff,
    ).update(status=Delivery.Status.EXPIRED)
    if expired:
        logger.info("%s unconfirmed deliveries expired unsent", expired)
    pending = (Delivery.Status.QUEUED, Delivery.Status.SENDING, Delivery.Status.UNCONFIRMED)
    hour_ago = now - timedelta(hours=1)
    Letter.objects.exclude(network_key="").filter(created_at__lt=hour_ago).exclude(
        deliveries__status__in=pending
    ).exclude(deliveries__sent_at__gte=hour_ago).update(network_key="")
    return expired
