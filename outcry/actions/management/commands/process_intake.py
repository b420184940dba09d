"""Turn acknowledged actions (intake rows) into their rows, in batches, until stopped."""

import signal

from django.core.management.base import BaseCommand

from outcry.actions import intake
from outcry.actions.models import Intake


class Command(BaseCommand):
    help = (
        "Process the actions supporters were told we have (signatures in a surge): take "
        "waiting intake rows in batches of OUTCRY_INTAKE_BATCH and write their supporters, "
        "signatures, consents and confirmation emails, one transaction a batch. `serve` "
        "starts OUTCRY_INTAKE_WORKERS of them; on PostgreSQL any number may run, on any "
        "machine sharing the database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Process what is waiting now, then exit."
        )
        parser.add_argument(
            "--report",
            action="store_true",
            help="Print how many actions wait and how many failed, and exit.",
        )
        parser.add_argument(
            "--retry-failed",
            action="store_true",
            help="Put the failed actions back in the queue (once what failed them is fixed), "
            "then exit.",
        )

    def handle(self, *args, once: bool, report: bool, retry_failed: bool, **options):
        failed = Intake.objects.filter(failed_at__isnull=False)
        if report:
            self.stdout.write(f"waiting: {intake.waiting()}\nfailed: {failed.count()}")
            for row in failed.order_by("pk")[:20]:
                self.stdout.write(f"  {row} at {row.failed_at:%Y-%m-%d %H:%M:%S}: {row.error}")
            return
        if retry_failed:
            again = failed.update(failed_at=None, error="")
            self.stdout.write(f"{again} failed actions queued again.")
            return
        if once:
            processed = 0
            while done := intake.process_batch():
                processed += done
            self.stdout.write(f"Processed {processed} actions.")
            return
        stopping = False

        def stop(signum, frame) -> None:
            # Finish the batch in hand (its transaction commits), then exit.
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        processed = intake.run(should_stop=lambda: stopping)
        if options["verbosity"] > 1:
            self.stdout.write(f"Processed {processed} actions.")
