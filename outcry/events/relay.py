"""Messages to the people who replied to an event, relayed so that nobody sees their addresses.

A host (through their signed link) or an organiser writes plain text; each
confirmed attendee (going or waiting) gets a copy through the ledger (purpose
``rsvp-message``, keyed by RSVP and message, so a copy is sent once). Replies
do not reach the writer: the email says to use the contact on the event's page.
Hosts see first names and numbers only (``attendees``).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from outcry.core.mail import engine
from outcry.core.text import has_control_characters
from outcry.events.models import Event, HostMessage, Rsvp, refuse_html

MESSAGE_PURPOSE = "rsvp-message"
# Messages one event's attendees get in a day, however many hosts and organisers write.
MESSAGES_PER_DAY = 3
MAX_SUBJECT = 150
MAX_BODY = 2000


class RelayRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def readers(event: Event):
    """The RSVPs a message reaches: confirmed, going or waiting."""
    return Rsvp.objects.filter(
        event=event,
        status__in=(Rsvp.Status.GOING, Rsvp.Status.WAITING),
        confirmed_at__isnull=False,
    )


def _check(subject: str, body: str) -> None:
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise RelayRefused(gettext("Please write a subject and a message."))
    if len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
        raise RelayRefused(
            gettext(
                "Please keep the subject under %(subject)s and the message under "
                "%(body)s characters."
            )
            % {"subject": MAX_SUBJECT, "body": f"{MAX_BODY:,}"}
        )
    # splitlines: every line break, also U+2028, U+0085 and the like.
    if len(subject.splitlines()) > 1 or has_control_characters(subject):
        raise RelayRefused(gettext("Please write the subject on one line."))
    if has_control_characters(body.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise RelayRefused(gettext("Remove the invisible control characters."))
    try:
        refuse_html(subject)
        refuse_html(body)
    except ValidationError as error:
        raise RelayRefused(error.messages[0]) from None


def send_to_attendees(*, event: Event, subject: str, body: str, written_by: str) -> HostMessage:
    """Queue one copy of the message per reader of *event*; return the stored message.

    Raises RelayRefused: empty, too long, HTML or control characters, no one to
    write to, or past MESSAGES_PER_DAY for this event.
    """
    _check(subject, body)
    now = timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        today = event.host_messages.filter(created_at__gt=now - timedelta(days=1)).count()
        if today >= MESSAGES_PER_DAY:
            raise RelayRefused(
                ngettext(
                    "This event's attendees have had %(count)s message today; please wait "
                    "until tomorrow.",
                    "This event's attendees have had %(count)s messages today; please wait "
                    "until tomorrow.",
                    today,
                )
                % {"count": today}
            )
        to = list(readers(event).values_list("pk", "supporter__email"))
        if not to:
            raise RelayRefused(
                gettext("Nobody has confirmed a reply yet: there is no one to write to.")
            )
        message = HostMessage.objects.create(
            event=event,
            subject=subject.strip(),
            body=body.strip(),
            written_by=written_by[:200],
            recipients=len(to),
            created_at=now,
        )
        engine.queue_many(
            purpose=MESSAGE_PURPOSE,
            recipients=to,
            round_=message.pk,
            priority=engine.TRANSACTIONAL,
        )
    return message


@dataclass(frozen=True)
class Attendee:
    """What a host sees of someone who replied: a first name, guests, the date, the state."""

    first_name: str
    guests: int
    date: date | None
    waiting: bool


def attendees(event: Event) -> list[Attendee]:
    """The confirmed replies to *event* as a host may see them (no surname, address or phone)."""
    rows = readers(event).order_by("date", "created_at", "pk")
    return [
        Attendee(
            first_name=rsvp.first_name,
            guests=rsvp.guests,
            date=rsvp.date,
            waiting=rsvp.status == Rsvp.Status.WAITING,
        )
        for rsvp in rows.only("name", "guests", "date", "status")
    ]


def counts(event: Event) -> dict[str, int]:
    """People (with guests) confirmed going and waiting, across all dates."""
    totals = {}
    for status in (Rsvp.Status.GOING, Rsvp.Status.WAITING):
        people = readers(event).filter(status=status).aggregate(n=Sum(F("guests") + 1))["n"]
        totals[status.value] = people or 0
    return totals
