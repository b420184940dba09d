"""The intake's own rules: a batch that fails is taken row by row, a row that fails
alone is kept for an operator, and the command says so."""

import io
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from outcry.actions import intake
from outcry.actions.models import Intake
from outcry.core.models import OutgoingEmail
from outcry.petitions import services
from outcry.petitions.models import Signature
from outcry.testing import make_petition


def payload(petition, email: str) -> dict:
    return {
        "petition": petition.pk,
        "email": email,
        "name": "Min",
        "country": "KR",
        "postcode": "",
        "comment": "",
        "public_name": Signature.PublicName.HIDDEN,
        "language": "en",
        "consents": [],
        "flag": "",
        "flag_detail": "",
        "signed_at": "2026-12-07T12:00:00+00:00",
    }


def run(*arguments: str) -> str:
    out = io.StringIO()
    call_command("process_intake", *arguments, stdout=out)
    return out.getvalue()


@pytest.fixture
def worker_mode(settings):
    settings.INTAKE_INLINE = False


def test_a_row_that_fails_alone_is_kept_and_the_rest_of_its_batch_is_written(db, worker_mode):
    petition = make_petition()
    intake.submit(services.SIGNATURE_INTAKE, payload(petition, "first@example.org"))
    broken = payload(petition, "broken@example.org")
    del broken["signed_at"]  # as if written by a release that named it otherwise
    Intake.objects.create(kind=services.SIGNATURE_INTAKE, payload=broken)
    intake.submit(services.SIGNATURE_INTAKE, payload(petition, "last@example.org"))

    assert "Processed 2 actions." in run("--once")
    assert sorted(Signature.objects.values_list("supporter__email", flat=True)) == [
        "first@example.org",
        "last@example.org",
    ]
    [kept] = Intake.objects.all()
    assert kept.payload["email"] == "broken@example.org"
    assert kept.failed_at is not None
    assert "KeyError" in kept.error
    report = run("--report")
    assert "waiting: 0\nfailed: 1\n" in report
    assert "KeyError: 'signed_at'" in report

    # Fixed (here: the field put back), it is queued again and written.
    Intake.objects.filter(pk=kept.pk).update(payload=payload(petition, "broken@example.org"))
    assert "1 failed actions queued again." in run("--retry-failed")
    run("--once")
    assert Signature.objects.count() == 3
    assert not Intake.objects.exists()


def test_an_unknown_kind_is_refused_when_submitted_and_kept_when_found(db, worker_mode):
    with pytest.raises(LookupError):
        intake.submit("nobody.registered", {})
    Intake.objects.create(kind="nobody.registered", payload={})
    run("--once")
    [kept] = Intake.objects.all()
    assert "No intake processor for 'nobody.registered'" in kept.error


def test_a_signature_for_a_petition_deleted_meanwhile_is_dropped_quietly(db, worker_mode):
    petition = make_petition()
    intake.submit(services.SIGNATURE_INTAKE, payload(petition, "min@example.org"))
    petition.delete()
    assert "Processed 1 actions." in run("--once")
    assert not Intake.objects.exists()
    assert not Signature.objects.exists()


def test_two_workers_at_once_write_each_signature_once(transactional_db, settings):
    # Several workers may run (OUTCRY_INTAKE_WORKERS, or machines of their own): on
    # PostgreSQL each claims rows the others have not locked (SKIP LOCKED); on SQLite
    # they take turns on the write lock. Either way each row is written once.
    settings.INTAKE_INLINE = False
    petition = make_petition()
    for n in range(600):
        intake.submit(services.SIGNATURE_INTAKE, payload(petition, f"s{n}@example.org"))
    # Some addresses again, so that the one-at-a-time path runs in both workers too.
    for n in range(0, 600, 50):
        intake.submit(services.SIGNATURE_INTAKE, payload(petition, f"S{n}@Example.org"))
    done: list[int] = []

    def worker() -> None:
        try:
            while written := intake.process_batch(limit=40):
                done.append(written)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(done) == 612
    assert not Intake.objects.exists()
    assert Signature.objects.count() == 600
    keys = list(OutgoingEmail.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys))
    first_emails = [key for key in keys if key.endswith(":0")]
    assert len(first_emails) == 600
    # Each address given twice got one "you had already signed" email (this hour's round).
    assert len(keys) - len(first_emails) == 12


def test_a_failed_row_is_forgotten_after_the_retention_period_and_a_waiting_one_never(
    db, worker_mode, settings
):
    # What a stranger typed (no supporter row) is kept no longer than supporters' data.
    settings.RETENTION_DAYS = 30
    petition = make_petition()
    now = timezone.now()
    old = Intake.objects.create(
        kind="nobody.registered", payload={}, failed_at=now - timedelta(days=31), error="x"
    )
    recent = Intake.objects.create(
        kind="nobody.registered", payload={}, failed_at=now - timedelta(days=29), error="x"
    )
    intake.submit(services.SIGNATURE_INTAKE, payload(petition, "waiting@example.org"))
    Intake.objects.filter(failed_at__isnull=True).update(created_at=now - timedelta(days=90))
    call_command("run_periodic", "--once", stdout=io.StringIO())
    assert not Intake.objects.filter(pk=old.pk).exists()
    assert Intake.objects.filter(pk=recent.pk).exists()
    assert Intake.objects.filter(failed_at__isnull=True).count() == 1
    settings.RETENTION_DAYS = 0
    assert intake.forget_failed(now=now + timedelta(days=400)) == 0
