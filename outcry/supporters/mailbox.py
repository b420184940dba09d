"""What mail servers report about supporters' mailboxes, and what follows for bulk mail.

Reports arrive from an email provider's tracking webhook (anymail's ``tracking``
signal, connected in ``SupportersConfig.ready``; the webhook checks the
provider's signature or the shared secret before anything here runs) and from
the SMTP conversation itself (a recipient refused with a 5xx code). After a hard
bounce or a complaint the supporter gets no more bulk mail; temporary refusals
stop it after OUTCRY_SOFT_BOUNCE_LIMIT in a row, and a delivery resets that
count. Mail a supporter asks for (a confirmation link, their data) is never
held back by this: it is how a person whose mailbox works again shows it.
"""

import logging
from enum import StrEnum

from anymail.signals import AnymailTrackingEvent, EventType, RejectReason
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from outcry.supporters import preferences
from outcry.supporters.models import MailProblem, Supporter, normalise_email

logger = logging.getLogger("outcry.supporters")


class Report(StrEnum):
    HARD_BOUNCE = "hard-bounce"
    SOFT_BOUNCE = "soft-bounce"
    COMPLAINT = "complaint"
    DELIVERED = "delivered"
    UNSUBSCRIBED = "unsubscribed"


def record_report(*, address: str, report: Report, detail: str = "") -> bool:
    """Apply what a mail server said about *address*; return whether a supporter changed.

    Unknown addresses (a target's office, an erased supporter) are ignored.
    Repeating a report is harmless, except that a repeated temporary refusal
    counts again (providers rarely repeat them).
    """
    supporters = Supporter.objects.filter(email=normalise_email(address), erased_at__isnull=True)
    now = timezone.now()
    if report == Report.DELIVERED:
        return bool(supporters.filter(soft_bounces__gt=0).update(soft_bounces=0))
    if report == Report.UNSUBSCRIBED:
        # The provider's own unsubscribe link: the same as ours, for everyone.
        supporter = supporters.first()
        return supporter is not None and bool(preferences.withdraw(supporter, via="provider"))
    if report == Report.SOFT_BOUNCE:
        changed = supporters.update(soft_bounces=F("soft_bounces") + 1)
        supporters.filter(
            mail_problem=MailProblem.NONE, soft_bounces__gte=settings.SOFT_BOUNCE_LIMIT
        ).update(mail_problem=MailProblem.SOFT_BOUNCES, mail_problem_at=now)
        return bool(changed)
    problem = MailProblem.COMPLAINED if report == Report.COMPLAINT else MailProblem.BOUNCED
    # A complaint outranks a bounce already on record; nothing outranks a complaint.
    stoppable = supporters.exclude(mail_problem=MailProblem.COMPLAINED)
    if problem == MailProblem.BOUNCED:
        stoppable = stoppable.exclude(mail_problem=MailProblem.BOUNCED)
    changed = stoppable.update(mail_problem=problem, mail_problem_at=now)
    if changed:
        logger.info("Bulk mail stopped for a supporter: %s (%s)", problem, detail[:200])
    return bool(changed)


# How anymail's normalised events read as reports. A refusal the provider made for reasons
# of its own (policy, a timeout) says nothing about the mailbox and is left alone.
REJECTIONS = {
    RejectReason.BOUNCED: Report.HARD_BOUNCE,
    RejectReason.INVALID: Report.HARD_BOUNCE,
    RejectReason.SPAM: Report.COMPLAINT,
    RejectReason.UNSUBSCRIBED: Report.UNSUBSCRIBED,
}


def report_for(event: AnymailTrackingEvent, esp_name: str = "") -> Report | None:
    if esp_name == "Postmark" and (event.esp_event or {}).get("Type") == "SoftBounce":
        # anymail reads Postmark's soft bounce as a bounce; Postmark means "try again".
        return Report.SOFT_BOUNCE
    match event.event_type:
        case EventType.DELIVERED:
            return Report.DELIVERED
        case EventType.DEFERRED:
            return Report.SOFT_BOUNCE
        case EventType.COMPLAINED:
            return Report.COMPLAINT
        case EventType.UNSUBSCRIBED:
            return Report.UNSUBSCRIBED
        case EventType.BOUNCED:
            if event.reject_reason == RejectReason.TIMED_OUT:
                return Report.SOFT_BOUNCE
            return Report.HARD_BOUNCE
        case EventType.REJECTED:
            return REJECTIONS.get(event.reject_reason)
    return None


def on_refused(sender, address: str, permanent: bool, **kwargs) -> None:
    """core.mail.engine's ``recipient_refused``: the mail server refused *address* over SMTP."""
    report = Report.HARD_BOUNCE if permanent else Report.SOFT_BOUNCE
    record_report(address=address, report=report, detail="refused over SMTP")


def on_tracking(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    """anymail's ``tracking`` receiver: one verified webhook event from the provider."""
    report = report_for(event, esp_name)
    if report is None or not event.recipient:
        return
    detail = f"{esp_name}: {event.description or event.mta_response or ''}"
    record_report(address=event.recipient, report=report, detail=detail)
