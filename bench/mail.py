#!/usr/bin/env python3
"""Load-test the mail engine (issue 11): messages per second, and sign-to-inbox delay in a surge.

Everything on 127.0.0.1, one run at a time (it shares bench/sign.py's lock):

1. A throwaway SQLite database under ``var/bench/<run>/`` (or PostgreSQL with
   ``--database``, as bench/sign.py), migrated, with the demo loaded.
2. A sink: an aiosmtpd SMTP server in its own process that accepts everything
   and logs, per message, its arrival time (wall clock) and recipient.
3. **Bulk**: a real mailing. ``--bulk`` (100,000) supporters, half reading
   Korean, consent to the demo's lead organisation; a mailing in English and
   Korean (Markdown, about 1 KB) is started as the admin's "send" does
   (``mailings.services.start``: recipients and ledger rows in one
   transaction), then ``--senders`` plain ``manage.py send_mail`` senders send
   it, each message with its own unsubscribe links and headers. Figures: time
   to start the mailing, time until the last is in the sink (the handover),
   messages per second over it, and the ledger check: every row SENT, every
   recipient in the sink exactly once.
4. **Surge**: ``manage.py serve`` with ``--senders`` mail senders and mail to the
   sink; bench/sign.py's clients sign for ``--sign-seconds`` (20) at full speed.
   Figures: signatures acknowledged, confirmation emails in the sink, the delay
   from each acknowledgement to its email's arrival (p50, p99, max), and when the
   last arrived after the surge's end (the target: within 30 s).

Results go to ``bench/results/mail-<db>-<time>.json`` and a line in
``bench/results/README.md``. ``make bench-mail`` runs it (it needs aiosmtpd, a
development dependency).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import sign as signbench  # noqa: E402 - bench/sign.py, beside this file

ROOT = signbench.ROOT
RESULTS = signbench.RESULTS
MAILING_PURPOSE = "mailing"

SINK_SCRIPT = """
import signal, sys, time
from aiosmtpd.controller import Controller

log = open(sys.argv[2], "w", buffering=1 << 20)

class Sink:
    async def handle_DATA(self, server, session, envelope):
        now = time.time()
        for rcpt in envelope.rcpt_tos:
            log.write(f"{now:.4f} {rcpt}\\n")
        return "250 OK"

signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
log.close()
"""

# The mailing's words (about 1 KB each, Markdown): what a coalition wrote in the seeds' weeks.
BODIES = {
    "en": (
        "Still detained: write to the embassy again this week",
        "The group arrested in February in Shenyang, Yanji and Changchun is **still held**. "
        "Families in Seoul say the transfer to the border may come within days.\n\n"
        "What you can do today:\n\n"
        "- Write to the embassy or the consulate nearest to you; the letter takes five minutes.\n"
        "- Join the vigil across from the embassy, every day at 2pm.\n"
        "- Ask two friends to sign the petition before the deadline.\n\n"
        "Every letter is counted and read. Thank you for standing with them.",
    ),
    "ko": (
        "아직 구금 중입니다: 이번 주에 대사관에 다시 편지를 보내 주세요",
        "2월에 선양, 옌지, 창춘에서 체포된 일행이 **아직 구금되어 있습니다**. "
        "서울의 가족들은 며칠 안에 국경으로 이송될 수 있다고 말합니다.\n\n"
        "오늘 할 수 있는 일:\n\n"
        "- 가장 가까운 대사관이나 영사관에 편지를 보내 주세요. 5분이면 됩니다.\n"
        "- 매일 오후 2시 대사관 맞은편에서 열리는 집회에 함께해 주세요.\n"
        "- 마감 전에 친구 두 명에게 청원 서명을 부탁해 주세요.\n\n"
        "모든 편지는 세어지고 읽힙니다. 함께해 주셔서 고맙습니다.",
    ),
}


# ---------------------------------------------------------------- sink


def start_sink(port: int, log: Path) -> subprocess.Popen:
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK_SCRIPT, str(port), str(log)],
        cwd=ROOT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while signbench.port_is_free(port):
        if time.monotonic() > deadline or sink.poll() is not None:
            raise SystemExit("The SMTP sink did not start")
        time.sleep(0.1)
    return sink


def stop_sink(sink: subprocess.Popen) -> None:
    sink.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        sink.wait(timeout=30)
    if sink.poll() is None:
        sink.kill()


def sink_lines(log: Path) -> list[tuple[float, str]]:
    lines = []
    for line in log.read_text().splitlines():
        stamp, _, rcpt = line.partition(" ")
        lines.append((float(stamp), rcpt))
    return lines


def query(env: dict, sql: str, parameters: tuple = ()) -> list[tuple]:
    """Rows of *sql* (``%s`` placeholders) in the bench database, read with sqlite3 or
    psycopg directly: no Django here, which reads its settings once per process, and a
    bench may go through several databases (bench/suite.py)."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)) as db:
            return db.execute(sql.replace("%s", "?"), parameters).fetchall()
    import psycopg

    with psycopg.connect(url) as db:
        return db.execute(sql, parameters).fetchall()


