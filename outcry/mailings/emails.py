"""A mailing's message to each supporter, rendered for the ledger, and the organiser's test copy."""

from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation

from outcry.core.ledger import Email
from outcry.core.mail import header_safe, render_message
from outcry.core.mail.merge import Merge, kept_merge
from outcry.core.text import render_markdown
from outcry.mailings.models import Mailing, MailingRecipient, MailingText
from outcry.mailings.services import from_header
from outcry.supporters import preferences
from outcry.supporters.models import Consent, Supporter
from outcry.updates.models import Subscription


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
    """The message of the MailingRecipient *subject_id*, or None if it must not go (any more)."""
    return mailing_emails([(subject_id, round_)]).get((subject_id, round_))


def mailing_emails(items: list[tuple[int, int]]) -> dict[tuple[int, int], Email | None]:
    """The messages of many MailingRecipients at once (the senders' batch renderer).

    Whether each may still go is decided now, not when the mailing started: a
    supporter who withdrew their consent, was erased, whose mailbox bounced or
    complained since then, or (for a mailing to those who get the campaign's
    updates) who stopped them, gets nothing (None). A few queries for the batch;
    each text is built once (``core.mail.merge``) and filled in per recipient.
    """
    recipients = list(
        MailingRecipient.objects.filter(pk__in=[subject_id for subject_id, _round in items])
        .select_related("mailing__organisation", "supporter")
        .prefetch_related("mailing__organisation__names")
        .order_by()
    )
    wanted = set(
        Consent.objects.active()
        .filter(
            supporter__in=Supporter.objects.receiving_bulk_mail().filter(
                pk__in={recipient.supporter_id for recipient in recipients}
            ),
            organisation_id__in={recipient.mailing.organisation_id for recipient in recipients},
        )
        .values_list("supporter_id", "organisation_id")
    )
    # "Those who get the campaign's updates": only while they still do.
    by_subscription = {
        r.pk: r for r in recipients if r.mailing.audience == Mailing.Audience.SUBSCRIBED
    }
    subscribed = set(
        Subscription.objects.filter(
            supporter_id__in={recipient.supporter_id for recipient in by_subscription.values()},
            campaign_id__in={
                recipient.mailing.campaign_id for recipient in by_subscription.values()
            },
            status=Subscription.Status.ACTIVE,
        ).values_list("supporter_id", "campaign_id")
        if by_subscription
        else ()
    )
    texts = {
        (text.mailing_id, text.language): text
        for text in MailingText.objects.filter(
            mailing_id__in={recipient.mailing_id for recipient in recipients}
        )
    }
    emails: dict[tuple[int, int], Email | None] = dict.fromkeys(items)
    rounds = dict(items)
    for recipient in recipients:
        mailing, supporter = recipient.mailing, recipient.supporter
        text = texts.get((mailing.pk, recipient.language))
        if text is None or (supporter.pk, mailing.organisation_id) not in wanted:
            continue
        if (
            recipient.pk in by_subscription
            and (supporter.pk, mailing.campaign_id) not in subscribed
        ):
            continue
        links = preferences.links(supporter, mailing.organisation)
        message = merge_for(mailing, text).message(
            {
                "to": supporter.email,
                "unsubscribe": links.unsubscribe,
                "preferences": links.preferences,
            }
        )
        emails[recipient.pk, rounds[recipient.pk]] = Email(to=supporter.email, message=message)
    return emails


def merge_for(mailing: Mailing, text: MailingText) -> Merge:
    """The Merge of *text*, kept by the sender while nothing it is built from changes."""
    organisation = mailing.organisation
    key = (
        "mailing",
        (mailing.pk, text.pk, text.subject, text.body, organisation.pk, organisation.name),
        (organisation.name_in(text.language), settings.DEFAULT_FROM_EMAIL),
    )
    return kept_merge(
        key, partial(_build_for_merge, mailing, text), fields=["unsubscribe", "preferences"]
    )


def _build_for_merge(mailing: Mailing, text: MailingText, values) -> EmailMultiAlternatives:
    urls = {"unsubscribe_url": values["unsubscribe"], "preferences_url": values["preferences"]}
    headers = preferences.unsubscribe_headers_for(values["unsubscribe"])
    return build(mailing, text, to=values["to"], links=urls, headers=headers)


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
