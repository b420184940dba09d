"""The emails an RSVP's owner gets, rendered for the ledger (core.ledger.send_email).

Each carries the link that changes or cancels the RSVP (rsvps.manage_url), and
nothing typed into the form but a short greeting, and that only once the address
is confirmed: whoever typed the address may not be its owner.
"""

from datetime import datetime

from django.conf import settings
from django.utils import formats, translation

from outcry.core.ledger import Email
from outcry.core.mail import render_message
from outcry.events import rsvps
from outcry.events.models import HostMessage, Rsvp
from outcry.supporters.models import greeting_name


def when(rsvp: Rsvp, start: datetime | None) -> str:
    """The RSVP's date and time on the event's clock, with its zone, in the active language."""
    if start is None:
        return formats.date_format(rsvp.date, "DATE_FORMAT") if rsvp.date else ""
    return (
        f"{formats.date_format(start, 'DATE_FORMAT')}, {formats.time_format(start, 'TIME_FORMAT')} "
        f"({rsvp.event.zone_name(start)}, {rsvp.event.time_zone})"
    )


def rsvp_for(subject_id: int) -> Rsvp | None:
    return (
        Rsvp.objects.select_related("event__campaign", "supporter")
        .prefetch_related("event__texts", "event__campaign__texts")
        .filter(pk=subject_id)
        .first()
    )


def rsvp_email(rsvp: Rsvp, template: str, context: dict, *, start: datetime | None = None) -> Email:
    """The email *template* to *rsvp*'s owner, in their language, about its date.

    *start*: the occurrence it is about (the RSVP's next one if not given).
    The context has the greeting, the event's title, when and where, and the
    manage link; *context* adds to it (and wins).
    """
    language = rsvp.language or settings.LANGUAGE_CODE
    event = rsvp.event
    with translation.override(language):
        text = event.text_for(language)
        start = start or rsvps.local_start(rsvp)
        context = {
            "language": language,
            "name": greeting_name(rsvp.name),
            "title": text.title if text else "",
            "when": when(rsvp, start),
            "every_date": rsvp.date is None and event.is_recurring,
            "venue": event.venue,
            "address": event.address,
            "guests": rsvp.guests,
            "manage_url": rsvps.manage_url(rsvp),
        } | context
    message = render_message(
        template=template, context=context, to=rsvp.supporter.email, language=language
    )
    message.from_email = event.campaign.sender(language)
    return Email(to=rsvp.supporter.email, message=message)


def confirmation_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """Round 0: the link that confirms a new RSVP. Later rounds: "you replied again".

    None once the RSVP is cancelled, or for a first email of one already confirmed.
    """
    rsvp = rsvp_for(subject_id)
    if rsvp is None or rsvp.status == Rsvp.Status.CANCELLED:
        return None
    if round_ == 0 and rsvp.is_confirmed:
        return None
    with translation.override(rsvp.language or settings.LANGUAGE_CODE):
        hold_until = (
            formats.time_format(rsvp.hold_until.astimezone(rsvp.event.zone), "TIME_FORMAT")
            if rsvp.hold_until
            else ""
        )
    return rsvp_email(
        rsvp,
        "events/emails/rsvp_confirm",
        {
            # A name only to an address that confirmed it: until then, whoever typed
            # the address typed the name too, and it greets with a plain "Hello,".
            "name": greeting_name(rsvp.name) if rsvp.is_confirmed else "",
            "confirmed": rsvp.is_confirmed,
            "confirm_url": "" if rsvp.is_confirmed else rsvps.confirmation_url(rsvp),
            "going": rsvp.status == Rsvp.Status.GOING,
            "waiting": rsvp.status == Rsvp.Status.WAITING,
            "hold_until": hold_until,
            "hours": settings.RSVP_HOLD_HOURS,
        },
    )


def place_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """A place opened up: the RSVP moved off the waiting list. None if that changed since."""
    rsvp = rsvp_for(subject_id)
    if rsvp is None or rsvp.status != Rsvp.Status.GOING:
        return None
    return rsvp_email(rsvp, "events/emails/rsvp_place", {})


def host_message_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The copy of message *round_* for the RSVP *subject_id*; None if it no longer reads it."""
    rsvp = rsvp_for(subject_id)
    message = HostMessage.objects.filter(pk=round_).first()
    if (
        rsvp is None
        or message is None
        or message.event_id != rsvp.event_id
        or rsvp.status not in (Rsvp.Status.GOING, Rsvp.Status.WAITING)
        or not rsvp.is_confirmed
    ):
        return None
    return rsvp_email(
        rsvp,
        "events/emails/host_message",
        {
            "message_subject": message.subject,
            "message_body": message.body,
            "contact": rsvp.event.contact,
        },
    )
