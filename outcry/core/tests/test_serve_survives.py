"""`manage.py serve` for real: it outlives its processes, and stops gracefully when told to.

Each test starts ``serve`` as an operator would (a subprocess on a free port, a
migrated SQLite database in a tmp dir, mail to an aiosmtpd server on loopback
through EMAIL_URL) and signs through the real sign form over HTTP, with its CSRF
cookie and token. The processes are found in /proc, killed with real signals, and
the outcome read from the database file and the SMTP server's inbox.

These are the slow tests of the suite (tens of seconds each, most of it Python
starting Django in each process): marked ``slow``, run by ``make test``, left out
with ``-m "not slow"``.
"""

import asyncio
import fcntl
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest

from outcry.testing import Inbox, MailServer, free_port

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds processes in /proc"),
]

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
COOKIE_RE = re.compile(r"csrftoken=([^;]+)")
STOP_SECONDS = 10

# Made once per test run (by whichever xdist worker comes first) and copied per test:
# migrating takes ten seconds or more on a busy machine. The static files (make run
# collects them) are shared.
TEMPLATE_SCRIPT = """
import json, os, sys, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
call_command("collectstatic", verbosity=0, interactive=False)
from outcry.testing import make_petition
petition = make_petition(goal=100000)
print(json.dumps({"petition": petition.slug, "campaign": petition.campaign.slug}))
"""


