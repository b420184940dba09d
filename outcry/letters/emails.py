"""The email letters send a writer, rendered for the ledger (core.ledger.send_email)."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from outcry.core.ledger import Email
from outcry.core.mail import render_message
from outcry.letters import channels
from outcry.letters.confirmation import RECEIPT_KINDS, confirmation_url
from outcry.letters.models import Delivery, Letter
from outcry.letters.wording import letter_text, sender_name, wording_for
from outcry.supporters.models import MailProblem, greeting_name


def confirmation_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The email with the link that sends the letter *subject_id*, or None if nothing waits.

    It names the campaign's letter action and lists every office and way of
    sending, but carries nothing typed into the form, not even the name (it
    greets with a plain "Hello,"): whoever typed this address may have typed
    the name, the subject and the letter, and the site must not mail their
    words to a stranger. The page the link opens shows the letter. None once
    the letter is gone, confirmed, or has no delivery waiting for the link
    (expired).
    """
    letter = (
        Letter.objects.select_related("supporter", "action__campaign").filter(pk=subject_id).first()
    )
    if letter is None or letter.confirmed_at is not None or not letter.confirm_token:
        return None
    waiting = list(
        letter.deliveries.filter(status=Delivery.Status.UNCONFIRMED)
        .select_related("target", "channel")
        .prefetch_related("target__names")
        .order_by("target__name", "pk")
    )
    if not waiting:
        return None
    language = _language(letter)
    with translation.override(language):
        deliveries = [
            {
                "target": delivery.target.name_in(language),
                "channel": channels.get(delivery.kind).name,
            }
            for delivery in waiting
        ]
    return _email(
        letter,
        "letters/emails/confirm",
        {
            "letter": letter,
            "deliveries": deliveries,
            "confirm_url": confirmation_url(letter),
            "days": settings.LETTER_CONFIRMATION_DAYS,
        },
    )


def _language(letter: Letter) -> str:
    """The language of the writer's pages, which their emails are written in."""
    return letter.writer_language or settings.LANGUAGE_CODE


def _email(letter: Letter, template: str, context: dict) -> Email:
    """The email *template* to *letter*'s writer, in their language, in the campaign's name.

    The context has the language, the letter action's title and the campaign
    page's address; *context* adds to it.
    """
    language = _language(letter)
    letter_template = letter.action.template_for(language)
    with translation.override(language):
        campaign_path = reverse("campaigns:detail", args=[letter.action.campaign.slug])
    message = render_message(
        template=template,
        context={
            "language": language,
            "title": letter_template.title if letter_template else letter.action.slug,
            "campaign_url": f"{settings.BASE_URL}{campaign_path}",
        }
        | context,
        to=letter.supporter.email,
        language=language,
    )
    message.from_email = letter.action.campaign.sender(language)
    return Email(to=letter.supporter.email, message=message)


def receipt_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The writer's copy of the letter *subject_id*: its text, and where and how it goes.

    Queued only once the writer proved the address (confirmation.queue_receipt),
    so it may carry what they typed: the subject and the letter as the first
    office reads it (the others differ only by their own name and greeting).
    In the writer's language. None if the letter is gone or unconfirmed, its
    writer erased since, or their address bounced or complained since.
    """
    letter = (
        Letter.objects.select_related("supporter", "action__campaign").filter(pk=subject_id).first()
    )
    if letter is None or letter.confirmed_at is None:
        return None
    supporter = letter.supporter
    if supporter.is_erased or supporter.mail_problem != MailProblem.NONE:
        return None
    deliveries = list(
        letter.deliveries.select_related("target", "channel")
        .prefetch_related("target__names")
        .order_by("target__name", "pk")
    )
    copied = [delivery for delivery in deliveries if delivery.kind in RECEIPT_KINDS]
    if not copied:
        return None
    language = _language(letter)
    first = copied[0].target
    with translation.override(language):
        ways = [
            {
                "target": delivery.target.name_in(language),
                "channel": channels.get(delivery.kind).name,
                # Where it went: the office's public address for email and fax.
                "address": delivery.channel.value
                if delivery.channel is not None and delivery.kind != "post"
                else "",
                "is_post": delivery.kind == "post",
            }
            for delivery in deliveries
        ]
    return _email(
        letter,
        "letters/emails/receipt",
        {
            # The writer proved the address, so the name typed with the letter is theirs.
            "name": greeting_name(sender_name(letter)),
            "subject": wording_for(letter=letter, target=first).subject,
            "text": letter_text(letter=letter, target=first),
            "first_target": first.name_in(language),
            "several": len({delivery.target_id for delivery in deliveries}) > 1,
            "deliveries": ways,
            "has_post": any(way["is_post"] for way in ways),
        },
    )
