"""Send letters: each Delivery row the site sends (email, fax), exactly once.

The composer writes one QUEUED Delivery per (letter, target, channel) with the key
``letter:<letter>:<target>:<kind>`` and queues ``tasks.deliver_letter``. Here a
worker claims the row (QUEUED → SENDING, a conditional update: one worker wins),
checks the target's hourly limit, has the row's channel send it
(letters/channels/: how each channel sends), and marks it SENT, back to QUEUED
for a retry, or FAILED. Letters wait UNCONFIRMED, with no task, until their
writer confirmed their address (letters/confirmation.py). Post is printed, not
sent (letters/channels/post.py).

A worker killed while sending leaves a row in SENDING; ``tasks.recover_deliveries``
resolves it with ``resolve_stuck`` (see there and docs/operations.md). Claiming,
retrying, giving up and that recovery are the ledger's own steps (core/ledger.py).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from outcry.directory.models import Channel
from outcry.letters import channels
from outcry.letters.channels import Sender
from outcry.letters.channels.base import DeliveryProblem, Sent
from outcry.letters.channels.fax import fax_number
from outcry.letters.channels.interfax import InterFax
from outcry.letters.models import Delivery

logger = logging.getLogger("outcry.letters")


class TemporaryFailure(Exception):
    """Raised by ``deliver`` after putting the row back in the queue: try again later."""


class Deferred(Exception):
    """Raised by ``deliver``: the target's hourly limit is reached; nothing was attempted."""

    def __init__(self, not_before: datetime) -> None:
        super().__init__(f"rate limited until {not_before.isoformat()}")
        self.not_before = not_before


def sent_by_site() -> list[str]:
    """The kinds of delivery a worker sends (the rest the supporter does)."""
    return channels.codes(sent_by=Sender.SITE)


# --- the one entry point -----------------------------------------------------------------


def deliver(*, delivery_id: int) -> bool:
    """Send one queued email or fax delivery; return True if this call sent it.

    Returns False, doing nothing, when the row is gone, not QUEUED (sent, failed,
    or another worker has it), or a post delivery (printed, not sent). Never
    sends twice: the row is claimed by a conditional update first.
    Raises Deferred (the target's hourly limit is reached; the attempt is not
    counted) or TemporaryFailure (the row is QUEUED again with the error
    recorded). A permanent problem (bad number, refused address) marks the row
    FAILED and returns False.
    """
    delivery = (
        Delivery.objects.select_related("letter__supporter", "target", "channel")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.kind not in sent_by_site():
        return False
    # Only QUEUED rows are sent: an UNCONFIRMED one waits for its writer's link,
    # an EXPIRED one never goes.
    if delivery.status != Delivery.Status.QUEUED:
        return False
    if not delivery.claim():
        return False
    delivery.refresh_from_db(fields=["attempt_count", "claimed_at", "status"])
    not_before = _rate_limited_until(delivery)
    if not_before is not None:
        _release(delivery, not_before=not_before)
        raise Deferred(not_before)
    try:
        sent = _send(delivery)
    except DeliveryProblem as problem:
        return _record_problem(delivery, problem)
    except Exception as error:
        # A bug or an unforeseen failure: record it and let the retry policy decide,
        # rather than leave the row in SENDING.
        logger.exception("Delivery %s failed unexpectedly", delivery.pk)
        problem = DeliveryProblem(
            f"{type(error).__name__}: {error}", code=Delivery.Error.UNAVAILABLE
        )
        return _record_problem(delivery, problem)
    _mark_sent(delivery, sent)
    logger.info(
        "Delivery %s (%s) sent on attempt %s", delivery.pk, delivery.kind, delivery.attempt_count
    )
    return True


def _send(delivery: Delivery) -> Sent:
    if delivery.target.is_closed:
        raise DeliveryProblem(
            gettext("This target is closed and no longer receives letters."),
            code=Delivery.Error.BAD_ADDRESS,
            permanent=True,
        )
    return channels.get(delivery.kind).send(delivery, _active_channel(delivery))


def _record_problem(delivery: Delivery, problem: DeliveryProblem) -> bool:
    message = str(problem)[:2000]
    if problem.permanent:
        delivery.mark_failed(message, error_code=problem.code)
        logger.warning("Delivery %s failed for good: %s", delivery.pk, message)
        return False
    delivery.mark_retry(message, error_code=problem.code)
    logger.warning(
        "Delivery %s attempt %s failed: %s", delivery.pk, delivery.attempt_count, message
    )
    raise TemporaryFailure(message)


def _mark_sent(delivery: Delivery, sent: Sent) -> None:
    extra = {"error_code": "", "provider_reference": sent.reference[:200]}
    if sent.rendered is not None:
        extra.update(pdf_sha256=sent.rendered.sha256, page_count=sent.rendered.page_count)
    delivery.mark_sent(**extra)


def _release(delivery: Delivery, *, not_before: datetime) -> None:
    """Give a claimed row back to the queue without counting the attempt."""
    Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.QUEUED,
        attempt_count=F("attempt_count") - 1,
        claimed_at=None,
        next_attempt_at=not_before,
    )


def _active_channel(delivery: Delivery) -> Channel:
    """The contact chosen when the letter was queued if still active, else another active one."""
    kind = channels.get(delivery.kind)
    channel = delivery.channel
    if (
        channel is None
        or channel.status != Channel.Status.ACTIVE
        or channel.kind != kind.contact_kind
    ):
        channel = kind.contact_for(delivery.target)
        if channel is None:
            raise DeliveryProblem(
                gettext("The target has no active %(channel)s address any more.")
                % {"channel": kind.label},
                code=Delivery.Error.BAD_ADDRESS,
                permanent=True,
            )
        Delivery.objects.filter(pk=delivery.pk).update(channel=channel)
    return channel


