"""Local events proposed by supporters for a day of action: propose, confirm, decide, cancel.

A supporter proposes a local event through the public form of a day of
action (views_hosts). The proposal goes through the actions layer like a
signature: the host is a supporter, the proposal an Event with approval
PROPOSED (nobody sees it publicly) and an EventHost row, its consents and its
confirmation email in one transaction (actions.take_action). The host
confirms their address through the shared confirmation link first; only a
confirmed proposal reaches the organisers of the campaign's lead organisation
and of the organisation the event is for, who approve or decline it in the
admin (decide). Either way the host is emailed in their language; approval
carries the signed link to the host's own page (host_code), from which they
may cancel their event.
"""

import logging
import secrets
import zoneinfo
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from outcry.actions import confirmation
from outcry.actions import consents as consent
from outcry.actions.services import Person, Written, take_action
from outcry.campaigns.models import Organisation
from outcry.core import ratelimit
from outcry.core.audit import record_event
from outcry.core.mail import engine
from outcry.core.tasks import send_email
from outcry.events import notices
from outcry.events.models import DayOfAction, Event, EventHost, EventText
from outcry.supporters.models import Supporter, normalise_email

logger = logging.getLogger("outcry.events")

CONFIRMATION_PURPOSE = "event-host-confirmation"
APPROVED_PURPOSE = "event-host-approved"
DECLINED_PURPOSE = "event-host-declined"
CONFIRM_SALT = "outcry.events.host.confirm"
HOST_SALT = "outcry.events.host.page"
NONCE_SALT = "outcry.events.host.nonce"
# How long the host's own link works (it is emailed once, on approval).
HOST_LINK_DAYS = 366
# A form left open longer than this is sent again with a new token.
NONCE_MAX_AGE = 2 * 24 * 3600
# The last place where a date is still today (UTC-12): a day of action takes
# proposals until its date is over there.
LAST_ZONE = zoneinfo.ZoneInfo("Etc/GMT+12")

# The confirmation link's refusal, shared by every kind of action.
InvalidConfirmation = confirmation.InvalidConfirmation