def count_status(env: dict, purpose: str) -> Counter:
    """Ledger rows of *purpose* by status."""
    sql = "SELECT status, COUNT(*) FROM core_outgoingemail WHERE purpose = %s GROUP BY status"
    return Counter(dict(query(env, sql, (purpose,))))


# ---------------------------------------------------------------- phases


# Creates --bulk supporters (half reading Korean) who consented to the demo's lead
# organisation, writes a mailing in English and Korean, and starts it as the admin's
# "send" does (mailings.services.start): that hand-over to the engine is timed.
MAILING_SCRIPT = """
import json, sys, time, django
django.setup()
from django.utils import timezone
from outcry.campaigns.models import Campaign
from outcry.mailings import services
from outcry.mailings.models import Mailing, MailingText
from outcry.supporters.models import Consent, Supporter

total = int(sys.argv[1])
campaign = Campaign.objects.order_by("pk").first()
lead = campaign.lead_organisation
now = timezone.now()
for start in range(1, total + 1, 5000):
    numbers = range(start, min(start + 5000, total + 1))
    Supporter.objects.bulk_create(
        Supporter(email=f"reader-{n}@example.org", name=f"Reader {n}", country="KR",
                  language="ko" if n % 2 == 0 else "en")
        for n in numbers
    )
    ids = Supporter.objects.filter(
        email__in=[f"reader-{n}@example.org" for n in numbers]
    ).values_list("pk", flat=True)
    Consent.objects.bulk_create(
        Consent(supporter_id=pk, organisation=lead, wording="bench", language="en",
                confirmed_at=now)
        for pk in ids
    )
mailing = Mailing.objects.create(organisation=lead, campaign=campaign)
for language, (subject, body) in json.loads(sys.argv[2]).items():
    MailingText.objects.create(mailing=mailing, language=language, subject=subject, body=body)
started = time.monotonic()
count = services.start(mailing, user=None)
print(count, time.monotonic() - started)
"""


