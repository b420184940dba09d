"""Verbs on pledges: take one, confirm it, stop its reminders, count and recount.

- ``take_pledge`` writes through actions.take_action (the supporter, the
  commitment, its consents, its confirmation email through the ledger) and
  answers the same whatever the address did before: a new commitment is
  emailed its link; one still unconfirmed takes the newest form's choices (a
  stranger may have typed the address first) and is emailed a fresh link; a
  confirmed one changes nothing and its owner is told so by email, at most
  once an hour (the ledger's round).
- A commitment counts in the public counter (``pledge:<id>``) once its owner
  pressed the button behind the link (``confirm_commitment``), never before:
  anyone can type anyone's address.
- Reminders stop from the signed link of any reminder (``stop_reminders``),
  which only ever lowers what is sent.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from outcry.actions import consents as consent
from outcry.actions import counters
from outcry.actions.confirmation import Changed, InvalidConfirmation
from outcry.actions.services import Person, Written, take_action
from outcry.campaigns.models import Organisation
from outcry.core import ratelimit
from outcry.core.tasks import send_email
from outcry.pledges import zones
from outcry.pledges.models import Commitment, Pledge
from outcry.pledges.reminders import BOYCOTT_AT
from outcry.supporters.models import Supporter, normalise_email

logger = logging.getLogger("outcry.pledges")

CONFIRM_SALT = "outcry.pledges.confirm"
STOP_SALT = "outcry.pledges.stop"
CONFIRMATION_PURPOSE = "pledge-confirmation"
# A fast's reminder comes the evening before, at this time unless the supporter picks another.
FAST_REMINDER_AT = time(18, 0)


class PledgeRefused(Exception):
    """A commitment that cannot be taken; *message* says why (active language), *field* where."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Choice:
    """What the form asked: the day (fast), the time (prayer; a fast's reminder), the zone."""

    day: date | None = None
    local_time: time | None = None
    time_zone: str = "UTC"
    wants_reminders: bool = False


def source_for(commitment: Commitment) -> str:
    return consent.source_for("pledge", commitment.pk)


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _time(value: time) -> str:
    return formats.time_format(value, "TIME_FORMAT")


def check(pledge: Pledge, choice: Choice, now: datetime | None = None) -> None:
    """Refuse what *choice* cannot be for *pledge* (PledgeRefused, naming the field).

    The zone must be one this system knows; a fast's day one the pledge offers
    and still to come on the supporter's own calendar; a prayer needs its
    time; a fast's reminder time must exist in the zone on the day before the
    fast (the clocks may skip it), or the message says what to choose instead.
    """
    now = now or timezone.now()
    if not pledge.is_open:
        raise PledgeRefused(gettext("This pledge is no longer taking commitments."))
    zone = zones.zone_or_none(choice.time_zone)
    if zone is None:
        raise PledgeRefused(
            gettext("“%(value)s” is not a time zone we know. Please choose yours from the list.")
            % {"value": choice.time_zone[:64]},
            "time_zone",
        )
    if pledge.kind == Pledge.Kind.FAST:
        _check_fast(pledge, choice, zone, now)
    elif pledge.kind == Pledge.Kind.PRAY and choice.local_time is None:
        raise PledgeRefused(gettext("Please choose the time you will pray."), "local_time")


def _check_fast(pledge: Pledge, choice: Choice, zone, now: datetime) -> None:
    if choice.day is None:
        raise PledgeRefused(gettext("Please choose the day you will fast."), "day")
    if (
        pledge.first_day_on is None
        or pledge.last_day_on is None
        or not pledge.first_day_on <= choice.day <= pledge.last_day_on
    ):
        first, last = pledge.first_day_on, pledge.last_day_on
        raise PledgeRefused(
            gettext("Please choose one of the days offered, from %(first)s to %(last)s.")
            % {"first": _day(first) if first else "", "last": _day(last) if last else ""},
            "day",
        )
    today = now.astimezone(zone).date()
    if choice.day < today:
        raise PledgeRefused(
            gettext("%(day)s has already passed in %(zone)s. Please choose a day still to come.")
            % {"day": _day(choice.day), "zone": choice.time_zone},
            "day",
        )
    if choice.wants_reminders:
        at = choice.local_time or FAST_REMINDER_AT
        gap = zones.gap_at(choice.day - timedelta(days=1), at, zone)
        if gap is not None:
            raise PledgeRefused(gap_message(gap, at, choice.time_zone), "local_time")


