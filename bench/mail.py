#!/usr/bin/env python3
"""Load-test the mail engine (issue 11): messages per second, and sign-to-inbox delay in a surge.

Everything on 127.0.0.1, one run at a time (it shares bench/sign.py's lock):

1. A throwaway SQLite database under ``var/bench/<run>/`` (or PostgreSQL with
   ``--database``, as bench/sign.py), migrated, with the demo loaded.
2. A sink: an aiosmtpd SMTP server in its own process that accepts everything
   and logs, per message, its arrival time (wall clock) and recipient.
3. **Bulk**: ``--bulk`` (100,000) recipients are queued in one ``queue_many``
   (a mailing, priority bulk), then ``--senders`` senders (``manage.py
   send_mail``, with a bench mailing renderer registered: English and Korean,
   text and HTML, List-Unsubscribe) are started. Figures: time to queue, time
   until the last is in the sink (the handover), messages per second over it,
   and the ledger check: every row SENT, every recipient in the sink exactly once.
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
BULK_PURPOSE = "bench-mailing"

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

TEXT = """{% load i18n %}{% blocktranslate %}Hello {{ name }},{% endblocktranslate %}

{{ body }}

{{ unsubscribe_url }}
"""
HTML = """<!doctype html><html lang="{{ language }}"><body><p>{{ name }},</p>
<p>{{ body }}</p><p><a href="{{ unsubscribe_url }}">{{ unsubscribe }}</a></p></body></html>
"""
BODIES = {
    "en": ("News from the campaign", "The group was moved; here is what we know."),
    "ko": ("캠페인 소식", "일행이 이송되었습니다. 지금까지 알려진 내용입니다."),
}


def mailing_emails(items):
    """The bench mailing for [(subject_id, round)]: templates compiled once, one language each."""
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives
    from django.template import Context, engines

    from outcry.core.ledger import Email
    from outcry.core.mail import address_header, configured_address

    engine = engines["django"].engine
    text, html = engine.from_string(TEXT), engine.from_string(HTML)
    sender = configured_address(settings.DEFAULT_FROM_EMAIL)
    emails = {}
    for subject_id, round_ in items:
        language = "ko" if subject_id % 2 == 0 else "en"
        subject, body = BODIES[language]
        to = f"reader-{subject_id}@example.org"
        unsubscribe = f"{settings.BASE_URL}/unsubscribe/{subject_id}/"
        context = {"name": f"Reader {subject_id}", "body": body, "unsubscribe_url": unsubscribe}
        message = EmailMultiAlternatives(
            subject=subject,
            body=text.render(Context(context, autoescape=False)),
            from_email=sender,
            to=[address_header(to)],
            headers={
                "Content-Language": language,
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        html_context = context | {"language": language, "unsubscribe": "Unsubscribe"}
        message.attach_alternative(html.render(Context(html_context)), "text/html")
        emails[(subject_id, round_)] = Email(to=to, message=message)
    return emails


def run_sender(argv: list[str]) -> None:
    """``manage.py send_mail`` with the bench mailing registered (``bench/mail.py sender …``)."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from outcry.core.ledger import register_email

    def one(*, subject_id, round_=0, queued=False):
        return mailing_emails([(subject_id, round_)])[(subject_id, round_)]

    register_email(BULK_PURPOSE, one, batch=mailing_emails)
    call_command("send_mail", *argv)


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


def count_status(env: dict, purpose: str) -> Counter:
    """Ledger rows of *purpose* by status, read with sqlite3/psycopg directly (no Django here)."""
    url = env["DATABASE_URL"]
    sql = "SELECT status, COUNT(*) FROM core_outgoingemail WHERE purpose = %s GROUP BY status"
    if url.startswith("sqlite:///"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"), timeout=60)) as db:
            return Counter(dict(db.execute(sql.replace("%s", "?"), (purpose,)).fetchall()))
    import psycopg

    with psycopg.connect(url) as db:
        return Counter(dict(db.execute(sql, (purpose,)).fetchall()))


# ---------------------------------------------------------------- phases


def bulk_phase(args, env: dict, log: Path, sink_log: Path) -> dict:
    queue_script = (
        "import sys, time, django; django.setup()\n"
        "from django.db import transaction\n"
        "from outcry.core.mail import engine\n"
        "started = time.monotonic()\n"
        "with transaction.atomic():\n"
        f"    engine.queue_many(purpose={BULK_PURPOSE!r}, recipients="
        f"((n, f'reader-{{n}}@example.org') for n in range(1, {args.bulk} + 1)))\n"
        "print(time.monotonic() - started)\n"
    )
    print(f"  bulk: queueing {args.bulk} recipients …", flush=True)
    queued = subprocess.run(
        [sys.executable, "-c", queue_script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    queue_seconds = float(queued.stdout.strip().splitlines()[-1])
    print(f"  bulk: queued in {queue_seconds:.1f} s; {args.senders} sender(s) …", flush=True)
    started = time.time()
    cpu_start = signbench.machine_cpu_seconds()
    senders = [
        subprocess.Popen(
            [sys.executable, str(BENCH / "mail.py"), "sender", "--slot", str(n), "--once"],
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
    statuses = count_status(env, BULK_PURPOSE)
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
            "p50": round(signbench.percentile(delays, 0.50), 2) if delays else None,
            "p99": round(signbench.percentile(delays, 0.99), 2) if delays else None,
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
    if argv[:1] == ["sender"]:
        run_sender(argv[1:])
        return 0
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
    if MAIL_HEAD not in text:
        text = text.replace(marker, MAIL_HEAD + marker) if marker in text else text + MAIL_HEAD
    head, found, rest = text.partition(marker)
    readme.write_text(head.rstrip("\n") + "\n" + line + "\n" + found + rest)
    return path


if __name__ == "__main__":
    sys.exit(main())
