"""Verbs on petitions: sign, confirm, count, recount; the confirmation email is emails.py's."""

import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from outcry.actions import confirmation, counters, intake
from outcry.actions import consents as consent
from outcry.actions.services import Person, Written, queue_confirmation, take_action
from outcry.campaigns.checklist import missing_languages
from outcry.campaigns.models import Campaign, Organisation
from outcry.core import ratelimit
from outcry.core.audit import record_event
from outcry.core.disposable import is_disposable
from outcry.core.mail import engine
from outcry.core.models import OutgoingEmail
from outcry.core.queue import uses_database_queue
from outcry.core.tasks import send_email
from outcry.petitions.models import Petition, Signature, counter_key
from outcry.petitions.tasks import CONFIRMATION_PURPOSE
from outcry.supporters import services as supporters
from outcry.supporters.models import Supporter, normalise_email

logger = logging.getLogger("outcry.petitions")

CONFIRM_SALT = "outcry.petitions.confirm"
SHOWN_SALT = "outcry.petitions.shown"


class SigningRefused(Exception):
    """Base for a refusal the signer should be told about."""


class PetitionClosed(SigningRefused):
    pass


# The confirmation link's refusal, shared by every kind of action.
InvalidConfirmation = confirmation.InvalidConfirmation


def source_for(signature: Signature) -> str:
    return consent.source_for("signature", signature.pk)


def sign(
    *,
    petition: Petition,
    email: str,
    name: str,
    language: str,
    network: str,
    country: str = "",
    postcode: str = "",
    comment: str = "",
    public_name: str = Signature.PublicName.HIDDEN,
    consents: list[tuple[Organisation, str]] = (),
    cluster: str = "",
    counted: ratelimit.Counted | None = None,
    later: bool = False,
) -> tuple[Signature | None, bool]:
    """Sign *petition* for the person behind *email*; return the signature and whether it is new.

    Limited by the ``petition-sign`` policy (core.ratelimit.SIGN), counted here
    for *network* (the keyed hash of core.ratelimit.network_key, or what an API
    names its caller by) and the address unless the caller counted it already
    (*counted*: the form counts it with its flood count in one statement).
    Past the per-network limit this raises RateLimited. Past the per-address
    limit nothing is written or sent and (None, False) is returned: the caller
    answers as for a signature taken, since a refusal or an email would tell
    whoever typed the address that it had signed.

    With *later* (the form) the signature is only kept as one intake row
    (actions.intake), committed before this returns (None, False), and a
    worker writes it with others in a batch (write_signatures); the request's
    work, and so its timing, is the same whether the address signed before or
    not. Without it (an API, a command) it is written now. Either way the
    same rows, in one transaction, ending with one queued email:

    - someone new: the supporter (if new), the signature with the name, country
      and public choice typed now, the consents and the confirmation email's
      ledger row (core.mail.engine), so an acknowledged signature
      always has its email on the way. Where the petition asks no confirmation
      the signature counts at once for the organisers; the public count, the
      list and the consents wait for the link on every petition.
    - an address whose signature is still unconfirmed (any letter case or
      surrounding spaces name the same person): the newest form wins, its name,
      country, listing choice, comment, language and consents replace the
      earlier ones (a stranger may have typed those with the address first, and
      the owner signing for real must never be bound to them); links emailed
      for what it held before confirm nothing now (see confirmation_code). The "you had already
      signed" email is queued for this hour, with the new link.
    - an address whose signature is confirmed: nothing changes and nothing typed
      now is kept; the same email is queued for this hour.

    A new signature from a disposable email domain, or one the caller saw arrive
    among many from one network (*cluster*: a short label naming that network
    for the reviewer, never its address), is flagged for organisers to review;
    it still counts until they remove it (remove_as_spam).

    Raises PetitionClosed, RateLimited. Safe under concurrent submissions of
    one address: the database keeps one row.
    """
    if not petition.accepts_signatures:
        raise PetitionClosed("closed")
    if counted is None:
        counted = ratelimit.SIGN.count(network=network, address=normalise_email(email))
    counted.refuse_network()
    if counted.address_over:
        return None, False
    flag, flag_detail = _suspicion(email=email, cluster=cluster)
    typed = {
        "petition": petition.pk,
        "email": normalise_email(email),
        "name": name,
        "country": country,
        "postcode": postcode,
        "comment": comment,
        "public_name": public_name,
        "language": language,
        "consents": [[organisation.pk, wording] for organisation, wording in consents],
        "flag": flag,
        "flag_detail": flag_detail,
        "signed_at": timezone.now().isoformat(),
    }
    if later:
        intake.submit(SIGNATURE_INTAKE, typed, email=typed["email"])
        return None, False
    [(signature, is_new)] = write_signatures([typed])
    return signature, is_new


