#!/usr/bin/env python3
"""Load-test signing (issue 3): how many signatures per second the real site acknowledges.

What it does, in order, all on 127.0.0.1 and every step bounded in time (one
run at a time per machine: a second one started meanwhile refuses to run):

1. Prepares a throwaway database: a fresh SQLite file under ``var/bench/<run>/``
   (through ``OUTCRY_VAR_DIR``), or, with ``--database postgres://…``, a
   PostgreSQL database ``outcry_bench`` dropped and created again through psycopg
   (and dropped at the end). ``--redis URL`` adds Redis as the cache, as an
   operator would for a surge.
2. Runs ``migrate``, ``load_demo`` and ``collectstatic`` there.
3. Starts the site with ``manage.py serve`` itself (granian WSGI, ``--workers``
   processes of serve's default threads, or ``--threads``), with
   ``OUTCRY_RATELIMIT=off`` (every client is 127.0.0.1) and mail to the outbox,
   in its own process group, and waits for ``/healthz``.
4. Phase 1: after a short warm-up that is not counted, ``--page-clients``
   keep-alive clients GET the campaign page for ``--page-seconds``. Each behaves
   like one browser: no cookie on its first request, then the CSRF cookie it got.
5. Phase 2: ``--clients`` clients each GET the page once (for the CSRF cookie
   and the form token), then POST the sign form with a fresh address each time
   for ``--sign-seconds`` (or until ``--max-signatures``). A signature is
   *acknowledged* when the answer is the 302 to ``…/thanks/`` (the one answer
   every well-formed signature gets, new address or not). With ``--follow``
   each acknowledgement is followed by a GET of the thank-you page, as browsers do.
   Throughout, the CPU time of the server's processes, of its PostgreSQL
   backends and Redis, of this client and of the rest of the machine is read
   from /proc, and the RSS and PSS of the granian processes sampled twice a
   second (peak kept).
6. Stops the server (SIGTERM to its process group, SIGKILL after a grace period),
   then checks the database: every acknowledged address has exactly one
   Supporter and one Signature, no signature of the bench petition and no
   supporter with one of the bench's addresses exists that nobody was told
   about (the demo has supporters of its own), and
   exactly one confirmation email (ledger row) per signature. Exits 1 on a mismatch.
7. Prints the figures and writes them to ``bench/results/sign-<db>-<time>.json``
   plus one line in ``bench/results/README.md`` (``--no-record`` skips both).

No task worker or mail sender runs during the measurement by default
(``serve --task-workers 0 --mail-senders 0``; bench/mail.py runs senders):
issue 3 asks how fast the web tier takes signatures, and on two cores a worker
takes CPU from it in proportion to the signing rate. Either way every
confirmation email is queued as a task row in the same transaction as its
signature, and the integrity check counts those rows. ``--task-worker`` runs
the one worker ``serve`` starts by default; the integrity line then shows how
many tasks it finished meanwhile (few: it gets little CPU during the surge and
works through the queue afterwards).

Why a Python asyncio client on raw sockets rather than wrk, locust or httpx: it
needs no package beyond the standard library, it can follow the real form flow
(cookie, token, one unique address per POST) and know exactly which address
each acknowledgement belongs to, which the integrity check needs and a wrk Lua
script cannot tell (its response callback does not know which request it
answers). It stays lean: one process, one event loop, HTTP/1.1 keep-alive
sockets, request bytes built with one f-string, responses read by
Content-Length. It still shares the two cores with the server, so its CPU time
is measured and reported beside the server's, to show how much it took.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import fcntl
import itertools
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from demo_site import healthy  # bench/ is not a package: by path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CAMPAIGN_PATH = "/en/c/save-my-friend/"
PETITION_SLUG = "unhcr-save-my-friend"
SIGN_PATH = f"/en/petitions/{PETITION_SLUG}/sign/"
THANKS = f"/en/petitions/{PETITION_SLUG}/thanks/"
BENCH_DB = "outcry_bench"
MACHINE_LOCK = Path(tempfile.gettempdir()) / "outcry-bench.lock"
CLK_TCK = os.sysconf("SC_CLK_TCK")

TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
COOKIE_RE = re.compile(rb"(?im)^set-cookie:\s*csrftoken=([^;\r\n]+)")
# The cookies a signature's answer sets (actions.nextstep: what this browser did and typed).
NEXT_STEP_COOKIES_RE = re.compile(rb"(?im)^set-cookie:\s*(outcry_(?:done|carry)=[^;\r\n]+)")
GZIPPED_RE = re.compile(rb"(?im)^content-encoding:\s*gzip\s*$")
BROWSER_ENCODING = "gzip, deflate, br"
LENGTH_RE = re.compile(rb"(?im)^content-length:\s*(\d+)")
LOCATION_RE = re.compile(rb"(?im)^location:\s*([^\r\n]+)")
CHUNKED_RE = re.compile(rb"(?im)^transfer-encoding:\s*chunked")
CLOSE_RE = re.compile(rb"(?im)^connection:\s*close")


# ---------------------------------------------------------------- the HTTP client


class ConnectionLost(Exception):
    """The server closed the connection or sent something we cannot read."""


class Connection:
    """One keep-alive HTTP/1.1 connection; one request at a time, like a browser tab."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def send(self, data: bytes) -> tuple[int, bytes, bytes]:
        """Send one request; return (status, head, body)."""
        try:
            if self.writer is None:
                await self.open()
            self.writer.write(data)
            head = await self.reader.readuntil(b"\r\n\r\n")
            length = LENGTH_RE.search(head)
            if length is not None:
                body = await self.reader.readexactly(int(length.group(1)))
            elif CHUNKED_RE.search(head):
                body = await self._chunked()
            elif head[9:12] in (b"204", b"304"):
                body = b""
            else:
                raise ConnectionLost("response without length")
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            self.close()
            raise ConnectionLost(type(error).__name__) from error
        if CLOSE_RE.search(head):
            self.close()
        return int(head[9:12]), head, body

    async def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)


