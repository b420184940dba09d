"""A mailing's message to one supporter, rendered for the ledger, and the organiser's test copy."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation

from outcry.core.ledger import Email
from outcry.core.mail import header_safe, render_message
from outcry.core.text import render_markdown
from outcry.mailings.models import Mailing, MailingRecipient, MailingText
from outcry.mailings.services import from_header
from outcry.supporters import preferences
from outcry.supporters.models import Consent, Supporter


def build(
    mailing: Mailing,
    text: MailingText,
    *,
    to: str,
    links: dict[str, str],
    headers: dict[str, str],
    test: bool = False,
) -> EmailMultiAlternatives:
    context = {
        "subject": text.subject,
        "body": text.body,
        "body_html": render_markdown(text.body),
        "organisation": mailing.organisation.name_in(text.language),
        "test": test,
        **links,
    }
    message = render_message(
        template="mailings/emails/mailing",
        context=context,
        to=to,
        language=text.language,
        headers={"Precedence": "bulk", "Auto-Submitted": "auto-generated", **headers},
    )
    message.from_email = from_header(mailing)
    return message


def mailing_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The message of the MailingRecipient *subject_id*, or None if it must not go (any more).

    Decided now, not when the mailing started: a supporter who withdrew their
    consent, was erased, or whose mailbox bounced or complained since then
    gets nothing.
    """
    recipient = (
        MailingRecipient.objects.select_related("mailing__organisation", "supporter")
        .filter(pk=subject_id)
        .first()
    )
    if recipient is None:
        return None
    mailing, supporter = recipient.mailing, recipient.supporter
    still_wanted = (
        Supporter.objects.receiving_bulk_mail()
        .filter(
            pk=supporter.pk,
            consents__in=Consent.objects.active().filter(organisation_id=mailing.organisation_id),
        )
        .exists()
    )
    text = mailing.texts.filter(language=recipient.language).first()
    if not still_wanted or text is None:
        return None
    organisation = mailing.organisation
    links = {
        "unsubscribe_url": preferences.unsubscribe_url(supporter, organisation),
        "preferences_url": preferences.preferences_url(supporter, organisation),
    }
    headers = preferences.unsubscribe_headers(supporter, organisation)
    message = build(mailing, text, to=supporter.email, links=links, headers=headers)
    return Email(to=supporter.email, message=message)


def send_test(mailing: Mailing, *, to: str) -> int:
    """Send each language of *mailing* to *to* (the organiser) at once; return how many."""
    with translation.override(settings.LANGUAGE_CODE):
        data_url = f"{settings.BASE_URL}{reverse('supporters:data_request')}"
    sent = 0
    for text in mailing.texts.all():
        message = build(
            mailing,
            text,
            to=to,
            links={"unsubscribe_url": data_url, "preferences_url": data_url},
            headers={},
            test=True,
        )
        message.subject = header_safe(f"[TEST] {message.subject}")
        message.send()
        sent += 1
    return sent
