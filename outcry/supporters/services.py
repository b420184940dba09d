"""Verbs on supporters: find or create one, record and confirm consent, and their data rights.

Data rights (a supporter's copy of their data, erasure, the retention period)
span every app that keeps something about a person. This module handles the
supporter row, their consents and the ledger's emails; every other app that keeps
personal data (petitions' signatures, letters) registers how to export, erase and
date its rows in supporters.personal_data, which export_supporter_data,
erase_supporter and inactive_supporters read.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation

from outcry.campaigns.models import Organisation
from outcry.core import ratelimit
from outcry.core.audit import record_event
from outcry.core.models import OutgoingEmail
from outcry.core.queue import enqueue_with_transaction
from outcry.supporters import personal_data
from outcry.supporters.models import Consent, Supporter, normalise_email
from outcry.supporters.personal_data import CANCELLED_ERROR, when
from outcry.supporters.tasks import DATA_LINK_PURPOSE, queue_data_link  # noqa: F401 - apps, tests

logger = logging.getLogger("outcry.supporters")


def get_or_create_supporter(
    *, email: str, name: str, country: str = "", postcode: str = "", language: str = "en"
) -> tuple[Supporter, bool]:
    """Return the supporter behind *email* and whether this call created them.

    An existing supporter's details are never changed from an unconfirmed
    form (anyone can type anyone's address): their empty fields are filled in
    once the action is confirmed (fill_in). Safe against a concurrent insert of
    the same address: the second INSERT waits for the first, fails in its
    savepoint, and the row is read instead. (New signers in a surge are
    created in bulk by create_supporters.)
    """
    email = normalise_email(email)
    # No savepoint inside the caller's transaction (every action's): one only where
    # there is none, which a lock needs.
    with transaction.atomic(savepoint=False):
        # Locked (FOR NO KEY UPDATE: rows may still point at it) until the caller's
        # transaction ends, so that an erasure of this person in progress is waited
        # for; once it commits the row no longer has the address (PostgreSQL reads it
        # again) and whoever acts now is someone new, never written onto the erased row.
        existing = Supporter.objects.select_for_update(no_key=True).filter(email=email).first()
    if existing is not None:
        return existing, False
    supporter = Supporter(
        email=email, name=name, country=country, postcode=postcode, language=language
    )
    try:
        with transaction.atomic():
            supporter.save(force_insert=True)
    except IntegrityError:
        return Supporter.objects.get(email=email), False
    return supporter, True


def create_supporters(people: list[dict]) -> list[Supporter]:
    """Create a supporter for each of *people* (email, name, country, postcode, language).

    One INSERT for all of them, inside the caller's transaction, for a batch
    of new signers (actions.intake). The caller knows none of the addresses is
    a supporter yet; if one became one meanwhile, this raises IntegrityError
    and writes nothing (the caller then takes them one at a time, through
    get_or_create_supporter).
    """
    supporters = [
        Supporter(
            email=normalise_email(person["email"]),
            name=person["name"],
            country=person.get("country", ""),
            postcode=person.get("postcode", ""),
            language=person["language"],
        )
        for person in people
    ]
    return Supporter.objects.bulk_create(supporters)


def record_new_consents(given: list[tuple[int, int, str, str, str]]) -> None:
    """Record unconfirmed consents of new supporters: (supporter id, organisation id,
    words shown, language, source) each, with one INSERT.

    Inside the caller's transaction. Only for supporters created in it, who can
    have no consent yet (record_consents looks first).
    """
    now = timezone.now()
    Consent.objects.bulk_create(
        Consent(
            supporter_id=supporter_id,
            organisation_id=organisation_id,
            wording=wording,
            language=language,
            given_at=now,
            source=source,
        )
        for supporter_id, organisation_id, wording, language, source in given
    )


def fill_in(
    supporter: Supporter,
    *,
    name: str = "",
    country: str = "",
    postcode: str = "",
    language: str = "",
) -> None:
    """Set the supporter's name, country, postcode and language to those of an action its
    owner confirmed.

    Never from a form nobody confirmed yet: a stranger typing someone's address
    must not place them in a country (an organiser's list, a mailing's segment)
    or have their mail written in another language. And the confirmed ones replace
    what the supporter row holds: the first form with an address created it, and
    anyone may have typed that one.
    """
    if language not in dict(settings.LANGUAGES):
        language = ""
    changed = []
    for field, value in (
        ("name", name),
        ("country", country),
        ("postcode", postcode),
        ("language", language),
    ):
        if value and getattr(supporter, field) != value:
            setattr(supporter, field, value)
            changed.append(field)
    if changed:
        supporter.save(update_fields=changed)
        # Which fields, never their values: the audit log must not become a copy of them.
        record_event(
            actor=None,
            action=DETAILS_CHANGED_ACTION,
            object_repr=f"supporter #{supporter.pk}",
            details={"supporter_id": supporter.pk, "fields": changed},
        )


def record_consents(
    *,
    supporter: Supporter,
    wordings: Iterable[tuple[Organisation, str]],
    language: str,
    source: str,
    confirmed: bool,
    new_supporter: bool = False,
) -> None:
    """Record that *supporter* agreed to hear from each organisation, with the words shown.

    A consent already confirmed stays as it is. An unconfirmed one takes the new
    wording and *source*, so the confirmation link of this action confirms it.
    A *new_supporter* (created in this transaction) has none yet to look up.
    """
    now = timezone.now()
    for organisation, wording in wordings:
        consent = (
            None
            if new_supporter
            else Consent.objects.filter(supporter=supporter, organisation=organisation).first()
        )
        if consent is not None and consent.is_active:
            continue
        if consent is None:
            consent = Consent(supporter=supporter, organisation=organisation)
        consent.wording = wording
        consent.language = language
        consent.given_at = now
        consent.source = source
        consent.withdrawn_at = None
        consent.confirmed_at = now if confirmed else None
        consent.save()


def confirm_consents(*, supporter_id: int, source: str) -> int:
    """Confirm the consents given with *source*; return how many changed. Idempotent."""
    return Consent.objects.filter(
        supporter_id=supporter_id, source=source, confirmed_at__isnull=True
    ).update(confirmed_at=timezone.now())


def reword_consents(
    *, supporter_id: int, source: str, wordings: dict[int, str], language: str
) -> None:
    """Set the words and language of the unconfirmed consents given with *source*:
    *wordings* maps an organisation id to the words its owner is confirming."""
    consents = Consent.objects.filter(
        supporter_id=supporter_id, source=source, confirmed_at__isnull=True
    )
    for organisation_id, wording in wordings.items():
        consents.filter(organisation_id=organisation_id).exclude(
            wording=wording, language=language
        ).update(wording=wording, language=language)


def drop_unconfirmed_consents(
    *, supporter_id: int, source: str, organisations: Iterable[int] | None = None
) -> int:
    """Delete the unconfirmed consents given with *source* (to *organisations* only, if
    given); return how many. Their owner unticked them, or a newer form replaced them."""
    consents = Consent.objects.filter(
        supporter_id=supporter_id, source=source, confirmed_at__isnull=True
    )
    if organisations is not None:
        consents = consents.filter(organisation_id__in=organisations)
    deleted, _ = consents.delete()
    return deleted


# --- Data rights --------------------------------------------------------------------------

DATA_LINK_SALT = "outcry.supporters.data-link"
DETAILS_CHANGED_ACTION = "supporter-details-changed"
EXPORT_ACTION = "supporter-export"
ERASE_ACTION = "supporter-erase"
RETENTION_ACTION = "supporter-retention"
# An address no mail can reach (RFC 2606 reserves .invalid) and that no form accepts,
# unique per row because the column is.
ERASED_DOMAIN = "erased.invalid"


class InvalidDataLink(Exception):
    """The "your data" link is malformed, tampered with or expired."""

    def __init__(self, *, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def data_link_code(supporter: Supporter) -> str:
    return signing.TimestampSigner(salt=DATA_LINK_SALT).sign(str(supporter.pk))


def data_link_url(supporter: Supporter) -> str:
    with translation.override(supporter.language):
        path = reverse("supporters:data", args=[data_link_code(supporter)])
    return f"{settings.BASE_URL}{path}"


def supporter_for_link(*, code: str) -> Supporter:
    """Return the supporter the emailed link *code* was made for.

    Raises InvalidDataLink when it is tampered with, names nobody, or is older
    than DATA_LINK_MAX_AGE_HOURS. An erased supporter is still found (so the
    page can say the data is gone).
    """
    signer = signing.TimestampSigner(salt=DATA_LINK_SALT)
    try:
        value = signer.unsign(code, max_age=settings.DATA_LINK_MAX_AGE_HOURS * 3600)
    except signing.SignatureExpired:
        raise InvalidDataLink(expired=True) from None
    except signing.BadSignature:
        raise InvalidDataLink(expired=False) from None
    supporter = Supporter.objects.filter(pk=int(value)).first() if value.isdigit() else None
    if supporter is None:
        raise InvalidDataLink(expired=False)
    return supporter


def request_data_link(*, email: str, network: str) -> None:
    """Queue the "your data" email to the supporter behind *email*, if there is one.

    The caller must answer the same either way, or the page would tell anyone
    whether an address is known; and so that the answer takes the same time,
    the work is the same for both: one lookup, then one task row in one
    transaction, with the supporter's id or with None for an address nobody
    holds (``queue_data_link`` then does nothing). The ledger row and the email
    are the task's, off the request: one email an hour at most (the hour is
    part of the ledger key). The task takes the id, never the typed address,
    so no stranger's address is kept with it.

    Limited by the ``data-request`` policy (core.ratelimit.DATA_REQUEST) for
    *network*: past its per-network limit this raises RateLimited; past its
    per-address limit nothing is queued, for a known address as for an unknown one.
    """
    email = normalise_email(email)
    counted = ratelimit.DATA_REQUEST.count(network=network, address=email)
    counted.refuse_network()
    if counted.address_over:
        return
    supporter_id = (
        Supporter.objects.filter(email=email, erased_at__isnull=True)
        .values_list("pk", flat=True)
        .first()
    )
    round_ = int(timezone.now().timestamp() // 3600)
    with transaction.atomic():
        enqueue_with_transaction(queue_data_link, supporter_id=supporter_id, round=round_)


def export_supporter_data(*, supporter: Supporter) -> dict[str, Any]:
    """Return everything outcry holds about *supporter*, as JSON-ready data, and audit it.

    Their own rows only, and none of the secrets that guard them (confirmation
    tokens, form nonces, ledger keys) nor anyone else's data (other signers,
    target contact details beyond the office's public name). After the supporter,
    each app's section (personal_data: "signatures", "letters"), then consents and emails.
    """
    language = supporter.language
    record_event(
        actor=None,
        action=EXPORT_ACTION,
        object_repr=f"supporter #{supporter.pk}",
        details={"supporter_id": supporter.pk},
    )
    consents = (
        Consent.objects.filter(supporter=supporter)
        .select_related("organisation")
        .prefetch_related("organisation__names")
        .order_by("given_at", "pk")
    )
    emails = (
        OutgoingEmail.objects.filter(to_address=supporter.email)
        .order_by("created_at", "pk")
        .values("purpose", "status", "created_at", "sent_at")
        if not supporter.is_erased
        else []
    )
    return {
        "generated_at": when(timezone.now()),
        "supporter": {
            "email": "" if supporter.is_erased else supporter.email,
            "name": supporter.name,
            "country": supporter.country,
            "postcode": supporter.postcode,
            "language": supporter.language,
            "created_at": when(supporter.created_at),
            "erased_at": when(supporter.erased_at),
            "bulk_mail_stopped": supporter.mail_problem,
        },
        **{data.key: data.export(supporter) for data in personal_data.registered()},
        "consents": [
            {
                "organisation": consent.organisation.name_in(language),
                "wording": consent.wording,
                "language": consent.language,
                "given_at": when(consent.given_at),
                "confirmed_at": when(consent.confirmed_at),
                "withdrawn_at": when(consent.withdrawn_at),
            }
            for consent in consents
        ],
        "emails": [
            {
                "purpose": email["purpose"],
                "status": email["status"],
                "created_at": when(email["created_at"]),
                "sent_at": when(email["sent_at"]),
            }
            for email in emails
        ],
    }


def erase_supporter(
    *,
    supporter_id: int,
    reason: str = "request",
    audit: bool = True,
    inactive_at: datetime | None = None,
) -> bool:
    """Anonymise the supporter *supporter_id*; return True if this call erased them.

    *inactive_at* (the retention job): only if they are still inactive at that
    time (inactive_supporters), checked once their rows are locked: they may
    have acted since the job listed them.

    In one transaction, with the supporter's row locked (after what a worker
    locks before it: PersonalData.lock_first):
    - the email becomes an address nothing can reach; name, country, postcode cleared;
    - each app's rows, by what it registered in personal_data: confirmed
      signatures stay, so public counts do not drop, but lose their comment and
      public name, unconfirmed ones (never counted) are deleted; letters lose
      the sender's name, city and country (and the text, where the supporter
      wrote it), deliveries not yet sent are cancelled;
    - confirmed consents are withdrawn (kept, with their wording, as evidence
      of what was agreed); unconfirmed ones are deleted;
    - emails not yet sent are cancelled, and the ledger forgets the address.
    Idempotent: an erased supporter is left as they are and False returned.
    *audit* adds an audit event (without the erased data) for this supporter.
    """
    now = timezone.now()
    with transaction.atomic():
        found = Supporter.objects.filter(pk=supporter_id).first()
        if found is None or found.is_erased:
            return False
        # A worker writing this person's waiting action holds it, then needs their row.
        for data in personal_data.registered():
            if data.lock_first is not None:
                data.lock_first(found)
        supporter = Supporter.objects.select_for_update().filter(pk=supporter_id).first()
        if supporter is None or supporter.is_erased:
            return False
        if inactive_at is not None and not (
            inactive_supporters(now=inactive_at).filter(pk=supporter_id).exists()
        ):
            return False
        old_email = supporter.email
        placeholder = f"erased-{supporter.pk}@{ERASED_DOMAIN}"
        OutgoingEmail.objects.filter(
            to_address=old_email, status=OutgoingEmail.Status.QUEUED
        ).update(status=OutgoingEmail.Status.FAILED, last_error=CANCELLED_ERROR)
        OutgoingEmail.objects.filter(to_address=old_email).update(to_address=placeholder)
        # Each app's rows (signatures, letters and their deliveries): personal_data.
        for data in personal_data.registered():
            data.erase(supporter, now)
        consents = Consent.objects.filter(supporter=supporter)
        consents.filter(confirmed_at__isnull=True).delete()
        consents.filter(withdrawn_at__isnull=True).update(withdrawn_at=now)
        supporter.email = placeholder
        supporter.name = supporter.country = supporter.postcode = ""
        supporter.erased_at = now
        supporter.save(update_fields=["email", "name", "country", "postcode", "erased_at"])
        if audit:
            record_event(
                actor=None,
                action=ERASE_ACTION,
                object_repr=f"supporter #{supporter.pk}",
                details={"supporter_id": supporter.pk, "reason": reason},
            )
    return True


def inactive_supporters(*, now: datetime | None = None, days: int | None = None):
    """Supporters not yet erased with no action and no consent given or confirmed in *days*.

    An action is a row an app registered in personal_data dates after the cutoff
    (a signature signed or confirmed, a letter written); *days* defaults to
    RETENTION_DAYS.
    """
    now = now or timezone.now()
    days = settings.RETENTION_DAYS if days is None else days
    cutoff = now - timedelta(days=days)
    mine = {"supporter": OuterRef("pk")}
    active = Exists(
        Consent.objects.filter(Q(given_at__gte=cutoff) | Q(confirmed_at__gte=cutoff), **mine)
    )
    for data in personal_data.registered():
        active |= Exists(data.active_since(cutoff).filter(**mine))
    return Supporter.objects.filter(erased_at__isnull=True, created_at__lt=cutoff).exclude(active)


AUDIT_BATCH = 500


# At most this many supporters per periodic run: erasing one costs about 25 ms on SQLite,
# and run_periodic runs its jobs one after another, so a first run over a large old list
# must not hold up the recounts and the recovery of confirmation emails.
PERIODIC_BATCH = 500


def anonymise_inactive_supporters(
    *, now: datetime | None = None, dry_run: bool = False, limit: int | None = PERIODIC_BATCH
) -> int:
    """Erase supporters inactive for RETENTION_DAYS; return how many (would be) erased.

    At most *limit* per call (None: all of them); the rest wait for the next
    run. Off when RETENTION_DAYS is 0. Each supporter is erased in their own
    transaction (erase_supporter), so an interruption loses nothing and a rerun
    carries on; erased supporters are never counted twice. One audit event per
    batch of up to 500 names the ids anonymised. Idempotent; run_periodic runs
    it every ten minutes.
    """
    if not settings.RETENTION_DAYS:
        return 0
    now = now or timezone.now()
    candidates = inactive_supporters(now=now).order_by("pk").values_list("pk", flat=True)
    if dry_run:
        return candidates.count()
    if limit is not None:
        candidates = candidates[:limit]
    erased: list[int] = []
    total = 0
    for supporter_id in list(candidates):
        if erase_supporter(
            supporter_id=supporter_id, reason="retention", audit=False, inactive_at=now
        ):
            erased.append(supporter_id)
        if len(erased) >= AUDIT_BATCH:
            total += _record_retention(erased)
            erased = []
    if erased:
        total += _record_retention(erased)
    return total


def _record_retention(supporter_ids: list[int]) -> int:
    record_event(
        actor=None,
        action=RETENTION_ACTION,
        object_repr=f"{len(supporter_ids)} supporters",
        details={"retention_days": settings.RETENTION_DAYS, "supporter_ids": supporter_ids},
    )
    logger.info(
        "Anonymised %s supporters inactive for %s days", len(supporter_ids), settings.RETENTION_DAYS
    )
    return len(supporter_ids)