# The intake kind of a signature taken by the form (actions.intake; apps.py registers it).
SIGNATURE_INTAKE = "petitions.signature"


def write_signatures(typed: list[dict]) -> list[tuple[Signature | None, bool]]:
    """Write what each of *typed* (sign's payloads, oldest first) asks; return each one's
    signature and whether it is new, in order (None for a petition deleted since).

    One transaction (the caller's, if any). New addresses (the bulk of a surge)
    are written together: their supporters, signatures, consents and
    confirmation emails one INSERT each for the whole batch. An address that
    is already a supporter, or comes twice in the batch, is taken after them,
    one at a time in order (_sign_one), so a later form finds the earlier one
    and gets the "you had already signed" email, or replaces it while it waits
    for its link. If an address became a supporter meanwhile (another worker,
    a letter), the new ones are taken one at a time too.
    """
    # sign() stores the address normalised; a row from elsewhere is made so here.
    typed = [each | {"email": normalise_email(each["email"])} for each in typed]
    petitions = Petition.objects.in_bulk({each["petition"] for each in typed})
    organisations = Organisation.objects.in_bulk(
        {pk for each in typed for pk, _wording in each["consents"]}
    )
    results: list[tuple[Signature | None, bool]] = [(None, False)] * len(typed)
    with transaction.atomic():
        known = set(
            Supporter.objects.filter(email__in={each["email"] for each in typed}).values_list(
                "email", flat=True
            )
        )
        new, one_by_one, seen = [], [], set()
        for index, each in enumerate(typed):
            if each["petition"] not in petitions:
                logger.info(
                    "A signature for petition %s, deleted since, was dropped.", each["petition"]
                )
            elif each["email"] in known or each["email"] in seen:
                one_by_one.append(index)
            else:
                new.append(index)
                seen.add(each["email"])
        if new:
            try:
                with transaction.atomic():
                    written = _sign_new([typed[index] for index in new], petitions, organisations)
            except IntegrityError:
                one_by_one = sorted(new + one_by_one)
            else:
                for index, signature in zip(new, written, strict=True):
                    results[index] = (signature, True)
        for index in one_by_one:
            each = typed[index]
            results[index] = _sign_one(each, petitions[each["petition"]], organisations)
    return results


def _sign_new(typed: list[dict], petitions: dict, organisations: dict) -> list[Signature]:
    """Write the signatures of addresses nobody has used yet, one INSERT per table."""
    supporters_made = supporters.create_supporters(typed)
    signatures = []
    for each, supporter in zip(typed, supporters_made, strict=True):
        signatures.append(_signature_from(each, petitions[each["petition"]], supporter))
    Signature.objects.bulk_create(signatures)
    consent.record_new(
        [
            (signature.supporter_id, organisation, wording, each["language"], source_for(signature))
            for each, signature in zip(typed, signatures, strict=True)
            for organisation, wording in each["consents"]
            if organisation in organisations
        ]
    )
    engine.queue_many(
        purpose=CONFIRMATION_PURPOSE,
        recipients=[(signature.pk, signature.supporter.email) for signature in signatures],
        priority=engine.TRANSACTIONAL,
    )
    return signatures


def _signature_from(each: dict, petition: Petition, supporter: Supporter) -> Signature:
    """The new, unsaved signature a payload of sign() asks for."""
    signed_at = datetime.fromisoformat(each["signed_at"])
    return Signature(
        petition=petition,
        supporter=supporter,
        name=each["name"],
        country=each["country"],
        comment=each["comment"],
        public_name=each["public_name"],
        language=each["language"],
        created_at=signed_at,
        # Counted publicly only once its address is confirmed (confirm_signature),
        # so the link always goes out, even where the petition counts at once.
        confirmed_at=None if petition.needs_confirmation else signed_at,
        flag=each["flag"],
        flag_detail=each["flag_detail"],
    )


