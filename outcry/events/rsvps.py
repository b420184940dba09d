"""RSVPs: a supporter's reply to an event, through the actions layer like a signature.

- ``reply`` writes it with actions.take_action (the supporter, the RSVP, its
  consents, its confirmation email through the ledger) under the event's row
  lock, which is what keeps every date within capacity however many replies
  arrive at once: seats are counted from the rows, never from a counter that
  could drift. A reply that finds no room goes on the date's waiting list.
- An unconfirmed RSVP holds its seats for OUTCRY_RSVP_HOLD_HOURS; then they
  are free again (``release_lapsed_holds`` marks it LAPSED and moves the
  waiting list on), and confirming later takes a seat only if one is free.
- A second reply with an address that already replied answers the same page,
  writes nothing new (an unconfirmed one takes the newest form's details) and
  emails the owner their link to change it, at most once an hour.
- Changing or cancelling needs the link of its emails (``manage_code``), never
  an address typed again. A freed seat goes to the first confirmed RSVP on the
  waiting list that fits (``promote``), who is emailed.

Seats: an RSVP for a date takes ``1 + guests`` on that date; one for every date
(``date`` empty) on every date. A single event's RSVPs all have no date.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from outcry.actions import consents as consent
from outcry.actions.confirmation import Changed, InvalidConfirmation
from outcry.actions.services import Person, Written, take_action
from outcry.campaigns.models import Organisation
from outcry.core import ratelimit
from outcry.core.mail import engine
from outcry.core.tasks import send_email
from outcry.events.models import Event, Rsvp
from outcry.events.recurrence import Occurrence
from outcry.supporters.models import Supporter, normalise_email

logger = logging.getLogger("outcry.events")

CONFIRM_SALT = "outcry.events.rsvp.confirm"
MANAGE_SALT = "outcry.events.rsvp.manage"
CONFIRMATION_PURPOSE = "rsvp-confirmation"
PLACE_PURPOSE = "rsvp-place"
MAX_GUESTS = 9
# Dates offered for a recurring event; a reply names one of them (or every date).
DATES_OFFERED = 14
# The share of an event's places that unconfirmed replies may hold together.
UNCONFIRMED_SHARE = 0.5
UNCONFIRMED_FLOOR = 10
# Confirmed RSVPs looked at each time seats free up (the rest wait for the next time).
PROMOTE_AT_MOST = 200


class RsvpRefused(Exception):
    """A reply that cannot be taken; *message* says why, in the active language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def source_for(rsvp: Rsvp) -> str:
    return consent.source_for("rsvp", rsvp.pk)


# --- dates and seats -------------------------------------------------------------------


def dates_offered(event: Event, now: datetime | None = None) -> list[Occurrence]:
    """The occurrences a reply may name: not started yet, soonest first."""
    now = now or timezone.now()
    return [
        occurrence
        for occurrence in event.next_occurrences(DATES_OFFERED + 1, now)
        if occurrence.start > now
    ][:DATES_OFFERED]


def takes_replies(event: Event) -> bool:
    """Whether *event* is on the site and not cancelled (its dates aside)."""
    return not event.is_cancelled and Event.objects.public().filter(pk=event.pk).exists()


def check_reply(event: Event, day: date | None, guests: int, now: datetime) -> None:
    """Refuse a reply to an event that is not open, a date it does not offer, too many guests."""
    if not takes_replies(event):
        raise RsvpRefused(gettext("This event is not taking replies."))
    offered = dates_offered(event, now)
    if not offered:
        raise RsvpRefused(gettext("This event has started or is over; it takes no more replies."))
    if day is not None and (not event.is_recurring or day not in {o.local_date for o in offered}):
        raise RsvpRefused(gettext("Please choose one of the dates offered."))
    if not 0 <= guests <= MAX_GUESTS:
        raise RsvpRefused(
            gettext("You can bring at most %(count)s guests.") % {"count": MAX_GUESTS}
        )


@dataclass(frozen=True)
class Seats:
    """Seats taken on an event: by every-date RSVPs, and by date."""

    capacity: int | None
    standing: int
    by_date: dict[date, int]

    def free(self, day: date | None) -> int | None:
        """Seats free on *day* (on every date still to come if None); None: no limit."""
        if self.capacity is None:
            return None
        if day is None:
            return self.capacity - self.standing - max(self.by_date.values(), default=0)
        return self.capacity - self.standing - self.by_date.get(day, 0)


