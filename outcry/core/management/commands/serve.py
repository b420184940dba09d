"""Serve the site with granian and run one task worker beside it."""

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from outcry.core.env import env_int


def env_count(name: str, *, default: int, minimum: int) -> int:
    """Read a process count from *name*, refusing a malformed one in one line naming it."""
    try:
        return env_int(name, default=default, minimum=minimum)
    except ImproperlyConfigured as error:
        raise CommandError(str(error)) from None


def default_web_workers() -> int:
    """One web worker per core this process may use, and never fewer than two.

    With a single worker, one slow request (a big export, a stuck database query)
    would hold up everyone else's page until it finished.
    """
    return max(2, os.process_cpu_count() or 1)


class Command(BaseCommand):
    help = "Start the web server (granian, several workers) and a task worker together."

    def add_arguments(self, parser) -> None:
        # The defaults come from the environment in handle(), so a malformed variable
        # is reported as a CommandError (one line) rather than a traceback.
        parser.add_argument("--host", default=os.environ.get("OUTCRY_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument(
            "--workers",
            type=int,
            help="granian worker processes (default OUTCRY_WEB_WORKERS, else one per core, "
            "at least 2).",
        )
        # Threads running Django in each web worker. On SQLite one: writers take
        # turns on the database, and a second thread in the same process makes the
        # one holding the write lock wait for the GIL, so everyone waits (bench/:
        # 2 workers x 1 thread took 515-550 signatures/s, x 2 threads 430-450).
        # On PostgreSQL two, so one thread runs Python while the other waits
        # for the database (x 1: 470, x 2: 505, x 4: 465).
        parser.add_argument(
            "--threads",
            type=int,
            help="Threads running Django in each web worker (default OUTCRY_WEB_THREADS, "
            "else 1 on SQLite, 2 otherwise).",
        )
        parser.add_argument(
            "--task-workers",
            type=int,
            help="Task worker processes (default OUTCRY_TASK_WORKERS, else 1).",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        workers: int | None,
        threads: int | None,
        task_workers: int | None,
        **options,
    ):
        # Files the server and its workers create (the database, its WAL, mail in
        # the outbox, logs) are the operator's alone: they hold supporters' data.
        os.umask(0o077)
        if workers is None:
            workers = env_count("OUTCRY_WEB_WORKERS", default=default_web_workers(), minimum=1)
        if threads is None:
            threads = env_count(
                "OUTCRY_WEB_THREADS",
                default=1 if connection.vendor == "sqlite" else 2,
                minimum=1,
            )
        if task_workers is None:
            # 0 is allowed: the task workers may run on other machines.
            task_workers = env_count("OUTCRY_TASK_WORKERS", default=1, minimum=0)
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError(
                "The database is not up to date: run `python manage.py migrate` first."
            )
        python = sys.executable
        web = [
            python, "-m", "granian", "--interface", "wsgi", "--host", host, "--port", str(port),
            "--workers", str(workers), "--blocking-threads", str(threads), "--no-ws",
            "--log-level", "warning", "outcry.wsgi:application",
        ]  # fmt: skip
        worker = [python, "manage.py", "db_worker", "--queue-name", "default"]
        # Recounts and recovery of stranded work (settings.PERIODIC_JOBS).
        periodic = [python, "manage.py", "run_periodic"]
        processes = [subprocess.Popen(web), subprocess.Popen(periodic)]  # noqa: S603
        processes += [subprocess.Popen(worker) for _ in range(task_workers)]  # noqa: S603
        # Say "running" only once the port answers, so the address printed works.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and processes[0].poll() is None:
            try:
                socket.create_connection((host, port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        self.stdout.write(
            self.style.SUCCESS(
                f"outcry is running at http://{host}:{port}/ "
                f"(web workers: {workers} x {threads} threads; task workers: {task_workers}). "
                "Ctrl-C stops it."
            )
        )

        def stop(signum, frame):
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        finally:
            stop(None, None)
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        return None
