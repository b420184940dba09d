"""Letters on the task queue in Redis (django-tasks-rq): queued on commit, run by a real worker.

The writer composes a letter to an embassy by email and confirms it through the link
mailed to them, over HTTP; confirming queues the delivery task. Inside a transaction
that rolls back nothing reaches the queue; once the confirmation commits, a real
``manage.py rqworker --burst`` process (the command ``serve`` starts) sends the letter
to a real SMTP server on loopback.

Run with PostgreSQL and Redis (``make test-postgres``): the worker is another process,
so it must see the rows this test commits, in the PostgreSQL test database. The queue
itself is on a redis-server of the test's own: RQ's keys have no prefix, and tests run in
parallel (xdist, or others on this machine) sharing REDIS_URL would take each other's jobs.
"""

import os
from urllib.parse import urlsplit

import django_rq
import pytest
from django.db import connection, transaction
from django.urls import reverse

from outcry.core.queue import worker_command
from outcry.core.tests.test_outage import REDIS_SERVER, OwnRedis
from outcry.directory.testing import make_target
from outcry.letters import confirmation
from outcry.letters.models import Delivery, Letter
from outcry.letters.tests.test_worker_crash import database_url, manage
from outcry.testing import letter_form, make_letter_action

EMBASSY = "chinaemb_us@mfa.gov.cn"

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="the task queue is in Redis only where REDIS_URL is set (make test-postgres)",
    ),
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server on PATH"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def rq_queue(settings, tmp_path):
    """Tasks go to an RQ queue on a redis-server of this test's own."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process must see this test's rows: needs DATABASE_URL=postgres")
    redis = OwnRedis(tmp_path)
    redis.start()
    settings.RQ_QUEUES = {"default": {"URL": redis.url}}
    settings.TASKS = {
        "default": {"BACKEND": "outcry.core.rq_backend.RQBackend", "QUEUES": ["default"]}
    }
    yield redis
    redis.stop()


@pytest.fixture
def letter_waiting(client, mail_server):
    """A letter to the embassy by email, composed over HTTP, waiting for its writer's link."""
    embassy = make_target(channels={"email": EMBASSY})
    action = make_letter_action(selection="choose", targets=[embassy], campaign=None)
    url = reverse("letters:compose", args=[action.slug])
    response = client.post(url, letter_form(action, targets=[embassy]), REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302
    letter = Letter.objects.get()
    assert letter.deliveries.get().status == Delivery.Status.UNCONFIRMED
    [link] = [
        urlsplit(word).path
        for message in mail_server.inbox.messages()
        for word in message.get_body(("plain",)).get_content().split()
        if "/confirm/" in word
    ]
    return letter, link


def run_worker(redis: OwnRedis, tmp_path) -> str:
    """Run ``serve``'s task worker until the queue is empty (--burst); return its output."""
    env = {
        **os.environ,  # EMAIL_URL: the test's SMTP server (the mail_server fixture)
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis.url,
        "OUTCRY_VAR_DIR": str(tmp_path / "var"),
    }
    worker = manage(*worker_command(), "--burst", env=env)
    output, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, output
    return output


def test_a_letter_confirmed_in_a_transaction_that_rolls_back_queues_no_task(
    rq_queue, letter_waiting, mail_server, tmp_path
):
    letter, link = letter_waiting
    code = link.rstrip("/").rsplit("/", 1)[-1]

    with transaction.atomic():
        confirmation.confirm_letter(code=code)
        assert letter.deliveries.get().status == Delivery.Status.QUEUED
        transaction.set_rollback(True)

    assert django_rq.get_queue("default").count == 0
    run_worker(rq_queue, tmp_path)
    assert letter.deliveries.get().status == Delivery.Status.UNCONFIRMED
    assert not [e for e in mail_server.inbox.envelopes if EMBASSY in e.rcpt_tos]


def test_a_letter_confirmed_over_http_is_delivered_by_a_real_rq_worker(
    client, rq_queue, letter_waiting, mail_server, tmp_path
):
    letter, link = letter_waiting

    response = client.post(link)  # the writer presses "Send my letter"

    assert response.status_code in (200, 302)
    delivery = letter.deliveries.get()
    assert delivery.status == Delivery.Status.QUEUED
    assert django_rq.get_queue("default").count == 1
    assert not [e for e in mail_server.inbox.envelopes if EMBASSY in e.rcpt_tos]

    run_worker(rq_queue, tmp_path)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (Delivery.Status.SENT, 1)
    [letter_sent] = [e for e in mail_server.inbox.envelopes if EMBASSY in e.rcpt_tos]
    assert letter_sent.rcpt_tos == [EMBASSY]
    assert django_rq.get_queue("default").count == 0
