"""Verbs on updates: subscribe to a campaign's updates, confirm, and what the public sees.

The confirmation email is emails.py's; sending updates to subscribers waits for
the outbound mail engine (issue 11, "Mailings").
"""

import hmac
import json
import logging

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from outcry.actions import confirmation
from outcry.actions import consents as consent
from outcry.actions.services import Person, Written, take_action
from outcry.campaigns.models import Campaign, Organisation
from outcry.core import ratelimit
from outcry.core.tasks import send_email
from outcry.supporters.models import Supporter, normalise_email
from outcry.updates.models import Subscription, Update, UpdateText, new_token

logger = logging.getLogger("outcry.updates")

# The ledger's purpose for the link that confirms a subscription, and the start of its keys.
CONFIRMATION_PURPOSE = "updates-confirmation"
CONFIRM_SALT = "outcry.updates.confirm"

InvalidConfirmation = confirmation.InvalidConfirmation


def source_for(subscription: Subscription) -> str:
    """What the consents given with *subscription* are sourced to: ``subscription:<id>``."""
    return consent.source_for("subscription", subscription.pk)


def current_round() -> int:
    """The hour number a repeated sign-up's email is keyed by (never 0, the first email's)."""
    return int(timezone.now().timestamp() // 3600)


def subscribe(
    *,
    campaign: Campaign,
    email: str,
    name: str,
    language: str,
    network: str,
    consents: list[tuple[Organisation, str]] = (),
) -> Subscription | None:
    """Ask for *campaign*'s updates for the person behind *email*; return the subscription.

    Limited by the ``updates-subscribe`` policy (core.ratelimit.UPDATES_SUBSCRIBE),
    counted here for *network* and the address. Past the per-network limit this
    raises RateLimited. Past the per-address limit nothing is written or sent
    and None is returned: the caller answers as for any sign-up, since a
    refusal would tell whoever typed the address that someone used it.

    Otherwise one transaction (actions.take_action), ending with one queued
    email task:

    - someone new to this campaign: a pending subscription in *language*, the
      consents ticked (unconfirmed) and the email with the link (round 0);
    - a subscription not active (pending, or unsubscribed: its owner may come
      back, but only through a new link, so an unsubscribed one is pending
      again with a new token): the newest form's language and consents replace
      the earlier ones; the email with the link again, keyed by the hour (at
      most one an hour);
    - an active subscription: nothing changes; an email saying the address is
      already subscribed, keyed by the hour.

    The answer is the same either way (no oracle). Raises RateLimited. Safe
    under concurrent sign-ups of one address: the database keeps one row.
    """
    counted = ratelimit.UPDATES_SUBSCRIBE.count(network=network, address=normalise_email(email))
    counted.refuse_network()
    if counted.address_over:
        return None

    def write(supporter: Supporter, created: bool) -> Written:
        existing = (
            None
            if created
            else Subscription.objects.filter(supporter=supporter, campaign=campaign).first()
        )
        if existing is not None:
            renewed = not existing.is_active
            if existing.status == Subscription.Status.UNSUBSCRIBED:
                # Its owner may come back, through a new link only: the old links die.
                existing.status = Subscription.Status.PENDING
                existing.token = new_token()
                existing.language = language
                existing.save(update_fields=["status", "token", "language"])
            elif renewed and existing.language != language:
                existing.language = language
                existing.save(update_fields=["language"])
            return Written(
                row=existing,
                is_new=False,
                renewed=renewed,
                source=source_for(existing),
                confirmation=(
                    send_email,
                    {
                        "purpose": CONFIRMATION_PURPOSE,
                        "subject_id": existing.pk,
                        "round": current_round(),
                    },
                ),
            )
        subscription = Subscription.objects.create(
            supporter=supporter, campaign=campaign, language=language
        )
        return Written(
            row=subscription,
            is_new=True,
            source=source_for(subscription),
            confirmation=(
                send_email,
                {"purpose": CONFIRMATION_PURPOSE, "subject_id": subscription.pk},
            ),
        )

    person = Person(email=email, name=name, language=language)
    for _attempt in range(3):
        try:
            return take_action(person=person, write=write, consents=consents).row
        except IntegrityError:
            # Another request inserted the same supporter or subscription between our
            # read and our write; the next attempt finds their row.
            logger.info("Concurrent sign-up for one address on campaign %s", campaign.pk)
    return Subscription.objects.filter(
        supporter__email=normalise_email(email), campaign=campaign
    ).first()


def confirmation_code(subscription: Subscription) -> str:
    """The link's code: the subscription's token and what it asks for now (link_digest), signed.

    So a link confirms only what the subscription asked for when it was
    emailed: a newer sign-up with the address that changes its language or
    consents makes it outdated (subscription_to_confirm), as petitions' links.
    """
    value = f"{subscription.token}.{link_digest(subscription)}"
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(value)


# 64 bits of a keyed hash inside a signed code: nobody can make other words match it.
LINK_DIGEST_CHARS = 16


def link_digest(subscription: Subscription) -> str:
    """A short digest of what the confirmation page shows: language and organisations."""
    shown = [
        subscription.pk,
        subscription.language,
        sorted(organisation.pk for organisation in waiting_consents(subscription)),
    ]
    digest = salted_hmac(CONFIRM_SALT, json.dumps(shown), algorithm="sha256").hexdigest()
    return digest[:LINK_DIGEST_CHARS]


def confirmation_url(subscription: Subscription) -> str:
    """The link that confirms *subscription*, in its language (actions' one confirmation URL)."""
    with translation.override(subscription.language):
        path = reverse("actions:confirm", args=[confirmation_code(subscription)])
    return f"{settings.BASE_URL}{path}"


def subscription_to_confirm(*, code: str) -> Subscription:
    """The subscription behind the link *code*, without confirming it (the page with the button).

    Raises InvalidConfirmation when the code is tampered with, names no
    subscription, is older than OUTCRY_CONFIRMATION_DAYS (an active
    subscription is still found: pressing again only says it is done), its
    subscription was ended since (expired: a new sign-up sends a new link), or
    it is outdated (a newer sign-up changed what it would confirm).
    """
    signer = signing.TimestampSigner(salt=CONFIRM_SALT)
    try:
        value = signer.unsign(code, max_age=settings.CONFIRMATION_MAX_AGE_DAYS * 86400)
    except signing.SignatureExpired:
        token = signer.unsign(code).partition(".")[0]
        subscription = Subscription.objects.filter(token=token).first()
        if subscription is not None and subscription.is_active:
            return subscription
        raise InvalidConfirmation(expired=True) from None
    except signing.BadSignature:
        raise InvalidConfirmation(expired=False) from None
    token, _dot, digest = value.partition(".")
    subscription = Subscription.objects.filter(token=token).first()
    if subscription is None:
        raise InvalidConfirmation(expired=False)
    if subscription.status == Subscription.Status.UNSUBSCRIBED:
        # Its owner stopped the updates since this link was sent: signing up again sends a new one.
        raise InvalidConfirmation(expired=True)
    if not subscription.is_active and not hmac.compare_digest(digest, link_digest(subscription)):
        # A newer sign-up with this address changed what the link would confirm.
        raise InvalidConfirmation(expired=False, outdated=True)
    return subscription


def waiting_consents(subscription: Subscription) -> list[Organisation]:
    """The organisations the subscription's link would allow to email its owner."""
    return consent.waiting(supporter_id=subscription.supporter_id, source=source_for(subscription))


def confirm_subscription(*, code: str) -> tuple[Subscription, bool]:
    """Make the subscription behind *code* active; return it and whether this call did.

    Called when its owner presses the button on the link's page, never on
    opening the link (mail scanners open links). One transaction: the pending
    row locked, made active, and the consents given with it confirmed.
    Idempotent. Raises InvalidConfirmation as subscription_to_confirm does
    (expired for one unsubscribed since the link was sent).
    """
    found = subscription_to_confirm(code=code)
    if found.is_active:
        return found, False
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(pk=found.pk).first()
        if subscription is None:
            raise InvalidConfirmation(expired=False)
        if subscription.is_active:  # pressed twice at once
            return subscription, False
        if subscription.status != Subscription.Status.PENDING:  # stopped meanwhile
            raise InvalidConfirmation(expired=True)
        subscription_to_confirm(code=code)  # still what the link asks for, now the row is ours
        subscription.status = Subscription.Status.ACTIVE
        subscription.confirmed_at = timezone.now()
        subscription.unsubscribed_at = None
        subscription.save(update_fields=["status", "confirmed_at", "unsubscribed_at"])
        consent.confirm(supporter_id=subscription.supporter_id, source=source_for(subscription))
    return subscription, True


def follow_unsubscribe(sender, *, supporter: Supporter, organisations, **kwargs) -> int:
    """End the supporter's subscriptions to the campaigns led by *organisations*; return how many.

    Receives supporters.preferences.unsubscribed (a supporter stopped an
    organisation's mail, or everyone's, from a link in an email): a campaign's
    updates come in its lead organisation's name, so stopping that
    organisation stops them too. Pending ones end as well, and their link
    stops working (subscription_to_confirm); a new sign-up sends a new one.
    Idempotent.
    """
    return Subscription.objects.filter(
        supporter=supporter,
        campaign__lead_organisation__in=[organisation.pk for organisation in organisations],
        status__in=[Subscription.Status.PENDING, Subscription.Status.ACTIVE],
    ).update(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now())


def published_updates(campaign: Campaign):
    """*campaign*'s updates the public sees, newest first, with their texts."""
    # Through the campaign's manager, so each update knows its campaign (text_for reads
    # the campaign's languages) without a query of its own.
    return campaign.updates.published().newest_first().prefetch_related("texts")


def draft_update(
    *, campaign: Campaign, organisation: Organisation, texts: dict[str, tuple[str, str]]
) -> Update:
    """Write a DRAFT update of *campaign* by *organisation*, with *texts* {language: (title, body)}.

    Nobody sees it until an organiser publishes it in the admin. Transactional;
    languages the campaign does not have are left out. Raises ValueError if no
    text is left.
    """
    kept = {lang: text for lang, text in texts.items() if lang in campaign.language_codes}
    if not kept:
        raise ValueError("an update needs a text in one of the campaign's languages")
    with transaction.atomic():
        update = Update.objects.create(
            campaign=campaign, author_organisation=organisation, status=Update.Status.DRAFT
        )
        UpdateText.objects.bulk_create(
            UpdateText(update=update, language=lang, title=title[:200], body=body[:20000])
            for lang, (title, body) in kept.items()
        )
    return update
