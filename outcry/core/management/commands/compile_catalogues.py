"""Compile the gettext catalogues (.po → .mo) without needing GNU gettext installed."""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile every .po file under LOCALE_PATHS into the .mo file Django reads."

    def handle(self, *args, **options) -> None:
        count = 0
        for root in settings.LOCALE_PATHS:
            for po_path in sorted(Path(root).glob("*/LC_MESSAGES/*.po")):
                with po_path.open("rb") as handle:
                    catalogue = read_po(handle)
                with po_path.with_suffix(".mo").open("wb") as handle:
                    write_mo(handle, catalogue, use_fuzzy=False)
                count += 1
        if options["verbosity"] > 1:
            self.stdout.write(f"Compiled {count} catalogue(s).")
