#!/usr/bin/env python3
"""`make bench`: the whole signing benchmark of issue 16, in one command.

For each database (SQLite at 32 clients; PostgreSQL + Redis at 256), each number
of stored signatures (10,000 and 1,000,000; ``--quick`` only the first), rate
limits off, and once more per database with them on (at the smallest size):

1. A throwaway database (bench/sign.py's: SQLite under ``var/bench/``, or the
   PostgreSQL database ``outcry_bench``, created and dropped), migrated, the demo
   loaded, then the demo petition given its stored signatures (bench/seed.py,
   plain SQL; the time it took is printed and kept).
2. An aiosmtpd sink on 127.0.0.1 (bench/mail.py's), and the site run as
   ``make run`` runs it: ``manage.py serve`` with its own defaults (granian, task
   worker, mail senders and whatever else it starts, such as ``process_intake``)
   and mail over SMTP to the sink.
3. bench/sign.py's load: a warm-up, the campaign page (``--page-clients``), then
   signing through the real form (``--clients``) for ``--sign-seconds``.
4. Waits until the queue has drained: the table ``actions_intake`` empty where
   it exists (the one-write signing path of issue 16), no confirmation email
   queued in the ledger, and as many settled as acknowledged (``--drain-seconds``
   at most). Meanwhile the sink logs each email's arrival.
5. Checks, for every acknowledged address: exactly one Supporter, one Signature,
   one confirmation email in the ledger and one received by the sink; no row for
   an address that was never acknowledged (an unanswered one may or may not have
   one). Any mismatch makes the command exit 1.

Everything goes to ``bench/results/bench-<time>.json`` (figures, the machine, the
revision) and the table between the markers in ``bench/README.md`` is rewritten.
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
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mail as mailbench  # bench/ is not a package: by path
import seed as seeder
import sign as signbench

ROOT = signbench.ROOT
RESULTS = signbench.RESULTS
README = ROOT / "bench" / "README.md"
START_MARK = "<!-- bench:latest -->"
END_MARK = "<!-- /bench:latest -->"

# Issue 16's targets, on this 2-core machine with the load generator on it.
TARGETS = {
    "sqlite": {"sign_per_second": 1500, "p99_ms": 100},
    "postgresql": {"sign_per_second": 1000, "p99_ms": 1000},
    "page_per_second": 3000,
    "mail_delay_p99_seconds": 30,
    "slowdown_at_1m": 0.20,
}


# ---------------------------------------------------------------- one run


def intake_exists(env: dict) -> bool:
    """Whether this revision signs through the intake table (issue 16's one-write path)."""
    if env["DATABASE_URL"].startswith("sqlite:///"):
        sql = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = %s"
    else:
        sql = "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = %s"
    return mailbench.query(env, sql, ("actions_intake",))[0][0] > 0


def queue_state(env: dict, intake: bool, run: str) -> dict:
    """What is still to do: intake rows, and the run's emails by ledger status.

    The run's emails are those to its addresses (``b<run>-…``), whatever their purpose:
    the intake path may name its confirmation emails differently.
    """
    state = {"intake": 0, "intake_failed": 0}
    if intake:
        # A row its processor refused stays, marked failed_at, for an operator: it is
        # not waiting any more, and the integrity check counts it as a failure.
        state["intake"], state["intake_failed"] = mailbench.query(
            env,
            "SELECT COUNT(*) - COUNT(failed_at), COUNT(failed_at) FROM actions_intake",
        )[0]
    sql = "SELECT status, COUNT(*) FROM core_outgoingemail WHERE to_address LIKE %s GROUP BY status"
    state["ledger"] = dict(mailbench.query(env, sql, (f"b{run}-%",)))
    return state


def wait_drained(env: dict, intake: bool, run: str, acknowledged: int, seconds: float) -> dict:
    """Wait until every acknowledged signature's email is settled; say how long it took."""
    started = time.monotonic()
    while True:
        state = queue_state(env, intake, run)
        ledger = state["ledger"]
        pending = ledger.get("queued", 0) + ledger.get("sending", 0)
        settled = sum(ledger.values()) - pending
        state["drained"] = state["intake"] == 0 and pending == 0 and settled >= acknowledged
        if state["drained"] or time.monotonic() - started > seconds:
            state["seconds"] = round(time.monotonic() - started, 1)
            return state
        time.sleep(0.5)


def check_integrity(
    env: dict, run: str, signing, lines: list[tuple[float, str]], drain: dict
) -> dict:
    """Compare the rows and the sink with what the clients were told (see the module doc).

    *drain* is wait_drained's last look: a queue that did not drain, or an intake row
    its processor refused, fails the check too.
    """
    like = f"b{run}-%"
    (petition,) = mailbench.query(
        env, "SELECT id FROM petitions_petition WHERE slug = %s", (signbench.PETITION_SLUG,)
    )[0]
    supporters = dict(
        mailbench.query(
            env,
            "SELECT s.email, (SELECT COUNT(*) FROM petitions_signature g"
            " WHERE g.supporter_id = s.id AND g.petition_id = %s)"
            " FROM supporters_supporter s WHERE s.email LIKE %s",
            (petition, like),
        )
    )
    ledger = Counter(
        dict(
            mailbench.query(
                env,
                "SELECT to_address, COUNT(*) FROM core_outgoingemail"
                " WHERE to_address LIKE %s GROUP BY to_address",
                (like,),
            )
        )
    )
    received = Counter(rcpt for _stamp, rcpt in lines if rcpt.startswith(f"b{run}-"))
    acknowledged, in_doubt = set(signing.acknowledged), set(signing.in_doubt)
    problems = {
        "no_supporter": [a for a in acknowledged if a not in supporters],
        "no_signature": [a for a in acknowledged if supporters.get(a) == 0],
        "signature_doubled": [a for a, n in supporters.items() if n > 1],
        "rows_never_acknowledged": sorted(set(supporters) - acknowledged - in_doubt),
        "ledger_not_one": [a for a in acknowledged if ledger[a] != 1],
        "mail_not_received": [a for a in acknowledged if received[a] == 0],
        "mail_received_twice": [a for a, n in received.items() if n > 1],
        "mail_never_acknowledged": sorted(set(received) - acknowledged - in_doubt),
    }
    result = {
        "acknowledged": len(acknowledged),
        "acknowledged_unique": len(acknowledged) == len(signing.acknowledged),
        "in_doubt": len(in_doubt),
        "refused": len(signing.refused),
        "supporters": len(supporters),
        "signatures": sum(supporters.values()),
        "ledger_rows": sum(ledger.values()),
        "received": sum(received.values()),
        **{name: len(found) for name, found in problems.items()},
        "examples": {name: found[:3] for name, found in problems.items() if found},
    }
    result["drained"] = drain["drained"]
    result["intake_failed"] = drain["intake_failed"]
    result["ok"] = (
        result["acknowledged_unique"]
        and not any(problems.values())
        and drain["drained"]
        and not drain["intake_failed"]
    )
    return result


def site_options(args, **more) -> argparse.Namespace:
    """bench/sign.py's options for the site as `make run` has it: serve's own counts of
    web workers, threads, task workers and mail senders (None: serve's default)."""
    return argparse.Namespace(
        port=args.port, workers=None, threads=None, task_worker=None, mail_senders=None, **more
    )


def prepare(env: dict, log: Path, stored: int) -> dict:
    """Migrate, load the demo, collect static files, seed *stored* signatures; say how long."""
    signbench.manage(env, "migrate", "--no-input", "-v", "0", log=log)
    signbench.manage(env, "load_demo", "--quiet-login", log=log)
    signbench.manage(env, "collectstatic", "--no-input", "-v", "0", log=log)
    seeded = seeder.seed(env["DATABASE_URL"], stored)
    print(f"  seeded {stored:,} signatures in {seeded['total_seconds']} s ({seeded})", flush=True)
    return seeded


@contextlib.contextmanager
def serving(options: argparse.Namespace, env: dict, log: Path, smtp_port: int, sink_log: Path):
    """The SMTP sink and `manage.py serve` (mail to the sink); yield serve's process.

    Both are stopped on leaving, whatever happened: the server first, so nothing it
    still sends finds the sink gone.
    """
    env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    sink = server = None
    try:
        sink = mailbench.start_sink(smtp_port, sink_log)
        server = signbench.start_server(options, env, log)
        yield server
    finally:
        if server is not None:
            signbench.stop_server(server)
        if sink is not None:
            mailbench.stop_sink(sink)


def run_one(args, *, database: str, redis: str, clients: int, stored: int, limits: bool) -> dict:
    """One configuration, start to finish; returns its figures (and never leaves a server)."""
    run = uuid.uuid4().hex[:8]
    name = f"{'sqlite' if database == 'sqlite' else 'postgresql'}-{stored}{'-limits' * limits}"
    var_dir = ROOT / "var" / "bench" / f"suite-{args.stamp}" / name
    var_dir.mkdir(parents=True, exist_ok=True)
    log, sink_log = var_dir / "server.log", var_dir / "sink.log"
    options = site_options(
        args,
        database=database,
        redis=redis,
        limits=limits,
        warmup_seconds=args.warmup_seconds,
        page_seconds=args.page_seconds,
        page_clients=args.page_clients,
        sign_seconds=args.sign_seconds,
        clients=clients,
        max_signatures=args.max_signatures,
        rounds=args.rounds,
        follow=False,  # signatures as the issue counts them: acknowledged, not followed
    )
    env, kind, postgres_admin = signbench.bench_env(options, var_dir, run)
    label = f"{kind}{' + redis' if redis else ''}, {clients} clients, {stored:,} stored" + (
        ", rate limits on" if limits else ""
    )
    print(f"\n== {label}", flush=True)
    result = {"name": name, "database": kind, "redis": bool(redis), "clients": clients}
    result |= {"page_clients": args.page_clients, "stored": stored, "rate_limits": limits}
    ok = False
    try:
        if postgres_admin:
            signbench.recreate_postgres(postgres_admin, create=True)
        result["seed"] = prepare(env, log, stored)
        intake = intake_exists(env)
        result["signing_path"] = "intake" if intake else "direct"
        with serving(options, env, log, args.smtp_port, sink_log) as server:
            result["granian"] = signbench.granian_options(server.pid)
            figures, signing = asyncio.run(signbench.load(options, server.pid, run))
            surge_end = time.time()
            print(f"  waiting for the queue to drain (at most {args.drain_seconds:g} s) …")
            acknowledged = len(signing.acknowledged)
            result["drain"] = wait_drained(env, intake, run, acknowledged, args.drain_seconds)
        lines = mailbench.sink_lines(sink_log)
        result |= figures
        result["mail"] = mailbench.check_surge(figures["sign"], signing, surge_end, lines, env)
        result["integrity"] = check_integrity(env, run, signing, lines, result["drain"])
        ok = result["integrity"]["ok"]
    finally:
        if postgres_admin and not args.keep:
            signbench.recreate_postgres(postgres_admin, create=False)
        if redis:
            forget_redis(redis, env["OUTCRY_CACHE_PREFIX"])
        if ok and not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)
        else:
            print(f"  kept {var_dir.relative_to(ROOT)} (server.log, sink.log)", flush=True)
    print(run_report(result), flush=True)
    return result


