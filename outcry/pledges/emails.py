"""The emails a commitment's owner gets, rendered for the mail engine (core.ledger).

Each carries, when reminders were asked for, the link that stops them (also as
List-Unsubscribe with one-click, RFC 8058); and nothing typed into the form but
a short greeting, and that only once the address is confirmed: whoever typed the
address may not be its owner.
"""

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from outcry.core.ledger import Email
from outcry.core.mail import render_message
from outcry.pledges import reminders, services
from outcry.pledges.models import Commitment, Pledge
from outcry.supporters.models import MailProblem, greeting_name
from outcry.supporters.preferences import unsubscribe_headers_for


def commitment_for(subject_id: int) -> Commitment | None:
    return (
        Commitment.objects.select_related("pledge__campaign", "supporter")
        .prefetch_related("pledge__texts", "pledge__campaign__texts")
        .filter(pk=subject_id)
        .first()
    )


def commitment_email(commitment: Commitment, template: str, context: dict) -> Email:
    """The email *template* to *commitment*'s owner, in their language.

    The context has the greeting, the pledge's title, what was pledged, the
    reminders, and the stop link with its List-Unsubscribe headers when
    reminders were asked for and not stopped; *context* adds to it.
    """
    language = commitment.language or settings.LANGUAGE_CODE
    pledge = commitment.pledge
    headers = {}
    with translation.override(language):
        text = pledge.text_for(language)
        stop_url = services.stop_url(commitment) if commitment.gets_reminders else ""
        if stop_url:
            headers = unsubscribe_headers_for(stop_url)
        context = {
            "language": language,
            "name": greeting_name(commitment.name),
            "title": text.title if text else "",
            "asks": text.asks if text else "",
            "kind": pledge.kind,
            "what": services.what_pledged(commitment),
            "reminders": services.reminders_said(commitment),
            "gap_notes": services.gap_notes(commitment),
            "stop_url": stop_url,
            "count": services.count(pledge),
        } | context
    message = render_message(
        template=template,
        context=context,
        to=commitment.supporter.email,
        language=language,
        headers=headers,
    )
    message.from_email = pledge.campaign.sender(language)
    return Email(to=commitment.supporter.email, message=message)


def confirmation_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """Round 0: the link that confirms a new commitment. Later rounds: "you pledged again".

    None for a first email of one already confirmed, or once its campaign closed.
    """
    commitment = commitment_for(subject_id)
    if commitment is None or (round_ == 0 and commitment.is_confirmed):
        return None
    if not commitment.is_confirmed and services.is_over(commitment, timezone.now()):
        return None
    return commitment_email(
        commitment,
        "pledges/emails/confirm",
        {
            # A name only to an address that confirmed it: until then, whoever typed
            # the address typed the name too, and it greets with a plain "Hello,".
            "name": greeting_name(commitment.name) if commitment.is_confirmed else "",
            "confirmed": commitment.is_confirmed,
            "confirm_url": "" if commitment.is_confirmed else services.confirmation_url(commitment),
        },
    )


def reminder_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The reminder due at minute *round_*; None once moot (stopped, closed, too late)."""
    commitment = commitment_for(subject_id)
    if commitment is None or not commitment.is_confirmed or not commitment.gets_reminders:
        return None
    if commitment.supporter.mail_problem != MailProblem.NONE:
        return None  # bounced or complained since it was queued (reminders.reminded_commitments)
    pledge = commitment.pledge
    now = timezone.now()
    moment = reminders.moment_of(round_)
    if not pledge.is_open or not reminders.is_of_use(commitment, pledge.kind, moment, now):
        return None
    language = commitment.language or settings.LANGUAGE_CODE
    with translation.override(language):
        local = moment.astimezone(reminders.zone_of(commitment))
        if pledge.kind == Pledge.Kind.FAST:
            line = gettext("Tomorrow, %(day)s, is the day you pledged to fast.") % {
                "day": formats.date_format(commitment.day_on, "DATE_FORMAT")
            }
        elif pledge.kind == Pledge.Kind.PRAY:
            line = gettext("It is %(time)s: the time you pledged to pray.") % {
                "time": formats.time_format(local, "TIME_FORMAT")
            }
        else:
            line = gettext("A weekly reminder of the boycott you pledged to keep.")
    return commitment_email(commitment, "pledges/emails/reminder", {"line": line})
