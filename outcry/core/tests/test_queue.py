"""enqueue_with_transaction: a task exists exactly when the caller's transaction commits."""

from django.db import transaction
from django.tasks import task
from django_tasks_db.models import DBTaskResult, get_date_max

from outcry.core.queue import enqueue_with_transaction

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


def test_a_task_queued_inside_a_transaction_is_the_row_django_tasks_db_writes(db, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    with transaction.atomic():
        enqueue_with_transaction(remember, number=7)
    ours = DBTaskResult.objects.get()
    theirs = remember.enqueue(number=7).db_result
    theirs.refresh_from_db()
    for field in ("status", "args_kwargs", "priority", "task_path", "queue_name", "backend_name"):
        assert getattr(ours, field) == getattr(theirs, field), field
    # django-tasks-db's own pre_save handler filled "run at any time".
    assert ours.run_after == theirs.run_after == get_date_max()
    assert ours.task_result.kwargs == {"number": 7}