def _sign_one(each: dict, petition: Petition, organisations: dict) -> tuple[Signature, bool]:
    """Write one signature of *each* (a payload of sign) whose address may be known."""
    language = each["language"]

    def write(supporter: Supporter, created: bool) -> Written:
        # Someone new cannot have signed yet: one query fewer.
        existing = (
            None
            if created
            else Signature.objects.filter(petition=petition, supporter=supporter).first()
        )
        signed_at = datetime.fromisoformat(each["signed_at"])
        if existing is not None:
            renewed = not existing.is_email_confirmed and _renew(
                existing,
                signed_at=signed_at,
                name=each["name"],
                country=each["country"],
                comment=each["comment"],
                public_name=each["public_name"],
                language=language,
            )
            return Written(
                row=existing,
                is_new=False,
                renewed=renewed,
                source=source_for(existing),
                confirmation=_signed_again(existing),
            )
        signature = _signature_from(each, petition, supporter)
        signature.save(force_insert=True)
        return Written(
            row=signature,
            is_new=True,
            source=source_for(signature),
            confirmation=(
                send_email,
                {"purpose": CONFIRMATION_PURPOSE, "subject_id": signature.pk},
            ),
        )

    person = Person(
        email=each["email"],
        name=each["name"],
        language=language,
        country=each["country"],
        postcode=each["postcode"],
    )
    consents = [
        (organisations[pk], wording) for pk, wording in each["consents"] if pk in organisations
    ]
    for _attempt in range(3):
        try:
            written = take_action(person=person, write=write, consents=consents)
            return written.row, written.is_new
        except IntegrityError:
            # Another request inserted the same supporter or signature between our
            # read and our write; the next attempt finds their row.
            logger.info("Concurrent signature for one address on petition %s", petition.pk)
    with transaction.atomic():
        existing = Signature.objects.get(petition=petition, supporter__email=each["email"])
        queue_signed_again_email(signature=existing)
    return existing, False


def _renew(signature: Signature, *, signed_at: datetime, **typed: str) -> bool:
    """Replace what *signature* holds by the newest form's *typed* fields, if still unconfirmed.

    Never by a form typed before the one whose words it holds (*signed_at* against
    its typed_at, or its created_at, which stays: the "again" email waits an hour
    from it): two intake workers, or a failed row retried later, may write an
    older form after a newer one, and the older must not win.
    Returns whether it did. One conditional UPDATE: it waits for a
    confirmation holding the row's lock, then finds the signature confirmed
    and changes nothing, so a confirmation and a replacement at the same moment
    never confirm words the owner did not see (confirm_signature checks, under
    that lock, that the signature is still what its link was emailed for).
    """
    newer_than_held = Q(typed_at__lte=signed_at) | Q(
        typed_at__isnull=True, created_at__lte=signed_at
    )
    replaced = (
        Signature.objects.filter(pk=signature.pk, email_confirmed_at__isnull=True)
        .filter(newer_than_held)
        .update(typed_at=signed_at, **typed)
    )
    if replaced:
        signature.typed_at = signed_at
        for field_name, value in typed.items():
            setattr(signature, field_name, value)
    return bool(replaced)


def _signed_again(signature: Signature) -> tuple:
    """The task and arguments of the "you signed again" email (see queue_signed_again_email)."""
    arguments = {"purpose": CONFIRMATION_PURPOSE, "subject_id": signature.pk}
    return send_email, arguments | {"round": current_round()}


def queue_signed_again_email(*, signature: Signature) -> None:
    """Queue the email that tells *signature*'s owner their address signed again.

    Inside the caller's transaction: its ledger row (core.mail.engine), as
    take_action writes it, not a task, so no queue (RQ, a killed worker) can lose
    it. Its round is the current hour, part of the ledger key, so a flood of
    signatures from one address sends at most one such email an hour;
    emails.confirmation_email also skips it within an hour of the signature or
    of the last email about it.
    """
    queue_confirmation(_signed_again(signature), to=signature.supporter.email)


