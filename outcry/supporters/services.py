"""Verbs on supporters: find or create one, record and confirm consent."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from outcry.campaigns.models import Organisation
from outcry.supporters.models import Consent, Supporter, normalise_email


def find_or_create_supporter(
    *, email: str, name: str, country: str = "", postcode: str = "", language: str = "en"
) -> Supporter:
    """Return the supporter behind *email*, creating them if new.

    An existing supporter's details are never overwritten from an unconfirmed
    form (anyone can type anyone's address); only empty fields are filled in.
    Must run inside a transaction; safe against a concurrent insert of the same
    address (the loser reads the winner's row), at the cost of a savepoint.
    """
    email = normalise_email(email)
    supporter = Supporter.objects.filter(email=email).first()
    if supporter is None:
        try:
            with transaction.atomic():
                return Supporter.objects.create(
                    email=email, name=name, country=country, postcode=postcode, language=language
                )
        except IntegrityError:
            supporter = Supporter.objects.get(email=email)
    _fill_in(supporter, country=country, postcode=postcode)
    return supporter


def get_or_create_supporter(
    *, email: str, name: str, country: str = "", postcode: str = "", language: str = "en"
) -> tuple[Supporter, bool]:
    """Return the supporter behind *email* and whether this call created them.

    Like find_or_create_supporter, for a caller that retries its transaction:
    if another transaction inserts the same address between our read and our
    insert, this raises IntegrityError and the caller's transaction must run
    again, which then finds that row (petitions.services.sign does). It takes
    no savepoint of its own: two statements fewer on every new signer.
    """
    email = normalise_email(email)
    supporter = Supporter.objects.filter(email=email).first()
    if supporter is None:
        supporter = Supporter.objects.create(
            email=email, name=name, country=country, postcode=postcode, language=language
        )
        return supporter, True
    _fill_in(supporter, country=country, postcode=postcode)
    return supporter, False


def _fill_in(supporter: Supporter, *, country: str, postcode: str) -> None:
    changed = []
    for field, value in (("country", country), ("postcode", postcode)):
        if value and not getattr(supporter, field):
            setattr(supporter, field, value)
            changed.append(field)
    if changed:
        supporter.save(update_fields=changed)


def record_consents(
    *,
    supporter: Supporter,
    wordings: Iterable[tuple[Organisation, str]],
    language: str,
    source: str,
    confirmed: bool,
) -> None:
    """Record that *supporter* agreed to hear from each organisation, with the words shown.

    A consent already confirmed stays as it is. An unconfirmed one takes the new
    wording and *source*, so the confirmation link of this action confirms it.
    """
    now = timezone.now()
    for organisation, wording in wordings:
        consent = Consent.objects.filter(supporter=supporter, organisation=organisation).first()
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
