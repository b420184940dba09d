#!/usr/bin/env python3
"""How fast the campaign page stays while clients hammer the admin login (issue 8).

All on 127.0.0.1, every phase bounded in time:

1. A throwaway SQLite site under ``var/bench/login-<time>/`` (bench/demo_site.py:
   ``migrate``, ``load_demo``, ``collectstatic``), served by ``manage.py serve`` (granian, one
   worker per core, no task worker) with ``OUTCRY_TRUSTED_PROXIES=1`` so each
   attacker can claim its own network in ``X-Forwarded-For``.
2. Phases of ``--seconds`` each. In every phase one visitor GETs the campaign page
   one request after another and its latencies are recorded; meanwhile
   ``--attackers`` threads POST wrong passwords to ``/admin/login/``:
   - ``quiet``: no attackers (the baseline);
   - ``one-source``: one username from one network (what the issue measured);
   - ``spread``: a new username from a new network on every attempt, so no
     lockout ever applies and only the limit on concurrent password checks
     protects the page.
3. Prints, per phase, the page's median / 95th percentile / maximum latency and
   what the login answers were (wrong password, locked out, busy).

``--root DIR`` runs another checkout of outcry (e.g. the code before issue 8) with
this interpreter, for a before/after comparison. Nothing is written outside the
run's directory, which is removed at the end.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_site import demo_site  # bench/ is not a package: by path

HERE = Path(__file__).resolve().parent.parent
PAGE = "/en/c/save-my-friend/"


def request(port, method, path, body=None, headers=None, timeout=30.0):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def visitor(port: int, stop: threading.Event, latencies: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        status, _headers, _body = request(port, "GET", PAGE)
        latencies.append(time.perf_counter() - started)
        assert status == 200, status
        time.sleep(0.02)


def attacker(port: int, stop: threading.Event, mode: str, number: int, outcomes: dict) -> None:
    lock = threading.Lock()
    while not stop.is_set():
        network = (
            f"198.51.{number}.{secrets.randbelow(250) + 1}" if mode == "spread" else "203.0.113.9"
        )
        username = f"guess-{secrets.token_hex(4)}" if mode == "spread" else "demo-organiser"
        headers = {"X-Forwarded-For": network}
        status, response_headers, body = request(port, "GET", "/admin/login/", headers=headers)
        cookie = next(v for k, v in response_headers if k.lower() == "set-cookie")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        form = f"csrfmiddlewaretoken={token}&username={username}&password=wrong+password+{number}"
        status, _h, body = request(
            port,
            "POST",
            "/admin/login/",
            body=form,
            headers={
                **headers,
                "Cookie": cookie.split(";", 1)[0],
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        if status == 429:
            outcome = "locked out"
        elif b"Too many people are signing in" in body:
            outcome = "busy"
        elif status == 200:
            outcome = "wrong password"
        else:
            outcome = f"HTTP {status}"
        with lock:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1


def run_phase(port: int, mode: str, attackers: int, seconds: float) -> dict:
    stop = threading.Event()
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    threads = [threading.Thread(target=visitor, args=(port, stop, latencies))]
    if mode != "quiet":
        threads += [
            threading.Thread(target=attacker, args=(port, stop, mode, n, outcomes))
            for n in range(attackers)
        ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    ordered = sorted(latencies)
    return {
        "mode": mode,
        "page requests": len(ordered),
        "median ms": round(statistics.median(ordered) * 1000, 1),
        "p95 ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1),
        "max ms": round(ordered[-1] * 1000, 1),
        "logins": outcomes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--root", type=Path, default=HERE, help="the outcry checkout to serve")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--attackers", type=int, default=6)
    parser.add_argument("--phases", default="quiet,one-source,spread")
    parser.add_argument("--threads", type=int, help="serve --threads (default: serve's own)")
    args = parser.parse_args()

    site = demo_site(
        root=args.root,
        name="login",
        env={"OUTCRY_TRUSTED_PROXIES": "1"},
        serve=("--threads", str(args.threads)) if args.threads else (),
    )
    with site as base_url:
        port = int(base_url.rsplit(":", 1)[1])
        for _ in range(20):  # warm up: every worker has rendered the page once
            request(port, "GET", PAGE)
        print(
            f"{args.root} · {args.attackers} attackers · {args.seconds:g} s per phase · "
            f"threads {args.threads or 'default'} · load average {os.getloadavg()[0]:.1f}"
        )
        for mode in args.phases.split(","):
            result = run_phase(port, mode, args.attackers, args.seconds)
            print(
                f"{mode:>11}: page median {result['median ms']} ms, p95 {result['p95 ms']} ms, "
                f"max {result['max ms']} ms over {result['page requests']} requests; "
                f"logins {result['logins']}",
                flush=True,
            )
            time.sleep(2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
