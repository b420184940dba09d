#!/usr/bin/env python3
"""Serve the demo site on 127.0.0.1 as ``make run`` does, for screenshots and Lighthouse.

A throwaway SQLite site under ``var/bench/site-<time>/`` (``migrate``, ``load_demo``,
``collectstatic``), served by ``manage.py serve`` with DEBUG off, static files by
WhiteNoise: what a visitor of a real install gets. Run alone, it prints the base URL
and serves until interrupted (bench/lighthouse.sh uses it so); ``demo_site()`` is the
same as a context manager (bench/screenshots.py). The directory is removed at the end.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = "/{language}/c/save-my-friend/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextlib.contextmanager
def demo_site(
    *, root: Path = ROOT, name: str = "site", env: dict | None = None, serve: tuple = ()
) -> Iterator[str]:
    """Start the demo site; yield its base URL ("http://127.0.0.1:PORT"); stop it.

    *root* is the outcry checkout to serve (another one for a before/after comparison),
    *env* more environment variables, *serve* more options of ``manage.py serve``.
    """
    run_dir = ROOT / "var" / "bench" / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    run_dir.mkdir(parents=True)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OUTCRY_")},
        "OUTCRY_VAR_DIR": str(run_dir),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "OUTCRY_BASE_URL": f"http://127.0.0.1:{port}",
        "PORT": str(port),
        **(env or {}),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(root / "manage.py")]
    server = None
    try:
        for command in (
            ["compile_catalogues"],
            ["migrate", "-v", "0"],
            ["load_demo"],
            ["collectstatic", "--no-input", "-v", "0"],
        ):
            subprocess.run(
                manage + command,
                cwd=root,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                timeout=300,
            )
        server = subprocess.Popen(
            [*manage, "serve", "--port", str(port), "--task-workers", "0", *serve],
            cwd=root,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 180
        while not healthy(port):
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start within 180 s")
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        shutil.rmtree(run_dir, ignore_errors=True)


def main() -> int:
    with demo_site() as base_url:
        print(base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            while True:
                time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