def bulk_phase(args, env: dict, log: Path, sink_log: Path) -> dict:
    print(f"  bulk: {args.bulk} supporters and a mailing to them …", flush=True)
    queued = subprocess.run(
        [sys.executable, "-c", MAILING_SCRIPT, str(args.bulk), json.dumps(BODIES)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    if queued.returncode:
        raise SystemExit(f"Starting the mailing failed:\n{queued.stderr}")
    count, queue_seconds = queued.stdout.strip().splitlines()[-1].split()
    queue_seconds = float(queue_seconds)
    if int(count) != args.bulk:
        raise SystemExit(f"The mailing reached {count} supporters, not {args.bulk}")
    print(f"  bulk: queued in {queue_seconds:.1f} s; {args.senders} sender(s) …", flush=True)
    started = time.time()
    cpu_start = signbench.machine_cpu_seconds()
    senders = [
        subprocess.Popen(
            [sys.executable, "manage.py", "send_mail", "--slot", str(n), "--once"],
            cwd=ROOT,
            env=env,
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
        )
        for n in range(1, args.senders + 1)
    ]
    for sender in senders:
        sender.wait(timeout=1800)
    finished = time.time()
    machine_cpu = signbench.machine_cpu_seconds() - cpu_start
    time.sleep(1)  # the sink's log is flushed on stop; give the last messages a moment
    statuses = count_status(env, MAILING_PURPOSE)
    return {
        "recipients": args.bulk,
        "senders": args.senders,
        "queue_seconds": round(queue_seconds, 2),
        "handover_seconds": round(finished - started, 2),
        "per_second": round(args.bulk / (finished - started), 1),
        "ledger": dict(statuses),
        "machine_cpu_cores": round(machine_cpu / (finished - started), 2),
        "sink_log": str(sink_log),
        "_started": started,
    }


def check_bulk(result: dict, lines: list[tuple[float, str]]) -> None:
    received = Counter(rcpt for _stamp, rcpt in lines if rcpt.startswith("reader-"))
    arrivals = [stamp for stamp, rcpt in lines if rcpt.startswith("reader-")]
    result["sink_received"] = sum(received.values())
    result["sink_unique"] = len(received)
    result["sent_twice"] = sum(1 for n in received.values() if n > 1)
    if arrivals:
        result["last_arrival_seconds"] = round(max(arrivals) - result["_started"], 2)
    result["ok"] = (
        result["ledger"].get("sent", 0) == result["recipients"]
        and result["sink_unique"] == result["recipients"]
        and result["sent_twice"] == 0
    )
    del result["_started"]
    del result["sink_log"]


def surge_phase(args, env: dict, log: Path) -> tuple[dict, signbench.Signing, float]:
    sign_args = signbench.parse_args(
        [
            "--port",
            str(args.port),
            "--sign-seconds",
            str(args.sign_seconds),
            "--page-seconds",
            "1",
            "--warmup-seconds",
            "1",
            "--clients",
            str(args.clients),
        ]
    )
    sign_args.postgres_name = ""
    sign_args.mail_senders = args.senders
    server = signbench.start_server(sign_args, env, log)
    try:
        print(
            f"  surge: serve with {args.senders} mail sender(s); "
            f"{args.sign_seconds:g} s of signing …",
            flush=True,
        )
        figures, signing = asyncio.run(signbench.load(sign_args, server.pid, "m"))
        surge_end = time.time()
        acknowledged = len(signing.acknowledged)
        deadline = time.monotonic() + args.wait_seconds
        while time.monotonic() < deadline:
            statuses = count_status(env, "signature-confirmation")
            if statuses.get("sent", 0) + statuses.get("skipped", 0) >= acknowledged:
                break
            time.sleep(0.5)
    finally:
        signbench.stop_server(server)
    return figures["sign"], signing, surge_end


def check_surge(sign: dict, signing, surge_end: float, lines, env: dict) -> dict:
    arrived = {}
    for stamp, rcpt in lines:
        if rcpt.startswith("b"):
            arrived.setdefault(rcpt, stamp)
    delays = sorted(
        arrived[email] - at for email, at in signing.acknowledged_at.items() if email in arrived
    )
    missing = [email for email in signing.acknowledged if email not in arrived]
    last = max((arrived[email] for email in signing.acknowledged if email in arrived), default=0)
    statuses = count_status(env, "signature-confirmation")
    result = {
        "sign_seconds": sign["seconds"],
        "signatures_per_second": sign["per_second"],
        "acknowledged": len(signing.acknowledged),
        "confirmations_in_sink": len(delays),
        "missing": len(missing),
        "ledger": dict(statuses),
        "delay_seconds": {
            "p50": round(signbench.percentile(delays, 50), 2) if delays else None,
            "p99": round(signbench.percentile(delays, 99), 2) if delays else None,
            "max": round(delays[-1], 2) if delays else None,
        },
        "last_after_surge_end_seconds": round(last - surge_end, 2) if delays else None,
    }
    result["ok"] = not missing and (result["last_after_surge_end_seconds"] or 0) <= 30
    return result


# ---------------------------------------------------------------- main


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite", help="as bench/sign.py")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--smtp-port", type=int, default=8025)
    parser.add_argument("--senders", type=int, default=1, help="mail senders (default 1)")
    parser.add_argument("--batch", type=int, default=0, help="OUTCRY_MAIL_BATCH (default: its own)")
    parser.add_argument("--bulk", type=int, default=100_000, help="recipients of the mailing")
    parser.add_argument("--sign-seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--wait-seconds", type=float, default=180.0)
    parser.add_argument("--skip-bulk", action="store_true")
    parser.add_argument("--skip-surge", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    with signbench.one_bench_at_a_time():
        return run(args)


def run(args) -> int:
    now = dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    var_dir = ROOT / "var" / "bench" / f"mail-{stamp}"
    var_dir.mkdir(parents=True, exist_ok=True)
    log, sink_log = var_dir / "server.log", var_dir / "sink.log"
    env = {k: v for k, v in os.environ.items() if k not in {"EMAIL_URL", "REDIS_URL"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "outcry.settings",
        "PYTHONPATH": str(ROOT),
        "OUTCRY_VAR_DIR": str(var_dir),
        "OUTCRY_RATELIMIT": "off",
        "OUTCRY_DEBUG": "off",
        "OUTCRY_LOG_LEVEL": "WARNING",
        "PORT": str(args.port),
        "OUTCRY_BASE_URL": f"http://127.0.0.1:{args.port}",
        "EMAIL_URL": f"smtp://127.0.0.1:{args.smtp_port}",
    }
    if args.batch:
        env["OUTCRY_MAIL_BATCH"] = str(args.batch)
    postgres_admin = ""
    if args.database == "sqlite":
        database = "sqlite"
        env["DATABASE_URL"] = f"sqlite:///{var_dir}/outcry.sqlite3"
    else:
        database = "postgresql"
        postgres_admin, env["DATABASE_URL"] = signbench.postgres_urls(args.database)
    result = {
        "started_at": now.isoformat(timespec="seconds"),
        "revision": signbench.git_revision(),
        "database": database,
        "senders": args.senders,
        "batch": int(env.get("OUTCRY_MAIL_BATCH", 100)),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    sink = None
    try:
        if postgres_admin:
            signbench.recreate_postgres(postgres_admin, create=True)
        print(f"Preparing {database} in {var_dir} …", flush=True)
        signbench.manage(env, "migrate", "--no-input", "-v", "0", log=log)
        signbench.manage(env, "load_demo", "--quiet-login", log=log)
        signbench.manage(env, "collectstatic", "--no-input", "-v", "0", log=log)
        sink = start_sink(args.smtp_port, sink_log)
        bulk = surge = None
        if not args.skip_bulk:
            bulk = bulk_phase(args, env, log, sink_log)
        if not args.skip_surge:
            sign, signing, surge_end = surge_phase(args, env, log)
        stop_sink(sink)
        sink = None
        lines = sink_lines(sink_log)
        if bulk is not None:
            check_bulk(bulk, lines)
            result["bulk"] = bulk
        if not args.skip_surge:
            surge = check_surge(sign, signing, surge_end, lines, env)
            result["surge"] = surge
    finally:
        if sink is not None:
            stop_sink(sink)
        if postgres_admin and not args.keep:
            signbench.recreate_postgres(postgres_admin, create=False)
    ok = all(part.get("ok", True) for part in (result.get("bulk", {}), result.get("surge", {})))
    result["ok"] = ok
    if ok and not args.keep:
        shutil.rmtree(var_dir, ignore_errors=True)
    else:
        print(f"Kept {var_dir.relative_to(ROOT)}")
    print(json.dumps(result, indent=2))
    if not args.no_record:
        print(f"Recorded in {record(result, stamp).relative_to(ROOT)}")
    return 0 if ok else 1


MAIL_HEAD = """## Mail engine (bench/mail.py), one line per run

| when | revision | db | senders x batch | bulk | msg/s | handover s | sent twice \
| surge sig/s | delay p50/p99 s | last after end s | check | figures |
|---|---|---|---|---|---|---|---|---|---|---|---|---|

"""


def record(result: dict, stamp: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"mail-{result['database']}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    bulk, surge = result.get("bulk", {}), result.get("surge", {})
    delay = surge.get("delay_seconds", {})
    line = (
        f"| {result['started_at'][:16].replace('T', ' ')} | {result['revision']}"
        f" | {result['database']} | {result['senders']} x {result['batch']}"
        f" | {bulk.get('recipients', '-')} | {bulk.get('per_second', '-')}"
        f" | {bulk.get('handover_seconds', '-')} | {bulk.get('sent_twice', '-')}"
        f" | {surge.get('signatures_per_second', '-')} x {surge.get('sign_seconds', '-')} s"
        f" | {delay.get('p50', '-')}/{delay.get('p99', '-')}"
        f" | {surge.get('last_after_surge_end_seconds', '-')}"
        f" | {'ok' if result['ok'] else 'NOT OK'} | [{path.name}]({path.name}) |\n"
    )
    # The mail table sits before bench/sign.py's, which grows at the end of the file.
    readme = RESULTS / "README.md"
    text = readme.read_text() if readme.exists() else ""
    marker = "## Every run"
    if MAIL_HEAD.splitlines()[0] not in text:
        text = text.replace(marker, MAIL_HEAD + marker) if marker in text else text + MAIL_HEAD
    head, found, rest = text.partition(marker)
    readme.write_text(head.rstrip("\n") + "\n" + line + "\n" + found + rest)
    return path


if __name__ == "__main__":
    sys.exit(main())
