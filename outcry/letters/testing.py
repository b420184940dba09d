"""Test doubles for letter delivery, shared by outcry/letters/tests and tests/e2e.

A fake InterFax server on loopback that speaks the parts of InterFax's REST API
outcry uses, and a real SMTP server (outcry.testing.MailServer) that outcry is
pointed at through EMAIL_URL. Both are pytest fixtures: a conftest or test
module imports the ones it uses. The settings they change apply to the whole
process, so a live server thread sends through them too.
"""

import base64
import contextlib
import io
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader

from outcry.core.env import env_email
from outcry.testing import MailServer

USERNAME, PASSWORD = "outcry-test", "s3cret:with-colon"


@dataclass
class ReceivedFax:
    id: int
    number: str
    reference: str
    pdf: bytes
    status: int = -2  # InterFax: < 0 in progress, 0 sent, > 0 failed

    def text(self) -> str:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(self.pdf)).pages)


@dataclass
class FakeInterFax:
    """Speaks the parts of InterFax's REST API outcry uses, and records what it gets.

    ``answers`` is a list of HTTP statuses the next POSTs get instead of 201
    (500 for an outage, 400 for a bad number); ``delay`` holds each accepted POST
    that many seconds before it answers, so a client with a shorter timeout
    gives up on a fax the server has in fact accepted.
    """

    port: int = 0
    faxes: list[ReceivedFax] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def numbers(self) -> list[str]:
        return [fax.number for fax in self.faxes]


def _handler(state: FakeInterFax) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _answer(self, status: int, payload=None, headers: dict | None = None) -> None:
            body = json.dumps(payload).encode() if payload is not None else b""
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != expected:
                state.problems.append(f"bad auth on {self.path}")
                self._answer(401, {"code": -1003, "message": "Authentication error"})
                return False
            return True

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(url.query).items()}
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.requests.append(("POST", self.path))
            if not self._authorised():
                return
            if url.path != "/outbound/faxes" or "faxNumber" not in query:
                return self._answer(400, {"code": -112, "message": "Missing fax number"})
            if self.headers.get("Content-Type") != "application/pdf" or not body.startswith(
                b"%PDF"
            ):
                state.problems.append("body is not a PDF")
                return self._answer(415, {"message": "Unsupported media type"})
            with state.lock:
                answer = state.answers.pop(0) if state.answers else 201
            if answer == 400:
                return self._answer(
                    400,
                    {"code": -112, "message": "No valid recipients added or missing fax number"},
                )
            if answer != 201:
                return self._answer(answer, {"code": -150, "message": "Internal system error"})
            with state.lock:
                fax = ReceivedFax(
                    id=1000 + len(state.faxes),
                    number=query["faxNumber"],
                    reference=query.get("reference", ""),
                    pdf=body,
                )
                state.faxes.append(fax)
            time.sleep(state.delay)
            # The client may have given up waiting (the timeout tests).
            with contextlib.suppress(OSError):
                self._answer(201, headers={"Location": f"{state.url}/outbound/faxes/{fax.id}"})

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {key: values[-1] for key, values in parse_qs(url.query).items()}
            with state.lock:
                state.requests.append(("GET", self.path))
            if not self._authorised():
                return
            if url.path == "/outbound/search":
                found = [
                    {"id": fax.id, "status": fax.status, "destinationFax": fax.number}
                    for fax in state.faxes
                    if fax.reference == query.get("reference")
                    and fax.number == query.get("faxNumber", fax.number)
                ]
                return self._answer(200, found)
            if url.path.startswith("/outbound/faxes/"):
                fax_id = url.path.rpartition("/")[2]
                for fax in state.faxes:
                    if str(fax.id) == fax_id:
                        return self._answer(200, {"id": fax.id, "status": fax.status})
                return self._answer(404, {"message": "Transaction does not exist"})
            return self._answer(404, {"message": "Not found"})

    return Handler


@pytest.fixture
def interfax_server():
    """A fake InterFax on 127.0.0.1 (not yet configured in settings)."""
    state = FakeInterFax()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    if state.problems:
        pytest.fail(f"The fake InterFax saw bad requests: {state.problems}")


@pytest.fixture
def interfax(settings, interfax_server):
    """outcry configured to fax through the fake InterFax, as an operator would."""
    settings.FAX_BACKEND = "interfax"
    settings.INTERFAX_URL = interfax_server.url
    settings.INTERFAX_USERNAME = USERNAME
    settings.INTERFAX_PASSWORD = PASSWORD
    settings.FAX_TIMEOUT_SECONDS = 5
    return interfax_server


@pytest.fixture
def mail_server(settings, monkeypatch):
    """A real SMTP server on loopback, with MAILERS pointed at it through EMAIL_URL."""
    server = MailServer()
    server.start()
    monkeypatch.setenv("EMAIL_URL", server.url)
    settings.MAILERS = {"default": env_email("EMAIL_URL", outbox_dir=settings.EMAIL_OUTBOX_DIR)}
    yield server
    server.stop()