class InvalidHostLink(Exception):
    """The host link is malformed, tampered with (404) or too old (``expired``, 410)."""

    def __init__(self, *, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class HostingClosed(Exception):
    """The day of action is over: it takes no more proposals."""


def accepts_hosts(day: DayOfAction, now: datetime | None = None) -> bool:
    """Whether *day* still takes proposals: its date has not ended everywhere on earth."""
    now = now or timezone.now()
    return day.date >= now.astimezone(LAST_ZONE).date()


def source_for(host: EventHost) -> str:
    return consent.source_for("event-host", host.pk)


# The form's one-time token ----------------------------------------------------------------


def new_nonce() -> str:
    """A signed one-time token for the proposal form: the same form posted twice is one."""
    return signing.TimestampSigner(salt=NONCE_SALT).sign(secrets.token_urlsafe(18))


def read_nonce(value: str) -> str | None:
    """The token signed in *value*, or None when it is forged or older than NONCE_MAX_AGE."""
    try:
        return signing.TimestampSigner(salt=NONCE_SALT).unsign(value, max_age=NONCE_MAX_AGE)
    except signing.BadSignature:
        return None


# Proposing --------------------------------------------------------------------------------


def propose(
    *,
    day: DayOfAction,
    build: Callable[[], tuple[Event, EventText]],
    email: str,
    name: str,
    phone: str,
    language: str,
    nonce: str,
    network: str,
    consents: Iterable[tuple[Organisation, str]] = (),
) -> EventHost | None:
    """Propose the event *build* makes (unsaved, checked) for *day*; return its host row.

    Limited by the ``event-host`` policy (core.ratelimit.EVENT_HOST): past the
    per-network limit this raises RateLimited; past the per-address limit
    nothing is written or sent and None is returned, which the caller answers
    as any other proposal (a refusal would tell whoever typed the address that
    it was used a moment ago). A form posted twice (*nonce*, also at the same
    moment) is one proposal. Raises HostingClosed when the day is over.
    """
    if not accepts_hosts(day):
        raise HostingClosed("closed")
    counted = ratelimit.EVENT_HOST.count(network=network, address=normalise_email(email))
    counted.refuse_network()
    if counted.address_over:
        return None

    def write(supporter: Supporter, _created: bool) -> Written:
        existing = EventHost.objects.filter(nonce=nonce).first()
        if existing is not None:  # the same form again: nothing new
            return Written(row=existing, is_new=False)
        event, text = build()
        event.day_of_action = day
        event.campaign = day.campaign
        event.approval = Event.Approval.PROPOSED
        event.status = Event.Status.PUBLISHED
        event.save()
        text.event = event
        text.save()
        host = EventHost.objects.create(
            event=event,
            supporter=supporter,
            name=name,
            phone=phone,
            language=language,
            nonce=nonce,
            confirm_token=secrets.token_urlsafe(24),
            key=secrets.token_urlsafe(24),
        )
        return Written(
            row=host,
            is_new=True,
            source=source_for(host),
            confirmation=(send_email, {"purpose": CONFIRMATION_PURPOSE, "subject_id": host.pk}),
        )

    person = Person(email=email, name=name, language=language)
    for _attempt in range(3):
        try:
            return take_action(person=person, write=write, consents=consents).row
        except IntegrityError:
            # The same form (or the same new address) arrived twice at once and the
            # other request won; the next attempt finds its rows.
            logger.info("Concurrent event proposal for day of action %s", day.pk)
    return EventHost.objects.filter(nonce=nonce).first()


# Confirming the host's address (the actions layer's link) ---------------------------------


def confirmation_code(host: EventHost) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(host.confirm_token)


def confirmation_url(host: EventHost) -> str:
    with translation.override(host.language):
        path = reverse("actions:confirm", args=[confirmation_code(host)])
    return f"{settings.BASE_URL}{path}"


def _token_of(code: str) -> tuple[str, bool]:
    signer = signing.TimestampSigner(salt=CONFIRM_SALT)
    try:
        return signer.unsign(code, max_age=settings.CONFIRMATION_MAX_AGE_DAYS * 86400), False
    except signing.SignatureExpired:
        return signer.unsign(code), True
    except signing.BadSignature:
        raise InvalidConfirmation(expired=False) from None


def _hosts() -> QuerySet:
    return EventHost.objects.select_related(
        "supporter", "event__campaign", "event__day_of_action", "event__organisation"
    ).prefetch_related("event__texts", "event__campaign__texts", "event__day_of_action__texts")


def host_to_confirm(*, code: str) -> EventHost:
    """The proposal behind the link *code*, changing nothing (the page with the button).

    Raises InvalidConfirmation for a tampered code, and as expired for an
    unconfirmed proposal whose link is too old, whose event has started or
    was cancelled meanwhile (a confirmed one is still found).
    """
    token, expired = _token_of(code)
    host = _hosts().filter(confirm_token=token).first()
    if host is None:
        raise InvalidConfirmation(expired=False)
    if host.confirmed_at is None and (
        expired or host.event.is_cancelled or host.event.first_start_utc <= timezone.now()
    ):
        raise InvalidConfirmation(expired=True)
    return host


def confirm_host(*, code: str) -> tuple[EventHost, bool]:
    """Confirm the host's address; the proposal now waits for the organisers. Idempotent."""
    found = host_to_confirm(code=code)
    if found.confirmed_at is not None:
        return found, False
    with transaction.atomic():
        locked = EventHost.objects.select_for_update().filter(pk=found.pk).first()
        if locked is None:
            raise InvalidConfirmation(expired=False)
        if locked.confirmed_at is not None:  # pressed twice at once
            return found, False
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["confirmed_at"])
        consent.confirm(supporter_id=locked.supporter_id, source=source_for(locked))
    found.confirmed_at = locked.confirmed_at
    logger.info("Event proposal %s confirmed by its host", found.event_id)
    return found, True


# The host's own page ----------------------------------------------------------------------


def host_code(host: EventHost) -> str:
    return signing.TimestampSigner(salt=HOST_SALT).sign(host.key)


def host_url(host: EventHost) -> str:
    with translation.override(host.language):
        path = reverse("events:host_page", args=[host_code(host)])
    return f"{settings.BASE_URL}{path}"


def host_for_code(code: str) -> EventHost:
    """The host row behind a host link; raises InvalidHostLink."""
    signer = signing.TimestampSigner(salt=HOST_SALT)
    try:
        key = signer.unsign(code, max_age=HOST_LINK_DAYS * 86400)
    except signing.SignatureExpired:
        raise InvalidHostLink(expired=True) from None
    except signing.BadSignature:
        raise InvalidHostLink(expired=False) from None
    host = _hosts().filter(key=key, confirmed_at__isnull=False).first()
    if host is None:
        raise InvalidHostLink(expired=False)
    return host