def gap_message(gap: zones.Gap, at: time, zone_name: str) -> str:
    """The message for a reminder time the clocks skip on the day it would be used."""
    return gettext(
        "On %(day)s, %(time)s does not exist in %(zone)s (the clocks jump from %(skipped)s "
        "to %(jumps)s): please choose a time before %(skipped)s, or %(jumps)s or later."
    ) % {
        "day": _day(gap.day),
        "time": _time(at),
        "zone": zone_name,
        "skipped": _time(gap.skipped_from),
        "jumps": _time(gap.jumps_to),
    }


def prayer_gaps(commitment: Commitment, now: datetime | None = None) -> list[zones.Gap]:
    """The days (within a year, or until the campaign's deadline) its prayer time is skipped.

    On those days the reminder goes at the moment the clocks jump to (zones.instant).
    """
    zone = zones.zone_or_none(commitment.time_zone)
    if commitment.pledge.kind != Pledge.Kind.PRAY or zone is None or commitment.local_time is None:
        return []
    now = now or timezone.now()
    today = now.astimezone(zone).date()
    last = today + timedelta(days=366)
    deadline = commitment.pledge.campaign.deadline_at
    if deadline is not None:
        last = min(last, deadline.astimezone(zone).date())
    return zones.gaps_between(commitment.local_time, zone, today, last)


# --- taking a pledge ---------------------------------------------------------------------


def new_token() -> str:
    """The secret behind a commitment's links (its codes are signed tokens)."""
    return secrets.token_urlsafe(24)