def current_round() -> int:
    """The hour number the "signed again" email is keyed by (never 0, the first email's)."""
    return int(timezone.now().timestamp() // 3600)


def _suspicion(*, email: str, cluster: str) -> tuple[str, str]:
    """The flag of a new signature and its detail for the reviewer ("", "" if none)."""
    if cluster:
        return Signature.Flag.CLUSTER, cluster
    if is_disposable(email):
        return Signature.Flag.DISPOSABLE, email.rpartition("@")[2][:100]
    return Signature.Flag.NONE, ""


def remove_as_spam(*, signatures: QuerySet, actor) -> int:
    """Take *signatures* out of the public count, list and delivery; return how many.

    One transaction: each signature is marked removed, each petition's public
    counter loses the ones it counted (their address confirmed), and the audit
    log records who removed how many from which petition. Signatures removed
    before are left as they are (idempotent).
    """
    with transaction.atomic():
        chosen = list(
            Signature.objects.filter(pk__in=signatures.values("pk"), removed_at__isnull=True)
            .select_for_update()
            .values_list("pk", "petition_id", "email_confirmed_at")
        )
        if not chosen:
            return 0
        Signature.objects.filter(pk__in=[pk for pk, _p, _c in chosen]).update(
            removed_at=timezone.now()
        )
        by_petition: dict[int, list[int]] = {}
        counted: dict[int, int] = {}
        for pk, petition_id, email_confirmed_at in chosen:
            by_petition.setdefault(petition_id, []).append(pk)
            if email_confirmed_at is not None:
                counted[petition_id] = counted.get(petition_id, 0) + 1
        petitions = Petition.objects.select_related("campaign__lead_organisation").in_bulk(
            list(by_petition)
        )
        for petition_id, removed in by_petition.items():
            if counted.get(petition_id):
                counters.add(petitions[petition_id].counter_key, -counted[petition_id])
            petition = petitions[petition_id]
            record_event(
                actor=actor,
                action="remove-signatures-as-spam",
                object_repr=str(petition),
                organisation=petition.campaign.lead_organisation,
                details={"petition": petition.slug, "count": len(removed), "signatures": removed},
            )
    for petition in petitions.values():
        counters.forget(petition.counter_key)
    return len(chosen)


def confirmation_code(signature: Signature, organisations: list[Organisation] | None = None) -> str:
    """The link's code: the signature's token and what it holds now (link_digest), signed.

    So the link confirms only what the signature held when it was emailed: a
    newer form with the address that changes what the page shows makes it
    outdated (signature_to_confirm), and the same words again keep it valid.
    *organisations*: waiting_consents(signature), when the caller read them already.
    """
    value = f"{signature.token}.{link_digest(signature, organisations)}"
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(value)


def link_digest(signature: Signature, organisations: list[Organisation] | None = None) -> str:
    """A short digest of what *signature*'s confirmation page shows (shown_digest)."""
    if organisations is None:
        organisations = waiting_consents(signature)
    return shown_digest(signature, organisations)[:LINK_DIGEST_CHARS]


# 64 bits of a keyed hash inside a signed code: nobody can make other words
# match it without the secret key.
LINK_DIGEST_CHARS = 16


def _token_and_digest(value: str) -> tuple[str, str]:
    """The token and digest signed into a code ("" in links mailed before digests)."""
    token, _dot, digest = value.partition(".")
    return token, digest


def confirmation_url(signature: Signature, organisations: list[Organisation] | None = None) -> str:
    """The confirmation link (*organisations*: as confirmation_code)."""
    with translation.override(signature.language):
        path = reverse("actions:confirm", args=[confirmation_code(signature, organisations)])
    return f"{settings.BASE_URL}{path}"


def signature_to_confirm(*, code: str) -> Signature:
    """The signature behind the link *code*, without confirming it (the page with the button).

    Raises InvalidConfirmation when the code is tampered with or older than the
    configured number of days (an already-confirmed signature is still found),
    or outdated: emailed for what the signature held before a newer form
    replaced it (see sign, confirmation_code). Links mailed before codes
    carried the digest are taken as they are until they expire.
    """
    signer = signing.TimestampSigner(salt=CONFIRM_SALT)
    try:
        value = signer.unsign(code, max_age=settings.CONFIRMATION_MAX_AGE_DAYS * 86400)
    except signing.SignatureExpired:
        token, _digest = _token_and_digest(signer.unsign(code))
        signature = Signature.objects.filter(token=token).first()
        if signature is not None and signature.is_email_confirmed:
            return signature
        raise InvalidConfirmation(expired=True) from None
    except signing.BadSignature:
        raise InvalidConfirmation(expired=False) from None
    token, digest = _token_and_digest(value)
    signature = Signature.objects.filter(token=token).first()
    if signature is None:
        raise InvalidConfirmation(expired=False)
    if not signature.is_email_confirmed and _is_outdated(signature, digest):
        raise InvalidConfirmation(expired=False, outdated=True)
    return signature


@dataclass(frozen=True)
class Choices:
    """What the signer chose on the confirmation page before pressing: only ever less.

    *shown* is the digest of what the page showed (shown_digest); *public_name*
    a listing no higher than shown; *keep_comment* whether the comment stays;
    *consents* the organisations (ids) still allowed to email them.
    """

    shown: str
    public_name: str
    keep_comment: bool
    consents: frozenset[int]


def waiting_consents(signature: Signature) -> list[Organisation]:
    """The organisations the signature's link would allow to email its signer."""
    return consent.waiting(supporter_id=signature.supporter_id, source=source_for(signature))


def shown_digest(signature: Signature, organisations: list[Organisation]) -> str:
    """A digest of what the confirmation page shows: the name, country, comment,
    listing and the organisations that may email (see confirm_signature)."""
    shown = [
        signature.pk,
        signature.name,
        signature.country,
        signature.comment,
        signature.public_name,
        sorted(organisation.pk for organisation in organisations),
    ]
    return salted_hmac(SHOWN_SALT, json.dumps(shown), algorithm="sha256").hexdigest()


def _is_outdated(signature: Signature, digest: str) -> bool:
    """True if *signature* no longer holds what the link with *digest* was emailed for."""
    return bool(digest) and not hmac.compare_digest(digest, link_digest(signature))


def confirm_signature(
    *, code: str, choices: Choices | None = None, language: str = ""
) -> tuple[Signature, bool]:
    """Confirm the signature behind the link *code*; return it and whether this call confirmed it.

    Called when the supporter presses the button on the link's page, never on
    opening the link: mail scanners open links on their own. The page shows
    what confirming publishes and agrees to; with *choices* (the page's form)
    this confirms exactly that, lowered as chosen, and raises
    confirmation.Changed when the signature changed since the page was shown
    (someone signed again with the address): the page is shown again. Without
    them (a page from before the choices) it confirms the signature as it is.
    *language* is the language of the page the owner pressed on: the
    signature's from then on, and the one its consents are recorded in, in
    that page's words (actions.consents.confirm). The one it held is the
    newest form's, and a stranger's form in another language with the same
    words leaves the link valid (the digest does not cover the language).

    The first confirmation sets email_confirmed_at (and confirmed_at unless the
    petition counted it at once), confirms the consents given with it and adds
    it to the public count. Idempotent: a second press or a retry leaves one
    confirmed signature, counted once. Raises InvalidConfirmation as
    signature_to_confirm does, also when a newer form replaced the signature
    after the code was checked (checked again under the row's lock, which a
    replacement's conditional UPDATE takes too).
    """
    found = signature_to_confirm(code=code)
    if found.is_email_confirmed:
        return found, False
    token, digest = _token_and_digest(signing.TimestampSigner(salt=CONFIRM_SALT).unsign(code))
    with transaction.atomic():
        # Lock only the signature row (no join): a join would also lock the
        # petition row on PostgreSQL and make every confirmation queue on it.
        signature = Signature.objects.select_for_update().filter(token=token).first()
        if signature is None:
            raise InvalidConfirmation(expired=False)
        if signature.email_confirmed_at is not None:  # pressed twice at once
            return signature, False
        if _is_outdated(signature, digest):
            # A newer form replaced it between reading and locking (sign's
            # conditional UPDATE holds the lock while it writes): confirming now
            # would confirm words this link was never emailed for.
            raise InvalidConfirmation(expired=False, outdated=True)
        if choices is not None:
            _apply_choices(signature, choices)
        now = timezone.now()
        # The address is proven: the signature may now be listed and counted publicly.
        signature.email_confirmed_at = now
        changed = ["email_confirmed_at"]
        if language not in dict(settings.LANGUAGES):
            language = ""  # a command or an API: what the signature holds stays
        if language and language != signature.language:
            signature.language = language
            changed.append("language")
        if signature.confirmed_at is None:  # else counted for organisers at once
            signature.confirmed_at = now
            changed.append("confirmed_at")
        signature.save(update_fields=changed)
        # The consents given with it wait for this link, in the words of its page.
        consent.confirm(
            supporter_id=signature.supporter_id, source=source_for(signature), language=language
        )
        if signature.removed_at is None:  # one removed as spam never counts
            counters.add(counter_key(signature.petition_id))
    return signature, True


def _apply_choices(signature: Signature, choices: Choices) -> None:
    """Lower *signature* as the signer chose, if it is still what their page showed."""
    organisations = waiting_consents(signature)
    if choices.shown != shown_digest(signature, organisations):
        raise confirmation.Changed(signature)
    changed = []
    if choices.public_name in signature.lower_listings:
        signature.public_name = choices.public_name
        changed.append("public_name")
    if not choices.keep_comment and signature.comment:
        signature.comment = ""
        changed.append("comment")
    if changed:
        signature.save(update_fields=changed)
    dropped = [o.pk for o in organisations if o.pk not in choices.consents]
    if dropped:
        consent.drop(
            supporter_id=signature.supporter_id,
            source=source_for(signature),
            organisations=dropped,
        )


def count_signatures(petition: Petition) -> int:
    """Return the public count, cached for a few seconds so a surge reads it cheaply."""
    return counters.cached_total(petition.counter_key)


def recount_signatures(*, petition: Petition) -> tuple[int, int]:
    """Rebuild the petition's public counter from its rows; return (before, after).

    Counts the signatures whose address is confirmed and that were not removed
    as spam (SignatureQuerySet.counted), as confirm_signature and remove_as_spam
    keep the counter.

    Idempotent; see actions.counters.reset.
    """
    return counters.reset(
        petition.counter_key,
        count_rows=lambda: Signature.objects.filter(petition=petition).counted().count(),
    )


FIRST_MILESTONE = 100


def next_milestone(count: int, goal: int) -> int:
    """The next power of ten from 100 above *count* (100, 1,000, 10,000, …), or the goal if nearer.

    A bar toward 175,000 stays empty for the first thousands of signatures; one
    toward the next milestone moves from the first signature.
    """
    milestone = FIRST_MILESTONE
    while milestone <= count:
        milestone *= 10
    return goal if count < goal < milestone else milestone


def recount_all_signatures() -> int:
    """Reconcile the counter of every petition still taking signatures; return how many."""
    petitions = Petition.objects.filter(is_open=True).exclude(campaign__status="draft")
    for petition in petitions:
        recount_signatures(petition=petition)
    return len(petitions)


def requeue_stale_confirmations(*, now=None) -> int:
    """Queue the confirmation email of every signature whose task was lost; return how many.

    With tasks in the database (the default) a task is never lost: it is a row,
    and one a killed worker held is queued again by core.tasks.requeue_stale_emails,
    which also resumes sends interrupted mid-way, for every kind of email. With
    another queue (Redis), which cannot be asked, an unconfirmed signature with
    no ledger row after OUTCRY_CONFIRMATION_STALE_SECONDS (15 minutes) is queued
    once more; a duplicate finds the row claimed or sent (the signature's address
    unconfirmed, on every petition: the public count waits for it). Idempotent;
    run_periodic runs it every OUTCRY_CONFIRMATION_SWEEP_SECONDS (two minutes).
    """
    if uses_database_queue(send_email):
        return 0
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.CONFIRMATION_STALE_SECONDS)
    oldest = now - timedelta(days=settings.CONFIRMATION_MAX_AGE_DAYS)
    has_email = OutgoingEmail.objects.filter(
        idempotency_key=Concat(
            Value(f"{CONFIRMATION_PURPOSE}:"), Cast(OuterRef("pk"), CharField()), Value(":0")
        )
    )
    orphans = (
        Signature.objects.filter(
            email_confirmed_at__isnull=True,
            created_at__lt=stale,
            created_at__gte=oldest,
        )
        .exclude(Exists(has_email))
        .values_list("pk", flat=True)
    )
    requeued = 0
    for signature_id in orphans:
        send_email.enqueue(purpose=CONFIRMATION_PURPOSE, subject_id=signature_id)
        requeued += 1
    return requeued


def publish_problems(campaign: Campaign) -> list[str]:
    """What the campaign's petitions lack before it is published (campaigns.checklist).

    Each petition needs a title, an addressee and a text in every language of the campaign.
    """
    found = []
    for petition in campaign.petitions.prefetch_related("texts"):
        written = {
            text.language
            for text in petition.texts.all()
            if text.title.strip() and text.addressee.strip() and text.text.strip()
        }
        missing = missing_languages(campaign, written)
        if missing:
            found.append(
                translation.gettext(
                    "The petition needs a title, an addressee and a text in %(languages)s."
                )
                % {"languages": ", ".join(missing)}
            )
    return found
