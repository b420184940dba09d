"""Queue background work so it exists exactly when the caller's transaction commits."""

import logging
from datetime import datetime
from functools import partial

from django.db import router, transaction
from django.tasks import Task, TaskResultStatus
from django.utils import timezone
from django.utils.json import normalize_json
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from outcry.core import rows

logger = logging.getLogger("django.tasks")


def enqueue_with_transaction(task: Task, *, using: str = "default", **kwargs) -> None:
    """Queue *task* with *kwargs* as part of the current transaction on *using*.

    When tasks are rows in that same database (django-tasks-db, the default), the
    row is written inside the transaction: it commits or rolls back with the
    caller's rows, so a worker never sees work for a rolled-back action, and a
    process dying just after the commit cannot drop the task (as it could between
    a commit and an ``on_commit`` callback). It also saves a second write
    transaction per action, which is most of the cost on SQLite.

    Any other backend (Redis, or the immediate backend in tests) is queued by
    ``transaction.on_commit``, so nothing is queued for a rolled-back action.
    Outside a transaction both paths queue at once.
    """
    backend = task.get_backend()
    if isinstance(backend, DatabaseBackend) and router.db_for_write(DBTaskResult) == using:
        _insert_task_row(backend, task, kwargs)
    else:
        transaction.on_commit(partial(task.enqueue, **kwargs), using=using)


def _insert_task_row(backend: DatabaseBackend, task: Task, kwargs: dict) -> None:
    """Write the row ``backend.enqueue(task, (), kwargs)`` writes, for a third of the CPU.

    The backend's own enqueue saves through the ORM and then builds a
    TaskResult twice only to send the ``task_enqueued`` signal, whose one
    receiver in Django writes a DEBUG log line; on the signing path that was a
    sixth of a signature's cost. The row is the same (the same fields as
    django-tasks-db's ``_task_to_db_task``, its pre_save handler still filling
    ``run_after``), so its db_worker runs it like any other; the signal is not
    sent and the log line comes from here.
    """
    backend.validate_task(task)
    row = DBTaskResult(
        id=backend._get_id(),
        args_kwargs=normalize_json({"args": [], "kwargs": kwargs}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after,
        backend_name=backend.alias,
    )
    rows.insert(row)
    logger.debug("Task id=%s path=%s enqueued backend=%s", row.id, task.module_path, backend.alias)


def uses_database_queue(task: Task) -> bool:
    """Whether *task* is queued as rows in this database (django-tasks-db)."""
    return isinstance(task.get_backend(), DatabaseBackend)


def requeue_abandoned(task: Task, *, started_before: datetime) -> int:
    """Queue again every run of *task* a worker took and never finished; return how many.

    A worker killed mid-task leaves its row RUNNING forever, and django-tasks-db
    never hands it out again. Such a row (started before *started_before*, long
    past any honest run time) is marked FAILED and a fresh copy queued with the
    same arguments. Only for the database backend; tasks must be idempotent,
    since a worker that was merely slow may still finish the old one.
    """
    requeued = 0
    abandoned = DBTaskResult.objects.filter(
        task_path=task.module_path,
        status=TaskResultStatus.RUNNING,
        started_at__lt=started_before,
    )
    for row in abandoned:
        taken = DBTaskResult.objects.filter(pk=row.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED, finished_at=timezone.now()
        )
        if taken:
            task.enqueue(*row.args_kwargs.get("args", []), **row.args_kwargs.get("kwargs", {}))
            requeued += 1
    return requeued
