"""Send the queued emails of the outbound ledger, in batches, until stopped."""

import signal

from django.core.management.base import BaseCommand, CommandError

from outcry.core.mail import engine


class Command(BaseCommand):
    help = (
        "Send queued emails: claim a batch (confirmations before mailings), render it, send it "
        "over one reused connection, record it; repeat. Run as many as you like, on any "
        "machine sharing the database: each takes its own batches. `serve` starts "
        "OUTCRY_MAIL_SENDERS of them. OUTCRY_MAIL_RATE is shared by the senders of one "
        "machine: tell each one started by hand how many there are (--of)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Send what is due now, then exit.")
        parser.add_argument(
            "--batch", type=int, help="Emails claimed at a time (default OUTCRY_MAIL_BATCH)."
        )
        parser.add_argument(
            "--slot",
            type=int,
            help="This sender's slot (its journal in var/mail/); default: the first free one.",
        )
        parser.add_argument(
            "--of",
            type=int,
            help="How many senders share OUTCRY_MAIL_RATE on this machine, this one among them "
            "(default OUTCRY_MAIL_SENDERS): each sends at most its share.",
        )
        parser.add_argument(
            "--report",
            action="store_true",
            help="Print how many emails are in each status (in doubt among them) and exit.",
        )

    def handle(
        self,
        *args,
        once: bool,
        batch: int | None,
        slot: int | None,
        of: int | None,
        report: bool,
        **options,
    ):
        if report:
            for status, number in engine.count_by_status().items():
                self.stdout.write(f"{status}: {number}")
            return
        if batch is not None and batch < 1:
            raise CommandError("--batch must be at least 1.")
        if of is not None and of < 1:
            raise CommandError("--of must be at least 1.")
        stopping = False

        def stop(signum, frame) -> None:
            # Finish the batch in hand (its outcome is recorded), then exit.
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        try:
            sender = engine.Sender(slot=slot, batch_size=batch, of=of)
        except (RuntimeError, OSError) as error:
            raise CommandError(str(error)) from None
        try:
            sent = sender.run(should_stop=lambda: stopping, once=once)
        finally:
            sender.close()
        if once or options["verbosity"] > 1:
            self.stdout.write(f"Sent {sent} emails as sender {sender.name}.")