def forget_redis(url: str, prefix: str) -> None:
    """Delete this run's keys (the cache's prefix): never the database's other keys."""
    import redis

    client = redis.Redis.from_url(url)
    with contextlib.closing(client):
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])


# ---------------------------------------------------------------- reporting


def run_report(result: dict) -> str:
    page, sign, mail, check = result["page"], result["sign"], result["mail"], result["integrity"]
    gzipped = result["page_gzip"]
    latency, delay = sign["latency_ms"], mail["delay_seconds"]
    by_process = ", ".join(f"{k} {v}" for k, v in sign["server_cpu_cores_by_process"].items())
    failed = {k: v for k, v in check.items() if isinstance(v, int) and v and k in PROBLEMS}
    return "\n".join(
        [
            f"  page: {page['per_second']:,.0f} req/s; p50 {page['latency_ms']['p50']} ms,"
            f" p99 {page['latency_ms']['p99']} ms; errors {page['errors'] or 'none'}",
            f"  page, gzip as browsers ask: {gzipped['per_second']:,.0f} req/s;"
            f" p50 {gzipped['latency_ms']['p50']} ms, p99 {gzipped['latency_ms']['p99']} ms;"
            f" errors {gzipped['errors'] or 'none'}",
            f"  signing ({result['signing_path']} path): {sign['per_second']:,.0f} acknowledged/s"
            f" over {sign['seconds']:.0f} s ({sign['ok']:,}); p50 {latency['p50']},"
            f" p90 {latency['p90']}, p99 {latency['p99']}, max {latency['max']} ms;"
            f" errors {sign['errors'] or 'none'}",
            f"  {signbench.cpu_line(sign)}",
            f"  server CPU cores by process: {by_process}",
            f"  yes → confirmation email: p50 {delay['p50']} s, p99 {delay['p99']} s,"
            f" max {delay['max']} s; last arrived {mail['last_after_surge_end_seconds']} s"
            f" after signing stopped; drained in {result['drain']['seconds']} s",
            f"  integrity: {'OK' if check['ok'] else 'MISMATCH'} — {check['acknowledged']:,}"
            f" acknowledged, {check['supporters']:,} supporters, {check['signatures']:,}"
            f" signatures, {check['ledger_rows']:,} ledger rows, {check['received']:,} received;"
            f" in doubt {check['in_doubt']}"
            + (f"; {failed} {check['examples']}" if failed else "")
            + ("" if check["drained"] else f"; NOT DRAINED {result['drain']}")
            + (f"; {check['intake_failed']} intake rows failed" if check["intake_failed"] else ""),
        ]
    )


