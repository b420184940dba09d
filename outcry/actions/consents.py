"""Consent to hear from an organisation, asked by any action's form and recorded sourced to it.

The form side (ConsentFields) adds one box per organisation of the campaign's
coalition, worded in the active language; the service side (record, confirm)
stores what was ticked with the words shown, sourced to the action's row
(``source_for``), and confirms it when that action's confirmation link is used.
A consent always waits for the link, even where the action counts at once:
anyone can type anyone's address.
"""

from collections.abc import Iterable

from django import forms
from django.utils import translation
from django.utils.translation import get_language, gettext

from outcry.campaigns.models import Campaign, Organisation
from outcry.supporters import services as supporters
from outcry.supporters.models import Supporter


def consent_wording(organisation: Organisation) -> str:
    """The sentence shown beside a consent box, in the active language (stored with the consent)."""
    return gettext(
        "Yes, %(organisation)s may email me about this and related campaigns. "
        "I can unsubscribe at any time."
    ) % {"organisation": organisation.name_in(get_language())}


def source_for(kind: str, pk: int) -> str:
    """What a consent given with an action's row is sourced to: ``signature:12``, ``letter:7``."""
    return f"{kind}:{pk}"


class ConsentFields:
    """A form mixin: one unticked box per organisation of *campaign*'s coalition.

    Call add_consent_fields(campaign) from the form's __init__; chosen_consents()
    gives the service what to record.
    """

    def add_consent_fields(self, campaign: Campaign) -> None:
        self.organisations = campaign.coalition()
        for organisation in self.organisations:
            self.fields[f"consent_{organisation.pk}"] = forms.BooleanField(
                label=consent_wording(organisation), required=False, initial=False
            )

    def consent_fields(self) -> list:
        return [self[f"consent_{org.pk}"] for org in self.organisations]

    def chosen_consents(self) -> list[tuple[Organisation, str]]:
        return [
            (organisation, consent_wording(organisation))
            for organisation in self.organisations
            if self.cleaned_data.get(f"consent_{organisation.pk}")
        ]


def record(
    *,
    supporter: Supporter,
    consents: Iterable[tuple[Organisation, str]],
    language: str,
    source: str,
    new_supporter: bool,
) -> None:
    """Record *consents* (organisation, words shown) unconfirmed, sourced to *source*.

    Inside the caller's transaction; the action's confirmation calls confirm.
    """
    supporters.record_consents(
        supporter=supporter,
        wordings=consents,
        language=language,
        source=source,
        confirmed=False,
        new_supporter=new_supporter,
    )


def record_new(given: list[tuple[int, int, str, str, str]]) -> None:
    """Record, unconfirmed, the consents of supporters created in this transaction:
    (supporter id, organisation id, words shown, language, source) each, at once."""
    supporters.record_new_consents(given)


def drop(*, supporter_id: int, source: str, organisations: Iterable[int] | None = None) -> int:
    """Delete the unconfirmed consents given with *source* (to *organisations* only,
    if given); return how many. Confirmed ones stay: only their owner withdraws them."""
    return supporters.drop_unconfirmed_consents(
        supporter_id=supporter_id, source=source, organisations=organisations
    )


def waiting(*, supporter_id: int, source: str) -> list[Organisation]:
    """The organisations the consents given with *source* would let email its supporter
    once confirmed: what a confirmation page must show (and its button's digest cover)."""
    return list(
        Organisation.objects.filter(
            consents__supporter_id=supporter_id,
            consents__source=source,
            consents__confirmed_at__isnull=True,
        )
        .order_by("pk")
        .prefetch_related("names")
    )


def confirm(*, supporter_id: int, source: str, language: str = "") -> int:
    """Confirm the consents given with *source*; return how many changed. Idempotent.

    *language*: the language of the page its owner pressed on, whose words for each
    consent (consent_wording) are what they agreed to and what is kept as its
    evidence. The words held until then are the newest form's, which anyone may have
    typed in another language.
    """
    if language:
        with translation.override(language):
            wordings = {
                organisation.pk: consent_wording(organisation)
                for organisation in waiting(supporter_id=supporter_id, source=source)
            }
        supporters.reword_consents(
            supporter_id=supporter_id, source=source, wordings=wordings, language=language
        )
    return supporters.confirm_consents(supporter_id=supporter_id, source=source)