def clean_env(database: Path) -> dict:
    """The environment of a fresh install, on *database*: nothing of this test run's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OUTCRY_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_"))
    }
    return env | {
        "DJANGO_SETTINGS_MODULE": "outcry.settings",
        "OUTCRY_VAR_DIR": str(database.parent / "var"),
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "test-only-secret",
    }


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory, worker_id) -> tuple[Path, dict]:
    """A migrated SQLite database holding one petition, and the petition's slugs."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent  # the directory all xdist workers share
    database, slugs = shared / "serve-template.sqlite3", shared / "serve-template.json"
    with (shared / "serve-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not slugs.exists():
            made = subprocess.run(  # noqa: S603 - our own script
                [sys.executable, "-c", TEMPLATE_SCRIPT],
                cwd=ROOT,
                env=clean_env(database),
                capture_output=True,
                text=True,
                timeout=300,
                check=True,
            )
            slugs.write_text(made.stdout.strip().splitlines()[-1])
    return database, json.loads(slugs.read_text())


# Processes, as /proc shows them ------------------------------------------------------


def children_of(pid: int) -> list[int]:
    """Live (not zombie) child processes of *pid*."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == pid and state != "Z":
            found.append(int(entry))
    return found


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def is_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s for {what}")


class Site:
    """One `manage.py serve` in its own process group, and what it started."""

    def __init__(self, tmp_path: Path, template: tuple[Path, dict], mail: MailServer, **env):
        template_database, slugs = template
        self.database = tmp_path / "outcry.sqlite3"
        shutil.copy(template_database, self.database)
        (tmp_path / "var").mkdir()
        (tmp_path / "var" / "static").symlink_to(template_database.parent / "var" / "static")
        self.port = free_port()
        self.petition, self.campaign = slugs["petition"], slugs["campaign"]
        self.log_path = tmp_path / "serve.log"
        self.env = clean_env(self.database) | {
            "OUTCRY_BASE_URL": f"http://127.0.0.1:{self.port}",
            "EMAIL_URL": mail.url,
            "OUTCRY_RATELIMIT": "off",
            "OUTCRY_STOP_SECONDS": str(STOP_SECONDS),
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.seen: set[int] = set()

    def start(self) -> None:
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own manage.py
                [sys.executable, "manage.py", "serve", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a process group of its own, as in a terminal
            )
        wait_for(self.answers, timeout=90, what=f"serve to answer\n{self.log()}")

    def answers(self) -> bool:
        assert self.process.poll() is None, f"serve exited\n{self.log()}"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def log(self) -> str:
        return self.log_path.read_text()

    def processes(self) -> dict[str, list[int]]:
        """serve's processes by kind: web (granian's main), web workers, task workers, mail
        senders, periodic, intake workers."""
        kinds: dict[str, list[int]] = {
            "web": [],
            "web workers": [],
            "task": [],
            "sender": [],
            "periodic": [],
            "intake": [],
        }
        for pid in children_of(self.process.pid):
            command = command_of(pid)
            if "granian" in command:
                kinds["web"].append(pid)
                kinds["web workers"] += children_of(pid)
            elif "db_worker" in command or "rqworker" in command:
                kinds["task"].append(pid)
            elif "send_mail" in command:
                kinds["sender"].append(pid)
            elif "run_periodic" in command:
                kinds["periodic"].append(pid)
            elif "process_intake" in command:
                kinds["intake"].append(pid)
        self.seen.update(pid for pids in kinds.values() for pid in pids)
        return kinds

    def query(self, sql: str, *params) -> list[tuple]:
        with sqlite3.connect(self.database, timeout=30) as db:
            return db.execute(sql, params).fetchall()

    def email_statuses(self) -> Counter:
        return Counter(
            dict(self.query("SELECT status, COUNT(*) FROM core_outgoingemail GROUP BY status"))
        )

    def task_statuses(self) -> Counter:
        return Counter(
            dict(
                self.query(
                    "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult "
                    "GROUP BY status"
                )
            )
        )

    def kill_everything(self) -> None:
        """After a failed test: leave nothing running on the shared machine."""
        if self.process is not None and self.process.poll() is None:
            self.processes()
            self.process.kill()
            self.process.wait()
        for pid in self.seen:
            if is_alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def mail_server():
    """A loopback SMTP server, not yet started (a test may give it another inbox first)."""
    server = MailServer()
    yield server
    server.stop()


@pytest.fixture
def site(tmp_path, migrated_template, mail_server):
    made = []

    def make(**env) -> Site:
        made.append(Site(tmp_path, migrated_template, mail_server, **env))
        return made[-1]

    yield make
    for each in made:
        each.kill_everything()


# Supporters signing ------------------------------------------------------------------


class Signer(threading.Thread):
    """One supporter's browser signing again and again, each time with a new address."""

    def __init__(
        self, site: Site, number: int, stop: threading.Event, *, limit=None, pause=0.0
    ) -> None:
        super().__init__(daemon=True)
        self.site, self.number, self.stop, self.limit = site, number, stop, limit
        self.pause = pause  # between signatures, so the test's backlog of mail stays short
        self.acknowledged: list[str] = []
        self.errors: Counter = Counter()
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.site.port, timeout=30)
        try:
            self.connection.request(method, path, body=body, headers=headers or {})
            response = self.connection.getresponse()
            return response, response.read().decode()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = None
            raise

    def run(self) -> None:
        cookie = token = None
        n = tries = 0
        while not self.stop.is_set() and (self.limit is None or tries < self.limit):
            tries += 1
            try:
                if token is None:
                    response, page = self.request("GET", f"/en/c/{self.site.campaign}/")
                    if response.status != 200:
                        self.errors[f"page {response.status}"] += 1
                        continue
                    cookie = COOKIE_RE.search(response.getheader("Set-Cookie", "")).group(1)
                    token = TOKEN_RE.search(page).group(1)
                n += 1
                email = f"s{self.number}-{n}@example.org"
                body = urlencode(
                    {
                        "csrfmiddlewaretoken": token,
                        "name": f"Signer {self.number} {n}",
                        "email": email,
                        "country": "KR",
                        "public_name": "hidden",
                    }
                )
                response, _page = self.request(
                    "POST",
                    f"/en/petitions/{self.site.petition}/sign/",
                    body,
                    {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Cookie": f"csrftoken={cookie}",
                        "Origin": f"http://127.0.0.1:{self.site.port}",
                    },
                )
            except (OSError, http.client.HTTPException) as error:
                # Refused or cut off while a process restarts: not acknowledged.
                self.errors[type(error).__name__] += 1
                time.sleep(0.1)
                continue
            if response.status == 302 and response.getheader("Location", "").endswith("/thanks/"):
                self.acknowledged.append(email)
            else:
                self.errors[f"sign {response.status}"] += 1
            time.sleep(self.pause)