def get_request(host: str, path: str, cookie: str | None, encoding: str = "identity") -> bytes:
    cookie_line = f"Cookie: csrftoken={cookie}\r\n" if cookie else ""
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: outcry-bench\r\n"
        f"Accept: text/html\r\nAccept-Encoding: {encoding}\r\n{cookie_line}\r\n"
    ).encode()


def thanks_request(host: str, cookies: str) -> bytes:
    return (
        f"GET {THANKS} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: outcry-bench\r\n"
        f"Cookie: {cookies}\r\nAccept-Encoding: identity\r\n\r\n"
    ).encode()


def post_request(host: str, path: str, cookie: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: outcry-bench\r\n"
        f"Origin: http://{host}\r\nCookie: csrftoken={cookie}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


# ---------------------------------------------------------------- measurements


@dataclass
class Phase:
    """What one phase saw: latencies of answered requests, outcomes by kind."""

    name: str
    latencies: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    machine_cpu: float = 0.0
    services_cpu: dict = field(default_factory=dict)
    server_cpu_by_kind: dict = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def summary(self, ok: str) -> dict:
        seconds = self.ended - self.started
        done = self.outcomes.get(ok, 0)
        ordered = sorted(self.latencies)
        services_cpu = sum(self.services_cpu.values())
        other = self.machine_cpu - self.client_cpu - self.server_cpu - services_cpu
        return {
            "seconds": round(seconds, 3),
            "ok": done,
            "per_second": round(done / seconds, 1) if seconds else 0.0,
            "latency_ms": {
                name: round(percentile(ordered, q) * 1000, 2)
                for name, q in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
            },
            "outcomes": dict(sorted(self.outcomes.items())),
            "errors": {k: v for k, v in sorted(self.outcomes.items()) if k != ok},
            # Share of the machine's cores each side used while the phase ran. The
            # rest is other jobs: a figure taken while they were busy is low.
            "cpu_cores": {
                "server": round(self.server_cpu / seconds, 2),
                "database_and_redis": round(services_cpu / seconds, 2),
                "client": round(self.client_cpu / seconds, 2),
                "other": round(max(0.0, other) / seconds, 2),
            },
            # The server's share by process: web workers, task worker, mail senders…
            "server_cpu_cores_by_process": {
                kind: round(cpu / seconds, 2)
                for kind, cpu in sorted(self.server_cpu_by_kind.items())
                if seconds
            },
            # CPU per answered request: comparable between runs on a busy machine.
            "cpu_ms_per_ok": {
                "server": round(self.server_cpu * 1000 / done, 3) if done else None,
                "database_and_redis": round(services_cpu * 1000 / done, 3) if done else None,
            },
        }


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def process_group(pgid: int) -> list[int]:
    """The server's processes: its process group and every descendant of its leader.

    ``serve`` starts granian and the workers in sessions of their own (so Ctrl-C reaches
    only ``serve``), so they are found as descendants rather than by process group.
    """
    parents, group = {}, []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        parents[int(entry)] = int(fields[1])  # fields[1] is the parent's pid
        if int(fields[2]) == pgid:  # fields[2] is pgrp
            group.append(int(entry))
    pids = set(group)
    for pid in parents:
        ancestor = pid
        while ancestor > 1 and ancestor not in pids:
            ancestor = parents.get(ancestor, 0)
        if ancestor in pids:
            pids.add(pid)
    return sorted(pids)


def process_kind(pid: int) -> str:
    """What a server process is, for the CPU and memory split: ``web`` (granian), or the
    manage.py command it runs (``send_mail``, ``db_worker``, ``process_intake``…)."""
    words = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    if "granian" in words:
        return "web"
    for before, word in itertools.pairwise(words):
        if before.endswith("manage.py"):
            return word
    return "other"


def group_cpu_by_kind(pgid: int) -> dict[str, float]:
    """CPU seconds (user + system) of the group's live processes, summed by process_kind."""
    seconds: dict[str, float] = {}
    for pid in process_group(pgid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            kind = process_kind(pid)
        except OSError:
            continue
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        seconds[kind] = seconds.get(kind, 0.0) + ticks / CLK_TCK
    return seconds


def services_cpu_seconds(database: str, redis: bool) -> dict[int, float]:
    """CPU by pid of the servers the site uses: PostgreSQL backends serving
    *database* (none for SQLite, which runs inside the web workers), and
    redis-server when *redis* (shared with anything else using it)."""
    seconds = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            ours = (
                database
                and cmdline.startswith(b"postgres: ")
                and f" {database} ".encode() in cmdline
            ) or (redis and cmdline.startswith(b"redis-server"))
            if not ours:
                continue
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds[int(entry)] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return seconds


def client_cpu_seconds(server_pgid: int) -> float:
    """CPU of this load generator and of its other children than the server: the SMTP
    sink bench/mail.py starts, which stands in for a mail server on another machine."""
    total = time.process_time()
    server = set(process_group(server_pgid))
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in server:
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:  # fields[1] is the parent's pid
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
    return total


def machine_cpu_seconds() -> float:
    """CPU time spent by the whole machine (all cores, not idle or waiting on I/O)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def granian_options(pgid: int) -> dict:
    """The options serve gave granian (read back from its command line)."""
    for pid in sorted(process_group(pgid)):
        try:
            words = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        if "granian" in words:
            pairs = itertools.pairwise(words)
            return {k[2:]: v for k, v in pairs if k.startswith("--") and not v.startswith("--")}
    return {}


def group_memory(pgid: int) -> dict:
    """RSS and PSS (MiB) summed over the server's processes, granian apart from the rest."""
    memory = {"granian_rss_mib": 0.0, "granian_pss_mib": 0.0, "other_rss_mib": 0.0}
    memory["granian_processes"] = 0
    for pid in process_group(pgid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        values = {}
        for line in rollup.splitlines()[1:]:
            name, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                values[name] = int(parts[0]) / 1024
        if b"manage.py" in cmdline:
            memory["other_rss_mib"] += values.get("Rss", 0.0)
        else:
            memory["granian_processes"] += 1
            memory["granian_rss_mib"] += values.get("Rss", 0.0)
            memory["granian_pss_mib"] += values.get("Pss", 0.0)
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in memory.items()}


class MemoryWatch:
    """Sample the server's memory every half second; keep the peak."""

    def __init__(self, pgid: int) -> None:
        self.pgid = pgid
        self.peak: dict = {}
        self.last: dict = {}

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            sample = await asyncio.to_thread(group_memory, self.pgid)
            self.last = sample
            if sample.get("granian_rss_mib", 0) >= self.peak.get("granian_rss_mib", 0):
                self.peak = sample
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)


# ---------------------------------------------------------------- the two phases


async def pace(interval: float, due: float) -> float:
    """Wait for the next request's turn, *interval* after the previous one was *due*.

    A client that fell behind (slow answers) sends at once, without catching up in a
    burst: bench/soak.py's steady rate is a ceiling the server may fall short of.
    """
    due = max(due + interval, time.perf_counter())
    await asyncio.sleep(due - time.perf_counter())
    return due


async def page_client(
    phase: Phase,
    host: str,
    port: int,
    deadline: float,
    interval: float = 0.0,
    encoding: str = "identity",
) -> None:
    """GET the campaign page until *deadline*: back to back, or one every *interval* s.

    *encoding* is the Accept-Encoding sent: ``identity``, or ``gzip, deflate, br`` as
    browsers ask (an answer that is not gzip-compressed then counts as an error).
    """
    connection = Connection(host, port)
    hostname = f"{host}:{port}"
    request = get_request(hostname, CAMPAIGN_PATH, None, encoding)
    compressed = encoding != "identity"
    due = time.perf_counter()
    try:
        while (started := time.perf_counter()) < deadline:
            if interval:
                due = await pace(interval, due)
                if due >= deadline:
                    break
                started = time.perf_counter()
            try:
                status, head, _body = await connection.send(request)
            except ConnectionLost as error:
                phase.count(f"connection:{error}")
                await asyncio.sleep(0.05)
                continue
            cookie = COOKIE_RE.search(head)
            if cookie is not None:  # a browser sends the cookie it was given
                request = get_request(hostname, CAMPAIGN_PATH, cookie.group(1).decode(), encoding)
            if compressed and status == 200 and not GZIPPED_RE.search(head):
                phase.count("200 not compressed")
                continue
            phase.count(str(status))
            if status == 200:
                phase.latencies.append(time.perf_counter() - started)
    finally:
        connection.close()


@dataclass
class Signing:
    """The addresses each client sent, and what came back for each."""

    acknowledged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # a clear answer that is not a signature
    in_doubt: list[str] = field(default_factory=list)  # no answer: the row may or may not exist
    budget: int = 0
    # When each acknowledgement arrived (wall clock, for bench/mail.py's sign-to-inbox delay).
    acknowledged_at: dict[str, float] = field(default_factory=dict)


async def sign_client(
    number: int,
    run: str,
    phase: Phase,
    signing: Signing,
    host: str,
    port: int,
    deadline: float,
    interval: float = 0.0,
    follow: bool = False,
) -> None:
    """Sign until *deadline*, a new address each time: back to back, or every *interval* s.

    *follow*: as a browser does, GET the thank-you page after each acknowledgement,
    with the cookies its answer set (a signature then costs the server both).
    """
    connection = Connection(host, port)
    hostname = f"{host}:{port}"
    due = time.perf_counter()
    try:
        status, head, body = await connection.send(get_request(hostname, CAMPAIGN_PATH, None))
        cookie, token = COOKIE_RE.search(head), TOKEN_RE.search(body)
        if status != 200 or cookie is None or token is None:
            phase.count(f"page:{status}")
            return
        cookie_value, token_value = cookie.group(1).decode(), token.group(1).decode()
        n = 0
        while time.perf_counter() < deadline and signing.budget > 0:
            if interval:
                due = await pace(interval, due)
                if due >= deadline:
                    break
            signing.budget -= 1
            n += 1
            email = f"b{run}-{number}-{n}@example.org"
            body = urlencode(
                {
                    "csrfmiddlewaretoken": token_value,
                    "name": f"Bench Signer {number} {n}",
                    "email": email,
                    "country": "KR",
                    "postcode": "03000",
                    "comment": "Please act before it is too late.",
                    "public_name": "hidden",
                }
            ).encode()
            request = post_request(hostname, SIGN_PATH, cookie_value, body)
            started = time.perf_counter()
            try:
                status, head, _body = await connection.send(request)
            except ConnectionLost as error:
                phase.count(f"connection:{error}")
                signing.in_doubt.append(email)
                await asyncio.sleep(0.05)
                continue
            except asyncio.CancelledError:
                signing.in_doubt.append(email)
                raise
            phase.latencies.append(time.perf_counter() - started)
            location = LOCATION_RE.search(head)
            where = location.group(1).decode() if location else ""
            if status == 302 and where.endswith(THANKS):
                phase.count("acknowledged")
                signing.acknowledged.append(email)
                signing.acknowledged_at[email] = time.time()
                if follow:
                    cookies = b"; ".join(NEXT_STEP_COOKIES_RE.findall(head)).decode()
                    thanks = thanks_request(hostname, f"csrftoken={cookie_value}; {cookies}")
                    status, _head, _body = await connection.send(thanks)
                    if status != 200:
                        phase.count(f"thanks:{status}")
            else:
                phase.count(f"{status} {where.rsplit('?', 1)[-1]}".strip())
                signing.refused.append(email)
    except ConnectionLost as error:
        phase.count(f"page-connection:{error}")
    finally:
        connection.close()


async def run_phase(
    phase: Phase, pgid: int, clients: list, seconds: float, services: tuple[str, bool]
) -> None:
    """Run *clients* together, never longer than *seconds* plus a 30 s grace."""
    print(f"  {phase.name}: {len(clients)} clients for {seconds:g} s", flush=True)
    cpu_start, server_start = client_cpu_seconds(pgid), group_cpu_by_kind(pgid)
    machine_start, services_start = machine_cpu_seconds(), services_cpu_seconds(*services)
    phase.started = time.perf_counter()
    tasks = [asyncio.ensure_future(client) for client in clients]
    try:
        async with asyncio.timeout(seconds + 30):
            await asyncio.gather(*tasks)
    except TimeoutError:
        phase.count("bench-timeout")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    phase.ended = time.perf_counter()
    phase.client_cpu = client_cpu_seconds(pgid) - cpu_start
    server_end = group_cpu_by_kind(pgid)
    phase.server_cpu_by_kind = {
        kind: cpu - server_start.get(kind, 0.0) for kind, cpu in server_end.items()
    }
    phase.server_cpu = sum(phase.server_cpu_by_kind.values())
    phase.machine_cpu = machine_cpu_seconds() - machine_start
    phase.services_cpu = {
        pid: cpu - services_start.get(pid, 0.0)
        for pid, cpu in services_cpu_seconds(*services).items()
    }


async def load(args: argparse.Namespace, pgid: int, run: str) -> tuple[dict, Signing]:
    """Warm up, then *args.rounds* rounds of pages, pages gzip-compressed and signing.

    Each figure is the faster round's; the JSON keeps every round (``rounds``). On
    a shared machine another tenant's work only ever slows a round down, and the
    first minutes of a suite are the slowest: two rounds of the same work differed
    by up to 40% (bench/README.md).
    """
    host, port = "127.0.0.1", args.port
    watch = MemoryWatch(pgid)
    stop = asyncio.Event()
    watcher = asyncio.ensure_future(watch.run(stop))
    services = (args.postgres_name, bool(args.redis))
    signing = Signing(budget=args.max_signatures)
    rounds = []
    try:
        # A warm-up first (each worker thread opens its database connection and
        # fills its caches); it is not part of the figures.
        warm_up = Phase("warm-up")
        deadline = time.perf_counter() + args.warmup_seconds
        clients = [page_client(warm_up, host, port, deadline) for _ in range(args.page_clients)]
        await run_phase(warm_up, pgid, clients, args.warmup_seconds, services)
        for number in range(args.rounds):
            if args.rounds > 1:
                print(f"  round {number + 1} of {args.rounds}", flush=True)
            rounds.append(await load_round(args, pgid, run, number, signing, services))
    finally:
        stop.set()
        await watcher
    figures = {
        key: max((one[key] for one in rounds), key=lambda phase: phase["per_second"])
        for key in ("page", "page_gzip", "sign")
    }
    figures |= {"rounds": rounds, "memory_peak": watch.peak, "memory_end": watch.last}
    return figures, signing


async def load_round(
    args: argparse.Namespace, pgid: int, run: str, number: int, signing: Signing, services
) -> dict:
    """One round: the page as the bench has always asked for it (uncompressed), as
    browsers do (gzip: compressed answers cost the server differently), then signing."""
    host, port = "127.0.0.1", args.port
    for phase, encoding in (
        (page := Phase("page"), "identity"),
        (page_gzip := Phase("page-gzip"), BROWSER_ENCODING),
    ):
        deadline = time.perf_counter() + args.page_seconds
        clients = [
            page_client(phase, host, port, deadline, encoding=encoding)
            for _ in range(args.page_clients)
        ]
        await run_phase(phase, pgid, clients, args.page_seconds, services)
    sign = Phase("sign")
    deadline = time.perf_counter() + args.sign_seconds
    first = number * args.clients  # each round's clients sign with addresses of their own
    clients = [
        sign_client(first + n, run, sign, signing, host, port, deadline, follow=args.follow)
        for n in range(args.clients)
    ]
    await run_phase(sign, pgid, clients, args.sign_seconds, services)
    return {
        "page": page.summary("200"),
        "page_gzip": page_gzip.summary("200"),
        "sign": sign.summary("acknowledged"),
    }


# ---------------------------------------------------------------- database and server


def postgres_urls(url: str) -> tuple[str, str]:
    """Return (admin URL, bench URL): the same server, databases postgres and outcry_bench."""
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    bench = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    return admin, bench


def recreate_postgres(admin_url: str, *, create: bool) -> None:
    # Imported here: a SQLite run needs no PostgreSQL driver.
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if create:
            # A bench of an older checkout (without the machine's lock) may be using it.
            (others,) = conn.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s", (BENCH_DB,)
            ).fetchone()
            if others:
                raise SystemExit(f"{others} connection(s) use {BENCH_DB}: another bench runs.")
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def manage(env: dict, *command: str, log: Path) -> None:
    with log.open("a") as out:
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=300,
        )


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        # SO_REUSEADDR: connections of an earlier run in TIME_WAIT do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_server(args: argparse.Namespace, env: dict, log: Path) -> subprocess.Popen:
    if not port_is_free(args.port):
        # Otherwise /healthz could answer from someone else's server.
        raise SystemExit(f"Port {args.port} is in use; choose another with --port.")
    # An option left None is serve's own default, as `make run` has it (bench/suite.py).
    options = {
        "--workers": args.workers,
        "--threads": args.threads,
        "--task-workers": {True: 1, False: 0}.get(args.task_worker, args.task_worker),
        "--mail-senders": getattr(args, "mail_senders", 0),
    }
    command = [sys.executable, "manage.py", "serve", "--port", str(args.port)]
    for option, value in options.items():
        if value is not None:
            command += [option, str(value)]
    with log.open("a") as out:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so we can stop all of it
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server exited with {server.returncode}; see {log}")
        if healthy(args.port):
            return server
        time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"The server did not answer /healthz within 60 s; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM the whole process group, then SIGKILL whatever is left after 20 s."""
    pgid = server.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=20)
    deadline = time.monotonic() + 10
    while process_group(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=5)


