"""A crash never strands a confirmation email: the periodic sweep resumes it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from outcry.core.models import OutgoingEmail
from outcry.core.tasks import requeue_stale_emails
from outcry.petitions.services import requeue_stale_confirmations
from outcry.testing import make_petition, post_signature


def later(minutes: int):
    return timezone.now() + timedelta(minutes=minutes)


def test_a_signature_whose_email_was_never_sent_gets_it_from_the_sweep(client, db, settings):
    settings.MAIL_SEND_ON_COMMIT = False  # nothing sends it now, as if no sender ran
    petition = make_petition()
    post_signature(client, petition, email="lost@example.org")
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.QUEUED
    assert not mail.outbox
    settings.MAIL_SEND_ON_COMMIT = True  # where no sender runs, the sweep sends what is due
    requeue_stale_emails(now=later(1))
    assert [m.to for m in mail.outbox] == [["lost@example.org"]]
    requeue_stale_emails(now=later(40))
    assert len(mail.outbox) == 1  # sent: nothing more


def test_an_email_interrupted_mid_send_is_sent_again_once(client, db, run_on_commit):
    petition = make_petition()
    run_on_commit(lambda: post_signature(client, petition, email="cut@example.org"))
    mail.outbox.clear()
    entry = OutgoingEmail.objects.get()
    # Claimed by a sender on a machine that was lost (a sender that restarts
    # settles its own slot's batch at once, from its journal).
    OutgoingEmail.objects.filter(pk=entry.pk).update(
        status=OutgoingEmail.Status.SENDING, claimed_at=timezone.now(), claimed_by="lost/1"
    )
    assert requeue_stale_emails(now=later(5)) == 0  # maybe still sending
    assert not mail.outbox
    requeue_stale_emails(now=later(20))
    requeue_stale_emails(now=later(25))
    assert len(mail.outbox) == 1
    entry.refresh_from_db()
    assert entry.status == OutgoingEmail.Status.SENT


def test_the_time_after_which_a_send_counts_as_interrupted_is_configurable(
    client, db, settings, run_on_commit
):
    settings.CONFIRMATION_STALE_SECONDS = 60  # OUTCRY_CONFIRMATION_STALE_SECONDS
    petition = make_petition()
    run_on_commit(lambda: post_signature(client, petition, email="cut@example.org"))
    claimed_at = timezone.now()
    OutgoingEmail.objects.update(
        status=OutgoingEmail.Status.SENDING, claimed_at=claimed_at, claimed_by="lost/1"
    )
    assert requeue_stale_emails(now=claimed_at + timedelta(seconds=50)) == 0
    assert requeue_stale_emails(now=claimed_at + timedelta(seconds=70)) == 1


def test_run_periodic_once_runs_every_job(client, db):
    petition = make_petition(needs_confirmation=False)
    post_signature(client, petition, email="p@example.org")
    out = StringIO()
    call_command("run_periodic", "--once", stdout=out)
    assert "requeue_stale_confirmations: 0" in out.getvalue()
    assert "requeue_stale_emails: 0" in out.getvalue()
    assert "recount_all_signatures: 1" in out.getvalue()


@pytest.fixture
def database_tasks(settings):
    """Tasks queued as rows in the database, as in production."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.MAIL_SEND_ON_COMMIT = False


def test_a_backlog_of_emails_is_never_duplicated(client, db, database_tasks):
    petition = make_petition()
    for n in range(5):
        post_signature(client, petition, email=f"backlog{n}@example.org")
    assert OutgoingEmail.objects.filter(status=OutgoingEmail.Status.QUEUED).count() == 5
    assert not DBTaskResult.objects.exists()  # one ledger row each, no task
    # Half an hour later the senders have not got to them (a surge): nothing is added.
    assert requeue_stale_confirmations(now=later(30)) == 0
    assert requeue_stale_emails(now=later(30)) == 0
    assert OutgoingEmail.objects.count() == 5


def test_a_task_of_an_earlier_release_a_killed_worker_held_runs_again(client, db, database_tasks):
    from outcry.core.tasks import send_email

    petition = make_petition()
    post_signature(client, petition, email="held@example.org")
    signature = petition.signatures.get()
    OutgoingEmail.objects.all().delete()  # as if signed before the upgrade:
    send_email.enqueue(purpose="signature-confirmation", subject_id=signature.pk)
    held = DBTaskResult.objects.get()
    # A worker took it and was killed: the row stays RUNNING forever.
    DBTaskResult.objects.filter(pk=held.pk).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now()
    )
    assert requeue_stale_emails(now=later(5)) == 0  # it may just be slow
    assert requeue_stale_emails(now=later(20)) == 1
    assert requeue_stale_emails(now=later(25)) == 0  # once
    held.refresh_from_db()
    assert held.status == TaskResultStatus.FAILED
    fresh = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert fresh.args_kwargs["kwargs"]["subject_id"] == signature.pk
    fresh.task.call(*fresh.args_kwargs["args"], **fresh.args_kwargs["kwargs"])
    assert [m.to for m in mail.outbox] == [["held@example.org"]]
