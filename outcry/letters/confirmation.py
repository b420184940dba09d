"""A letter by email or fax goes out in its writer's name only once they confirm their address.

Anyone can type anyone's name and address into the composer, and an embassy
cannot tell a letter from the person named from one made up by someone else.
So, as WriteToThem does, the email and fax deliveries of a new letter wait as
UNCONFIRMED (no task) and the writer is emailed a link that shows the letter:

- ``send_confirmation_email`` sends it once, through the ledger
  (OutgoingEmail, key ``letter-confirmation:<letter>:<round>``), as signature
  confirmations do;
- ``confirm_letter`` (the link, signed and valid for
  OUTCRY_LETTER_CONFIRMATION_DAYS) moves those rows to QUEUED and queues their
  delivery tasks, once: a mail scanner opening the link first or a second click
  change nothing more;
- ``expire_unconfirmed_letters`` (run_periodic) marks the rows of letters not
  confirmed in time EXPIRED: they are never sent.

Post, mailto, web form and phone are the writer's own doing and never wait.
A browser that opened a confirmation link keeps a signed cookie naming the
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
from outcry.core.mail import render_message
from outcry.core.models import OutgoingEmail
from outcry.core.queue import enqueue_with_transaction, requeue_abandoned, uses_database_queue
from outcry.core.ratelimit import email_key
from outcry.letters.models import Delivery, Letter
from outcry.letters.wording import sender_name, wording_for
from outcry.supporters.models import normalise_email

logger = logging.getLogger("outcry.letters")

CONFIRM_SALT = "outcry.letters.confirm"
CONFIRMATION_PURPOSE = "letter-confirmation"
# A confirmation email left "sending" this long was interrupted.
STALE_AFTER = timedelta(minutes=15)


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


def confirmation_key(letter_id: int, round_: int = 0) -> str:
    return f"{CONFIRMATION_PURPOSE}:{letter_id}:{round_}"


def expires_at(letter: Letter) -> datetime:
    return letter.created_at + timedelta(days=settings.LETTER_CONFIRMATION_DAYS)


def send_confirmation_email(*, letter_id: int, round_: int = 0) -> bool:
    """Email the writer the link that sends their letter; return True if this call sent it.

    The email shows the letter as its first office reads it and lists every
    office and way of sending. Writes the ledger row (unique idempotency key)
    before sending; does nothing if the letter is gone, confirmed, expired, or
    its email is already sent or being sent by another worker. Raises the mail
    error after recording it, so the task can retry.
    """
    letter = (
        Letter.objects.select_related("supporter", "action__campaign").filter(pk=letter_id).first()
    )
    if letter is None or letter.confirmed_at is not None or not letter.confirm_token:
        return False
    waiting = list(
        letter.deliveries.filter(status=Delivery.Status.UNCONFIRMED)
        .select_related("target", "channel")
        .order_by("target__name", "pk")
    )
    if not waiting:
        return False
    entry, _created = OutgoingEmail.objects.get_or_create(
        idempotency_key=confirmation_key(letter.pk, round_),
        defaults={"to_address": letter.supporter.email, "purpose": CONFIRMATION_PURPOSE},
    )
    if not entry.claim():
        return False
    language = letter.writer_language or settings.LANGUAGE_CODE
    # Imported here: services imports this module to queue the email.
    from outcry.letters.services import channel_name, letter_text

    first = waiting[0].target
    with translation.override(language):
        deliveries = [
            {"target": delivery.target.name, "channel": channel_name(delivery.kind)}
            for delivery in waiting
        ]
        campaign_path = reverse("campaigns:detail", args=[letter.action.campaign.slug])
    message = render_message(
        template="letters/emails/confirm",
        context={
            "letter": letter,
            "language": language,
            "name": sender_name(letter),
            "subject": wording_for(letter=letter, target=first).subject,
            "text": letter_text(letter=letter, target=first),
            "first_target": first.name,
            "deliveries": deliveries,
            "confirm_url": confirmation_url(letter),
            "days": settings.LETTER_CONFIRMATION_DAYS,
            "campaign_url": f"{settings.BASE_URL}{campaign_path}",
        },
        to=letter.supporter.email,
        language=language,
    )
    entry.send(message)
    return True


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
    from outcry.letters.tasks import deliver_letter  # tasks import this module

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
    logger.info("Letter %s confirmed by its writer", letter.pk)
    return letter, True


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


def requeue_stale_confirmations(*, now: datetime | None = None) -> int:
    """Queue again every letter confirmation email a crash left behind; return how many.

    A send interrupted mid-way (ledger row SENDING for long) is released and
    queued again: a second email is harmless, a letter that can never be
    confirmed is not. With tasks in the database, a task a killed worker left
    RUNNING is queued again too (core.queue.requeue_abandoned). Idempotent.
    """
    from outcry.letters.tasks import send_letter_confirmation  # tasks import this module

    now = now or timezone.now()
    stale = now - STALE_AFTER
    requeued = 0
    stuck = OutgoingEmail.objects.filter(
        purpose=CONFIRMATION_PURPOSE, status=OutgoingEmail.Status.SENDING, claimed_at__lt=stale
    )
    for entry in stuck:
        released = OutgoingEmail.objects.filter(
            pk=entry.pk, status=OutgoingEmail.Status.SENDING, claimed_at=entry.claimed_at
        ).update(status=OutgoingEmail.Status.QUEUED, last_error="interrupted while sending")
        if released:
            _prefix, letter_id, round_ = entry.idempotency_key.split(":")
            send_letter_confirmation.enqueue(letter_id=int(letter_id), round=int(round_))
            requeued += 1
    if uses_database_queue(send_letter_confirmation):
        requeued += requeue_abandoned(send_letter_confirmation, started_before=stale)
    return requeued
