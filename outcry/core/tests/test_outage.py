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
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from urllib.parse import urlencode

import pytest

from outcry.core.tests.test_serve_survives import (  # noqa: F401 - fixtures used below
    COOKIE_RE,
    TOKEN_RE,
    mail_server,
    migrated_template,
    site,
    wait_for,
)
from outcry.testing import free_port

REDIS_SERVER = shutil.which("redis-server")
OUTAGE_SECONDS = 10

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server on PATH"),
]

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
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


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
    stop = threading.Event()
    supporters = [Supporter(serve, n, ("en", "ko")[n % 2], stop) for n in range(4)]
    for supporter in supporters:
        supporter.start()

    def acknowledged() -> int:
        return sum(len(supporter.acknowledged) for supporter in supporters)

    wait_for(lambda: acknowledged() >= 20, timeout=60, what="signatures before the outage")

    own_redis.stop()
    stopped_at = time.monotonic()
    time.sleep(OUTAGE_SECONDS)
    own_redis.start()
    restarted_at = time.monotonic()
    during = acknowledged()
    wait_for(lambda: acknowledged() >= during + 20, timeout=60, what="signing to resume")
    stop.set()
    for supporter in supporters:
        supporter.join(timeout=40)

    statuses: Counter = Counter()
    first_503 = recovered = None
    for supporter in supporters:
        for when, what, status, body in supporter.answers:
            statuses[what, status] += 1
            assert status != 500 and "Traceback" not in body, (what, status, body[:300])
            if status == 503:
                assert PAGE_503[supporter.language] in body, body[:300]
                if what == "sign":
                    assert "not saved" in body or "저장되지 않았습니다" in body
                first_503 = min(first_503 or when, when)
            elif when > restarted_at and status in {200, 302}:
                recovered = min(recovered or when, when)
    assert first_503 is not None and stopped_at <= first_503 < restarted_at, statuses
    assert recovered is not None, statuses

    # Every thank-you is a signature in the database, once.
    emails = {email for supporter in supporters for email in supporter.acknowledged}
    stored = {
        email
        for (email,) in serve.query(
            "SELECT supporter.email FROM petitions_signature AS signature "
            "JOIN supporters_supporter AS supporter ON supporter.id = signature.supporter_id"
        )
    }
    assert emails <= stored, sorted(emails - stored)[:5]
    print(
        f"outage: first 503 after {first_503 - stopped_at:.2f} s, recovered "
        f"{recovered - restarted_at:.2f} s after Redis came back; "
        f"{len(emails)} acknowledged; answers {dict(statuses)}"
    )
