"""A worker killed mid-batch: after a restart and a recovery sweep, each letter went exactly once.

The worker is a real ``manage.py db_worker`` process on the test database (a
file for SQLite, see conftest.py; the test database for PostgreSQL), faxing
through the fake InterFax in this process. It is killed with SIGKILL while
InterFax holds a fax it has accepted but not yet answered: that delivery stays
SENDING and its task RUNNING for ever. ``recover_deliveries`` asks InterFax for
the delivery's reference, finds the fax and marks it SENT instead of resending.
"""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from outcry.core.queue import enqueue_with_transaction
from outcry.directory.testing import make_target
from outcry.letters.models import Delivery
from outcry.letters.tasks import deliver_letter
from outcry.letters.testing import PASSWORD, USERNAME
from outcry.letters.tests.delivery_helpers import make_letter, queue_delivery

NUMBERS = [
    "+12024952266",
    "+14156745290",
    "+12128681170",
    "+13124533121",
    "+12135163009",
    "+16175424000",
]


def database_url() -> str:
    """The test database as a DATABASE_URL, for a process started from this test."""
    config = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{config['NAME']}"
    if connection.vendor == "postgresql":
        user = quote(config["USER"] or "", safe="")
        password = f":{quote(config['PASSWORD'], safe='')}" if config["PASSWORD"] else ""
        port = f":{config['PORT']}" if config["PORT"] else ""
        return f"postgres://{user}{password}@{config['HOST']}{port}/{config['NAME']}"
    pytest.skip(f"no DATABASE_URL for {connection.vendor}")


def outcry_env(interfax, tmp_path) -> dict:
    # No REDIS_URL: it would put the task queue in Redis, and db_worker reads the database.
    return {
        **{key: value for key, value in os.environ.items() if key != "REDIS_URL"},
        "DATABASE_URL": database_url(),
        "OUTCRY_VAR_DIR": str(tmp_path / "var"),
        "OUTCRY_FAX_BACKEND": "interfax",
        "OUTCRY_INTERFAX_URL": interfax.url,
        "OUTCRY_INTERFAX_USERNAME": USERNAME,
        "OUTCRY_INTERFAX_PASSWORD": PASSWORD,
        "OUTCRY_FAX_TIMEOUT": "30",
        "OUTCRY_LOG_LEVEL": "WARNING",
    }


def manage(*args: str, env: dict, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def wait_until(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_and_restarted_delivers_each_fax_exactly_once(
    interfax, database_tasks, tmp_path
):
    targets = [make_target(channels={"fax": number}) for number in NUMBERS]
    letter = make_letter(targets=targets)
    deliveries = [queue_delivery(letter=letter, target=t, kind="fax") for t in targets]
    for delivery in deliveries:
        enqueue_with_transaction(deliver_letter, delivery_id=delivery.pk)
    interfax.delay = 1.5  # each fax is held this long after InterFax has it
    env = outcry_env(interfax, tmp_path)

    worker = manage("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1", env=env)
    wait_until(lambda: len(interfax.faxes) >= 2, timeout=90, what="two faxes at InterFax")
    os.kill(worker.pid, signal.SIGKILL)  # while InterFax holds the second fax
    worker.wait(timeout=10)

    caught = Delivery.objects.get(status=Delivery.Status.SENDING)
    assert caught.target.channels.get().value == interfax.faxes[-1].number
    interfax.delay = 0.2
    restarted = manage("db_worker", "--batch", "--no-startup-delay", "--interval", "0.1", env=env)
    output, _ = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, output
    # The killed worker's task stays RUNNING, so nobody sends the caught delivery again...
    assert Delivery.objects.get(pk=caught.pk).status == Delivery.Status.SENDING

    # ...until the recovery sweep, which asks InterFax before anything else.
    sweep = manage("recover_deliveries", "--stale-after", "0", env=env)
    output, _ = sweep.communicate(timeout=60)
    assert sweep.returncode == 0, output
    assert "found: 1" in output

    assert sorted(interfax.numbers()) == sorted(NUMBERS)  # each number exactly once
    for delivery in Delivery.objects.all():
        assert delivery.status == Delivery.Status.SENT, (delivery, delivery.last_error)
        [fax] = [fax for fax in interfax.faxes if fax.reference == delivery.idempotency_key]
        assert delivery.provider_reference == str(fax.id)
        assert "강제 북송" in fax.text()


@pytest.mark.django_db
def test_a_fax_interrupted_before_it_reached_interfax_is_sent_once_by_the_sweep(interfax):
    target = make_target(channels={"fax": NUMBERS[0]})
    delivery = queue_delivery(letter=make_letter(targets=[target]), target=target, kind="fax")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING,
        attempt_count=1,
        claimed_at=timezone.now() - timedelta(hours=1),
    )

    call_command("recover_deliveries", verbosity=0)  # immediate tasks: re-sent at once

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert interfax.numbers() == [NUMBERS[0]]
    call_command("recover_deliveries", verbosity=0)
    assert interfax.numbers() == [NUMBERS[0]]


@pytest.mark.django_db
def test_an_email_interrupted_mid_send_is_marked_for_an_organiser_not_resent(mail_server):
    target = make_target(channels={"email": "embassy@example.net"})
    delivery = queue_delivery(letter=make_letter(targets=[target]), target=target, kind="email")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING,
        attempt_count=1,
        claimed_at=timezone.now() - timedelta(hours=1),
    )

    call_command("recover_deliveries", verbosity=0)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.error_code == Delivery.Error.OUTCOME_UNKNOWN
    assert "Check with the recipient before queueing it again" in delivery.last_error
    assert mail_server.inbox.envelopes == []


@pytest.mark.django_db
def test_a_recent_sending_row_is_left_to_its_worker(interfax):
    target = make_target(channels={"fax": NUMBERS[0]})
    delivery = queue_delivery(letter=make_letter(targets=[target]), target=target, kind="fax")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING, attempt_count=1, claimed_at=timezone.now()
    )

    call_command("recover_deliveries", verbosity=0)

    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENDING
    assert interfax.requests == []


@pytest.mark.django_db
def test_a_queued_delivery_whose_task_was_lost_is_queued_again(mail_server):
    target = make_target(channels={"email": "embassy@example.net"})
    delivery = queue_delivery(letter=make_letter(targets=[target]), target=target, kind="email")
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(hours=1))

    call_command("recover_deliveries", verbosity=0)

    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENT
    assert len(mail_server.inbox.envelopes) == 1