# ---------------------------------------------------------------- the integrity check


def check_integrity(signing: Signing, run: str) -> dict:
    """Compare the rows in the database with what the clients were told.

    Of the supporters, only the bench's own (its clients' addresses, ``b<run>-…``)
    are compared: the demo has a few of its own (pledges.demo, events.demo).

    Runs in this process through the Django ORM, with the bench environment,
    after the server has stopped (so nothing is still being written).
    """
    # Imported here, after the bench environment is set: Django reads its settings once.
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outcry.settings")
    django.setup()
    # Models (and what imports them) only after django.setup().
    from django.db.models import Count

    from outcry.core.models import OutgoingEmail
    from outcry.petitions.models import Signature
    from outcry.supporters.models import Supporter

    acknowledged = set(signing.acknowledged)
    in_doubt = set(signing.in_doubt)
    signatures = Signature.objects.filter(petition__slug=PETITION_SLUG)
    signature_emails = list(signatures.values_list("supporter__email", flat=True))
    supporters = Supporter.objects.filter(email__startswith=f"b{run}-")
    supporter_emails = list(supporters.values_list("email", flat=True))
    duplicated = [
        row["supporter__email"]
        for row in signatures.values("supporter__email").annotate(n=Count("id")).filter(n__gt=1)
    ]
    signed = set(signature_emails)
    # Each signature's confirmation email is its ledger row, written in the same
    # transaction (core.mail.engine.queue), whatever the senders did with it since.
    emails = OutgoingEmail.objects.filter(purpose="signature-confirmation")
    task_ids = [int(key.split(":")[1]) for key in emails.values_list("idempotency_key", flat=True)]
    task_statuses = dict(emails.values("status").annotate(n=Count("id")).values_list("status", "n"))
    signature_ids = set(signatures.values_list("id", flat=True))
    missing = sorted(acknowledged - signed)
    unexplained = sorted(signed - acknowledged - in_doubt)
    # Every one of the bench's supporters must come from an acknowledged (or
    # unanswered) signature, and a refused one must have left nothing behind.
    stray_supporters = sorted(set(supporter_emails) - acknowledged - in_doubt)
    result = {
        "acknowledged": len(acknowledged),
        "acknowledged_unique": len(acknowledged) == len(signing.acknowledged),
        "refused": len(signing.refused),
        "in_doubt": len(in_doubt),
        "signature_rows": len(signature_emails),
        "supporter_rows": len(supporter_emails),
        "supporter_rows_unique": len(set(supporter_emails)) == len(supporter_emails),
        "lost": len(missing),
        "doubled": len(duplicated),
        "unacknowledged_rows": len(unexplained),
        "in_doubt_rows": len(signed & in_doubt),
        "stray_supporters": len(stray_supporters),
        "confirmation_tasks": len(task_ids),
        "confirmation_tasks_by_status": task_statuses,
        "signatures_without_task": len(signature_ids - set(task_ids)),
        "tasks_without_signature": len(set(task_ids) - signature_ids),
        "tasks_doubled": len(task_ids) - len(set(task_ids)),
        "examples": {"lost": missing[:5], "doubled": duplicated[:5], "unacked": unexplained[:5]},
    }
    result["ok"] = (
        result["acknowledged_unique"]
        and result["supporter_rows_unique"]
        and not missing
        and not duplicated
        and not unexplained
        and not stray_supporters
        and result["signatures_without_task"] == 0
        and result["tasks_without_signature"] == 0
        and result["tasks_doubled"] == 0
    )
    return result


