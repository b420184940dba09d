"""Serve the site with granian, task workers, mail senders and the periodic jobs; keep them running.

``serve`` is a small supervisor. A process that dies (the OOM killer, a bug, a stray
``kill``) is replaced and the rest carry on: granian replaces a web worker itself
(``--respawn-failed-workers``); anything ``serve`` started itself is started again
after a back-off, with a log line naming what died and how. Only SIGINT (Ctrl-C) or
SIGTERM to ``serve`` stops the site, and then gracefully: each process gets one SIGTERM,
web workers finish the requests in hand and task workers the task in hand, and whatever
is still running after OUTCRY_STOP_SECONDS is killed.

The processes run in sessions of their own, so a signal to ``serve``'s process group
(Ctrl-C in a terminal) reaches ``serve`` alone, and each process gets exactly one
signal from it: django-tasks-db's worker takes a second signal as "abandon the task",
and an RQ worker as "kill the job in hand".
"""

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from outcry.core.env import env_int
from outcry.core.queue import worker_command

logger = logging.getLogger("outcry.serve")

# A process that dies is started again after FIRST_DELAY seconds, then twice as long
# each time it dies again soon (a crash loop must not eat the machine), up to MAX_DELAY.
# One that ran for HEALTHY_AFTER seconds before dying starts again from FIRST_DELAY.
FIRST_DELAY = 1.0
MAX_DELAY = 60.0
HEALTHY_AFTER = 60.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Loaded here, not in the child between fork and exec, where little is safe to do.
LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def env_count(name: str, *, default: int, minimum: int) -> int:
    """Read a count from *name*, refusing a malformed one in one line naming it."""
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


def how_it_ended(returncode: int) -> str:
    """'was killed by signal 9 (SIGKILL)' or 'exited with code 1', for the log."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "unknown"
        return f"was killed by signal {-returncode} ({name})"
    return f"exited with code {returncode}"


def _die_with_parent() -> None:
    """In a new child (before exec): receive SIGTERM if serve itself dies.

    Without this, a ``kill -9`` of serve would leave the site running unsupervised,
    holding its port, with no one left to stop it. Linux only; elsewhere a no-op.
    """
    if LIBC is not None:
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Program:
    """One process serve keeps running: what it is called in the log, and how to start it."""

    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    delay: float = 0.0
    restarts: int = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None


@dataclass
class Supervisor:
    """Start the programs, start again any that dies, stop them all on request."""

    programs: list[Program]
    stop_seconds: int
    stopping: bool = False
    parent_pid: int = field(default_factory=os.getpid)

    def start(self, program: Program) -> None:
        def prepare() -> None:
            _die_with_parent()
            if os.getppid() != self.parent_pid:  # serve died before prctl took effect
                os._exit(1)

        program.process = subprocess.Popen(  # noqa: S603 - our own commands, fixed arguments
            program.command,
            start_new_session=True,  # Ctrl-C in the terminal reaches serve alone
            preexec_fn=prepare,  # safe: serve starts no threads
        )
        program.started_at = time.monotonic()

    def start_all(self) -> None:
        for program in self.programs:
            self.start(program)

    def request_stop(self, signum, frame) -> None:
        if self.stopping:
            logger.warning("Already stopping; waiting at most %s s.", self.stop_seconds)
            return
        self.stopping = True
        logger.warning(
            "Received %s: stopping; each process finishes what it is doing (at most %s s).",
            signal.Signals(signum).name,
            self.stop_seconds,
        )

    def check(self) -> None:
        """Restart what died, once its back-off is over; say what died and how."""
        now = time.monotonic()
        for program in self.programs:
            if self.stopping:
                return
            if program.process is None:
                if now >= program.restart_at:
                    try:
                        self.start(program)
                    except OSError as error:  # out of memory or process slots: try later
                        program.delay = min(MAX_DELAY, program.delay * 2)
                        program.restart_at = now + program.delay
                        logger.error(
                            "Could not start %s (%s); trying again in %.0f s.",
                            program.name,
                            error,
                            program.delay,
                        )
                        continue
                    program.restarts += 1
                    logger.warning("Started %s again (pid %s).", program.name, program.pid)
                continue
            returncode = program.process.poll()
            if returncode is None:
                continue
            ran = now - program.started_at
            if ran >= HEALTHY_AFTER or not program.delay:
                program.delay = FIRST_DELAY
            else:
                program.delay = min(MAX_DELAY, program.delay * 2)
            logger.error(
                "%s (pid %s) %s after running %.0f s; starting it again in %.0f s.",
                program.name.capitalize(),
                program.pid,
                how_it_ended(returncode),
                ran,
                program.delay,
            )
            program.process = None
            program.restart_at = now + program.delay

    def run(self) -> None:
        """Supervise until SIGINT or SIGTERM."""
        while not self.stopping:
            self.check()
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM each process once; SIGKILL what still runs after stop_seconds."""
        self.stopping = True
        running = [p for p in self.programs if p.process is not None and p.process.poll() is None]
        for program in running:
            program.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_seconds
        for program in running:
            try:
                program.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.error(
                    "%s (pid %s) did not stop within %s s; killing it.",
                    program.name.capitalize(),
                    program.pid,
                    self.stop_seconds,
                )
                program.process.kill()
                program.process.wait()


