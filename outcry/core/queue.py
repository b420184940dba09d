"""Queue background work so it exists exactly when the caller's transaction commits."""

from functools import partial

from django.db import router, transaction
from django.tasks import Task
from django_tasks_db import DatabaseBackend


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
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    if isinstance(backend, DatabaseBackend) and router.db_for_write(DBTaskResult) == using:
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(partial(task.enqueue, **kwargs), using=using)