def seats(
    event: Event,
    *,
    now: datetime | None = None,
    excluding: int | None = None,
    confirmed_only: bool = False,
) -> Seats:
    """The seats *event*'s RSVPs take now (holds that ran out take none); one query.

    *confirmed_only*: as the public page counts them, without the seats held for
    unconfirmed replies. Anyone can type an address, and only a new address adds
    a hold (a known one changes nothing): a count with holds in it, read before
    and after typing someone's address, would tell whether they had replied.
    """
    now = now or timezone.now()
    today = now.astimezone(event.zone).date()
    rows = (
        Rsvp.objects.filter(status=Rsvp.Status.GOING, confirmed_at__isnull=False)
        if confirmed_only
        else Rsvp.objects.holding_seats(now)
    )
    taken = (
        rows.filter(event=event)
        .filter(Q(date__isnull=True) | Q(date__gte=today))
        .exclude(pk=excluding)
        .values("date")
        .annotate(people=Sum(F("guests") + 1))
    )
    by_date = {row["date"]: row["people"] for row in taken}
    standing = by_date.pop(None, 0)
    return Seats(capacity=event.capacity, standing=standing, by_date=by_date)


def held_unconfirmed(
    event: Event, day: date | None, *, now: datetime, excluding: int | None = None
) -> int:
    """Seats that unconfirmed replies hold now on *day* (every-date replies count on each)."""
    held = Rsvp.objects.filter(
        event=event, status=Rsvp.Status.GOING, confirmed_at__isnull=True, hold_until__gt=now
    ).exclude(pk=excluding)
    if day is not None:
        held = held.filter(Q(date__isnull=True) | Q(date=day))
    return held.aggregate(people=Sum(F("guests") + 1))["people"] or 0


def _fits_unconfirmed(event: Event, rsvp: Rsvp, now: datetime) -> bool:
    """Whether an unconfirmed *rsvp* may hold seats: unconfirmed replies hold at most
    UNCONFIRMED_SHARE of the places (all of a small event's, up to UNCONFIRMED_FLOOR), so
    that addresses typed by anyone cannot fill an event for hours; past it a reply
    waits, and takes a seat when confirmed if one is free."""
    if rsvp.is_confirmed or event.capacity is None:
        return True
    limit = max(int(event.capacity * UNCONFIRMED_SHARE), min(event.capacity, UNCONFIRMED_FLOOR))
    held = held_unconfirmed(event, rsvp.date, now=now, excluding=rsvp.pk)
    return held + rsvp.people <= limit


def _place(event: Event, rsvp: Rsvp, now: datetime) -> None:
    """Give *rsvp* its seats if they are free, else a place on the waiting list (unsaved).

    *event* locked. Seats a hold left when it ran out go first to the confirmed
    waiting list (promote), not to whoever replies before release_lapsed_holds
    runs. A hold still running keeps its end: replying again with the address
    of an unconfirmed reply must not keep its seats from the waiting list for ever.
    """
    if event.capacity is not None:
        promote(event, now)
    held = rsvp.status == Rsvp.Status.GOING and rsvp.hold_until and rsvp.hold_until > now
    free = seats(event, now=now, excluding=rsvp.pk).free(rsvp.date)
    if free is None or (free >= rsvp.people and _fits_unconfirmed(event, rsvp, now)):
        rsvp.status = Rsvp.Status.GOING
        rsvp.hold_until = None if rsvp.is_confirmed else rsvp.hold_until if held else now + hold()
        rsvp.waiting_since = None
    else:
        rsvp.status = Rsvp.Status.WAITING
        rsvp.hold_until = None
        rsvp.waiting_since = rsvp.waiting_since or now


def hold() -> timedelta:
    return timedelta(hours=settings.RSVP_HOLD_HOURS)


def _locked(event_id: int) -> Event:
    """The event, its row locked until the transaction ends: replies to it take turns."""
    return Event.objects.select_for_update().get(pk=event_id)