# --- rate limits per target -------------------------------------------------------------


def _rate_limited_until(delivery: Delivery) -> datetime | None:
    """When the target may get the next message on this channel, or None for now.

    Counts what was sent to the target on this channel in the last hour, plus
    what other workers are sending right now, so that a burst of letters to one
    embassy is spread over hours instead of jamming its fax. Counted from the
    rows, so every worker and process sees the same numbers.

    One network (the keyed hash stored on its letters, never an IP address) gets
    at most OUTCRY_DELIVERY_NETWORK_SHARE per cent of that limit: 58 letters from
    one place cannot fill an embassy's hour and hold everyone else's back.
    Unconfirmed letters never get here, so they use none of it.
    """
    limit = settings.DELIVERY_RATE_PER_TARGET_HOUR.get(delivery.kind)
    if not limit:
        return None
    now = timezone.now()
    window_start = now - timedelta(hours=1)
    recent = Delivery.objects.filter(target_id=delivery.target_id, kind=delivery.kind).exclude(
        pk=delivery.pk
    )
    in_window = Q(status=Delivery.Status.SENT, sent_at__gte=window_start) | Q(
        status=Delivery.Status.SENDING
    )
    if recent.filter(in_window).count() >= limit:
        return _next_slot(recent, window_start, now)
    network = delivery.letter.network_key
    share = max(1, limit * settings.DELIVERY_NETWORK_SHARE_PERCENT // 100)
    if network and share < limit:
        ours = recent.filter(letter__network_key=network)
        if ours.filter(in_window).count() >= share:
            return _next_slot(ours, window_start, now)
    return None


def _next_slot(rows: QuerySet[Delivery], window_start: datetime, now: datetime) -> datetime:
    """When the oldest of *rows* sent in the window leaves it (a minute later, for slack)."""
    oldest = rows.filter(status=Delivery.Status.SENT, sent_at__gte=window_start).aggregate(
        at=Min("sent_at")
    )["at"]
    # Once the oldest message in the window is an hour old, a slot is free; a
    # minute's slack keeps the check from landing just before that moment.
    return (oldest + timedelta(hours=1, minutes=1)) if oldest else now + timedelta(minutes=1)


# --- recovery (letters.tasks.recover_deliveries sweeps; core.ledger.recover_stuck finds) -


def resolve_stuck(delivery: Delivery, same_row: QuerySet[Delivery]) -> str:
    """Decide what became of *delivery*, left SENDING by a killed worker; return the outcome.

    *same_row* is the row exactly as read: a worker that is merely slow and
    finishes meanwhile wins, and nothing here changes it.
    - InterFax fax: ask InterFax for a fax with the row's reference. Found:
      SENT (or FAILED if InterFax reports it could not transmit). Not found:
      QUEUED again ("requeued": its next attempt looks it up once more).
      InterFax unreachable: left as it is for the next sweep ("unresolved").
    - email, or fax through an email gateway: nobody can be asked, so the row
      becomes FAILED with the code "outcome_unknown" and a message for the
      organiser, who checks with the recipient and queues it again if need be
      ("review"). Never re-sent blindly.
    - post: nothing had left the server (the PDF was being made): QUEUED ("released").
    """
    if delivery.kind == Channel.Kind.POST:
        same_row.update(status=Delivery.Status.QUEUED, claimed_at=None)
        return "released"
    if delivery.kind == Channel.Kind.FAX and settings.FAX_BACKEND == "interfax":
        try:
            channel = delivery.channel or _active_channel(delivery)
            found = InterFax.from_settings().find(
                reference=delivery.idempotency_key, number=fax_number(channel)
            )
        except DeliveryProblem as problem:
            if problem.permanent:
                # No usable number any more: it cannot have been sent to one either.
                same_row.update(
                    status=Delivery.Status.FAILED, error_code=problem.code, last_error=str(problem)
                )
                return "failed"
            logger.warning("Cannot resolve delivery %s yet: %s", delivery.pk, problem)
            return "unresolved"
        if found is None:
            same_row.update(
                status=Delivery.Status.QUEUED,
                claimed_at=None,
                next_attempt_at=timezone.now(),
                error_code=Delivery.Error.OUTCOME_UNKNOWN,
                last_error=gettext("Interrupted while sending; the fax provider has no such fax."),
            )
            return "requeued"
        status = found.get("status")
        if isinstance(status, int) and status > 0:
            same_row.update(
                status=Delivery.Status.FAILED,
                error_code=Delivery.Error.PROVIDER_FAILED,
                provider_reference=str(found["id"]),
                last_error=gettext(
                    "The fax provider could not transmit the fax (status %(status)s)."
                )
                % {"status": status},
            )
            return "failed"
        same_row.update(
            status=Delivery.Status.SENT,
            sent_at=timezone.now(),
            provider_reference=str(found["id"]),
            error_code="",
            last_error="",
        )
        return "found"
    same_row.update(
        status=Delivery.Status.FAILED,
        error_code=Delivery.Error.OUTCOME_UNKNOWN,
        last_error=gettext(
            "The worker stopped while sending this, so it may or may not have arrived. "
            "Check with the recipient before queueing it again."
        ),
    )
    return "review"