# ---------------------------------------------------------------- reporting


def git_revision() -> str:
    try:
        revision = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{revision}{'+dirty' if dirty else ''}"


def granian_version() -> str:
    return version("granian")


def cpu_line(phase: dict) -> str:
    cores, per = phase["cpu_cores"], phase["cpu_ms_per_ok"]
    services = (
        f", database/redis {per['database_and_redis']}" if cores["database_and_redis"] else ""
    )
    return (
        f"CPU cores used: server {cores['server']}, database/redis"
        f" {cores['database_and_redis']}, client {cores['client']}, other jobs {cores['other']};"
        f" CPU ms per request: server {per['server']}{services}"
    )


def report(result: dict) -> str:
    page, sign, check = result["page"], result["sign"], result["integrity"]
    gzipped = result["page_gzip"]
    memory = result["memory_peak"]
    lines = [
        f"outcry sign benchmark · {result['database']}"
        f"{' + redis' if result['redis'] else ''} · granian: {result['workers']} workers"
        f" x {result['threads']} threads"
        f" · task worker {'on' if result['task_worker'] else 'off'} · {result['revision']}",
        f"campaign page: {page['per_second']:.0f} req/s over {page['seconds']:.0f} s,"
        f" {result['page_clients']} clients; p50 {page['latency_ms']['p50']} ms,"
        f" p99 {page['latency_ms']['p99']} ms; errors {page['errors'] or 'none'};"
        f" {cpu_line(page)}",
        f"campaign page, gzip as browsers ask: {gzipped['per_second']:.0f} req/s;"
        f" p50 {gzipped['latency_ms']['p50']} ms, p99 {gzipped['latency_ms']['p99']} ms;"
        f" errors {gzipped['errors'] or 'none'}; {cpu_line(gzipped)}",
        f"signing{' (each followed by its thank-you page)' if result.get('follow') else ''}:"
        f" {sign['per_second']:.0f} acknowledged signatures/s over"
        f" {sign['seconds']:.0f} s, {result['clients']} clients ({sign['ok']} in all);"
        f" p50 {sign['latency_ms']['p50']} ms, p90 {sign['latency_ms']['p90']} ms,"
        f" p99 {sign['latency_ms']['p99']} ms, max {sign['latency_ms']['max']} ms;"
        f" errors {sign['errors'] or 'none'};"
        f" {cpu_line(sign)}",
        f"memory (peak): granian {memory.get('granian_rss_mib')} MiB RSS"
        f" ({memory.get('granian_pss_mib')} MiB PSS) over"
        f" {memory.get('granian_processes')} processes; manage.py processes"
        f" {memory.get('other_rss_mib')} MiB RSS",
        f"integrity: {'OK' if check['ok'] else 'MISMATCH'} — {check['acknowledged']}"
        f" acknowledged, {check['signature_rows']} signatures, {check['supporter_rows']}"
        f" supporters, {check['confirmation_tasks']} confirmation tasks; lost {check['lost']},"
        f" doubled {check['doubled']}, rows nobody was told about"
        f" {check['unacknowledged_rows']}, in doubt {check['in_doubt']};"
        f" tasks by status {check['confirmation_tasks_by_status']}",
    ]
    return "\n".join(lines)