PROBLEMS = (
    "no_supporter",
    "no_signature",
    "signature_doubled",
    "rows_never_acknowledged",
    "ledger_not_one",
    "mail_not_received",
    "mail_received_twice",
    "mail_never_acknowledged",
)


def machine() -> dict:
    """The machine the figures were taken on."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor() or "unknown",
    )
    meminfo = dict(
        line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line
    )
    return {
        "cpu_model": model,
        "cores": os.cpu_count(),
        "memory_gib": round(int(meminfo["MemTotal"].split()[0]) / 1024**2, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "granian": signbench.granian_version(),
    }


def revision() -> dict:
    described = signbench.git_revision()
    return {"commit": described.removesuffix("+dirty"), "dirty": described.endswith("+dirty")}


def verdict(value: float | None, target: float, *, at_most: bool = False) -> str:
    if value is None:
        return "-"
    return "met" if (value <= target if at_most else value >= target) else "not met"


def table(result: dict) -> str:
    """The short table for bench/README.md: latest figures beside the targets."""
    runs = result["runs"]
    lines = [
        f"Latest `make bench`: {result['finished_at'][:16].replace('T', ' ')} UTC, revision"
        f" {result['revision']['commit']}{' (dirty)' if result['revision']['dirty'] else ''},"
        f" {result['machine']['cores']} x {result['machine']['cpu_model']};"
        f" phases {result['settings']['page_seconds']:g} s of pages,"
        f" {result['settings']['sign_seconds']:g} s of signing"
        f"{rounds_words(result['settings'].get('rounds', 1))};"
        f" figures in [results/{result['file']}](results/{result['file']}).",
        "",
        "| run | signing path | sig/s | sign p50 / p99 / max ms | errors | mail delay p50 / p99"
        " / max s | last mail s | page req/s | page p99 ms | page gzip req/s | other jobs"
        " | integrity |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        sign, page, mail = run["sign"], run["page"], run["mail"]
        gzipped = run.get("page_gzip")
        latency, delay = sign["latency_ms"], mail["delay_seconds"]
        lines.append(
            f"| {run['database']}{' + redis' if run['redis'] else ''}, {run['clients']} clients,"
            f" {run['stored']:,} stored{', limits on' if run['rate_limits'] else ''}"
            f" | {run['signing_path']} | {sign['per_second']:,.0f}"
            f" | {latency['p50']:.0f} / {latency['p99']:.0f} / {latency['max']:.0f}"
            f" | {sum(sum(p['errors'].values()) for p in phases(run))}"
            f" | {delay['p50']} / {delay['p99']} / {delay['max']}"
            f" | {mail['last_after_surge_end_seconds']} | {page['per_second']:,.0f}"
            f" | {page['latency_ms']['p99']:.0f}"
            f" | {f'{gzipped["per_second"]:,.0f}' if gzipped else '-'}"
            f" | {other_jobs(run)}"
            f" | {'ok' if run['integrity']['ok'] else 'MISMATCH'} |"
        )
    lines += ["", "| target (issue 16) | measured | |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {v} |" for t, m, v in targets(runs)]
    noisy = max((other_jobs(run) for run in runs), default=0.0)
    if noisy > QUIET:
        lines += [
            "",
            f"(noisy): other jobs used up to {noisy} cores during this suite (above {QUIET}):"
            " its rates are low and the 1,000,000-against-10,000 comparisons say little;"
            " compare the server CPU per request, or take it again on a quiet machine.",
        ]
    return "\n".join(lines)


def rounds_words(rounds: int) -> str:
    return f", each figure the faster of {rounds} rounds" if rounds > 1 else ""


QUIET = 0.1  # cores of other jobs above which a run's figures are not comparable


def phases(run: dict) -> list[dict]:
    """The run's measured phases (a run recorded before the gzip page phase has two)."""
    return [run[key] for key in ("page", "page_gzip", "sign") if key in run]


