"""Email preferences: which organisations may write to a supporter, and in which language.

Every bulk email carries links built here: one to stop that organisation's
mail (also as ``List-Unsubscribe`` with one-click unsubscribe, RFC 8058) and
one to the preferences page. No account: the signed code in the link is the
proof that its holder received the email.

Choices made to protect supporters whose emails may be forwarded or read by
someone else:
- A link can only lower what a supporter receives (withdraw a permission,
  change the language). Giving a permission again takes a new action and its
  confirmation, never an old link.
- Stopping mail works from a link of any age. The page that lists every
  organisation the supporter hears from (who a person supports can be
  dangerous to reveal) opens only from a link younger than
  OUTCRY_PREFERENCES_LINK_DAYS; an older one offers to stop everything or to
  ask for a fresh link.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone, translation

from outcry.campaigns.models import Organisation
from outcry.core.audit import record_event
from outcry.supporters.models import Consent, Supporter

SALT = "outcry.supporters.preferences"
ROW_ID = re.compile(r"[0-9]{1,18}")
UNSUBSCRIBE_ACTION = "supporter-unsubscribe"

# Sent after a supporter withdrew permissions from a link (organisations: those withdrawn),
# so apps that keep their own lists (updates' subscriptions) can follow.
unsubscribed = Signal()


class InvalidLink(Exception):
    """The code is malformed, tampered with, or names nobody."""


@dataclass(frozen=True)
class Link:
    """What a valid code says: whose link it is, for which organisation's mail, and whether
    it is young enough to show the whole preferences page."""

    supporter: Supporter
    organisation: Organisation | None
    fresh: bool


def code_for(supporter: Supporter, organisation: Organisation | None = None) -> str:
    value = f"{supporter.pk}.{organisation.pk if organisation else 0}"
    return signing.TimestampSigner(salt=SALT).sign(value)


def read_code(code: str) -> Link:
    """Return what *code* says; raise InvalidLink if it is not one of ours."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign(code)
    except (signing.BadSignature, ValueError):
        raise InvalidLink from None
    try:
        fresh = bool(signer.unsign(code, max_age=settings.PREFERENCES_LINK_DAYS * 86400))
    except signing.SignatureExpired:
        fresh = False
    supporter_id, _dot, organisation_id = value.partition(".")
    # ASCII digits only, fit for a bigint ("²".isdigit() is true, and int() refuses it).
    if not (ROW_ID.fullmatch(supporter_id) and ROW_ID.fullmatch(organisation_id)):
        raise InvalidLink
    supporter = Supporter.objects.filter(pk=int(supporter_id)).first()
    if supporter is None:
        raise InvalidLink
    organisation = None
    if organisation_id != "0":
        organisation = Organisation.objects.filter(pk=int(organisation_id)).first()
        if organisation is None:
            raise InvalidLink
    return Link(supporter=supporter, organisation=organisation, fresh=fresh)


@dataclass(frozen=True)
class Links:
    """The two links a bulk email carries, in the supporter's language: one code signs both."""

    unsubscribe: str  # stops *organisation*'s mail (everyone's, without one)
    preferences: str  # the preferences page


def links(supporter: Supporter, organisation: Organisation | None = None) -> Links:
    code = code_for(supporter, organisation)
    with translation.override(supporter.language):
        unsubscribe = reverse("supporters:unsubscribe", args=[code])
        preferences = reverse("supporters:preferences", args=[code])
    return Links(f"{settings.BASE_URL}{unsubscribe}", f"{settings.BASE_URL}{preferences}")


def unsubscribe_url(supporter: Supporter, organisation: Organisation | None = None) -> str:
    """The link that stops *organisation*'s mail (everyone's, without one), in their language."""
    return links(supporter, organisation).unsubscribe


def preferences_url(supporter: Supporter, organisation: Organisation | None = None) -> str:
    return links(supporter, organisation).preferences


def unsubscribe_headers(supporter: Supporter, organisation: Organisation | None) -> dict[str, str]:
    """A bulk email's headers from *organisation*: List-Unsubscribe, one-click (RFC 8058)."""
    return unsubscribe_headers_for(unsubscribe_url(supporter, organisation))


def unsubscribe_headers_for(url: str) -> dict[str, str]:
    """The List-Unsubscribe headers for the unsubscribe link *url* (unsubscribe_url)."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def active_consents(supporter: Supporter):
    """The supporter's confirmed, not withdrawn permissions, with their organisations."""
    return (
        Consent.objects.active()
        .filter(supporter=supporter)
        .select_related("organisation")
        .prefetch_related("organisation__names")
        .order_by("organisation__slug")
    )


def withdraw(supporter: Supporter, organisations=None, *, via: str) -> list[Organisation]:
    """Withdraw the supporter's permissions (to *organisations* only, if given); return whose.

    Unconfirmed consents go too (so a pending confirmation cannot bring one
    back). Each confirmed one withdrawn is audited for its organisation, which
    may read that it lost this supporter; *via* says how ("one-click", "link", "page").
    Idempotent: nothing left to withdraw returns an empty list.
    """
    now = timezone.now()
    with transaction.atomic():
        consents = Consent.objects.select_for_update().filter(
            supporter=supporter, withdrawn_at__isnull=True
        )
        if organisations is not None:
            consents = consents.filter(organisation__in=organisations)
        found = list(consents.select_related("organisation"))
        if not found:
            return []
        Consent.objects.filter(pk__in=[consent.pk for consent in found]).update(withdrawn_at=now)
        withdrawn = [consent.organisation for consent in found]
        # Only an organisation the supporter had confirmed hears of it: to the others
        # they were never known.
        for organisation in (c.organisation for c in found if c.confirmed_at is not None):
            record_event(
                actor=None,
                action=UNSUBSCRIBE_ACTION,
                object_repr=f"supporter #{supporter.pk}",
                organisation=organisation,
                details={"supporter_id": supporter.pk, "via": via},
            )
        transaction.on_commit(
            lambda: unsubscribed.send(Supporter, supporter=supporter, organisations=withdrawn)
        )
    return withdrawn


def set_language(supporter: Supporter, language: str) -> bool:
    """Make *language* the one the supporter's emails are written in; return whether it changed."""
    if language == supporter.language or language not in dict(settings.LANGUAGES):
        return False
    Supporter.objects.filter(pk=supporter.pk).update(language=language)
    supporter.language = language
    return True


def masked_email(email: str) -> str:
    """The address with most of its local part hidden ("a•••@example.org"), to recognise it by."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"
