"""Rebuild every petition's public counter from its Signature rows."""

import time

from django.core.management.base import BaseCommand, CommandError

from outcry.petitions.models import Petition
from outcry.petitions.services import recount_signatures


class Command(BaseCommand):
    help = (
        "Recount confirmed signatures and reset each petition's counter to match. "
        "Idempotent; safe while people are signing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slugs", nargs="*", help="Petition slugs (default: all).")
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running and recount every SECONDS (used by `manage.py serve`).",
        )

    def handle(self, *args, slugs: list[str], every: int, **options) -> None:
        if every < 0:
            raise CommandError("--every must be a positive number of seconds.")
        while True:
            self._recount(slugs, verbosity=options["verbosity"])
            if not every:
                return
            time.sleep(every)

    def _recount(self, slugs: list[str], *, verbosity: int) -> None:
        petitions = Petition.objects.order_by("pk")
        if slugs:
            petitions = petitions.filter(slug__in=slugs)
            missing = set(slugs) - set(petitions.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No petition with slug: {', '.join(sorted(missing))}")
        for petition in petitions:
            before, after = recount_signatures(petition=petition)
            if verbosity and (before != after or verbosity > 1):
                self.stdout.write(f"{petition.slug}: {before} → {after}")
