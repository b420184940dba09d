"""The task backend for a queue in Redis: django-tasks-rq's, making Django's own Task objects."""

from django.tasks import Task
from django_tasks_rq import RQBackend as BaseRQBackend


class RQBackend(BaseRQBackend):
    """django-tasks-rq's backend, whose ``@task`` functions are Django's own Task objects.

    django-tasks-rq is built on the django-tasks backport, so its backend names the
    backport's Task class, and Django's ``@task`` makes whatever class the default
    backend names. With the queue in Redis every task would then be a backport Task,
    which django-tasks-db (the database backend, in tests and ``db_worker``) refuses
    ("does not point to a Task"). django-tasks-rq's job class runs either kind.
    """

    task_class = Task
