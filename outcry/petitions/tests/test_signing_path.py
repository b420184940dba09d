"""The busiest request in a surge: what one signature writes, and how many queries it takes."""

import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from outcry.actions import intake
from outcry.actions.models import Intake
from outcry.core.models import OutgoingEmail
from outcry.petitions import services
from outcry.petitions.models import Signature
from outcry.supporters.models import Consent, Supporter
from outcry.testing import make_petition, make_signature, post_signature


@pytest.fixture
def captured_queries_count():
    def count(run) -> int:
        with CaptureQueriesContext(connection) as captured:
            run()
        return len(captured.captured_queries)

    return count


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


def test_a_signature_is_acknowledged_after_one_insert_once_the_petition_is_cached(
    db, settings, database_tasks, django_assert_num_queries
):
    settings.PAGE_CACHE_SECONDS = 3
    settings.INTAKE_INLINE = False  # as in production: a worker writes the rest
    petition = make_petition()
    client = Client()
    post_signature(client, petition, email="first@example.org")  # fills the cache
    # One INSERT of the intake row (on SQLite inside its own transaction, a savepoint
    # here, so that it queues on the write lock). Where rate limits are counted in the
    # database, two statements more, each in its own savepoint here: the limits and
    # this network's flood count together, then the site-wide flood count.
    counters = 6 if settings.RATELIMIT_STORE == "database" else 0
    intake_write = 3 if connection.vendor == "sqlite" else 1
    with django_assert_num_queries(intake_write + counters):
        response = post_signature(client, petition, email="second@example.org")
    assert response.status_code == 302
    assert response["Location"] == f"/en/petitions/{petition.slug}/thanks/"
    assert not Signature.objects.exists()
    assert Intake.objects.count() == 2

    call_command("process_intake", "--once", stdout=io.StringIO())
    assert sorted(Signature.objects.values_list("supporter__email", flat=True)) == [
        "first@example.org",
        "second@example.org",
    ]
    assert sorted(queued_signature_ids()) == sorted(Signature.objects.values_list("pk", flat=True))
    assert not Intake.objects.exists()


def queue_signatures(petition, count: int, *, start: int = 0) -> None:
    for n in range(start, start + count):
        intake.submit(
            services.SIGNATURE_INTAKE,
            {
                "petition": petition.pk,
                "email": f"s{n}@example.org",
                "name": f"Signer {n}",
                "country": "KR",
                "postcode": "",
                "comment": "",
                "public_name": Signature.PublicName.HIDDEN,
                "language": "ko" if n % 2 else "en",
                "consents": [[petition.campaign.lead_organisation.pk, "Yes, they may email me."]],
                "flag": "",
                "flag_detail": "",
                "signed_at": "2026-12-07T12:00:00+00:00",
            },
        )


def test_a_batch_of_new_signers_costs_the_same_queries_for_10_or_200(
    db, settings, database_tasks, django_assert_num_queries, captured_queries_count
):
    # Set-based: supporters, signatures, consents and ledger rows one INSERT each,
    # whatever the batch holds (the ledger's INSERTs are chunked by 2,000).
    settings.INTAKE_INLINE = False
    petition = make_petition()
    queue_signatures(petition, 10)
    small = captured_queries_count(lambda: intake.process_batch())
    queue_signatures(petition, 200, start=10)
    large = captured_queries_count(lambda: intake.process_batch())
    assert small == large
    assert Signature.objects.count() == 210
    assert Consent.objects.filter(confirmed_at__isnull=True).count() == 210
    assert len(queued_signature_ids()) == 210
    assert set(Signature.objects.values_list("language", flat=True)) == {"en", "ko"}
    assert not Intake.objects.exists()


def test_an_address_twice_in_one_batch_is_one_signature_and_the_second_form_wins(
    db, settings, database_tasks
):
    settings.INTAKE_INLINE = False
    petition = make_petition()
    queue_signatures(petition, 3)
    queue_signatures(petition, 1)  # s0 again, in the same batch
    intake.process_batch()
    assert Signature.objects.count() == 3
    keys = set(
        OutgoingEmail.objects.filter(purpose="signature-confirmation").values_list(
            "idempotency_key", flat=True
        )
    )
    first = Signature.objects.get(supporter__email="s0@example.org")
    # Its first email, and the "you had already signed" one of this hour.
    assert {key for key in keys if key.startswith(f"signature-confirmation:{first.pk}:")} == {
        f"signature-confirmation:{first.pk}:0",
        f"signature-confirmation:{first.pk}:{services.current_round()}",
    }
