"""Queue background work so it exists exactly when the caller's transaction commits.

Tasks go through Django's Tasks API to the backend settings.TASKS names: rows in the
database (django-tasks-db, run by ``manage.py db_worker``) by default, or an RQ queue in
Redis (django-tasks-rq, run by ``manage.py rqworker``) where REDIS_URL is set.
"""

from datetime import datetime
from functools import partial

from django.db import router, transaction
from django.tasks import Task, TaskResultStatus, task_backends
from django.utils import timezone
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from django_tasks_rq import RQBackend


def enqueue_with_transaction(task: Task, *, using: str = "default", **kwargs) -> None:
    """Queue *task* with *kwargs* as part of the current transaction on *using*.

    When tasks are rows in that same database (django-tasks-db, the default), the
    task is queued at once: its backend writes the row with one ORM ``create`` on
    the connection of *using*, so inside the caller's transaction it commits or
    rolls back with the caller's rows. A worker never sees work for a rolled-back
    action, and a process dying just after the commit cannot drop the task (as it
    could between a commit and an ``on_commit`` callback).

    Any other backend (RQ on Redis, or the immediate backend in tests) is queued
    by ``transaction.on_commit``, so nothing is queued for a rolled-back action.
    On RQ, a Redis that fails between the commit and the callback loses the task:
    the error is logged, not raised, so the caller's committed action is not
    answered with an error page, and the sweeps that read the rows
    (settings.PERIODIC_JOBS) queue the work again. Outside a transaction both
    paths queue at once.
    """
    if uses_database_queue(task) and router.db_for_write(DBTaskResult) == using:
        task.enqueue(**kwargs)
    else:
        robust = isinstance(task.get_backend(), RQBackend)
        transaction.on_commit(partial(task.enqueue, **kwargs), using=using, robust=robust)


def worker_command() -> list[str] | None:
    """The ``manage.py`` command that runs the tasks of the default backend and queue.

    None where no worker is needed (the immediate backend runs a task when it is
    queued). An RQ worker runs each job in a fresh child process, with RQ's job
    class for Django tasks, and also moves deferred tasks (retries, scheduled
    deliveries) to the queue when they fall due (--with-scheduler: with several
    workers, one at a time does it).
    """
    backend = task_backends["default"]
    if isinstance(backend, DatabaseBackend):
        return ["db_worker", "--queue-name", "default"]
    if isinstance(backend, RQBackend):
        return ["rqworker", "--job-class", "django_tasks_rq.Job", "--with-scheduler", "default"]
    return None


def uses_database_queue(task: Task) -> bool:
    """Whether *task* is queued as rows in this database (django-tasks-db).

    If not (RQ on Redis), the queue cannot be asked which work is waiting: the
    sweeps find lost work from outcry's own rows instead.
    """
    return isinstance(task.get_backend(), DatabaseBackend)


def requeue_abandoned(task: Task, *, started_before: datetime) -> int:
    """Queue again every run of *task* a worker took and never finished; return how many.

    A worker killed mid-task leaves its row RUNNING forever, and django-tasks-db
    never hands it out again. Such a row (started before *started_before*, long
    past any honest run time) is marked FAILED and a fresh copy queued with the
    same arguments. Tasks must be idempotent, since a worker that was merely
    slow may still finish the old one.

    Only for the database backend; with any other it does nothing and returns 0.
    On RQ a killed worker's job stays in RQ's registry of started jobs until the
    worker's heartbeat lapses; the next worker to clean the registries then moves
    it to RQ's registry of failed jobs (as rq.exceptions.AbandonedJobError), where
    ``manage.py rqstats`` shows it, and never runs it again. The work is not lost:
    each task's rows say what is left to do, and the sweeps that read them queue it
    again (core.tasks.requeue_stale_emails, petitions' requeue_stale_confirmations,
    letters' recover_deliveries).
    """
    if not uses_database_queue(task):
        return 0
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
