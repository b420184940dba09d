"""A Redis that goes away for ten seconds under load: 503 pages, then recovery by itself.

The test starts its own ``redis-server`` on a free port (never the machine's shared
6379) and the whole site with ``manage.py serve`` against it and a SQLite database in
a tmp dir (the ``Site`` of test_serve_survives). Supporters sign in English and in
Korean through the real form while Redis is stopped and started again. Every answer
in the outage must be the 503 page in the language of the URL, never a 500 or a
traceback; afterwards the site must answer and take signatures again without a
restart, and every signature that got its thank-you redirect must be in the database.
"""

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest

from outcry.core.tests.test_serve_survives import (  # noqa: F401 - fixtures used below
    COOKIE_RE,
    ROOT,
    TOKEN_RE,
    clean_env,
    mail_server,
    migrated_template,
    site,
    wait_for,
)
from outcry.testing import free_port

REDIS_SERVER = shutil.which("redis-server")
# The newest PostgreSQL installed the Debian way, for initdb and pg_ctl.
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin/"), default=None, key=lambda p: p.parent.name)
OUTAGE_SECONDS = 10

pytestmark = [pytest.mark.slow]

# The log line of a 503, with the process that wrote it (settings.LOGGING's format).
OUTAGE_LINE_RE = re.compile(r"\[(\d+)\]: Database or Redis unreachable, answering 503")
SIGN_NOT_SAVED = {"en": "was not saved", "ko": "저장되지 않았습니다"}
PAGE_503 = {
    "en": "The site is overloaded or under maintenance",
    "ko": "사이트에 사용자가 많거나 점검 중입니다",
}


class OwnRedis:
    """A redis-server of this test's own, on a free port, with nothing saved to disk."""

    def __init__(self, directory) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command
            [
                REDIS_SERVER,
                *("--bind", "127.0.0.1", "--port", str(self.port)),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=10, what="redis-server to answer")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    if REDIS_SERVER is None:
        pytest.skip("needs redis-server on PATH")
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


class OwnPostgres:
    """A PostgreSQL cluster of this test's own (initdb into a tmp dir) on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        # Not under pytest's tmp dir: its parents are private to the user running pytest,
        # and PostgreSQL refuses to run as root, so runs as the postgres user then.
        self.directory = Path(tempfile.mkdtemp(prefix="outcry-outage-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/outcry"

    def run(self, tool: str, *args: str) -> None:
        subprocess.run(  # noqa: S603 - PostgreSQL's own tools
            [*self.as_user, str(PG_BIN / tool), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def create(self) -> None:
        data = str(self.directory / "data")
        self.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync")
        self.start()
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "outcry")

    def start(self) -> None:
        # fsync off to migrate quickly: it only matters if the machine itself crashes,
        # which this test does not do (an immediate stop still keeps every commit).
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        data, log = str(self.directory / "data"), str(self.directory / "log")
        self.run("pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        # Immediate: like a crash of PostgreSQL, connections cut, recovery from WAL after.
        self.run("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        if (self.directory / "data" / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def own_postgres():
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        pytest.skip("needs PostgreSQL's initdb and pg_ctl in /usr/lib/postgresql/*/bin")
    postgres = OwnPostgres()
    try:
        postgres.create()
        yield postgres
    finally:
        postgres.remove()


MIGRATE_SCRIPT = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from outcry.testing import make_petition
petition = make_petition(goal=100000)
print(json.dumps({"petition": petition.slug, "campaign": petition.campaign.slug}))
"""