def cancel_by_host(host: EventHost) -> bool:
    """Cancel the host's event (from their page); True if this call cancelled it. Idempotent."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=host.event_id)
        if event.is_cancelled or event.last_end_utc <= timezone.now():
            return False  # an event that is over is not cancelled (nor its attendees told)
        event.status = Event.Status.CANCELLED
        event.save()
        # Everyone who said yes is told, as when an organiser cancels it.
        notices.notify_attendees(event, before={"status": Event.Status.PUBLISHED})
        record_event(
            actor=None,
            action="host-cancelled-event",
            object_repr=str(event),
            organisation=event.organisation,
            details={"event": event.pk, "host": host.pk},
            subject_type="events.event",
            subject_id=event.pk,
        )
    host.event.status = Event.Status.CANCELLED
    return True


# Organisers' decisions --------------------------------------------------------------------


def deciders(user) -> Q:
    """The events whose proposals *user* may see and decide: their organisation's, or any
    of a campaign their organisation leads."""
    organisations = user.organisations.all()
    return Q(organisation__in=organisations) | Q(campaign__lead_organisation__in=organisations)


def waiting(queryset: QuerySet) -> QuerySet:
    """The proposals organisers have to decide on: hosted, confirmed, still proposed."""
    return queryset.filter(approval=Event.Approval.PROPOSED, host__confirmed_at__isnull=False)


def decide(*, events: QuerySet, approve: bool, actor) -> tuple[int, int]:
    """Approve or decline the waiting proposals among *events*; return (decided, skipped).

    Only confirmed proposals that *actor* may decide (deciders) and that still
    wait are changed; each decision is in the audit log and emails the host
    (in their language): approval with the link to their page, a decline with
    a polite note. One transaction per event, its row locked.
    """
    decided = skipped = 0
    allowed = Event.objects.all() if actor.is_superuser else Event.objects.filter(deciders(actor))
    for pk in events.values_list("pk", flat=True):
        with transaction.atomic():
            event = (
                waiting(allowed.filter(pk=pk))
                .select_for_update(of=("self",))
                .select_related("host__supporter", "organisation")
                .first()
            )
            if event is None:
                skipped += 1
                continue
            event.approval = Event.Approval.APPROVED if approve else Event.Approval.DECLINED
            event.save()
            host = event.host
            host.decided_at = timezone.now()
            host.save(update_fields=["decided_at"])
            record_event(
                actor=actor,
                action="approve-hosted-event" if approve else "decline-hosted-event",
                object_repr=str(event),
                organisation=event.organisation,
                details={"event": event.pk, "host": host.pk},
                subject_type="events.event",
                subject_id=event.pk,
            )
            engine.queue(
                purpose=APPROVED_PURPOSE if approve else DECLINED_PURPOSE,
                subject_id=host.pk,
                to=host.supporter.email,
            )
            decided += 1
    return decided, skipped


def unconfirmed_proposals() -> QuerySet:
    """Events proposed by a host who has not confirmed their address (never in the admin)."""
    return Event.objects.filter(host__isnull=False, host__confirmed_at__isnull=True)


def forget_unconfirmed_proposals(*, now: datetime | None = None) -> int:
    """Delete proposals whose host never confirmed within the link's life; return how many.

    Nobody ever saw them (unconfirmed proposals reach no organiser), and their
    details were typed by whoever had the address: they are not kept. Their
    unconfirmed consents go with them. Idempotent; run_periodic runs it hourly.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.CONFIRMATION_MAX_AGE_DAYS)
    forgotten = 0
    stale = EventHost.objects.filter(confirmed_at__isnull=True, created_at__lte=cutoff)
    for host in stale.select_related("event")[:500]:
        with transaction.atomic():
            consent.drop(supporter_id=host.supporter_id, source=source_for(host))
            Event.objects.filter(
                pk=host.event_id, approval=Event.Approval.PROPOSED, host__confirmed_at__isnull=True
            ).delete()
            forgotten += 1
    if forgotten:
        logger.info("%s unconfirmed event proposals forgotten", forgotten)
    return forgotten
