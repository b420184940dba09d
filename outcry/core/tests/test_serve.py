"""`manage.py serve`: its process counts come from the environment, checked, with safe defaults."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from outcry.core.management.commands import serve as serve_command
from outcry.core.management.commands.serve import Supervisor

ROOT = Path(__file__).resolve().parents[3]


def test_a_malformed_count_stops_serve_with_one_line_naming_the_variable(tmp_path):
    """As an operator sees it: exit code 1 and one line, no traceback, nothing started.

    The database in the fresh var directory is not migrated, so even a serve that
    wrongly accepted the value would stop before starting granian.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OUTCRY_", "DATABASE_URL", "REDIS_URL"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "outcry.settings",
        "OUTCRY_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "test-only-secret",
        "OUTCRY_WEB_WORKERS": "abc",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--port", "8297"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: OUTCRY_WEB_WORKERS must be a whole number; got 'abc'."
    ]


# The other cases in this process (a start-up of manage.py costs three seconds).
MALFORMED = [
    ("OUTCRY_WEB_WORKERS", "0", "OUTCRY_WEB_WORKERS must be at least 1; got 0."),
    ("OUTCRY_WEB_THREADS", "two", "OUTCRY_WEB_THREADS must be a whole number; got 'two'."),
    ("OUTCRY_WEB_THREADS", "1.5", "OUTCRY_WEB_THREADS must be a whole number; got '1.5'."),
    ("OUTCRY_TASK_WORKERS", "-1", "OUTCRY_TASK_WORKERS must be at least 0; got -1."),
    ("OUTCRY_STOP_SECONDS", "1", "OUTCRY_STOP_SECONDS must be at least 2; got 1."),
]


class FinishedProcess:
    """Stands in for subprocess.Popen: records the command, and has already exited."""

    started: list[list[str]] = []
    umasks: list[int] = []

    def __init__(self, args, *_args, **_kwargs) -> None:
        self.started.append(args)
        umask = os.umask(0o077)  # reading the umask means setting it: put it back
        os.umask(umask)
        self.umasks.append(umask)

    def poll(self) -> int:
        return 0

    def wait(self, timeout=None) -> int:
        return 0

    def send_signal(self, signum) -> None:
        pass


@pytest.fixture
def serve(db, monkeypatch):
    """Run serve in this process without starting anything; return (web command, output)."""
    monkeypatch.setattr(subprocess, "Popen", FinishedProcess)
    monkeypatch.setattr(signal, "signal", lambda *_args: None)  # keep pytest's handlers
    # Supervising would start the finished processes again and again.
    monkeypatch.setattr(Supervisor, "run", lambda self: None)
    for name in [
        "OUTCRY_WEB_WORKERS",
        "OUTCRY_WEB_THREADS",
        "OUTCRY_TASK_WORKERS",
        "OUTCRY_STOP_SECONDS",
    ]:
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> tuple[list[str], str]:
        monkeypatch.setattr(FinishedProcess, "started", [])
        monkeypatch.setattr(FinishedProcess, "umasks", [])
        out = io.StringIO()
        umask = os.umask(0o022)
        try:
            call_command("serve", *args, stdout=out)
        finally:
            os.umask(umask)  # serve sets its own; not for the rest of this test run
        web = next(command for command in FinishedProcess.started if "granian" in command)
        return web, out.getvalue()

    return run


