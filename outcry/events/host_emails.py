"""The emails a host of a proposed local event receives, rendered for the ledger.

Registered from EventsConfig.ready (core.ledger.register_email). None carries
what was typed into the form beyond a short greeting (none in the confirmation
email, whose address nobody has confirmed yet) and the day of action's own
title: anyone may have typed this address, and the site must not mail a
stranger's words to it. The page behind each link shows the proposal.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from outcry.core.ledger import Email
from outcry.core.mail import render_message
from outcry.events.hosting import confirmation_url, host_url
from outcry.events.models import EventHost
from outcry.supporters.models import greeting_name


def _host(subject_id: int) -> EventHost | None:
    return (
        EventHost.objects.select_related("supporter", "event__campaign", "event__day_of_action")
        .prefetch_related("event__campaign__texts", "event__day_of_action__texts")
        .filter(pk=subject_id)
        .first()
    )


def _email(host: EventHost, template: str, **context) -> Email:
    language = host.language
    event = host.event
    day = event.day_of_action
    day_text = day.text_for(language) if day else None
    with translation.override(language):
        campaign_path = reverse("campaigns:detail", args=[event.campaign.slug])
    message = render_message(
        template=f"events/emails/{template}",
        context={
            "name": greeting_name(host.name),
            "language": language,
            "day_title": day_text.title if day_text else "",
            "day_date": day.date if day else event.starts_on,
            "campaign_url": f"{settings.BASE_URL}{campaign_path}",
            **context,
        },
        to=host.supporter.email,
        language=language,
    )
    message.from_email = event.campaign.sender(language)
    return Email(to=host.supporter.email, message=message)


def confirmation_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The link that confirms the host's address; None once confirmed or gone.

    It greets with a plain "Hello,": whoever typed this address typed the name too.
    """
    host = _host(subject_id)
    if host is None or host.confirmed_at is not None:
        return None
    return _email(
        host,
        "host_confirm",
        name="",
        confirm_url=confirmation_url(host),
        days=settings.CONFIRMATION_MAX_AGE_DAYS,
    )


def approved_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The event is published: the link to the host's own page."""
    host = _host(subject_id)
    if host is None:
        return None
    return _email(host, "host_approved", host_url=host_url(host))


def declined_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """A polite note that the organisers will not publish the event."""
    host = _host(subject_id)
    if host is None:
        return None
    return _email(host, "host_declined")
