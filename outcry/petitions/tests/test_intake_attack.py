"""The batch path (actions.intake, write_signatures) against the one-at-a-time path:
the same forms, posted through HTTP, leave the same rows whichever wrote them, and a
stranger's form never binds the owner of an address."""

import io

import pytest
from django.core.management import call_command

from outcry.actions import intake
from outcry.actions.models import Intake
from outcry.core.models import OutgoingEmail
from outcry.petitions.models import Signature
from outcry.petitions.services import confirmation_url
from outcry.supporters.models import Consent, Supporter
from outcry.testing import (
    accept_partner,
    confirm_all_pending,
    make_campaign,
    make_organisation,
    make_petition,
    open_and_confirm,
    post_signature,
)


def snapshot(petition) -> dict:
    """What the rows say, without ids or times (they differ between the two paths)."""
    return {
        "signatures": sorted(
            (
                signature.supporter.email,
                signature.name,
                signature.country,
                signature.comment,
                signature.public_name,
                signature.flag,
                signature.is_email_confirmed,
            )
            for signature in Signature.objects.filter(petition=petition).select_related("supporter")
        ),
        "supporters": sorted(Supporter.objects.values_list("email", "name")),
        "consents": sorted(
            (consent.supporter.email, consent.organisation.name, consent.confirmed_at is None)
            for consent in Consent.objects.select_related("supporter", "organisation")
        ),
        "emails": sorted(
            OutgoingEmail.objects.filter(purpose="signature-confirmation").values_list(
                "to_address", flat=True
            )
        ),
    }


@pytest.fixture
def world(client, db):
    lead = make_organisation(name="Lead Org")
    partner = make_organisation(name="Partner Org")
    outsider = make_organisation(name="Outsider Org")
    campaign = make_campaign(lead=lead)
    accept_partner(campaign, partner)
    petition = make_petition(campaign=campaign)
    post_signature(
        client,
        petition,
        email="owner@example.org",
        name="Owner Kim",
        comment="Mine.",
        **{f"consent_{lead.pk}": "on"},
    )
    confirm_all_pending(petition)
    post_signature(client, petition, email="waiting@example.org", name="Waiting Lee")
    return {"lead": lead, "partner": partner, "outsider": outsider, "petition": petition}


def post_the_forms(client, world) -> None:
    petition, lead, outsider = world["petition"], world["lead"], world["outsider"]
    forms = [
        # A stranger with a confirmed signer's address, consents forged to an outsider.
        {
            "email": "OWNER@Example.org",
            "name": "Stranger",
            "comment": "Not mine.",
            "public_name": Signature.PublicName.FULL,
            f"consent_{lead.pk}": "on",
            f"consent_{outsider.pk}": "on",
        },
        # A stranger with an address whose signature waits for its link.
        {"email": "waiting@example.org", "name": "Stranger Two", "comment": "Spam."},
        # Someone new, then the same mailbox spelt otherwise in the same batch.
        {"email": "NEW@Example.org", "name": "First Form", f"consent_{outsider.pk}": "on"},
        {"email": " new@example.org ", "name": "Second Form", f"consent_{lead.pk}": "on"},
        {"email": "someone@mailinator.com", "name": "Throwaway"},
    ]
    for fields in forms:
        assert post_signature(client, petition, **fields).status_code == 302


@pytest.fixture
def expected(world):
    return {
        "signatures": [
            ("new@example.org", "Second Form", "KR", "", "hidden", "", False),
            ("owner@example.org", "Owner Kim", "KR", "Mine.", "hidden", "", True),
            ("someone@mailinator.com", "Throwaway", "KR", "", "hidden", "disposable", False),
            ("waiting@example.org", "Stranger Two", "KR", "Spam.", "hidden", "", False),
        ],
        "supporters": [
            ("new@example.org", "First Form"),
            ("owner@example.org", "Owner Kim"),
            ("someone@mailinator.com", "Throwaway"),
            ("waiting@example.org", "Waiting Lee"),
        ],
        "consents": [
            ("new@example.org", "Lead Org", True),
            ("owner@example.org", "Lead Org", False),
        ],
        # Each address its first link, and one "you had already signed" email this hour.
        "emails": [
            "new@example.org",
            "new@example.org",
            "owner@example.org",
            "owner@example.org",
            "someone@mailinator.com",
            "waiting@example.org",
            "waiting@example.org",
        ],
    }


def test_one_at_a_time_the_forms_leave_these_rows(client, world, expected):
    post_the_forms(client, world)
    found = snapshot(world["petition"])
    assert {key: found[key] for key in expected} == expected


