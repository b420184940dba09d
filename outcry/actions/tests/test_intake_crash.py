"""kill -9 of a web worker and of the intake worker, again and again, under load: nothing
acknowledged is lost and nothing is written twice.

``manage.py serve`` runs for real (the ``Site`` of core/tests/test_serve_survives: a
SQLite database in a tmp dir, mail to aiosmtpd on loopback). Supporters sign through
the real form while the test kills a granian web worker and, three times, the
intake worker (``process_intake``) once it holds the database's write lock for a
backlog of hundreds of signatures: it dies in the middle of writing a batch. serve starts it
again; the backlog must then be written exactly once: one supporter and one
signature per acknowledged address, one confirmation email each, and not a single
"you had already signed" email (which a batch written twice would send). Then some
supporters confirm through their emailed links while a web worker is killed again,
and the public counter must equal the confirmed rows, before and after the
reconciliation job (``recount_signatures``) runs.
"""

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest

from outcry.core.tests.test_serve_survives import (  # noqa: F401 - fixtures used below
    COOKIE_RE,
    ROOT,
    Signer,
    mail_server,
    migrated_template,
    recipients,
    site,
    wait_for,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds processes in /proc"),
]

CONFIRM_LINK = re.compile(r"https?://127\.0\.0\.1:\d+(/\S+?/confirm/[^/\s]+/)")


