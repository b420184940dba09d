"""`make run-scale` for real: the scale-out layout on the machine's PostgreSQL and Redis.

As an operator runs it: ``make run-scale`` in a process group of its own, with the
counts in the environment, a database and a Redis key prefix of this test's own (both
removed afterwards), mail to an aiosmtpd server on loopback. The test opens the home
and campaign pages, signs once through the real form, reads the signature from
PostgreSQL and the confirmation from the SMTP server, and stops it all with Ctrl-C
(SIGINT to the process group). Skipped, with the reason, where PostgreSQL or Redis
does not answer on 127.0.0.1.
"""

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from types import SimpleNamespace

import psycopg
import pytest
import redis
from psycopg import sql

from outcry.core.tests.test_serve_survives import (
    ROOT,
    Signer,
    children_of,
    command_of,
    is_alive,
    wait_for,
)
from outcry.testing import MailServer, free_port

POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/5"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds processes in /proc"),
]


def services_or_skip() -> None:
    try:
        psycopg.connect(f"{POSTGRES}/postgres", connect_timeout=3).close()
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL at {POSTGRES}: {error}")
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS}: {error}")


def descendants(pid: int) -> list[int]:
    found = []
    for child in children_of(pid):
        found += [child, *descendants(child)]
    return found


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def test_make_run_scale_serves_signs_on_postgres_and_redis_and_stops_on_ctrl_c(tmp_path):
    services_or_skip()
    database = f"outcry_scale_test_{uuid.uuid4().hex[:8]}"
    prefix = f"scale-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    mail = MailServer()
    mail.start()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OUTCRY_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DJANGO_"))
        and not key.startswith(("MAKE", "MFLAGS"))
    } | {
        "PORT": str(port),
        "SCALE_DATABASE_URL": f"{POSTGRES}/{database}",
        "SCALE_REDIS_URL": REDIS,
        "OUTCRY_CACHE_PREFIX": prefix,
        "OUTCRY_VAR_DIR": str(tmp_path / "var"),
        "OUTCRY_BASE_URL": f"http://127.0.0.1:{port}",
        "EMAIL_URL": mail.url,
        "SECRET_KEY": "test-only-secret",
        "OUTCRY_WEB_WORKERS": "2",
        "OUTCRY_TASK_WORKERS": "1",
        "OUTCRY_MAIL_SENDERS": "1",
        "OUTCRY_STOP_SECONDS": "10",
    }
    log_path = tmp_path / "run-scale.log"
    seen: set[int] = set()
    with log_path.open("w") as log:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "run-scale"],  # noqa: S607 - make from PATH
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own, as in a terminal
        )
    try:

        def running() -> bool:
            assert make.poll() is None, f"make run-scale exited\n{log_path.read_text()}"
            return "outcry is running" in log_path.read_text()

        wait_for(running, timeout=240, what="make run-scale to start")
        assert (
            "web workers: 2 x 2 threads; task workers: 1; mail senders: 1" in log_path.read_text()
        )
        processes = descendants(make.pid)
        seen.update(processes)
        [serve] = [pid for pid in processes if "manage.py serve" in command_of(pid)]
        # What serve started (an RQ worker's scheduler is a child of its own).
        commands = [command_of(pid) for pid in children_of(serve)]
        assert sum("rqworker" in c for c in commands) == 1  # the task queue is in Redis
        assert not [c for c in commands if "db_worker" in c]
        assert sum("send_mail" in c for c in commands) == 1
        assert sum("process_intake" in c for c in commands) == 1
        assert sum("run_periodic" in c for c in commands) == 1
        [granian] = [pid for pid in children_of(serve) if "-m granian" in command_of(pid)]
        assert len(children_of(granian)) == 2  # the web workers

        status, page = get(port, "/en/")
        assert status == 200
        status, page = get(port, "/en/c/save-my-friend/")
        assert status == 200 and "unhcr-save-my-friend" in page

        site = SimpleNamespace(
            port=port, petition="unhcr-save-my-friend", campaign="save-my-friend"
        )
        signer = Signer(site, 1, stop=threading.Event(), limit=1)
        signer.run()
        assert signer.acknowledged == ["s1-1@example.org"], signer.errors

        # The intake worker writes the signature and its email (actions/intake.py).
        wait_for(
            lambda: any("s1-1@example.org" in e.rcpt_tos for e in mail.inbox.envelopes),
            timeout=60,
            what="the confirmation email",
        )
        with psycopg.connect(f"{POSTGRES}/{database}") as conn:
            [(count,)] = conn.execute(
                "SELECT COUNT(*) FROM petitions_signature s JOIN supporters_supporter p "
                "ON p.id = s.supporter_id WHERE p.email = %s",
                ["s1-1@example.org"],
            ).fetchall()
        assert count == 1
        assert redis.Redis.from_url(REDIS).keys(f"{prefix}:*")  # the cache is in Redis

        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C in the terminal
        make.wait(timeout=40)
        wait_for(
            lambda: not any(is_alive(pid) for pid in seen), timeout=20, what="every process to stop"
        )
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        with pytest.raises(OSError):
            connection.request("GET", "/healthz")
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
        for pid in seen:
            if is_alive(pid):
                os.kill(pid, signal.SIGKILL)
        mail.stop()
        client = redis.Redis.from_url(REDIS)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        time.sleep(0.5)  # let PostgreSQL see the connections closed
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
