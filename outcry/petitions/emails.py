"""The emails petitions send a signer, rendered for the ledger (core.ledger.send_email)."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone, translation

from outcry.campaigns.models import Organisation
from outcry.core.ledger import Email, emailed_since
from outcry.core.mail import render_message
from outcry.core.mail.merge import kept_merge
from outcry.petitions.models import Signature
from outcry.petitions.services import (
    CONFIRMATION_PURPOSE,
    confirmation_url,
    source_for,
    waiting_consents,
)
from outcry.supporters.models import Consent


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
    typed (not the listed name, not the comment; the greeting names the signer
    only once the address is confirmed, else it is a plain "Hello,"):
    anyone may have typed it, and the site must not mail a stranger's words to
    this address; the page behind the link shows it.
    Those checks decide whether to write a ledger row: once one is *queued*,
    the email is sent as long as the signature exists. (The senders use
    confirmation_emails, which makes the same checks for many at once.)
    """
    signature = _signatures([subject_id]).get(subject_id)
    if signature is None:
        return None
    waiting = waiting_consents(signature)
    return _email(signature, round_=round_, waiting=waiting, decide=not queued, now=timezone.now())


def confirmation_emails(items: list[tuple[int, int]]) -> dict[tuple[int, int], Email | None]:
    """The emails for many (signature id, round) at once, for the mail engine's senders.

    Their ledger rows exist (written when the signature was taken), and the
    checks confirmation_email makes before writing one are made here: round
    0 only while its link is needed, another round only if neither the
    signature nor another email about it is less than an hour old. A few
    queries for the whole batch (the signatures with their petitions' and
    campaigns' texts, then the consents waiting for their links), plus one per
    "signed again" email. Each kind of email (petition, language, round, what
    waits) is built once per sender and filled in for each signer with their
    address and link (``core.mail.merge``).
    """
    signatures = _signatures([subject_id for subject_id, _round in items])
    waiting = _waiting(list(signatures.values()))
    now, batch = timezone.now(), {}
    emails: dict[tuple[int, int], Email | None] = {}
    for subject_id, round_ in items:
        signature = signatures.get(subject_id)
        emails[(subject_id, round_)] = (
            None
            if signature is None
            else _email(
                signature,
                round_=round_,
                waiting=waiting.get(subject_id, []),
                decide=True,
                now=now,
                batch=batch,
            )
        )
    return emails


def _signatures(ids: list[int]) -> dict[int, Signature]:
    return {
        signature.pk: signature
        for signature in Signature.objects.select_related("supporter", "petition__campaign")
        .prefetch_related("petition__texts", "petition__campaign__texts")
        .filter(pk__in=ids)
    }


def _waiting(signatures: list[Signature]) -> dict[int, list[Organisation]]:
    """For each signature, the organisations its link would allow (waiting_consents, at once)."""
    by_source = {source_for(signature): signature for signature in signatures}
    consents = (
        Consent.objects.filter(
            source__in=list(by_source),
            supporter_id__in={signature.supporter_id for signature in signatures},
            confirmed_at__isnull=True,
        )
        .select_related("organisation")
        .prefetch_related("organisation__names")
        .order_by("organisation_id")
    )
    waiting: dict[int, list[Organisation]] = {}
    for given in consents:
        signature = by_source[given.source]
        if given.supporter_id == signature.supporter_id:
            waiting.setdefault(signature.pk, []).append(given.organisation)
    return waiting


def _email(
    signature: Signature,
    *,
    round_: int,
    waiting: list[Organisation],
    decide: bool,
    now,
    batch: dict | None = None,
) -> Email | None:
    """The email about *signature*; *batch*: a dict the senders give for a whole batch, in
    which what every email of a petition in a language says alike is kept, and then each
    kind of email is built once and filled in per signer (``core.mail.merge``)."""
    signed_again = round_ != 0
    needs_link = not signature.is_email_confirmed or bool(waiting)
    if decide:
        if not signed_again and not needs_link:
            return None
        # One "again" email an hour at most: none while the signature or another
        # email about it is less than an hour old.
        hour_ago = now - timedelta(hours=1)
        if signed_again and (
            signature.created_at > hour_ago
            or emailed_since(
                CONFIRMATION_PURPOSE, signature.pk, since=hour_ago, other_than_round=round_
            )
        ):
            return None
    language = signature.language
    if batch is None:
        about = _about(signature.petition, language)
    else:
        about = batch.get((signature.petition_id, language))
        if about is None:
            about = batch[signature.petition_id, language] = _about(signature.petition, language)
    petition_title, campaign_url, from_email = about
    # What the templates read of the signature, and nothing else of it: a merged copy
    # (below) is built from another signer's, and must differ from it only in the fields.
    shown = (
        ("language", language),
        ("is_confirmed", signature.is_confirmed),
        ("is_email_confirmed", signature.is_email_confirmed),
        ("greeting_name", signature.greeting_name if signature.is_email_confirmed else ""),
    )
    context = (
        ("signed_again", signed_again),
        ("needs_link", needs_link),
        ("petition_title", petition_title),
        ("campaign_url", campaign_url),
        ("days", settings.CONFIRMATION_MAX_AGE_DAYS),
        (
            "organisations",
            ", ".join(organisation.name_in(language) for organisation in waiting),
        ),
    )
    to = signature.supporter.email
    values = {"to": to}
    if needs_link:
        values["confirm"] = confirmation_url(signature, waiting)
    build = partial(_build, shown, context, from_email)
    if batch is None or dict(shown)["greeting_name"]:
        # An email that greets its reader by name is theirs alone: built as it is.
        return Email(to=to, message=build(values))
    # The senders build one message per kind of email and fill in each copy (core.mail.merge).
    key = (CONFIRMATION_PURPOSE, shown, context, from_email, settings.DEFAULT_FROM_EMAIL)
    merge = kept_merge(key, build, fields=[name for name in values if name != "to"])
    return Email(to=to, message=merge.message(values))


def _about(petition, language: str) -> tuple[str, str, str]:
    """What every confirmation email of *petition* in *language* says alike:
    (the petition's title, the campaign's address, the From header)."""
    petition_text = petition.text_for(language)
    campaign = petition.campaign
    with translation.override(language):
        campaign_path = reverse("campaigns:detail", args=[campaign.slug])
    return (
        petition_text.title if petition_text else petition.slug,
        f"{settings.BASE_URL}{campaign_path}",
        campaign.sender(language),
    )


def _build(shown: tuple, context: tuple, from_email: str, values) -> EmailMultiAlternatives:
    """The confirmation email of the signature *shown* to ``values["to"]``, the usual way."""
    signature = dict(shown)
    message = render_message(
        template="petitions/emails/confirm",
        context={
            "signature": signature,
            **dict(context),
            "confirm_url": values.get("confirm", ""),
        },
        to=values["to"],
        language=signature["language"],
    )
    message.from_email = from_email
    return message
