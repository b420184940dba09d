"""enqueue_with_transaction: a task exists exactly when the caller's transaction commits."""

import pytest
from django.db import transaction
from django.tasks import Task, task
from django_tasks_db.models import DBTaskResult, get_date_max

from outcry.core.queue import enqueue_with_transaction, worker_command
from outcry.testing import free_port

RAN: list[int] = []


@task()
def remember(*, number: int) -> None:
    RAN.append(number)


def test_with_tasks_in_the_database_the_row_is_written_inside_the_transaction(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with transaction.atomic():
        enqueue_with_transaction(remember, number=1)
        assert DBTaskResult.objects.count() == 1
    with transaction.atomic():
        enqueue_with_transaction(remember, number=2)
        transaction.set_rollback(True)
    queued = DBTaskResult.objects.values_list("args_kwargs", flat=True)
    assert [row["kwargs"] for row in queued] == [{"number": 1}]


def test_with_another_backend_the_task_waits_for_the_commit(db, django_capture_on_commit_callbacks):
    RAN.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_with_transaction(remember, number=3)
        assert RAN == []
    assert len(callbacks) == 1
    assert RAN == [3]


def test_a_task_queued_inside_a_transaction_is_django_tasks_dbs_own_row(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with transaction.atomic():
        enqueue_with_transaction(remember, number=7)
    row = DBTaskResult.objects.get()
    assert row.task_path == "outcry.core.tests.test_queue.remember"
    assert row.task_result.kwargs == {"number": 7}
    # django-tasks-db's own pre_save handler filled "run at any time".
    assert row.run_after == get_date_max()


RQ = {"default": {"BACKEND": "outcry.core.rq_backend.RQBackend", "QUEUES": ["default"]}}


def test_with_the_queue_in_redis_tasks_are_djangos_own_task_objects(settings):
    settings.TASKS = RQ
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:6379/0"}}
    assert type(task()(remember.func)) is Task  # not the django-tasks backport's


def test_on_redis_a_queue_that_fails_after_the_commit_is_logged_not_raised(
    db, settings, caplog, django_capture_on_commit_callbacks
):
    settings.TASKS = RQ
    settings.RQ_QUEUES = {
        "default": {"URL": f"redis://127.0.0.1:{free_port()}/0?socket_connect_timeout=1"}
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_with_transaction(remember, number=9)
    assert len(callbacks) == 1
    assert "Error calling" in caplog.text and "ConnectionError" in caplog.text


@pytest.mark.parametrize(
    ("tasks", "command"),
    [
        (
            {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
            ["db_worker", "--queue-name", "default"],
        ),
        (RQ, ["rqworker", "--job-class", "django_tasks_rq.Job", "--with-scheduler", "default"]),
        ({"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}, None),
    ],
)
def test_the_worker_serve_starts_is_the_one_of_the_task_backend(settings, tasks, command):
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:6379/0"}}
    settings.TASKS = tasks
    assert worker_command() == command
