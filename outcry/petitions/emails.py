"""The emails petitions send a signer, rendered for the ledger (core.ledger.send_email)."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from outcry.core.ledger import Email
from outcry.core.mail import render_message
from outcry.core.models import OutgoingEmail
from outcry.petitions.models import Signature
from outcry.petitions.services import CONFIRMATION_PURPOSE, confirmation_url, waiting_consents


def _emailed_within_the_hour(signature: Signature, *, now) -> bool:
    hour_ago = now - timedelta(hours=1)
    return (
        signature.created_at > hour_ago
        or OutgoingEmail.objects.filter(
            idempotency_key__startswith=f"{CONFIRMATION_PURPOSE}:{signature.pk}:",
            created_at__gt=hour_ago,
        ).exists()
    )


def confirmation_email(*, subject_id: int, round_: int = 0, queued: bool = False) -> Email | None:
    """The email about the signature *subject_id*, or None if none is to be sent.

    Round 0 is the email sent on signing: the link that makes the signature
    count (publicly, on every petition), confirms the consents given with it
    and lets it be listed; none is sent once nothing of that waits. Any other
    round (the hour, see services.current_round) is the email sent because the
    address signed again: it says so (an unconfirmed signature took the newest
    form's details, and a new link: the earlier ones confirm nothing now) and
    carries the link if it is still needed; it is sent only if neither the
    signature nor an earlier email about it is less than an hour old (one
    email an hour, however often the address signs). No email carries what was
    typed beyond a short greeting (not the listed name, not the comment):
    anyone may have typed it, and the site must not mail a stranger's words to
    this address; the page behind the link shows it.
    Those checks decide whether to write a ledger row: once one is *queued*,
    the email is sent as long as the signature exists.
    """
    signature = (
        Signature.objects.select_related("supporter", "petition__campaign")
        .filter(pk=subject_id)
        .first()
    )
    if signature is None:
        return None
    signed_again = round_ != 0
    waiting = [
        organisation.name_in(signature.language) for organisation in waiting_consents(signature)
    ]
    needs_link = not signature.is_email_confirmed or bool(waiting)
    if not queued:
        if not signed_again and not needs_link:
            return None
        if signed_again and _emailed_within_the_hour(signature, now=timezone.now()):
            return None
    language = signature.language
    petition_text = signature.petition.text_for(language)
    campaign = signature.petition.campaign
    with translation.override(language):
        campaign_path = reverse("campaigns:detail", args=[campaign.slug])
    message = render_message(
        template="petitions/emails/confirm",
        context={
            "signature": signature,
            "signed_again": signed_again,
            "needs_link": needs_link,
            "petition_title": petition_text.title if petition_text else signature.petition.slug,
            "confirm_url": confirmation_url(signature),
            "campaign_url": f"{settings.BASE_URL}{campaign_path}",
            "days": settings.CONFIRMATION_MAX_AGE_DAYS,
            "organisations": ", ".join(waiting),
        },
        to=signature.supporter.email,
        language=language,
    )
    message.from_email = campaign.sender(language)
    return Email(to=signature.supporter.email, message=message)
