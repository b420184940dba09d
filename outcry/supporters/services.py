"""Verbs on supporters: find or create one, record and confirm consent."""

from collections.abc import Iterable

from django.utils import timezone

from outcry.campaigns.models import Organisation
from outcry.core import rows
from outcry.supporters.models import Consent, Supporter, normalise_email


def find_or_create_supporter(
    *, email: str, name: str, country: str = "", postcode: str = "", language: str = "en"
) -> Supporter:
    """Return the supporter behind *email*, creating them if new (see get_or_create_supporter)."""
    supporter, _created = get_or_create_supporter(
        email=email, name=name, country=country, postcode=postcode, language=language
    )
    return supporter


def get_or_create_supporter(
    *, email: str, name: str, country: str = "", postcode: str = "", language: str = "en"
) -> tuple[Supporter, bool]:
    """Return the supporter behind *email* and whether this call created them.

    An existing supporter's details are never overwritten from an unconfirmed
    form (anyone can type anyone's address); only empty fields are filled in.
    One statement for someone new (an INSERT that does nothing if the address
    is there), so a surge of new signers costs no SELECT. Safe against a
    concurrent insert of the same address without a savepoint: the database
    makes the second INSERT wait for the first and then do nothing, and the
    row is read instead.
    """
    supporter = Supporter(
        email=normalise_email(email),
        name=name,
        country=country,
        postcode=postcode,
        language=language,
    )
    if rows.insert(supporter, unless_exists=("email",)):
        return supporter, True
    supporter = Supporter.objects.get(email=supporter.email)
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
        if consent.pk is None:
            rows.insert(consent)
        else:
            consent.save()


def confirm_consents(*, supporter_id: int, source: str) -> int:
    """Confirm the consents given with *source*; return how many changed. Idempotent."""
    return Consent.objects.filter(
        supporter_id=supporter_id, source=source, confirmed_at__isnull=True
    ).update(confirmed_at=timezone.now())