class HoldingInbox(Inbox):
    """An SMTP server that can be told to hold messages for a while in the middle of DATA.

    ``receiving`` is set when a held message has arrived and not yet been answered:
    the sender is then in the middle of sending it.
    """

    def __init__(self, *, hold: float = 0.0) -> None:
        super().__init__()
        self.hold = hold
        self.receiving = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.hold:
            self.receiving.set()
            await asyncio.sleep(self.hold)
        return await super().handle_DATA(server, session, envelope)


def recipients(inbox: Inbox) -> Counter:
    return Counter(address for envelope in inbox.envelopes for address in envelope.rcpt_tos)


# The tests ---------------------------------------------------------------------------


def test_killing_a_web_worker_and_the_mail_sender_loses_nothing_and_the_site_stays_up(
    site, mail_server
):
    mail_server.inbox = HoldingInbox()
    mail_server.start()
    serve = site(
        OUTCRY_WEB_WORKERS="2",
        OUTCRY_TASK_WORKERS="1",
        OUTCRY_MAIL_SENDERS="1",
        # Sweeps every second; a send running for 8 s counts as interrupted.
        OUTCRY_CONFIRMATION_SWEEP_SECONDS="1",
        OUTCRY_CONFIRMATION_STALE_SECONDS="8",
    )
    began = time.monotonic()
    serve.start()
    startup = time.monotonic() - began
    stop = threading.Event()
    signers = [Signer(serve, number, stop, pause=0.1) for number in range(3)]
    for signer in signers:
        signer.start()

    def acknowledged() -> int:
        return sum(len(signer.acknowledged) for signer in signers)

    wait_for(lambda: acknowledged() >= 20, timeout=30, what="signatures")

    # A web worker dies: granian replaces it; the other keeps answering meanwhile.
    before = serve.processes()
    victim = before["web workers"][0]
    os.kill(victim, signal.SIGKILL)
    killed_at = time.monotonic()
    after_kill = acknowledged()
    wait_for(
        lambda: (lambda now: len(now) == 2 and victim not in now)(serve.processes()["web workers"]),
        timeout=30,
        what="granian to replace its web worker",
    )
    web_respawn = time.monotonic() - killed_at
    wait_for(lambda: acknowledged() >= after_kill + 20, timeout=30, what="signing to go on")

    # The mail sender dies in the middle of sending an email: serve starts another,
    # which settles the batch it left from its journal.
    wait_for(lambda: len(mail_server.inbox.envelopes) >= 10, timeout=30, what="mail going out")
    mail_server.inbox.hold = 3
    assert mail_server.inbox.receiving.wait(timeout=30)
    [sender_pid] = serve.processes()["sender"]
    os.kill(sender_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    mail_server.inbox.hold = 0
    sent_at_kill = len(mail_server.inbox.envelopes)
    in_flight = serve.query(
        "SELECT idempotency_key FROM core_outgoingemail WHERE status = 'sending'"
    )
    assert in_flight  # the batch in hand
    wait_for(
        lambda: [pid for pid in serve.processes()["sender"] if pid != sender_pid],
        timeout=30,
        what="serve to start the mail sender again",
    )
    sender_restart = time.monotonic() - killed_at
    time.sleep(1)
    stop.set()
    for signer in signers:
        signer.join(timeout=40)
    wait_for(
        lambda: len(mail_server.inbox.envelopes) > sent_at_kill,
        timeout=60,
        what="mail to go out again",
    )
    mail_resumed = time.monotonic() - killed_at

    signed = [email for signer in signers for email in signer.acknowledged]
    refused = sum((signer.errors for signer in signers), Counter())
    wait_for(
        lambda: set(signed) <= set(recipients(mail_server.inbox)),
        timeout=60,
        what=f"every acknowledged signature's email\n{serve.log()}",
    )
    all_sent = time.monotonic() - killed_at
    # The batch in hand at the kill was settled by the next sender, and went.
    for (key,) in in_flight:
        assert serve.query(
            "SELECT status FROM core_outgoingemail WHERE idempotency_key = ?", key
        ) == [("sent",)]

    assert serve.process.poll() is None, "serve itself is still running"
    assert serve.answers()
    stored = {
        email
        for (email,) in serve.query(
            "SELECT supporter.email FROM petitions_signature signature "
            "JOIN supporters_supporter supporter ON supporter.id = signature.supporter_id"
        )
    }
    assert set(signed) <= stored
    twice = [address for address, times in recipients(mail_server.inbox).items() if times > 1]
    assert len(twice) <= 1, f"only the email in flight at the kill may go twice: {twice}"
    assert (
        f"Mail sender 1 (send_mail) (pid {sender_pid}) was killed by signal 9 (SIGKILL)"
        in serve.log()
    )
    print(  # the figures the report quotes (pytest -s shows them)
        f"\nacknowledged {len(signed)}, not {dict(refused)}, stored {len(stored)}, "
        f"emails {len(mail_server.inbox.envelopes)} to {len(recipients(mail_server.inbox))} "
        f"addresses, twice {len(twice)}; serve answered after {startup:.1f} s; "
        f"web worker replaced in {web_respawn:.1f} s; "
        f"mail sender restarted in {sender_restart:.1f} s, mail flowing again after "
        f"{mail_resumed:.1f} s, every email sent {all_sent:.1f} s after the kill"
    )

    serve.process.send_signal(signal.SIGTERM)
    serve.process.wait(timeout=STOP_SECONDS + 5)
    assert not [pid for pid in serve.seen if is_alive(pid)]
    assert serve.task_statuses()["FAILED"] == 0
    assert serve.email_statuses()["failed"] == 0


@pytest.mark.parametrize("how", ["SIGTERM to serve", "SIGINT to its process group"])
def test_stopping_serve_lets_the_email_in_hand_finish_and_fails_nothing(site, mail_server, how):
    mail_server.inbox = HoldingInbox(hold=2)
    mail_server.start()
    serve = site(OUTCRY_WEB_WORKERS="1", OUTCRY_TASK_WORKERS="1", OUTCRY_MAIL_SENDERS="1")
    serve.start()
    stop = threading.Event()
    signer = Signer(serve, 0, stop, limit=3)
    signer.run()
    assert len(signer.acknowledged) == 3, signer.errors
    assert mail_server.inbox.receiving.wait(timeout=30), "the sender is sending an email"
    processes = serve.processes()
    assert all(processes.values()), processes

    if how == "SIGTERM to serve":
        serve.process.send_signal(signal.SIGTERM)
    else:  # Ctrl-C in a terminal; a service manager stopping a process group
        os.killpg(serve.process.pid, signal.SIGINT)
    asked_at = time.monotonic()
    serve.process.wait(timeout=STOP_SECONDS + 5)
    took = time.monotonic() - asked_at

    assert serve.process.returncode == 0
    assert took <= STOP_SECONDS
    assert not [pid for pid in serve.seen if is_alive(pid)], "every process has exited"
    statuses = serve.email_statuses()
    assert statuses["failed"] == 0, serve.log()
    assert statuses["sending"] == 0
    assert statuses["sent"] >= 1  # the email in hand went out...
    assert len(mail_server.inbox.envelopes) == statuses["sent"]
    assert statuses["queued"] == 3 - statuses["sent"]  # ...the rest wait for the next start
    print(f"\n{how}: every process stopped in {took:.1f} s; emails {dict(statuses)}")