def promote(event: Event, now: datetime) -> list[Rsvp]:
    """Give free seats to confirmed RSVPs on the waiting list, first come first served.

    Inside the caller's transaction, *event* locked. Each one promoted is
    emailed (PLACE_PURPOSE). Returns them.
    """
    if event.capacity is None and not event.rsvps.filter(status=Rsvp.Status.WAITING).exists():
        return []
    if event.last_end_utc <= now:
        return []
    # Counted once, then kept up to date here: every reply to a capped event
    # calls this (_place) under the event's lock, whatever the waiting list's length.
    taken = seats(event, now=now)
    if taken.capacity is not None and taken.capacity - taken.standing <= 0:
        return []  # no date has a seat free
    standing, by_date = taken.standing, dict(taken.by_date)
    # Never a place on a date gone by (nor its "a place opened up" email).
    today = now.astimezone(event.zone).date()
    waiting = (
        Rsvp.objects.filter(event=event, status=Rsvp.Status.WAITING, confirmed_at__isnull=False)
        .filter(Q(date__isnull=True) | Q(date__gte=today))
        .select_related("supporter")
        .order_by("waiting_since", "pk")[:PROMOTE_AT_MOST]
    )
    promoted = []
    for rsvp in waiting:
        free = Seats(capacity=event.capacity, standing=standing, by_date=by_date).free(rsvp.date)
        if free is None or free >= rsvp.people:
            rsvp.status = Rsvp.Status.GOING
            rsvp.waiting_since = None
            rsvp.save(update_fields=["status", "waiting_since"])
            engine.queue(
                purpose=PLACE_PURPOSE,
                subject_id=rsvp.pk,
                round_=_round(now),
                to=rsvp.supporter.email,
            )
            promoted.append(rsvp)
            if rsvp.date is None:
                standing += rsvp.people
            else:
                by_date[rsvp.date] = by_date.get(rsvp.date, 0) + rsvp.people
    if promoted:
        logger.info("%s RSVPs to event %s moved off the waiting list", len(promoted), event.pk)
    return promoted


