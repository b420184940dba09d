"""Run the periodic jobs named in settings.PERIODIC_JOBS, each at its own interval."""

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger("outcry.periodic")


class Command(BaseCommand):
    help = (
        "Run reconciliation and recovery jobs (recounts, stranded emails, …) forever, "
        "each every N seconds as set in PERIODIC_JOBS. Every job is idempotent, so "
        "running two of these, or running one late, does no harm."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")

    def handle(self, *args, once: bool, **options) -> None:
        jobs = [(import_string(path), path, seconds) for path, seconds in settings.PERIODIC_JOBS]
        due = {path: 0.0 for _job, path, _seconds in jobs}
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while not stopping:
            for job, path, seconds in jobs:
                if time.monotonic() < due[path]:
                    continue
                if not once:
                    close_old_connections()  # as a request would: drop broken or old ones
                try:
                    result = job()
                except Exception:
                    logger.exception("Periodic job %s failed; it runs again in %s s", path, seconds)
                else:
                    if options["verbosity"] > 1 or once:
                        self.stdout.write(f"{path}: {result}")
                due[path] = time.monotonic() + seconds
            if once:
                return
            time.sleep(1)
