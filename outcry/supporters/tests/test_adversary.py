"""A stranger with someone's address, or the placeholder an erasure left (security issue 8).

Found by attacking the merged security work: each test here failed before its fix.
"""

from django.test import Client

from outcry.petitions.models import Signature
from outcry.supporters.models import Consent, Supporter
from outcry.supporters.services import erase_supporter
from outcry.testing import (
    make_campaign,
    make_organisation,
    make_petition,
    make_supporter,
    post_signature,
)


def test_nobody_signs_as_an_erased_supporter_through_the_placeholder_address(db):
    """An erasure keeps the withdrawn consent as evidence; the placeholder must not reopen it."""
    organisation = make_organisation(name="Owner Rights")
    supporter = make_supporter(email="gone@example.org", consents_to=[organisation])
    erase_supporter(supporter_id=supporter.pk)
    supporter.refresh_from_db()
    evidence = list(Consent.objects.filter(supporter=supporter).values())
    assert evidence and evidence[0]["withdrawn_at"] is not None

    petition = make_petition(campaign=make_campaign(lead=organisation), needs_confirmation=False)
    answer = post_signature(
        Client(),
        petition,
        email=supporter.email.upper(),
        name="Someone Else",
        country="US",
        postcode="12345",
        **{f"consent_{organisation.pk}": "on"},
    )
    assert answer.status_code == 400
    assert "does not look like an email address" in answer.content.decode()
    assert list(Consent.objects.filter(supporter=supporter).values()) == evidence
    assert not Signature.objects.filter(supporter=supporter).exists()
    erased = Supporter.objects.get(pk=supporter.pk)
    assert erased.country == erased.postcode == ""