README_HEAD = """\
# Benchmark results

Written by `bench/sign.py` (see `bench/README.md`), one line per run, newest last; the
JSON file named on each line has every figure. *sig/s* counts only signatures answered
with the 302 to the thank-you page; latencies are per request as the client saw them.
*other jobs* is the CPU (in cores) that processes other than the server, its
database/Redis and the client used meanwhile: a run taken while it was high is low.

| when (UTC) | revision | database | workers x threads | task worker | page req/s \
| page p50/p99 ms | sig/s (clients) | sign p50/p99 ms | errors | other jobs \
| granian RSS MiB | integrity | file |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
"""


def record(result: dict, stamp: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    limits = "-limits" if result.get("rate_limits") else ""
    limits += "-follow" if result.get("follow") else ""
    name = f"sign-{result['database']}{'-redis' if result['redis'] else ''}{limits}-{stamp}.json"
    path = RESULTS / name
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    readme = RESULTS / "README.md"
    if not readme.exists():
        readme.write_text(README_HEAD)
    page, sign, check = result["page"], result["sign"], result["integrity"]
    errors = sum(sign["errors"].values()) + sum(page["errors"].values())
    other = max(page["cpu_cores"]["other"], sign["cpu_cores"]["other"])
    line = (
        f"| {result['started_at'][:16].replace('T', ' ')} | {result['revision']}"
        f" | {result['database']}{' + redis' if result['redis'] else ''}"
        f"{' (limits on)' if result.get('rate_limits') else ''}"
        f"{' (thank-you page followed)' if result.get('follow') else ''}"
        f" | {result['workers']} x {result['threads']}"
        f" | {'on' if result['task_worker'] else 'off'} | {page['per_second']:.0f}"
        f" | {page['latency_ms']['p50']}/{page['latency_ms']['p99']}"
        f" | {sign['per_second']:.0f} ({result['clients']})"
        f" | {sign['latency_ms']['p50']}/{sign['latency_ms']['p99']} | {errors} | {other}"
        f" | {result['memory_peak'].get('granian_rss_mib')}"
        f" | {'ok' if check['ok'] else 'MISMATCH'} ({check['acknowledged']} acknowledged,"
        f" {check['signature_rows']} rows) | [{name}]({name}) |\n"
    )
    with readme.open("a") as handle:
        handle.write(line)
    return path


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default="sqlite",
        help="'sqlite' (default), or postgres://user@127.0.0.1:5432/any: the bench creates "
        f"and drops the database {BENCH_DB} on that server",
    )
    parser.add_argument("--redis", default="", help="redis://127.0.0.1:6379/0 to cache in Redis")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per worker (default: serve's own)"
    )
    parser.add_argument(
        "--task-worker",
        action="store_true",
        help="run one task worker too (db_worker; rqworker with --redis)",
    )
    parser.add_argument(
        "--limits",
        action="store_true",
        help="count rate limits as in production (every client is 127.0.0.1, so the "
        "per-network limit is raised out of reach and the challenge never asked)",
    )
    parser.add_argument("--warmup-seconds", type=float, default=2.0)
    parser.add_argument("--page-seconds", type=float, default=10.0)
    parser.add_argument("--page-clients", type=int, default=32)
    parser.add_argument("--sign-seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--max-signatures", type=int, default=100_000)
    parser.add_argument(
        "--follow",
        action="store_true",
        help="after each acknowledged signature GET the thank-you page, as browsers do",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="rounds of pages and signing; the faster counts"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and var/bench/")
    parser.add_argument("--no-record", action="store_true", help="write nothing to results/")
    return parser.parse_args(argv)


@contextlib.contextmanager
def one_bench_at_a_time():
    """Hold the machine's bench lock (bench/sign.py and bench/mail.py share it).

    Two runs would share its cores (and the outcry_bench database), and both
    sets of figures would be wrong. The lock is the machine's (in /tmp), not the
    checkout's: runs from two worktrees collided on a port and a database.
    """
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    lock = os.open(MACHINE_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        raise SystemExit("Another bench is running on this machine.") from None
    try:
        yield
    finally:
        os.close(lock)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with one_bench_at_a_time():
        return run_bench(args)


def bench_env(args: argparse.Namespace, var_dir: Path, run: str) -> tuple[dict, str, str]:
    """The server's environment for a run; return (env, database kind, PostgreSQL admin URL).

    *args* names the database (``sqlite`` or a postgres:// URL), ``redis``, ``port``
    and ``limits``; sets ``args.postgres_name`` (whose backends' CPU is counted).
    bench/suite.py and bench/soak.py build theirs here too.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"EMAIL_URL", "REDIS_URL"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "outcry.settings",
        "OUTCRY_VAR_DIR": str(var_dir),
        "OUTCRY_RATELIMIT": "off",
        "OUTCRY_DEBUG": "off",
        "OUTCRY_LOG_LEVEL": "WARNING",
        "PORT": str(args.port),
        "OUTCRY_BASE_URL": f"http://127.0.0.1:{args.port}",
    }
    if args.limits:
        env |= {
            "OUTCRY_RATELIMIT": "on",
            "OUTCRY_RATELIMIT_SIGN_PER_NETWORK": "1000000000",
            "OUTCRY_CHALLENGE_PER_NETWORK": "0",
            "OUTCRY_CHALLENGE_SITE_PER_MINUTE": "0",
        }
    if args.redis:
        env["REDIS_URL"] = args.redis
        env["OUTCRY_CACHE_PREFIX"] = f"bench-{run}"
    postgres_admin = args.postgres_name = ""
    if args.database == "sqlite":
        database = "sqlite"
        env["DATABASE_URL"] = f"sqlite:///{var_dir}/outcry.sqlite3"
    elif args.database.startswith(("postgres://", "postgresql://")):
        database = "postgresql"
        postgres_admin, env["DATABASE_URL"] = postgres_urls(args.database)
        args.postgres_name = BENCH_DB
    else:
        raise SystemExit("--database must be 'sqlite' or a postgres:// URL")
    return env, database, postgres_admin


def run_bench(args: argparse.Namespace) -> int:
    now = dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    run = uuid.uuid4().hex[:8]
    var_dir = ROOT / "var" / "bench" / stamp
    var_dir.mkdir(parents=True, exist_ok=True)
    log = var_dir / "server.log"

    env, database, postgres_admin = bench_env(args, var_dir, run)
    os.environ.clear()
    os.environ.update(env)  # the integrity check reads the same settings

    server, granian, integrity = None, {}, {"ok": False}
    try:
        if postgres_admin:
            recreate_postgres(postgres_admin, create=True)
        print(f"Preparing {database} in {var_dir} …", flush=True)
        manage(env, "migrate", "--no-input", "-v", "0", log=log)
        manage(env, "load_demo", "--quiet-login", log=log)
        manage(env, "collectstatic", "--no-input", "-v", "0", log=log)
        try:
            server = start_server(args, env, log)
            granian = granian_options(server.pid)
            print(
                f"Serving on 127.0.0.1:{args.port}; {args.warmup_seconds:g} s warm-up, "
                f"{args.page_seconds:g} s of page GETs, {args.sign_seconds:g} s of signing …",
                flush=True,
            )
            figures, signing = asyncio.run(load(args, server.pid, run))
        finally:
            if server is not None:
                stop_server(server)
        integrity = check_integrity(signing, run)
        # Imported here: Django is set up by check_integrity, for the bench database.
        from django.db import connections

        connections.close_all()
    finally:
        if postgres_admin and not args.keep:
            recreate_postgres(postgres_admin, create=False)
        if args.keep or not integrity["ok"]:
            print(f"Kept {var_dir.relative_to(ROOT)} (server.log)", flush=True)
        else:
            shutil.rmtree(var_dir, ignore_errors=True)

    result = {
        "started_at": now.isoformat(timespec="seconds"),
        "revision": git_revision(),
        "database": database,
        "redis": bool(args.redis),
        "workers": args.workers,
        "threads": int(granian.get("blocking-threads", 0)),
        "granian": granian,
        "task_worker": args.task_worker,
        "rate_limits": args.limits,
        "page_clients": args.page_clients,
        "clients": args.clients,
        "follow": args.follow,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "granian": granian_version(),
            "kernel": platform.release(),
        },
        **figures,
        "integrity": integrity,
    }
    print(report(result))
    if not args.no_record:
        print(f"Recorded in {record(result, stamp).relative_to(ROOT)}")
    return 0 if integrity["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
