"""The email letters send a writer, rendered for the ledger (core.ledger.send_email)."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from outcry.core.ledger import Email
from outcry.core.mail import render_message
from outcry.letters import channels
from outcry.letters.confirmation import confirmation_url
from outcry.letters.models import Delivery, Letter
from outcry.letters.wording import sender_name
from outcry.supporters.models import greeting_name


def confirmation_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The email with the link that sends the letter *subject_id*, or None if nothing waits.

    It names the campaign's letter action and lists every office and way of
    sending, but carries nothing typed into the form beyond a short greeting:
    whoever typed this address may have typed the subject and the letter, and
    the site must not mail their words to a stranger. The page the link opens
    shows the letter. None once the letter is gone, confirmed, or has no
    delivery waiting for the link (expired).
    """
    letter = (
        Letter.objects.select_related("supporter", "action__campaign").filter(pk=subject_id).first()
    )
    if letter is None or letter.confirmed_at is not None or not letter.confirm_token:
        return None
    waiting = list(
        letter.deliveries.filter(status=Delivery.Status.UNCONFIRMED)
        .select_related("target", "channel")
        .order_by("target__name", "pk")
    )
    if not waiting:
        return None
    language = letter.writer_language or settings.LANGUAGE_CODE
    template = letter.action.template_for(language)
    with translation.override(language):
        deliveries = [
            {
                "target": delivery.target.name_in(language),
                "channel": channels.get(delivery.kind).name,
            }
            for delivery in waiting
        ]
        campaign_path = reverse("campaigns:detail", args=[letter.action.campaign.slug])
    message = render_message(
        template="letters/emails/confirm",
        context={
            "letter": letter,
            "language": language,
            "name": greeting_name(sender_name(letter)),
            "title": template.title if template else letter.action.slug,
            "deliveries": deliveries,
            "confirm_url": confirmation_url(letter),
            "days": settings.LETTER_CONFIRMATION_DAYS,
            "campaign_url": f"{settings.BASE_URL}{campaign_path}",
        },
        to=letter.supporter.email,
        language=language,
    )
    message.from_email = letter.action.campaign.sender(language)
    return Email(to=letter.supporter.email, message=message)
