"""Serve the site with granian and run one task worker beside it."""

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = "Start the web server (granian, several workers) and a task worker together."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("OUTCRY_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("OUTCRY_WEB_WORKERS", os.cpu_count() or 1)),
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
            default=int(
                os.environ.get("OUTCRY_WEB_THREADS", 1 if connection.vendor == "sqlite" else 2)
            ),
            help="Threads running Django in each web worker (default 1 on SQLite, else 2).",
        )
        parser.add_argument(
            "--task-workers", type=int, default=int(os.environ.get("OUTCRY_TASK_WORKERS", 1))
        )

    def handle(
        self, *args, host: str, port: int, workers: int, threads: int, task_workers: int, **options
    ):
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
