"""Import the ZIP code → congressional district table (zccd.csv)."""

from outcry.directory import importers
from outcry.directory.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = (
        "Import ZIP code tabulation areas and their congressional districts from zccd.csv "
        "(the copy shipped with outcry, a file or an http(s) URL; canonical: "
        f"{importers.ZIP_DISTRICTS_URL}). Idempotent: adds new rows and deletes rows the file "
        "no longer has."
    )
    removed_word = "deleted"
    shipped = importers.SHIPPED_ZIP_DISTRICTS

    def run_import(self, *, fetch, **options):
        path, source = fetch(options["source"])
        return importers.import_zip_districts(
            path=path, source=source, allow_removals=options["allow_removals"], stream=self.stderr
        )