def test_in_one_batch_the_same_forms_leave_the_same_rows(client, world, expected, settings):
    settings.INTAKE_INLINE = False
    post_the_forms(client, world)
    assert Intake.objects.count() == 5
    call_command("process_intake", "--once", stdout=io.StringIO())
    assert not Intake.objects.exists()
    found = snapshot(world["petition"])
    assert {key: found[key] for key in expected} == expected


def test_an_older_form_written_after_a_newer_one_never_replaces_it(client, world, settings):
    # Two intake workers (PostgreSQL) take different batches, and the one holding
    # the older form may commit last; or an older row failed and is retried later.
    settings.INTAKE_INLINE = False
    petition = world["petition"]
    post_signature(client, petition, email="min@example.org", name="Stranger", comment="Not mine.")
    post_signature(client, petition, email="min@example.org", name="Min", comment="Mine.")
    older, newer = Intake.objects.order_by("pk")
    intake.process_batch(ids=[newer.pk])
    intake.process_batch(ids=[older.pk])

    signature = Signature.objects.get(petition=petition, supporter__email="min@example.org")
    assert (signature.name, signature.comment) == ("Min", "Mine.")


def test_of_three_forms_written_out_of_order_the_newest_wins(client, world, settings):
    # The first makes the signature, the third replaces its words, and the second,
    # written last, is older than the words held: it must not bring back older ones.
    settings.INTAKE_INLINE = False
    petition = world["petition"]
    for name in ("First", "Second", "Third"):
        post_signature(client, petition, email="min@example.org", name=name, comment=name)
    first, second, third = Intake.objects.order_by("pk")
    for row in (first, third, second):
        intake.process_batch(ids=[row.pk])

    signature = Signature.objects.get(petition=petition, supporter__email="min@example.org")
    assert (signature.name, signature.comment) == ("Third", "Third")


@pytest.mark.parametrize("change", ["close the petition", "close the campaign", "withdraw it"])
def test_a_signature_acknowledged_before_a_petition_closed_is_written_after(
    client, world, settings, change
):
    # The person was told to look in their inbox while it was open: it is kept.
    settings.INTAKE_INLINE = False
    petition = world["petition"]
    assert post_signature(client, petition, email="late@example.org").status_code == 302
    campaign = petition.campaign
    if change == "close the petition":
        petition.is_open = False
        petition.save()
    else:
        campaign.status = "closed" if change == "close the campaign" else "draft"
        campaign.save()
    call_command("process_intake", "--once", stdout=io.StringIO())
    assert Signature.objects.filter(petition=petition, supporter__email="late@example.org")
    assert OutgoingEmail.objects.filter(to_address="late@example.org").count() == 1
    # A new form is refused now, with the page saying so.
    assert post_signature(client, petition, email="later@example.org").status_code in {404, 409}
    assert not Intake.objects.exists()


def test_an_oversized_or_malformed_form_never_reaches_the_intake(client, world, settings):
    settings.INTAKE_INLINE = False
    petition, lead = world["petition"], world["lead"]
    refused = [
        {"email": "big@example.org", "comment": "x" * 200_000},
        {"email": "big@example.org", "name": "n" * 101},
        {"email": "nul@example.org", "name": "Min\x00"},
        {"email": "bad@example.org", "public_name": "everything"},
        {"email": "bad@example.org", "country": "Narnia" * 20},
        {"email": "x" * 250 + "@example.org"},
    ]
    for fields in refused:
        assert post_signature(client, petition, **fields).status_code == 400, fields
    assert not Intake.objects.exists()
    # A forged consent value and repeated fields are read as the form reads them.
    forged = {"email": "ok@example.org", f"consent_{lead.pk}": ["on", "off"], "consent_0": "on"}
    assert post_signature(client, petition, **forged).status_code == 302
    [row] = Intake.objects.all()
    assert [pk for pk, _wording in row.payload["consents"]] == [lead.pk]
    call_command("process_intake", "--once", stdout=io.StringIO())
    assert Signature.objects.filter(supporter__email="ok@example.org").exists()


def test_a_supporter_organisers_see_holds_the_name_and_country_its_owner_confirmed(client, world):
    # Organisers of an organisation the owner agreed to hear from see the supporter row.
    lead = world["lead"]
    petition = world["petition"]
    post_signature(client, petition, email="min@example.org", name="Stranger", country="KP")
    post_signature(
        client,
        petition,
        email="min@example.org",
        name="Min",
        country="KR",
        **{f"consent_{lead.pk}": "on"},
    )
    signature = Signature.objects.get(petition=petition, supporter__email="min@example.org")
    open_and_confirm(client, confirmation_url(signature).split("127.0.0.1:8000", 1)[1])
    supporter = Supporter.objects.get(email="min@example.org")
    assert supporter.consents.get(organisation=lead).is_active
    assert (supporter.name, supporter.country) == ("Min", "KR")