def _round(now: datetime) -> int:
    """The hour number that keys repeated emails about one RSVP (never 0, the first's)."""
    return int(now.timestamp() // 3600)


# --- replying ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What the form asked: which date (None: every date, or the only one), guests, phone."""

    day: date | None
    guests: int
    phone: str = ""


def reply(
    *,
    event: Event,
    person: Person,
    reply: Reply,
    network: str,
    consents: list[tuple[Organisation, str]] = (),
) -> Rsvp | None:
    """Take *person*'s reply to *event*; return the RSVP it wrote or found, None if dropped.

    The caller answers the same page whatever this did (no oracle: see the
    module's docstring). Raises RsvpRefused (the event or date is not open, too
    many guests) and ratelimit.RateLimited past the network's limit; past the
    address's limit nothing is written or sent and None is returned.
    """
    now = timezone.now()
    check_reply(event, reply.day, reply.guests, now)
    email = normalise_email(person.email)
    counted = ratelimit.EVENT_RSVP.count(
        network=network,
        address=email,
        also=((ratelimit.RSVP_ANY_NETWORK_BUCKET, ratelimit.mailbox_key(email), 3600),),
    )
    counted.refuse_network()
    # Each date of each event is an RSVP of its own with its own emails: across
    # networks, at most RSVP_EMAILS_PER_HOUR replies with one mailbox an hour.
    if counted.address_over or counted.also[0] > ratelimit.RSVP_EMAILS_PER_HOUR:
        return None

    def write(supporter: Supporter, created: bool) -> Written:
        locked = _locked(event.pk)
        existing = (
            None
            if created
            else Rsvp.objects.active()
            .filter(event=locked, supporter=supporter, date=reply.day)
            .first()
        )
        if existing is None:
            rsvp = Rsvp(
                event=locked,
                supporter=supporter,
                date=reply.day,
                name=person.name,
                phone=reply.phone,
                guests=reply.guests,
                language=person.language,
                token=secrets.token_urlsafe(24),
                created_at=now,
            )
            _place(locked, rsvp, now)
            rsvp.save()
            return Written(
                row=rsvp,
                is_new=True,
                source=source_for(rsvp),
                confirmation=(send_email, {"purpose": CONFIRMATION_PURPOSE, "subject_id": rsvp.pk}),
            )
        renewed = not existing.is_confirmed
        if renewed:
            # The newest form wins while unconfirmed (its owner sees the details
            # on the confirmation page before pressing, see confirm_rsvp).
            existing.name = person.name
            existing.phone = reply.phone
            existing.guests = reply.guests
            existing.language = person.language
            _place(locked, existing, now)
            existing.save()
        again = {"purpose": CONFIRMATION_PURPOSE, "subject_id": existing.pk, "round": _round(now)}
        return Written(
            row=existing,
            is_new=False,
            renewed=renewed,
            source=source_for(existing),
            confirmation=(send_email, again),
        )

    for _attempt in range(3):
        try:
            return take_action(person=person, write=write, consents=consents).row
        except IntegrityError:
            logger.info("Concurrent RSVPs from one address to event %s", event.pk)
    return Rsvp.objects.active().filter(event=event, supporter__email=email, date=reply.day).first()


# --- the links ---------------------------------------------------------------------------


def confirmation_code(rsvp: Rsvp) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(rsvp.token)


def manage_code(rsvp: Rsvp) -> str:
    return signing.Signer(salt=MANAGE_SALT).sign(rsvp.token)


def _url(name: str, code: str, language: str) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        path = reverse(name, args=[code])
    return f"{settings.BASE_URL}{path}"


def confirmation_url(rsvp: Rsvp) -> str:
    return _url("actions:confirm", confirmation_code(rsvp), rsvp.language)


def manage_url(rsvp: Rsvp) -> str:
    return _url("events:rsvp", manage_code(rsvp), rsvp.language)


def _token_of(code: str, salt: str, timestamped: bool) -> str:
    signer = signing.TimestampSigner(salt=salt) if timestamped else signing.Signer(salt=salt)
    try:
        return signer.unsign(code)
    except signing.BadSignature:
        raise InvalidConfirmation(expired=False) from None


def waiting_consents(rsvp: Rsvp) -> list[Organisation]:
    """The organisations that confirming *rsvp* would let email its owner."""
    return consent.waiting(supporter_id=rsvp.supporter_id, source=source_for(rsvp))


def digest(rsvp: Rsvp, organisations: list[Organisation] | None = None) -> str:
    """What the confirmation page showed, for its button to confirm exactly that.

    With the organisations it would let email the owner (*organisations*:
    waiting_consents(rsvp), when the caller read them already): a stranger
    replying again with the owner's address and the same details, ticking
    boxes, must not have a page shown before agree to them.
    """
    if organisations is None:
        organisations = waiting_consents(rsvp)
    chosen = ",".join(str(organisation.pk) for organisation in organisations)
    shown = f"{rsvp.date}|{rsvp.guests}|{rsvp.name}|{rsvp.phone}|{chosen}"
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


def is_over(rsvp: Rsvp, now: datetime) -> bool:
    """Whether nothing the RSVP names is still to come."""
    if rsvp.date is None:
        return rsvp.event.last_end_utc <= now
    return rsvp.date < now.astimezone(rsvp.event.zone).date()


def rsvp_to_confirm(*, code: str) -> Rsvp:
    """The RSVP behind a confirmation link, changing nothing (InvalidConfirmation)."""
    token = _token_of(code, CONFIRM_SALT, timestamped=True)
    rsvp = Rsvp.objects.select_related("event__campaign").filter(token=token).first()
    if rsvp is None:
        raise InvalidConfirmation(expired=False)
    if not rsvp.is_confirmed and (
        rsvp.status == Rsvp.Status.CANCELLED
        or is_over(rsvp, timezone.now())
        # Cancelled, or taken off the site, since the reply: nothing left to confirm.
        or not takes_replies(rsvp.event)
    ):
        raise InvalidConfirmation(expired=True)
    return rsvp


def confirm_rsvp(*, code: str, form) -> tuple[Rsvp, bool]:
    """Confirm the RSVP behind *code* as its page showed it; return it and whether this call did.

    Under the event's lock: a lapsed hold takes a seat again only if one is
    free, else the waiting list. Its consents are confirmed. Raises
    InvalidConfirmation, or Changed when the RSVP changed since the page showed it.
    """
    rsvp = rsvp_to_confirm(code=code)
    now = timezone.now()
    with transaction.atomic():
        event = _locked(rsvp.event_id)
        rsvp = Rsvp.objects.select_related("supporter").get(pk=rsvp.pk)
        rsvp.event = event
        if rsvp.is_confirmed:
            return rsvp, False
        if rsvp.status == Rsvp.Status.CANCELLED or not takes_replies(event):
            raise InvalidConfirmation(expired=True)
        if form.get("shown") != digest(rsvp):
            raise Changed(rsvp)
        rsvp.confirmed_at = now
        if rsvp.status == Rsvp.Status.LAPSED or (
            rsvp.status == Rsvp.Status.GOING and rsvp.hold_until <= now
        ):
            _place(event, rsvp, now)
        rsvp.hold_until = None
        rsvp.save()
        consent.confirm(supporter_id=rsvp.supporter_id, source=source_for(rsvp))
        if rsvp.status == Rsvp.Status.WAITING:
            # Seats may have freed while it was unconfirmed (only confirmed ones move up).
            promote(event, now)
            rsvp.refresh_from_db()
    logger.info("RSVP %s confirmed (%s)", rsvp.pk, rsvp.status)
    return rsvp, True


# --- changing and cancelling, through the emailed link --------------------------------


def rsvp_to_manage(code: str) -> Rsvp:
    """The RSVP behind a manage link (InvalidConfirmation for a bad one)."""
    token = _token_of(code, MANAGE_SALT, timestamped=False)
    rsvp = Rsvp.objects.select_related("event__campaign", "supporter").filter(token=token).first()
    if rsvp is None:
        raise InvalidConfirmation(expired=False)
    return rsvp


def cancel(rsvp: Rsvp) -> bool:
    """Cancel *rsvp* and move the waiting list on; False if it was cancelled already."""
    now = timezone.now()
    with transaction.atomic():
        event = _locked(rsvp.event_id)
        cancelled = Rsvp.objects.filter(pk=rsvp.pk, status__in=Rsvp.ACTIVE).update(
            status=Rsvp.Status.CANCELLED, cancelled_at=now, hold_until=None, waiting_since=None
        )
        if cancelled:
            promote(event, now)
    rsvp.refresh_from_db()
    return bool(cancelled)


def change_guests(rsvp: Rsvp, guests: int) -> None:
    """Bring *guests* (RsvpRefused when there is no room for more, or it is over or cancelled)."""
    if not 0 <= guests <= MAX_GUESTS:
        raise RsvpRefused(
            gettext("You can bring at most %(count)s guests.") % {"count": MAX_GUESTS}
        )
    now = timezone.now()
    with transaction.atomic():
        event = _locked(rsvp.event_id)
        current = Rsvp.objects.get(pk=rsvp.pk)
        if current.status == Rsvp.Status.CANCELLED or is_over(rsvp, now):
            raise RsvpRefused(gettext("This reply can no longer be changed."))
        more = guests > current.guests
        if more and current.status == Rsvp.Status.GOING:
            if event.capacity is not None:
                promote(event, now)  # seats of a hold that ran out: the waiting list's first
            free = seats(event, now=now, excluding=current.pk).free(current.date)
            if free is not None and free < 1 + guests:
                raise RsvpRefused(
                    gettext("There is no room for that many: %(free)s places are free.")
                    % {"free": max(free, 0)}
                )
        Rsvp.objects.filter(pk=current.pk).update(guests=guests)
        if not more:
            promote(event, now)
    rsvp.refresh_from_db()


def release_lapsed_holds(*, now: datetime | None = None) -> int:
    """Free the seats of unconfirmed RSVPs whose hold ran out; return how many.

    Each becomes LAPSED (confirming later takes a seat only if one is free), and
    its event's waiting list moves on. Idempotent; run_periodic runs it.
    """
    now = now or timezone.now()
    lapsed = Rsvp.objects.filter(
        status=Rsvp.Status.GOING, confirmed_at__isnull=True, hold_until__lte=now
    )
    released = 0
    for event_id in set(lapsed.values_list("event_id", flat=True)):
        with transaction.atomic():
            event = _locked(event_id)
            released += lapsed.filter(event_id=event_id).update(
                status=Rsvp.Status.LAPSED, hold_until=None
            )
            promote(event, now)
    if released:
        logger.info("%s unconfirmed RSVPs released their seats", released)
    return released


# --- what pages show -------------------------------------------------------------------


def local_start(rsvp: Rsvp, now: datetime | None = None) -> datetime | None:
    """When the RSVP's date starts on the event's clock; for every date, the next one.

    None when that date is not (or no longer) an occurrence: cancelled, or over.
    """
    event = rsvp.event
    now = now or timezone.now()
    if rsvp.date is None:
        upcoming = event.next_occurrences(1, now)
        return upcoming[0].local_start if upcoming else None
    dates = event.occurrences(now - timedelta(days=1), event.last_end_utc + timedelta(days=1))
    return next((o.local_start for o in dates if o.local_date == rsvp.date), None)


def going_count(event: Event, day: date | None = None) -> int:
    """People (with guests) confirmed going on *day* (every-date RSVPs count on each)."""
    rows = Rsvp.objects.filter(event=event, status=Rsvp.Status.GOING, confirmed_at__isnull=False)
    if day is not None:
        rows = rows.filter(Q(date__isnull=True) | Q(date=day))
    return rows.aggregate(people=Sum(F("guests") + 1))["people"] or 0