class Command(BaseCommand):
    help = (
        "Start the web server (granian, several workers), the task workers and the periodic "
        "jobs, and keep them running: a process that dies is started again."
    )

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
        parser.add_argument(
            "--mail-senders",
            type=int,
            help="Mail sender processes (default OUTCRY_MAIL_SENDERS, else one per two cores).",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        workers: int | None,
        threads: int | None,
        task_workers: int | None,
        mail_senders: int | None,
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
        if mail_senders is None:
            # 0 is allowed: senders may run on other machines (manage.py send_mail).
            mail_senders = settings.MAIL_SENDERS
        stop_seconds = env_count("OUTCRY_STOP_SECONDS", default=30, minimum=2)
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
            # A web worker that dies is replaced by granian at once (a worker dying
            # again within 5.5 s of its replacement stops granian, and serve restarts it).
            "--respawn-failed-workers",
            # On stopping, web workers finish their requests, within serve's time.
            "--workers-kill-timeout", str(stop_seconds - 1),
        ]  # fmt: skip
        programs = [
            Program("web server (granian)", web),
            # Recounts and recovery of stranded work (settings.PERIODIC_JOBS).
            Program("periodic jobs (run_periodic)", [python, "manage.py", "run_periodic"]),
        ]
        # db_worker for tasks in the database, rqworker for tasks in Redis (core.queue).
        worker = worker_command()
        if worker is None:  # tasks run where they are queued: no worker to start
            task_workers = 0
        programs += [
            Program(f"task worker {number} ({worker[0]})", [python, "manage.py", *worker])
            for number in range(1, task_workers + 1)
        ]
        # Signatures acknowledged by the form are written by these, in batches
        # (actions/intake.py); 0 when they run on other machines.
        programs += [
            Program(
                f"intake worker {number} (process_intake)",
                [python, "manage.py", "process_intake"],
            )
            for number in range(1, settings.INTAKE_WORKERS + 1)
        ]
        # Each sender keeps one slot (its journal in var/mail/): one that dies is
        # started again on the same slot and first settles the batch it left. They
        # share OUTCRY_MAIL_RATE (--of: however many were asked for, here or by option).
        programs += [
            Program(
                f"mail sender {number} (send_mail)",
                [
                    python,
                    "manage.py",
                    "send_mail",
                    "--slot",
                    str(number),
                    "--of",
                    str(mail_senders),
                ],
            )
            for number in range(1, mail_senders + 1)
        ]
        supervisor = Supervisor(programs, stop_seconds=stop_seconds)
        signal.signal(signal.SIGINT, supervisor.request_stop)
        signal.signal(signal.SIGTERM, supervisor.request_stop)
        try:
            supervisor.start_all()
            # Say "running" only once the port answers, so the address printed works.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not supervisor.stopping:
                if programs[0].process.poll() is not None:
                    break
                try:
                    socket.create_connection((host, port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)
            if not supervisor.stopping:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"outcry is running at http://{host}:{port}/ "
                        f"(web workers: {workers} x {threads} threads; "
                        f"task workers: {task_workers}; mail senders: {mail_senders}). "
                        "Ctrl-C stops it."
                    )
                )
            supervisor.run()
        finally:
            supervisor.stop()
        logger.warning("Stopped.")
        return None