def _round(now: datetime) -> int:
    """The hour number that keys a repeated email about one commitment (never 0, the first's)."""
    return int(now.timestamp() // 3600)


def take_pledge(
    *,
    pledge: Pledge,
    person: Person,
    choice: Choice,
    network: str,
    consents: list[tuple[Organisation, str]] = (),
) -> Commitment | None:
    """Take *person*'s commitment to *pledge*; return the row written or found, None if dropped.

    The caller answers the same page whatever this did (no oracle: see the
    module's docstring). Raises PledgeRefused (closed, a day or time it cannot
    be) and ratelimit.RateLimited past the network's limit; past the address's
    limit nothing is written or sent and None is returned. Safe under
    concurrent submissions with one address: the database keeps one row.
    """
    now = timezone.now()
    check(pledge, choice, now)
    email = normalise_email(person.email)
    counted = ratelimit.PLEDGE.count(network=network, address=email)
    counted.refuse_network()
    if counted.address_over:
        return None
    chosen = {
        "day_on": choice.day if pledge.kind == Pledge.Kind.FAST else None,
        "local_time": _kept_time(pledge, choice),
        "time_zone": choice.time_zone,
        "wants_reminders": choice.wants_reminders,
        "name": person.name,
        "language": person.language,
    }

    def write(supporter: Supporter, created: bool) -> Written:
        existing = (
            None
            if created
            else Commitment.objects.filter(pledge=pledge, supporter=supporter).first()
        )
        if existing is None:
            commitment = Commitment(
                pledge=pledge,
                supporter=supporter,
                token=new_token(),
                created_at=now,
                **chosen,
            )
            commitment.save()
            return Written(
                row=commitment,
                is_new=True,
                source=source_for(commitment),
                confirmation=(
                    send_email,
                    {"purpose": CONFIRMATION_PURPOSE, "subject_id": commitment.pk},
                ),
            )
        # The newest form wins while unconfirmed (its owner sees it on the page
        # behind the link before pressing); one conditional UPDATE, so a
        # confirmation at the same moment never confirms what its owner did not see.
        renewed = bool(
            Commitment.objects.filter(pk=existing.pk, confirmed_at__isnull=True).update(**chosen)
        )
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
            # Another request wrote the same supporter or commitment between our
            # read and our write; the next attempt finds their row.
            logger.info("Concurrent commitments from one address to pledge %s", pledge.pk)
    return Commitment.objects.filter(pledge=pledge, supporter__email=email).first()


def _kept_time(pledge: Pledge, choice: Choice) -> time | None:
    if pledge.kind == Pledge.Kind.PRAY:
        return choice.local_time
    if pledge.kind == Pledge.Kind.FAST and choice.wants_reminders:
        return choice.local_time or FAST_REMINDER_AT
    return None


# --- the links ---------------------------------------------------------------------------


def confirmation_code(commitment: Commitment) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(commitment.token)


def stop_code(commitment: Commitment) -> str:
    return signing.Signer(salt=STOP_SALT).sign(commitment.token)


def _url(name: str, args: list, language: str) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        path = reverse(name, args=args)
    return f"{settings.BASE_URL}{path}"


def confirmation_url(commitment: Commitment) -> str:
    return _url("actions:confirm", [confirmation_code(commitment)], commitment.language)


def stop_url(commitment: Commitment) -> str:
    """The page that stops this commitment's reminders (a button; GET changes nothing)."""
    slug = commitment.pledge.campaign.slug
    return _url("pledges:stop", [slug, stop_code(commitment)], commitment.language)


def _token_of(code: str, signer: signing.Signer) -> str:
    try:
        return signer.unsign(code)
    except signing.BadSignature:
        raise InvalidConfirmation(expired=False) from None


def _with_pledge(token: str) -> Commitment | None:
    return (
        Commitment.objects.select_related("pledge__campaign", "supporter")
        .prefetch_related("pledge__texts", "pledge__campaign__texts")
        .filter(token=token)
        .first()
    )


def is_over(commitment: Commitment, now: datetime) -> bool:
    """Whether nothing is left to do: the campaign closed, or a fast's day went by."""
    if not commitment.pledge.is_open:
        return True
    if commitment.day_on is None:
        return False
    zone = zones.zone_or_none(commitment.time_zone) or zones.zone_or_none("UTC")
    return commitment.day_on < now.astimezone(zone).date()


def commitment_to_confirm(*, code: str) -> Commitment:
    """The commitment behind a confirmation link, changing nothing (InvalidConfirmation)."""
    signer = signing.TimestampSigner(salt=CONFIRM_SALT)
    token = _token_of(code, signer)
    commitment = _with_pledge(token)
    if commitment is None:
        raise InvalidConfirmation(expired=False)
    if not commitment.is_confirmed:
        try:
            signer.unsign(code, max_age=timedelta(days=settings.CONFIRMATION_MAX_AGE_DAYS))
        except signing.SignatureExpired:
            raise InvalidConfirmation(expired=True) from None
        if is_over(commitment, timezone.now()):
            raise InvalidConfirmation(expired=True)
    return commitment


def waiting_consents(commitment: Commitment) -> list[Organisation]:
    """The organisations that confirming *commitment* would let email its owner."""
    return consent.waiting(supporter_id=commitment.supporter_id, source=source_for(commitment))


def digest(commitment: Commitment, organisations: list[Organisation] | None = None) -> str:
    """What the confirmation page showed, for its button to confirm exactly that.

    With the organisations it would let email the owner: a stranger pledging
    again with the owner's address, ticking boxes, must not have a page shown
    before agree to them.
    """
    if organisations is None:
        organisations = waiting_consents(commitment)
    chosen = ",".join(str(organisation.pk) for organisation in organisations)
    shown = (
        f"{commitment.day_on}|{commitment.local_time}|{commitment.time_zone}|"
        f"{commitment.wants_reminders}|{commitment.name}|{chosen}"
    )
    return hashlib.sha256(shown.encode()).hexdigest()[:16]


def confirm_commitment(*, code: str, form) -> tuple[Commitment, bool]:
    """Confirm the commitment behind *code* as its page showed it; return it and whether this did.

    Under the row's lock: counted once in the pledge's counter, its consents
    confirmed. Raises InvalidConfirmation, or Changed when it changed since
    the page showed it.
    """
    commitment = commitment_to_confirm(code=code)
    now = timezone.now()
    with transaction.atomic():
        locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
        commitment.confirmed_at = locked.confirmed_at
        if locked.is_confirmed:
            return commitment, False
        for field in ("day_on", "local_time", "time_zone", "wants_reminders", "name"):
            setattr(commitment, field, getattr(locked, field))
        if form.get("shown") != digest(commitment):
            raise Changed(commitment)
        Commitment.objects.filter(pk=commitment.pk).update(confirmed_at=now)
        commitment.confirmed_at = now
        counters.add(commitment.pledge.counter_key)
        consent.confirm(supporter_id=commitment.supporter_id, source=source_for(commitment))
    counters.forget(commitment.pledge.counter_key)
    logger.info("Commitment %s to pledge %s confirmed", commitment.pk, commitment.pledge_id)
    return commitment, True


def commitment_to_stop(code: str) -> Commitment:
    """The commitment behind a stop link, of any age (InvalidConfirmation for a bad one)."""
    commitment = _with_pledge(_token_of(code, signing.Signer(salt=STOP_SALT)))
    if commitment is None:
        raise InvalidConfirmation(expired=False)
    return commitment


def stop_reminders(commitment: Commitment) -> bool:
    """Stop every reminder of *commitment*; False if they were stopped already. Idempotent.

    Reminders queued before this are skipped when their turn comes (the
    renderer checks again), and none is queued after.
    """
    stopped = Commitment.objects.filter(pk=commitment.pk, reminders_stopped_at__isnull=True).update(
        reminders_stopped_at=timezone.now()
    )
    commitment.refresh_from_db(fields=["reminders_stopped_at"])
    if stopped:
        logger.info("Reminders of commitment %s stopped", commitment.pk)
    return bool(stopped)


# --- counting ----------------------------------------------------------------------------


def count(pledge: Pledge) -> int:
    """The public count: confirmed commitments, cached for a few seconds."""
    return counters.cached_total(pledge.counter_key)


def recount(*, pledge: Pledge) -> tuple[int, int]:
    """Rebuild the pledge's counter from its confirmed rows; return (before, after). Idempotent."""
    return counters.reset(
        pledge.counter_key,
        count_rows=lambda: Commitment.objects.filter(pledge=pledge).confirmed().count(),
    )


def recount_all_pledges() -> int:
    """Reconcile the counter of every pledge of a campaign on the site; return how many.

    A periodic job (settings.PERIODIC_JOBS); idempotent.
    """
    pledges = list(Pledge.objects.exclude(campaign__status="draft"))
    for pledge in pledges:
        recount(pledge=pledge)
    return len(pledges)


# --- what pages and emails say of a commitment ---------------------------------------------


def what_pledged(commitment: Commitment) -> str:
    """One sentence, in the active language: what its owner pledged."""
    pledge = commitment.pledge
    if pledge.kind == Pledge.Kind.FAST and commitment.day_on is not None:
        return gettext("To fast on %(day)s.") % {"day": _day(commitment.day_on)}
    if pledge.kind == Pledge.Kind.PRAY and commitment.local_time is not None:
        return gettext("To pray every day at %(time)s (%(zone)s).") % {
            "time": _time(commitment.local_time),
            "zone": commitment.time_zone,
        }
    text = pledge.text_for(translation.get_language() or settings.LANGUAGE_CODE)
    companies = ", ".join(text.company_list) if text else ""
    return gettext("Not to buy from: %(companies)s.") % {"companies": companies}


def reminders_said(commitment: Commitment) -> str:
    """One sentence, in the active language: which reminders its owner gets."""
    if not commitment.wants_reminders:
        return gettext("No reminders by email.")
    if commitment.reminders_stopped_at is not None:
        return gettext("Reminders by email are stopped.")
    zone = commitment.time_zone
    kind = commitment.pledge.kind
    if kind == Pledge.Kind.FAST and commitment.day_on and commitment.local_time:
        evening = zones.instant(
            commitment.day_on - timedelta(days=1),
            commitment.local_time,
            zones.zone_or_none(zone) or zones.zone_or_none("UTC"),
        )
        if evening <= timezone.now():
            return gettext("No reminder: the evening before your fast has already passed.")
        return gettext(
            "A reminder by email the evening before, on %(day)s at %(time)s (%(zone)s)."
        ) % {
            "day": _day(commitment.day_on - timedelta(days=1)),
            "time": _time(commitment.local_time),
            "zone": zone,
        }
    if kind == Pledge.Kind.PRAY and commitment.local_time:
        return gettext("A reminder by email every day at %(time)s (%(zone)s).") % {
            "time": _time(commitment.local_time),
            "zone": zone,
        }
    return gettext("A reminder by email every Saturday at %(time)s (%(zone)s).") % {
        "time": _time(BOYCOTT_AT),
        "zone": zone,
    }


def gap_notes(commitment: Commitment, now: datetime | None = None) -> list[str]:
    """For a prayer time the clocks skip on some day: when we remind that day instead."""
    if not commitment.wants_reminders:
        return []
    return [
        gettext(
            "On %(day)s the clocks in %(zone)s jump from %(skipped)s to %(jumps)s: "
            "that day we remind you at %(jumps)s, as they jump."
        )
        % {
            "day": _day(gap.day),
            "zone": commitment.time_zone,
            "skipped": _time(gap.skipped_from),
            "jumps": _time(gap.jumps_to),
        }
        for gap in prayer_gaps(commitment, now)
    ]
