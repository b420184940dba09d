"""Anonymise supporters who have done nothing for OUTCRY_RETENTION_DAYS."""

from django.conf import settings
from django.core.management.base import BaseCommand

from outcry.supporters.services import anonymise_inactive_supporters


class Command(BaseCommand):
    help = (
        "Erase the personal data of supporters with no action and no consent given or "
        "confirmed in the last OUTCRY_RETENTION_DAYS days; their signatures keep counting. "
        "run_periodic does this every ten minutes, 500 at a time; this command is for a first "
        "look (--dry-run) or a first run over a large old list, all at once. Safe to run twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count them; change nothing."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        days = settings.RETENTION_DAYS
        if not days:
            self.stdout.write("OUTCRY_RETENTION_DAYS is 0: supporters are kept until they ask.")
            return
        count = anonymise_inactive_supporters(dry_run=dry_run, limit=None)
        if dry_run:
            self.stdout.write(f"{count} supporters inactive for {days} days would be anonymised.")
        else:
            self.stdout.write(f"{count} supporters inactive for {days} days anonymised.")