class Supporter(threading.Thread):
    """Opens the campaign page and signs, again and again, in one language; keeps every answer."""

    def __init__(self, serve, number: int, language: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.serve, self.number, self.language, self.stop = serve, number, language, stop
        self.acknowledged: list[str] = []
        self.answers: list[tuple[float, str, int, str]] = []  # (when, what, status, body)

    def request(self, method: str, path: str, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.serve.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read().decode()
        finally:
            connection.close()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            response, page = self.request("GET", f"/{self.language}/c/{self.serve.campaign}/")
            self.answers.append((time.monotonic(), "page", response.status, page))
            if response.status != 200:
                time.sleep(0.2)
                continue
            cookie = COOKIE_RE.search(response.getheader("Set-Cookie", "")).group(1)
            email = f"s{self.number}-{n}@example.org"
            body = urlencode(
                {
                    "csrfmiddlewaretoken": TOKEN_RE.search(page).group(1),
                    "name": f"Signer {self.number} {n}",
                    "email": email,
                    "country": "KR",
                    "public_name": "hidden",
                }
            )
            response, page = self.request(
                "POST",
                f"/{self.language}/petitions/{self.serve.petition}/sign/",
                body,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={cookie}",
                    "Origin": f"http://127.0.0.1:{self.serve.port}",
                },
            )
            self.answers.append((time.monotonic(), "sign", response.status, page))
            if response.status == 302 and response.getheader("Location", "").endswith("/thanks/"):
                self.acknowledged.append(email)
            time.sleep(0.05)


def run_an_outage(serve, stop_service, start_service) -> tuple[list[Supporter], float, float]:
    """Sign from four supporters (two in English, two in Korean), stop the service for
    OUTAGE_SECONDS and start it again; return the supporters and when it stopped and
    came back."""
    stop = threading.Event()
    supporters = [Supporter(serve, n, ("en", "ko")[n % 2], stop) for n in range(4)]
    for supporter in supporters:
        supporter.start()

    def acknowledged() -> int:
        return sum(len(supporter.acknowledged) for supporter in supporters)

    wait_for(lambda: acknowledged() >= 20, timeout=60, what="signatures before the outage")
    stopped_at = time.monotonic()  # before: requests fail while pg_ctl waits for the stop
    stop_service()
    time.sleep(OUTAGE_SECONDS)
    start_service()
    restarted_at = time.monotonic()
    during = acknowledged()
    wait_for(lambda: acknowledged() >= during + 20, timeout=60, what="signing to resume")
    stop.set()
    for supporter in supporters:
        supporter.join(timeout=40)
    return supporters, stopped_at, restarted_at


def check_the_answers(
    supporters, stopped_at: float, restarted_at: float, stored: set, log: str
) -> str:
    """Assert 503 pages in the right language during the outage, none of them a 500 or a
    traceback, signing again after it, every acknowledged signature among *stored*, and
    the outage in serve's *log* once per web worker; return the figures for the test's output."""
    statuses: Counter = Counter()
    first_503 = recovered = None
    for supporter in supporters:
        for when, what, status, body in supporter.answers:
            statuses[what, status] += 1
            assert status != 500 and "Traceback" not in body, (what, status, body[:300])
            if status == 503:
                assert PAGE_503[supporter.language] in body, body[:300]
                if what == "sign":
                    assert SIGN_NOT_SAVED[supporter.language] in body, body[:300]
                first_503 = min(first_503 or when, when)
            elif when > restarted_at and status in {200, 302}:
                recovered = min(recovered or when, when)
    assert first_503 is not None and stopped_at <= first_503 < restarted_at, statuses
    assert recovered is not None, statuses
    emails = {email for supporter in supporters for email in supporter.acknowledged}
    assert emails <= stored, sorted(emails - stored)[:5]
    # At most one line per web process for the whole outage, not one per request refused
    # (a process granian started again in the outage logs its own line).
    logged = Counter(OUTAGE_LINE_RE.findall(log))
    assert logged and max(logged.values()) == 1, logged
    assert sum(logged.values()) < statuses["page", 503] + statuses["sign", 503], logged
    return (
        f"first 503 after {first_503 - stopped_at:.2f} s, recovered "
        f"{recovered - restarted_at:.2f} s after the service came back; "
        f"{len(emails)} acknowledged, all stored; answers {dict(statuses)}; "
        f"logged once by each of {len(logged)} web processes"
    )


STORED_EMAILS = (
    "SELECT supporter.email FROM petitions_signature AS signature "
    "JOIN supporters_supporter AS supporter ON supporter.id = signature.supporter_id"
)


def test_a_redis_outage_gives_503_pages_in_the_users_language_and_the_site_recovers(
    site,  # noqa: F811 - the fixture imported above
    mail_server,  # noqa: F811 - the fixture imported above
    own_redis,
):
    mail_server.start()
    serve = site(
        REDIS_URL=own_redis.url,
        OUTCRY_WEB_WORKERS="2",
        OUTCRY_TASK_WORKERS="1",
        OUTCRY_MAIL_SENDERS="1",
        OUTCRY_REDIS_TIMEOUT="1",
    )
    serve.start()
    supporters, stopped_at, restarted_at = run_an_outage(serve, own_redis.stop, own_redis.start)
    # What was acknowledged waits in the intake until the worker has written it.
    wait_for(
        lambda: serve.query("SELECT COUNT(*) FROM actions_intake") == [(0,)],
        timeout=60,
        what="the intake to empty",
    )
    stored = {email for (email,) in serve.query(STORED_EMAILS)}
    print(
        "Redis outage:",
        check_the_answers(supporters, stopped_at, restarted_at, stored, serve.log()),
    )


def test_a_postgresql_outage_gives_503_pages_loses_nothing_acknowledged_and_recovers(
    site,  # noqa: F811 - the fixture imported above
    mail_server,  # noqa: F811 - the fixture imported above
    own_postgres,
    tmp_path,
):
    import psycopg

    env = {"DATABASE_URL": own_postgres.url, "OUTCRY_DB_CONNECT_TIMEOUT": "2"}
    made = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "-c", MIGRATE_SCRIPT],
        cwd=ROOT,
        env=clean_env(tmp_path / "unused.sqlite3") | env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    slugs = json.loads(made.stdout.strip().splitlines()[-1])
    mail_server.start()
    serve = site(OUTCRY_WEB_WORKERS="2", OUTCRY_TASK_WORKERS="1", OUTCRY_MAIL_SENDERS="1", **env)
    serve.petition, serve.campaign = slugs["petition"], slugs["campaign"]
    serve.start()
    supporters, stopped_at, restarted_at = run_an_outage(
        serve, own_postgres.stop, own_postgres.start
    )
    with psycopg.connect(
        own_postgres.url.replace("postgres://", "postgresql://"), autocommit=True
    ) as db:
        # The intake worker, which waited out the outage, writes what was acknowledged.
        wait_for(
            lambda: db.execute("SELECT COUNT(*) FROM actions_intake").fetchall() == [(0,)],
            timeout=60,
            what="the intake to empty",
        )
        stored = {email for (email,) in db.execute(STORED_EMAILS)}
    print(
        "PostgreSQL outage:",
        check_the_answers(supporters, stopped_at, restarted_at, stored, serve.log()),
    )
