"""Choose a mailing's recipients, show it before it goes, and hand it to the mail engine.

Recipients are the supporters who confirmed consent to the sending
organisation and have not withdrawn it, whose mail no bounce or complaint
stopped (``Supporter.objects.receiving_bulk_mail``), narrowed by what they did
in a campaign (signed, wrote, neither, or asked for its updates), their language
and their country. Starting is once only: a conditional update takes the mailing
from draft to sending, and in the same transaction one MailingRecipient row and
one ledger row per supporter are written (the ledger's unique key makes a second
copy impossible). What each supporter receives is decided again when their
message is rendered (``emails.mailing_email``): someone who unsubscribed in
between gets nothing.
"""

from collections import Counter
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Count, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from outcry.core.mail import address_header, engine
from outcry.core.models import OutgoingEmail
from outcry.core.text import pick_translation
from outcry.letters.models import Letter
from outcry.mailings.models import Mailing, MailingRecipient, MailingText
from outcry.petitions.models import Signature
from outcry.supporters.models import Consent, Supporter
from outcry.updates.models import Subscription

MAILING_PURPOSE = "mailing"
TEST_PURPOSE = "mailing-test"
# Rows written per INSERT when a mailing starts.
BATCH = 2000


class CannotStart(Exception):
    """The mailing cannot be sent (sent already, nobody to reach, no text); ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def recipients(mailing: Mailing) -> QuerySet[Supporter]:
    """The supporters *mailing* would reach if it started now."""
    consented = Consent.objects.active().filter(
        supporter=OuterRef("pk"), organisation_id=mailing.organisation_id
    )
    supporters = Supporter.objects.receiving_bulk_mail().filter(Exists(consented))
    if mailing.language_codes:
        supporters = supporters.filter(language__in=mailing.language_codes)
    if mailing.country_codes:
        supporters = supporters.filter(country__in=mailing.country_codes)
    if mailing.audience == Mailing.Audience.EVERYONE or mailing.campaign_id is None:
        return supporters
    signed = Exists(
        Signature.objects.filter(
            supporter=OuterRef("pk"),
            petition__campaign_id=mailing.campaign_id,
            email_confirmed_at__isnull=False,
        )
    )
    wrote = Exists(
        Letter.objects.filter(
            supporter=OuterRef("pk"),
            action__campaign_id=mailing.campaign_id,
            confirmed_at__isnull=False,
        )
    )
    # Asked for the campaign's updates and confirmed it (an active subscription).
    subscribed = Exists(
        Subscription.objects.filter(
            supporter=OuterRef("pk"),
            campaign_id=mailing.campaign_id,
            status=Subscription.Status.ACTIVE,
        )
    )
    match mailing.audience:
        case Mailing.Audience.SIGNED:
            return supporters.filter(signed)
        case Mailing.Audience.WROTE:
            return supporters.filter(wrote)
        case Mailing.Audience.SUBSCRIBED:
            return supporters.filter(subscribed)
        case _:
            return supporters.exclude(signed).exclude(wrote)


def takes_part(mailing: Mailing) -> bool:
    """Whether the sending organisation is (still) in the coalition of the mailing's campaign.

    Checked again before counting and sending, not only when the form was saved: an
    organisation that left a campaign must no longer learn or mail who acted in it.
    """
    return mailing.campaign_id is None or mailing.organisation in mailing.campaign.coalition()


NOT_IN_CAMPAIGN = _lazy("The organisation sending the mailing does not take part in this campaign.")


def fallback_order(mailing: Mailing) -> list[str]:
    """Languages to fall back on for a recipient whose own has no text: the campaign's."""
    return mailing.campaign.language_codes if mailing.campaign_id else ["en"]


def text_for(mailing: Mailing, texts: list[MailingText], language: str) -> MailingText | None:
    return pick_translation(texts, language, fallback_order(mailing))


def count_by_language(mailing: Mailing) -> dict[str, int]:
    """How many recipients get each of the mailing's texts (by the text's language)."""
    texts = list(mailing.texts.all())
    counts: Counter[str] = Counter()
    rows = recipients(mailing).values("language").annotate(n=Count("pk")).order_by()
    for row in rows:
        text = text_for(mailing, texts, row["language"])
        if text is not None:
            counts[text.language] += row["n"]
    return dict(counts)


def from_header(mailing: Mailing) -> str:
    """The organisation's name over the site's sending address."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address_header(address, mailing.organisation.name)


def start(mailing: Mailing, *, user) -> int:
    """Send *mailing* to its recipients; return how many. Once only.

    Raises CannotStart (with a message for the organiser) when it was
    started already, has no text, or would reach nobody.
    """
    texts = list(mailing.texts.all())
    if not texts:
        raise CannotStart(_("Write the mailing's text in at least one language first."))
    if not takes_part(mailing):
        raise CannotStart(str(NOT_IN_CAMPAIGN))
    with transaction.atomic():
        taken = Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.DRAFT).update(
            status=Mailing.Status.SENDING, started_at=timezone.now(), started_by=user
        )
        if not taken:
            raise CannotStart(_("This mailing was sent already; it is never sent twice."))
        written = 0
        batch: list[tuple[MailingRecipient, str]] = []
        rows = recipients(mailing).values_list("pk", "language", "email")
        for supporter_id, language, email in rows.iterator(chunk_size=BATCH):
            text = text_for(mailing, texts, language)
            recipient = MailingRecipient(
                mailing=mailing, supporter_id=supporter_id, language=text.language
            )
            batch.append((recipient, email))
            if len(batch) >= BATCH:
                written += _write(batch)
                batch = []
        written += _write(batch)
        if not written:
            # Rolls the status back too: nothing was sent, the draft can be changed.
            raise CannotStart(_("Nobody would receive this mailing: change who it goes to."))
        Mailing.objects.filter(pk=mailing.pk).update(recipient_count=written)
    mailing.refresh_from_db()
    return written


def _write(batch: list[tuple[MailingRecipient, str]]) -> int:
    """Write the recipients of *batch* and queue a bulk ledger row to each one's address."""
    if not batch:
        return 0
    MailingRecipient.objects.bulk_create([recipient for recipient, _email in batch])
    engine.queue_many(
        purpose=MAILING_PURPOSE,
        recipients=[(recipient.pk, email) for recipient, email in batch],
    )
    return len(batch)


def progress(mailing: Mailing) -> dict[str, int]:
    """How many of the mailing's ledger rows are in each status (sent, queued, failed...)."""
    keys = (
        MailingRecipient.objects.filter(mailing=mailing)
        .annotate(
            key=Concat(
                Value(f"{MAILING_PURPOSE}:"),
                Cast("pk", CharField()),
                Value(":0"),
                output_field=CharField(),
            )
        )
        .values("key")
    )
    rows = (
        OutgoingEmail.objects.filter(idempotency_key__in=Subquery(keys))
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["status"]: row["n"] for row in rows}


def draft_mailing(
    *,
    organisation,
    campaign,
    audience: str,
    texts: dict[str, tuple[str, str]],
    user=None,
) -> Mailing:
    """Write a DRAFT mailing from *organisation* with *texts* {language: (subject, body)}.

    Nothing is sent: an organiser reviews it on its review page and starts it
    there (``start``). Transactional.
    """
    with transaction.atomic():
        mailing = Mailing.objects.create(
            organisation=organisation, campaign=campaign, audience=audience, created_by=user
        )
        MailingText.objects.bulk_create(
            MailingText(mailing=mailing, language=lang, subject=subject[:150], body=body[:20000])
            for lang, (subject, body) in texts.items()
        )
    return mailing
