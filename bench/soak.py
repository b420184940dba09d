#!/usr/bin/env python3
"""`make soak`: a steady load for minutes, with the memory of every server process sampled.

Issue 16 asks for "a 10-minute soak at a steady rate with memory sampled: no growth
beyond a stated bound". On SQLite, the site run as ``make run`` runs it (bench/suite.py's
``run_one`` layout: ``manage.py serve`` with its defaults, mail over SMTP to
bench/mail.py's sink), ``--stored`` signatures seeded first (bench/seed.py):

- ``--clients`` clients sign through the real form at ``--rate`` signatures/s in all,
  and ``--page-clients`` clients GET the campaign page at ``--page-rate`` requests/s
  (bench/sign.py's clients, paced; a server that cannot keep up gets fewer);
- every ``--sample-seconds`` the RSS (and anonymous RSS) of each server process is read
  from /proc: granian's web workers, the task worker, the mail senders, the periodic
  jobs, ``process_intake`` where serve starts it, and serve itself;
- the verdict: total RSS growth from the end of the warm-up (``--warmup-minutes``, 2)
  to the last sample, against the bound ``--max-growth-mib`` (see bench/README.md for
  why that bound), and no server process replaced meanwhile (a restart would hide a
  leak). FAIL exits 1, as does a failed integrity check at the end (bench/suite.py's:
  after the queue drains, each acknowledged address has one supporter, one signature,
  one confirmation email received).

The series, the growth and the verdict go to ``bench/results/soak-<time>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import shutil
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mail as mailbench  # bench/ is not a package: by path
import sign as signbench
import suite

ROOT = signbench.ROOT


def memory_sample(pgid: int) -> dict[int, tuple[str, float, float]]:
    """{pid: (kind, RSS MiB, anonymous RSS MiB)} for every server process."""
    sample = {}
    for pid in signbench.process_group(pgid):
        try:
            kind = signbench.process_kind(pid)
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        values = {}
        for line in status.splitlines():
            name, _, rest = line.partition(":")
            if name in {"VmRSS", "RssAnon"}:
                values[name] = int(rest.split()[0]) / 1024
        if "VmRSS" in values:
            sample[pid] = (kind, values["VmRSS"], values.get("RssAnon", 0.0))
    return sample


async def sampler(pgid: int, every: float, stop: asyncio.Event, series: list, signing) -> None:
    """Append one sample to *series* every *every* seconds until *stop*."""
    started = time.monotonic()
    while not stop.is_set():
        sample = await asyncio.to_thread(memory_sample, pgid)
        by_kind: dict[str, float] = {}
        for kind, rss, _anon in sample.values():
            by_kind[kind] = round(by_kind.get(kind, 0.0) + rss, 1)
        point = {
            "seconds": round(time.monotonic() - started, 1),
            "rss_mib": round(sum(rss for _k, rss, _a in sample.values()), 1),
            "anon_rss_mib": round(sum(anon for _k, _r, anon in sample.values()), 1),
            "by_process": dict(sorted(by_kind.items())),
            "pids": sorted(sample),
            "acknowledged": len(signing.acknowledged),
        }
        series.append(point)
        print(
            f"  {point['seconds']:6.0f} s  RSS {point['rss_mib']:7.1f} MiB"
            f" (anon {point['anon_rss_mib']:.1f}) over {len(sample)} processes;"
            f" {point['acknowledged']:,} acknowledged",
            flush=True,
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


async def soak_load(args, pgid: int, run: str) -> tuple[dict, list, object]:
    """The paced clients and the sampler together; return (figures, series, signing)."""
    host, port, seconds = "127.0.0.1", args.port, args.minutes * 60
    sign, page = signbench.Phase("soak: signing"), signbench.Phase("soak: pages")
    signing = signbench.Signing(budget=10**9)
    deadline = time.perf_counter() + seconds
    clients = [
        signbench.sign_client(
            n, run, sign, signing, host, port, deadline, interval=args.clients / args.rate
        )
        for n in range(args.clients)
    ]
    if args.page_rate:
        interval = args.page_clients / args.page_rate
        clients += [
            signbench.page_client(page, host, port, deadline, interval=interval)
            for _ in range(args.page_clients)
        ]
    series: list = []
    stop = asyncio.Event()
    watcher = asyncio.ensure_future(sampler(pgid, args.sample_seconds, stop, series, signing))
    try:
        # The CPU of the whole soak is counted on the signing phase (pages included).
        await signbench.run_phase(sign, pgid, clients, seconds, ("", False))
    finally:
        stop.set()
        await watcher
    page.started, page.ended = sign.started, sign.ended
    figures = {"sign": sign.summary("acknowledged"), "page": page.summary("200")}
    return figures, series, signing


def growth(series: list, warmup_seconds: float) -> dict:
    """RSS from the first sample after the warm-up to the last, in total and by process."""
    after = [point for point in series if point["seconds"] >= warmup_seconds]
    if len(after) < 2:
        return {"from_seconds": None, "total_mib": None}
    first, last = after[0], after[-1]
    kinds = set(first["by_process"]) | set(last["by_process"])
    return {
        "from_seconds": first["seconds"],
        "to_seconds": last["seconds"],
        "start_mib": first["rss_mib"],
        "end_mib": last["rss_mib"],
        "total_mib": round(last["rss_mib"] - first["rss_mib"], 1),
        "total_percent": round(100 * (last["rss_mib"] / first["rss_mib"] - 1), 1),
        "anon_mib": round(last["anon_rss_mib"] - first["anon_rss_mib"], 1),
        "by_process_mib": {
            kind: round(last["by_process"].get(kind, 0) - first["by_process"].get(kind, 0), 1)
            for kind in sorted(kinds)
        },
        # A process serve (or granian) started again: its fresh memory hides a leak.
        "replaced_processes": len(set(first["pids"]) - set(last["pids"])),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=300.0, help="signatures/s in all")
    parser.add_argument("--page-rate", type=float, default=100.0, help="page views/s in all")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--page-clients", type=int, default=8)
    parser.add_argument("--sample-seconds", type=float, default=10.0)
    parser.add_argument("--warmup-minutes", type=float, default=2.0)
    parser.add_argument(
        "--max-growth-mib",
        type=float,
        default=64.0,
        help="the bound: total RSS growth after the warm-up (bench/README.md says why)",
    )
    parser.add_argument("--stored", type=int, default=10_000, help="signatures seeded first")
    parser.add_argument("--limits", action="store_true", help="rate limits on")
    parser.add_argument("--drain-seconds", type=float, default=300.0)
    parser.add_argument("--port", type=int, default=8867)
    parser.add_argument("--smtp-port", type=int, default=8827)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with signbench.one_bench_at_a_time():
        return soak(args)


def soak(args: argparse.Namespace) -> int:
    started = dt.datetime.now(dt.UTC)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    run = uuid.uuid4().hex[:8]
    var_dir = ROOT / "var" / "bench" / f"soak-{stamp}"
    var_dir.mkdir(parents=True, exist_ok=True)
    log, sink_log = var_dir / "server.log", var_dir / "sink.log"
    options = suite.site_options(args, database="sqlite", redis="", limits=args.limits)
    env, _kind, _admin = signbench.bench_env(options, var_dir, run)
    print(
        f"outcry soak: {args.minutes:g} min on SQLite at {args.rate:g} signatures/s and"
        f" {args.page_rate:g} page views/s; RSS every {args.sample_seconds:g} s;"
        f" bound: growth after minute {args.warmup_minutes:g} ≤ {args.max_growth_mib:g} MiB",
        flush=True,
    )
    result = {"started_at": started.isoformat(timespec="seconds"), "settings": vars(args)}
    result["revision"] = suite.revision()
    result["seed"] = suite.prepare(env, log, args.stored)
    intake = suite.intake_exists(env)
    result["signing_path"] = "intake" if intake else "direct"
    with suite.serving(options, env, log, args.smtp_port, sink_log) as server:
        figures, series, signing = asyncio.run(soak_load(args, server.pid, run))
        load_end = time.time()
        print(f"  waiting for the queue to drain (at most {args.drain_seconds:g} s) …")
        acknowledged = len(signing.acknowledged)
        drain = suite.wait_drained(env, intake, run, acknowledged, args.drain_seconds)
    lines = mailbench.sink_lines(sink_log)
    integrity = suite.check_integrity(env, run, signing, lines, drain)
    grew = growth(series, args.warmup_minutes * 60)
    memory_ok = (
        grew["total_mib"] is not None
        and grew["total_mib"] <= args.max_growth_mib
        and grew["replaced_processes"] == 0
    )
    ok = memory_ok and integrity["ok"]
    result |= {
        "machine": suite.machine(),
        **figures,
        "mail": mailbench.check_surge(figures["sign"], signing, load_end, lines, env),
        "drain": drain,
        "integrity": integrity,
        "series": series,
        "growth": grew,
        "memory_verdict": "PASS" if memory_ok else "FAIL",
    }
    sign, delay = figures["sign"], result["mail"]["delay_seconds"]
    print(
        f"signing: {sign['per_second']:,.0f}/s of {args.rate:g} asked ({sign['ok']:,} in all);"
        f" p50 {sign['latency_ms']['p50']} ms, p99 {sign['latency_ms']['p99']} ms;"
        f" errors {sign['errors'] or 'none'}; pages {figures['page']['per_second']:,.0f}/s\n"
        f"{signbench.cpu_line(sign)}\n"
        f"yes → email: p50 {delay['p50']} s, p99 {delay['p99']} s, max {delay['max']} s\n"
        f"memory: {grew.get('start_mib')} MiB at {grew.get('from_seconds')} s →"
        f" {grew.get('end_mib')} MiB at {grew.get('to_seconds')} s: {grew['total_mib']} MiB"
        f" ({grew.get('total_percent')}%), by process {grew.get('by_process_mib')};"
        f" processes replaced {grew.get('replaced_processes')}\n"
        f"memory: {result['memory_verdict']}"
        f" (bound: ≤ {args.max_growth_mib:g} MiB, none replaced)\n"
        f"integrity: {'OK' if integrity['ok'] else 'MISMATCH'} — {integrity['acknowledged']:,}"
        f" acknowledged, {integrity['signatures']:,} signatures, {integrity['received']:,}"
        f" emails received" + ("" if integrity["ok"] else f"; {integrity} {drain}")
    )
    if not args.no_record:
        path = signbench.RESULTS / f"soak-{stamp}.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        print(f"Recorded in {path.relative_to(ROOT)}")
    if ok and not args.keep:
        shutil.rmtree(var_dir, ignore_errors=True)
    else:
        print(f"Kept {var_dir.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