class FormFields(HTMLParser):
    """The fields a browser would send with the page's POST form (its first one)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.in_form = self.done = False

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "form" and attributes.get("method", "").lower() == "post" and not self.done:
            self.in_form = True
        elif tag == "input" and self.in_form and attributes.get("name"):
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.fields.append((attributes["name"], attributes.get("value", "on")))

    def handle_endtag(self, tag) -> None:
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def press_confirm(port: int, path: str) -> int:
    """Open an emailed link and press its button, as a person does; the answer's status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        page = response.read().decode()
        cookie = COOKIE_RE.search(response.getheader("Set-Cookie", "") or "")
        form = FormFields()
        form.feed(page)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{port}",
        }
        if cookie:
            headers["Cookie"] = f"csrftoken={cookie.group(1)}"
        connection.request("POST", path, body=urlencode(form.fields), headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    except (OSError, http.client.HTTPException):
        return 0  # cut off by the kill: not confirmed, or confirmed; the counter must agree
    finally:
        connection.close()


def test_killing_the_intake_worker_mid_batch_and_a_web_worker_loses_nothing_and_doubles_nothing(
    site,  # noqa: F811 - the fixture imported above
    mail_server,  # noqa: F811 - the fixture imported above
):
    mail_server.start()
    serve = site(
        OUTCRY_WEB_WORKERS="2",
        OUTCRY_TASK_WORKERS="0",
        OUTCRY_MAIL_SENDERS="1",
        OUTCRY_INTAKE_WORKERS="1",
        OUTCRY_INTAKE_BATCH="2000",
    )
    serve.start()
    stop = threading.Event()
    signers = [Signer(serve, number, stop) for number in range(4)]
    for signer in signers:
        signer.start()

    def acknowledged() -> int:
        return sum(len(signer.acknowledged) for signer in signers)

    def waiting() -> int:
        return serve.query("SELECT COUNT(*) FROM actions_intake")[0][0]

    wait_for(lambda: acknowledged() >= 50, timeout=60, what="signatures")

    # A web worker dies mid-load: granian replaces it.
    victim = serve.processes()["web workers"][0]
    os.kill(victim, signal.SIGKILL)

    # The intake worker dies while writing a batch, three times: it is paused (between
    # batches) while a backlog builds, woken, and killed once it holds the database's
    # write lock (core/sqlite3: its batch's transaction), a moment later or at once.
    lock = f"{serve.database}-writelock"
    kills = []
    for delay in (0.0, 0.02, 0.1):
        [worker] = wait_for_one(serve, "intake")
        pause_between_batches(worker, lock)
        backlog_from = acknowledged()
        wait_for(
            lambda start=backlog_from: acknowledged() >= start + 200, timeout=90, what="a backlog"
        )
        before = waiting()
        os.kill(worker, signal.SIGCONT)
        wait_for(lambda w=worker: holds_lock(w, lock), timeout=30, what="the batch to begin")
        time.sleep(delay)
        os.kill(worker, signal.SIGKILL)
        kills.append((delay, before, waiting()))
        wait_for(
            lambda w=worker: [pid for pid in serve.processes()["intake"] if pid != w],
            timeout=30,
            what="serve to start the intake worker again",
        )
    stop.set()
    for signer in signers:
        signer.join(timeout=40)

    signed = [email for signer in signers for email in signer.acknowledged]
    wait_for(lambda: waiting() == 0, timeout=120, what=f"the intake to empty\n{serve.log()}")
    wait_for(
        lambda: set(signed) <= set(recipients(mail_server.inbox)),
        timeout=120,
        what="every acknowledged signature's email",
    )

    # Each acknowledged address: one supporter, one signature, one confirmation email.
    stored = Counter(
        email
        for (email,) in serve.query(
            "SELECT supporter.email FROM petitions_signature signature "
            "JOIN supporters_supporter supporter ON supporter.id = signature.supporter_id"
        )
    )
    assert set(signed) <= set(stored), "an acknowledged signature was lost"
    assert max(stored.values()) == 1
    assert serve.query("SELECT COUNT(*) FROM supporters_supporter")[0][0] == len(stored)
    keys = [key for (key,) in serve.query("SELECT idempotency_key FROM core_outgoingemail")]
    rounds = Counter(key.rsplit(":", 1)[1] for key in keys)
    # A batch written twice would have found its own supporters and sent each the
    # "you had already signed" email (a round other than 0).
    assert set(rounds) == {"0"}, rounds
    assert rounds["0"] == len(stored)
    twice = [address for address, times in recipients(mail_server.inbox).items() if times > 1]
    assert twice == []
    # Each kill landed mid-batch: every row was still waiting after it.
    assert all(after >= before for _delay, before, after in kills), kills
    assert "Intake worker 1 (process_intake)" in serve.log()

    # Supporters confirm through their emailed links while a web worker dies.
    links = []
    for message in mail_server.inbox.messages()[:30]:
        body = message.get_body(("plain",)).get_content()
        links.append(CONFIRM_LINK.search(body).group(1))
    statuses = Counter()
    for number, link in enumerate(links):
        if number == 10:
            os.kill(serve.processes()["web workers"][0], signal.SIGKILL)
        statuses[press_confirm(serve.port, urlsplit(link).path)] += 1
    confirmed = serve.query(
        "SELECT COUNT(*) FROM petitions_signature "
        "WHERE email_confirmed_at IS NOT NULL AND removed_at IS NULL"
    )[0][0]
    assert confirmed >= 20, statuses

    def counted() -> int:
        return serve.query("SELECT COALESCE(SUM(count), 0) FROM actions_countershard")[0][0]

    assert counted() == confirmed
    recount = subprocess.run(
        [sys.executable, "manage.py", "recount_signatures"],
        cwd=ROOT,
        env=serve.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert counted() == confirmed, recount.stdout
    print(
        f"\nacknowledged {len(signed)}, stored {len(stored)}, emails {len(keys)}, "
        f"kills (delay s, waiting before, waiting after): {kills}; confirmations {dict(statuses)}, "
        f"counted {counted()} = confirmed {confirmed}; recount: {recount.stdout.strip()}"
    )
    serve.process.send_signal(signal.SIGTERM)
    serve.process.wait(timeout=30)


def holds_lock(pid: int, path: str) -> bool:
    """Whether process *pid* holds the flock() on file *path* (read from /proc/locks)."""
    inode = os.stat(path).st_ino
    with open("/proc/locks") as locks:
        for line in locks:
            words = line.split()
            if "FLOCK" in words and words[4] == str(pid) and words[5].endswith(f":{inode}"):
                return True
    return False


def pause_between_batches(pid: int, lock: str) -> None:
    """SIGSTOP *pid* at a moment it is not writing (a stopped writer would hold every
    other writer up)."""
    for _attempt in range(1000):
        os.kill(pid, signal.SIGSTOP)
        if not holds_lock(pid, lock):
            return
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.005)
    raise AssertionError("the intake worker never rested between batches")


def wait_for_one(serve, kind: str) -> list[int]:
    found: list[int] = []

    def one() -> bool:
        found[:] = serve.processes()[kind]
        return len(found) == 1

    wait_for(one, timeout=30, what=f"one {kind} process")
    return found
