"""Suspicious signatures: flagged when signed, reviewed and removed as spam in the admin."""

import pytest
from django.test import Client
from django.urls import reverse

from outcry.actions import counters
from outcry.core.models import AuditEvent
from outcry.petitions import services
from outcry.petitions.models import Signature
from outcry.testing import (
    make_campaign,
    make_organisation,
    make_organiser,
    make_petition,
    make_signature,
    post_signature,
)

ADDRESS = "203.0.113.77"


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def flag_of(email: str) -> tuple[str, str]:
    signature = Signature.objects.get(supporter__email=email)
    return signature.flag, signature.flag_detail


def test_signatures_from_disposable_addresses_are_flagged(petition):
    for i, email in enumerate(["a@mailinator.com", "b@eu.mailinator.com", "c@gmail.com"]):
        assert post_signature(from_address(f"198.51.100.{i}"), petition, email=email).status_code
    assert flag_of("a@mailinator.com") == (Signature.Flag.DISPOSABLE, "mailinator.com")
    assert flag_of("b@eu.mailinator.com") == (Signature.Flag.DISPOSABLE, "eu.mailinator.com")
    assert flag_of("c@gmail.com") == (Signature.Flag.NONE, "")


def test_many_signatures_from_one_network_in_a_minute_are_flagged_as_a_cluster(petition, settings):
    settings.CHALLENGE_PER_NETWORK = 100
    settings.SUSPICIOUS_CLUSTER_SIZE = 2
    client = from_address(ADDRESS)
    for i in range(4):
        assert post_signature(client, petition, email=f"p{i}@example.org").status_code == 302
    post_signature(from_address("198.51.100.5"), petition, email="elsewhere@example.org")
    flags = [flag_of(f"p{i}@example.org") for i in range(4)]
    assert flags[:2] == [(Signature.Flag.NONE, "")] * 2
    assert {flag for flag, _label in flags[2:]} == {Signature.Flag.CLUSTER}
    labels = {label for _flag, label in flags[2:]}
    assert len(labels) == 1  # one label groups the cluster for the reviewer
    [label] = labels
    assert len(label) == 6
    assert ADDRESS not in label
    assert flag_of("elsewhere@example.org") == (Signature.Flag.NONE, "")


@pytest.fixture
def lead(db):
    return make_organisation(name="Alpha Rights")


@pytest.fixture
def partner(db):
    return make_organisation(name="Beta Watch")


@pytest.fixture
def flagged_petition(lead, partner):
    """Two genuine signatures and a cluster of three (one not yet confirmed)."""
    petition = make_petition(campaign=make_campaign(lead=lead, partners=[partner]))
    for name in ["Genuine One", "Genuine Two"]:
        make_signature(petition=petition, name=name, consents_to=[lead, partner])
    for i in range(3):
        signature = make_signature(
            petition=petition,
            name=f"Bot {i}",
            email=f"bot{i}@example.org",
            consents_to=[lead, partner],
            confirmed=i < 2,
            public_name=Signature.PublicName.FULL,
        )
        Signature.objects.filter(pk=signature.pk).update(
            flag=Signature.Flag.CLUSTER, flag_detail="a1b2c3"
        )
    services.recount_signatures(petition=petition)
    return petition


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def remove(client: Client, signatures) -> object:
    return client.post(
        reverse("admin:petitions_signature_changelist"),
        {"action": "remove_as_spam", "_selected_action": [s.pk for s in signatures]},
        follow=True,
    )


def test_an_organiser_reviews_a_cluster_and_removes_it_as_spam(flagged_petition, lead):
    organiser = make_organiser(organisation=lead)
    client = admin_client(organiser)
    listing = client.get(
        reverse("admin:petitions_signature_changelist"), {"flag__exact": "cluster"}
    )
    assert listing.status_code == 200
    assert listing.content.decode().count("Bot ") == 3
    assert "Genuine" not in listing.content.decode()
    by_label = client.get(reverse("admin:petitions_signature_changelist"), {"q": "a1b2c3"})
    assert by_label.content.decode().count("Bot ") == 3

    assert counters.total(flagged_petition.counter_key) == 4
    bots = Signature.objects.filter(flag=Signature.Flag.CLUSTER)
    answer = remove(client, bots)
    assert answer.status_code == 200
    assert "3 signatures removed as spam" in answer.content.decode()
    assert Signature.objects.filter(removed_at__isnull=False).count() == 3
    assert counters.total(flagged_petition.counter_key) == 2
    assert services.count_signatures(flagged_petition) == 2
    assert services.recount_signatures(petition=flagged_petition) == (2, 2)
    event = AuditEvent.objects.get(action="remove-signatures-as-spam")
    assert event.actor == organiser
    assert event.organisation == lead
    assert event.details["count"] == 3
    assert sorted(event.details["signatures"]) == sorted(bots.values_list("pk", flat=True))

    # The export (the petition as delivered) leaves them out too.
    export = client.post(reverse("admin:petitions_petition_export", args=[flagged_petition.pk]))
    exported = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Genuine One" in exported
    assert "Bot " not in exported

    # The public list leaves them out, and the late confirmation link does not count one.
    signers = Client().get(reverse("petitions:signers", args=[flagged_petition.slug]))
    assert "Bot " not in signers.content.decode()
    pending = Signature.objects.get(supporter__email="bot2@example.org")
    services.confirm_signature(code=services.confirmation_code(pending))
    assert services.recount_signatures(petition=flagged_petition) == (2, 2)

    # Removing them again changes nothing and records nothing more.
    again = remove(client, bots)
    assert "0 signatures removed as spam" in again.content.decode()
    assert counters.total(flagged_petition.counter_key) == 2
    assert AuditEvent.objects.filter(action="remove-signatures-as-spam").count() == 1


def test_a_partner_organiser_cannot_remove_the_leads_signatures(flagged_petition, partner):
    client = admin_client(make_organiser(organisation=partner))
    answer = remove(client, Signature.objects.filter(flag=Signature.Flag.CLUSTER))
    assert answer.status_code == 200
    assert "3 signatures were left alone" in answer.content.decode()
    assert not Signature.objects.filter(removed_at__isnull=False).exists()
    assert counters.total(flagged_petition.counter_key) == 4
    assert not AuditEvent.objects.filter(action="remove-signatures-as-spam").exists()