@pytest.mark.parametrize(
    ("name", "value", "message"), MALFORMED, ids=[f"{n}={v}" for n, v, _ in MALFORMED]
)
def test_a_malformed_count_is_refused_naming_the_variable(serve, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(CommandError) as refusal:
        serve()
    assert str(refusal.value) == message
    assert FinishedProcess.started == []


def workers_of(web: list[str]) -> int:
    return int(web[web.index("--workers") + 1])


@pytest.mark.parametrize(("cores", "workers"), [(1, 2), (None, 2), (2, 2), (8, 8)])
def test_serve_starts_a_web_worker_per_core_and_at_least_two(serve, monkeypatch, cores, workers):
    monkeypatch.setattr(os, "process_cpu_count", lambda: cores)
    web, output = serve()
    assert workers_of(web) == workers
    assert f"web workers: {workers} x " in output


def test_the_environment_and_the_command_line_set_the_counts(serve, monkeypatch):
    monkeypatch.setattr(os, "process_cpu_count", lambda: 1)
    monkeypatch.setenv("OUTCRY_WEB_WORKERS", "1")
    monkeypatch.setenv("OUTCRY_WEB_THREADS", "3")
    monkeypatch.setenv("OUTCRY_TASK_WORKERS", "0")
    web, output = serve()
    assert workers_of(web) == 1
    assert "web workers: 1 x 3 threads; task workers: 0" in output
    assert not [command for command in FinishedProcess.started if "db_worker" in command]

    web, output = serve("--workers", "5")
    assert workers_of(web) == 5


# Supervision, with small real processes standing in for the site's ----------------------

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_process_that_dies_is_named_in_the_log_and_started_again_after_a_back_off(
    monkeypatch, caplog
):
    monkeypatch.setattr(serve_command, "FIRST_DELAY", 0.2)
    program = serve_command.Program("task worker 1 (db_worker)", SLEEPER)
    supervisor = Supervisor([program], stop_seconds=5)
    supervisor.start_all()
    try:
        first = program.pid
        os.kill(first, signal.SIGKILL)
        program.process.wait()
        supervisor.check()
        assert program.process is None  # waiting out its back-off
        assert (
            f"Task worker 1 (db_worker) (pid {first}) was killed by signal 9 (SIGKILL)"
            in caplog.text
        )
        time.sleep(0.3)
        supervisor.check()
        assert program.pid not in (None, first)
        assert program.restarts == 1

        # Dying again at once: the next wait is twice as long.
        program.process.kill()
        program.process.wait()
        supervisor.check()
        assert program.delay == pytest.approx(0.4)
    finally:
        supervisor.stop()
    assert program.process is None or program.process.poll() is not None


def test_stopping_signals_each_process_once_and_kills_what_will_not_stop(caplog):
    stubborn = serve_command.Program(
        "stubborn",
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(60)",
        ],
    )
    polite = serve_command.Program("polite", SLEEPER)
    supervisor = Supervisor([stubborn, polite], stop_seconds=2)
    supervisor.start_all()
    time.sleep(1)  # let the stubborn one install its handler
    started = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - started < 4
    assert polite.process.returncode == -signal.SIGTERM
    assert stubborn.process.returncode == -signal.SIGKILL
    assert "Stubborn (pid" in caplog.text and "did not stop within 2 s" in caplog.text


@pytest.mark.parametrize(
    ("returncode", "said"),
    [
        (-9, "was killed by signal 9 (SIGKILL)"),
        (-15, "was killed by signal 15 (SIGTERM)"),
        (1, "exited with code 1"),
        (0, "exited with code 0"),
    ],
)
def test_how_a_process_ended_is_said_plainly(returncode, said):
    assert serve_command.how_it_ended(returncode) == said


def test_serve_and_every_process_it_starts_create_files_for_their_owner_alone(serve):
    serve()
    assert FinishedProcess.umasks and set(FinishedProcess.umasks) == {0o077}


def test_a_process_that_cannot_be_started_again_is_tried_later(monkeypatch, caplog):
    monkeypatch.setattr(serve_command, "FIRST_DELAY", 0.1)
    program = serve_command.Program("periodic jobs (run_periodic)", SLEEPER)
    supervisor = Supervisor([program], stop_seconds=5)
    supervisor.start_all()
    try:
        program.process.kill()
        program.process.wait()
        supervisor.check()
        program.command = ["/nonexistent/python"]  # as if the machine were out of processes
        time.sleep(0.2)
        supervisor.check()
        assert program.process is None
        assert "Could not start periodic jobs (run_periodic)" in caplog.text
        assert program.delay == pytest.approx(0.2)
    finally:
        supervisor.stop()


SUPERVISE_A_SLEEPER = """
import sys, time, django
django.setup()
from outcry.core.management.commands.serve import Program, Supervisor
program = Program("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"])
Supervisor([program], stop_seconds=5).start_all()
print(program.pid, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_when_serve_itself_is_killed_what_it_started_stops_too():
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "outcry.settings"}
    supervisor = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, "-c", SUPERVISE_A_SLEEPER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    child = int(supervisor.stdout.readline())
    supervisor.kill()
    supervisor.wait()

    def alive() -> bool:
        try:
            stat = Path(f"/proc/{child}/stat").read_text()
        except OSError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended

    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive():
        os.kill(child, signal.SIGKILL)
        pytest.fail("the process serve started outlived it")
