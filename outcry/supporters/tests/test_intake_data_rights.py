"""A signature still waiting in the intake is the supporter's data too: their copy
shows it, and erasing them drops it before a worker can write it back."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from outcry.actions.models import Intake
from outcry.petitions.models import Signature
from outcry.supporters import services
from outcry.supporters.models import Consent, Supporter
from outcry.testing import make_campaign, make_organisation, make_petition, post_signature


@pytest.fixture(params=["indexed", "written before the index"])
def known_with_one_waiting(request, client, db, settings):
    """Min is a supporter (an earlier petition); her signature of a second one waits.

    Found by the row's indexed address, and (the second run) by what was typed in a
    row that a web process of the release before wrote, which has no address.
    """
    lead = make_organisation(name="Lead Org")
    campaign = make_campaign(lead=lead)
    first, second = make_petition(campaign=campaign), make_petition(campaign=campaign)
    post_signature(client, first, email="min@example.org")
    settings.INTAKE_INLINE = False  # as in production: a worker writes it later
    response = post_signature(
        client,
        second,
        email="MIN@Example.org",
        name="Min-jun Kim",
        comment="Free them now.",
        **{f"consent_{lead.pk}": "on"},
    )
    assert response.status_code == 302
    [row] = Intake.objects.all()
    assert row.email == "min@example.org"
    if request.param == "written before the index":
        Intake.objects.update(email="")
    return second


def data_link(supporter: Supporter) -> str:
    return services.data_link_url(supporter).split("127.0.0.1:8000", 1)[1]


def test_the_copy_of_ones_data_shows_a_signature_still_waiting(client, known_with_one_waiting):
    supporter = Supporter.objects.get(email="min@example.org")
    copy = json.loads(client.get(data_link(supporter) + "download/").content)
    [waiting] = copy["signatures_waiting"]
    assert waiting["petition_slug"] == known_with_one_waiting.slug
    assert waiting["comment"] == "Free them now."
    assert waiting["confirmed_at"] is None


def test_erasure_drops_a_waiting_signature_so_the_worker_cannot_bring_the_person_back(
    client, known_with_one_waiting
):
    supporter = Supporter.objects.get(email="min@example.org")
    assert client.post(data_link(supporter) + "erase/").status_code == 200
    call_command("process_intake", "--once", stdout=io.StringIO())

    assert not Intake.objects.exists()
    assert not Supporter.objects.filter(email="min@example.org").exists()
    assert not Signature.objects.filter(petition=known_with_one_waiting).exists()


def test_the_retention_job_keeps_someone_whose_signature_waits(
    client, known_with_one_waiting, settings
):
    settings.RETENTION_DAYS = 1
    Supporter.objects.update(created_at=timezone.now() - timedelta(days=5))
    Signature.objects.update(created_at=timezone.now() - timedelta(days=5), confirmed_at=None)
    Consent.objects.all().delete()
    assert list(services.inactive_supporters()) == []
    Intake.objects.update(created_at=timezone.now() - timedelta(days=5))
    assert [s.email for s in services.inactive_supporters()] == ["min@example.org"]


def test_the_copy_of_ones_data_says_when_the_words_a_signature_holds_were_typed(client, db):
    # Min signs, then signs again with other words before confirming: the signature
    # holds the second form's words, and her copy says when she typed those (typed_at),
    # not only when the first form was.
    petition = make_petition()
    post_signature(client, petition, email="min@example.org", comment="First.")
    post_signature(client, petition, email="min@example.org", comment="Second.")
    signature = Signature.objects.get(petition=petition)
    assert signature.comment == "Second." and signature.typed_at > signature.created_at
    supporter = Supporter.objects.get(email="min@example.org")
    copy = json.loads(client.get(data_link(supporter) + "download/").content)
    [held] = copy["signatures"]
    assert held["comment"] == "Second."
    assert held["words_typed_at"] == signature.typed_at.isoformat()
