"""Resolve letter deliveries that a killed worker left behind, and requeue lost ones."""

import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from outcry.letters.tasks import recover_deliveries


class Command(BaseCommand):
    help = (
        "Find deliveries left 'sending' by a worker that died and resolve them (asking the fax "
        "provider where it can, else marking them for an organiser to check), and queue again "
        "deliveries whose task was lost. Idempotent; safe while workers run."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--stale-after",
            type=int,
            default=settings.DELIVERY_STALE_SECONDS,
            metavar="SECONDS",
            help="A delivery 'sending' or due for longer than this is taken as interrupted "
            "(default OUTCRY_DELIVERY_STALE_SECONDS). Keep it well above the fax timeout.",
        )
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running and sweep every SECONDS (`manage.py run_periodic` already runs it).",
        )

    def handle(self, *args, stale_after: int, every: int, **options) -> None:
        if every < 0 or stale_after < 0:
            raise CommandError("--every and --stale-after must be positive numbers of seconds.")
        while True:
            counts = recover_deliveries(stale_after=timedelta(seconds=stale_after))
            if options["verbosity"] and (counts or options["verbosity"] > 1):
                summary = ", ".join(f"{name}: {n}" for name, n in sorted(counts.items()))
                self.stdout.write(f"recover_deliveries: {summary or 'nothing to do'}")
            if not every:
                return
            time.sleep(every)