def other_jobs(run: dict) -> float:
    return max(phase["cpu_cores"]["other"] for phase in phases(run))


def targets(runs: list[dict]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for each of issue 16's targets this suite measures."""
    rows = []
    smallest = min((r["stored"] for r in runs), default=0)
    mark = " (noisy)" if any(other_jobs(r) > QUIET for r in runs) else ""
    base = {r["database"]: r for r in runs if r["stored"] == smallest and not r["rate_limits"]}
    for kind, words in (("sqlite", "SQLite, 32 clients"), ("postgresql", "PostgreSQL + Redis")):
        run = base.get(kind)
        if run is None:
            continue
        goal, sign = TARGETS[kind], run["sign"]
        rows.append(
            (
                f"{words}: ≥ {goal['sign_per_second']:,} sig/s, p99 < {goal['p99_ms']:,} ms",
                f"{sign['per_second']:,.0f}/s, p99 {sign['latency_ms']['p99']:.0f} ms",
                "met"
                if sign["per_second"] >= goal["sign_per_second"]
                and sign["latency_ms"]["p99"] < goal["p99_ms"]
                else "not met",
            )
        )
        for key, how in (("page", ""), ("page_gzip", ", gzip as browsers ask")):
            if key not in run:
                continue
            page = run[key]["per_second"]
            rows.append(
                (
                    f"{words}: campaign page ≥ {TARGETS['page_per_second']:,} req/s{how}",
                    f"{page:,.0f}/s",
                    verdict(page, TARGETS["page_per_second"]),
                )
            )
        delay = run["mail"]["delay_seconds"]["p99"]
        rows.append(
            (
                f"{words}: yes → email p99 < {TARGETS['mail_delay_p99_seconds']} s",
                f"{delay} s",
                verdict(delay, TARGETS["mail_delay_p99_seconds"], at_most=True),
            )
        )
        big = [r for r in runs if r["database"] == kind and r["stored"] > smallest]
        for other in big:
            if other["rate_limits"]:
                continue
            for what, key in (("sig/s", "sign"), ("page req/s", "page")):
                before, after = run[key]["per_second"], other[key]["per_second"]
                loss = 1 - after / before if before else 0.0
                # The server's CPU per request says the same on a busy machine.
                cpu = [r[key]["cpu_ms_per_ok"]["server"] for r in (run, other)]
                rows.append(
                    (
                        f"{words}: {what} at {other['stored']:,} stored ≤ 20% below {smallest:,}",
                        f"{abs(loss):.0%} {'slower' if loss > 0 else 'faster'}"
                        f" ({before:,.0f} → {after:,.0f}/s; server CPU"
                        f" {cpu[0]} → {cpu[1]} ms per request)",
                        verdict(loss, TARGETS["slowdown_at_1m"], at_most=True),
                    )
                )
    return [(target, measured, result + mark) for target, measured, result in rows]


def rewrite_readme(text: str) -> None:
    readme = README.read_text()
    head, start, rest = readme.partition(START_MARK)
    _, end, tail = rest.partition(END_MARK)
    if not start or not end:
        raise SystemExit(f"bench/README.md lacks the markers {START_MARK} … {END_MARK}")
    README.write_text(f"{head}{START_MARK}\n{text}\n{END_MARK}{tail}")


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1,000,000 stored")
    parser.add_argument(
        "--stored",
        type=int,
        nargs="+",
        default=[10_000, 1_000_000],
        help="stored signatures to measure at (default 10000 1000000)",
    )
    parser.add_argument(
        "--only", choices=("sqlite", "postgresql"), help="one database instead of both"
    )
    parser.add_argument("--no-limits", action="store_true", help="skip the rate-limits-on runs")
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="the PostgreSQL server (the bench creates and drops its own database there)",
    )
    parser.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/6",
        help="Redis for the PostgreSQL runs (keys under a per-run prefix, deleted afterwards)",
    )
    parser.add_argument("--sqlite-clients", type=int, default=32)
    parser.add_argument("--postgres-clients", type=int, default=256)
    parser.add_argument("--page-clients", type=int, default=32)
    parser.add_argument("--warmup-seconds", type=float, default=2.0)
    parser.add_argument("--page-seconds", type=float, default=10.0)
    parser.add_argument("--sign-seconds", type=float, default=20.0)
    parser.add_argument("--max-signatures", type=int, default=1_000_000)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="rounds of pages and signing on each server; each figure is the faster round's",
    )
    parser.add_argument("--drain-seconds", type=float, default=300.0)
    parser.add_argument("--port", type=int, default=8865)
    parser.add_argument("--smtp-port", type=int, default=8825)
    parser.add_argument("--keep", action="store_true", help="keep databases and logs")
    parser.add_argument(
        "--no-record", action="store_true", help="write nothing to results/ or the README"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.stored = [min(args.stored)]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with signbench.one_bench_at_a_time():
        return run_suite(args)


def run_suite(args: argparse.Namespace) -> int:
    started = dt.datetime.now(dt.UTC)
    args.stamp = started.strftime("%Y%m%d-%H%M%S")
    measured = revision()  # what runs, even if a commit lands meanwhile
    plan = []
    for kind in ("sqlite", "postgresql"):
        if args.only and args.only != kind:
            continue
        database = "sqlite" if kind == "sqlite" else args.postgres
        redis = "" if kind == "sqlite" else args.redis
        clients = args.sqlite_clients if kind == "sqlite" else args.postgres_clients
        for stored in args.stored:
            plan.append((database, redis, clients, stored, False))
        if not args.no_limits:
            plan.append((database, redis, clients, min(args.stored), True))
    print(f"outcry bench: {len(plan)} runs, results in bench/results/", flush=True)
    runs = []
    for database, redis, clients, stored, limits in plan:
        runs.append(
            run_one(
                args,
                database=database,
                redis=redis,
                clients=clients,
                stored=stored,
                limits=limits,
            )
        )
    with contextlib.suppress(OSError):  # empty unless a run was kept
        (ROOT / "var" / "bench" / f"suite-{args.stamp}").rmdir()
    finished = dt.datetime.now(dt.UTC)
    name = f"bench-{args.stamp}.json"
    result = {
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "revision": measured,
        "machine": machine(),
        "settings": {
            k: v for k, v in vars(args).items() if k not in {"stamp", "keep", "no_record"}
        },
        "targets": TARGETS,
        "file": name,
        "runs": runs,
    }
    summary = table(result)
    print("\n" + summary)
    ok = all(run["integrity"]["ok"] for run in runs)
    if not args.no_record:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / name).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        rewrite_readme(summary)
        print(f"\nRecorded in bench/results/{name} and bench/README.md")
    print("integrity: " + ("OK" if ok else "MISMATCH (see above)"))
    return 0 if ok else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
