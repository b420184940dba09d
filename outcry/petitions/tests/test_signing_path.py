"""The busiest request in a surge: what one signature writes, and how many queries it takes."""

import pytest
from django.db import transaction
from django.test import Client

from outcry.core.models import OutgoingEmail
from outcry.petitions import services
from outcry.petitions.models import Signature
from outcry.supporters.models import Supporter
from outcry.testing import make_petition, make_signature, post_signature


@pytest.fixture
def database_tasks(settings):
    """As in production: tasks queued in the database, emails left for the senders."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.MAIL_SEND_ON_COMMIT = False


def queued_signature_ids() -> list[int]:
    """The signatures whose confirmation email waits in the ledger for a sender."""
    keys = OutgoingEmail.objects.filter(
        purpose="signature-confirmation", status=OutgoingEmail.Status.QUEUED
    ).values_list("idempotency_key", flat=True)
    return [int(key.split(":")[1]) for key in keys]


def test_the_confirmation_email_is_queued_inside_the_signing_transaction(db, database_tasks):
    # The test's own transaction never commits, so no on_commit callback runs:
    # the ledger row can only be there if it was written with the signature.
    petition = make_petition()
    response = post_signature(Client(), petition, email="min@example.org")
    assert response.status_code == 302
    assert queued_signature_ids() == [Signature.objects.get().pk]


def test_a_rolled_back_signature_leaves_no_queued_email(db, database_tasks):
    petition = make_petition()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.sign(
            petition=petition, email="min@example.org", name="Min", language="en", network="n"
        )
        raise RuntimeError("the request died before its transaction committed")
    assert Signature.objects.count() == 0
    assert Supporter.objects.count() == 0
    assert queued_signature_ids() == []


def test_signing_again_queues_one_email_inside_the_transaction(db, database_tasks):
    # The same work as a new signature (one transaction, one ledger row), so the
    # time the answer takes does not tell whether the address had signed.
    petition = make_petition()
    signature = make_signature(petition=petition, confirmed=True)
    found, is_new = services.sign(
        petition=petition,
        email=signature.supporter.email,
        name="Min",
        language="en",
        network="n",
    )
    assert (found, is_new) == (signature, False)
    assert queued_signature_ids() == [signature.pk]


def test_a_signature_from_someone_new_takes_five_queries_once_the_petition_is_cached(
    db, settings, database_tasks, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 3
    petition = make_petition()
    client = Client()
    post_signature(client, petition, email="first@example.org")  # fills the cache
    # Inside the test's transaction: savepoint, insert the supporter (no SELECT
    # first: the INSERT does nothing for a known address), insert the
    # signature, queue the email, release. Where rate limits are counted in the
    # database, two statements more, each in its own savepoint here: the limits and
    # this network's flood count together, then the site-wide flood count.
    counters = 6 if settings.RATELIMIT_STORE == "database" else 0
    with django_assert_num_queries(5 + counters):
        response = post_signature(client, petition, email="second@example.org")
    assert response.status_code == 302
    assert response["Location"] == f"/en/petitions/{petition.slug}/thanks/"
