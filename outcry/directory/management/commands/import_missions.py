"""Import a country's embassies and consulates from the database-of-embassies CSV."""

from outcry.directory import importers
from outcry.directory.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = (
        "Import diplomatic missions from a database_of_embassies CSV (the copy shipped with "
        f"outcry, a file or an http(s) URL; canonical: {importers.MISSIONS_URL}). Idempotent: "
        "targets are keyed by Wikidata id; missions no longer listed are closed, never deleted."
    )
    shipped = importers.SHIPPED_MISSIONS

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--operator-country",
            metavar="CODE",
            help="Only missions operated by this state (ISO code, e.g. CN).",
        )
        self.add_list_arguments(parser, what="mission")

    def run_import(self, *, fetch, **options):
        path, source = fetch(options["source"])
        return importers.import_missions(
            path=path,
            source=source,
            operator_country=options["operator_country"],
            list_slug=options["list_slug"],
            list_name=options["list_name"],
            allow_removals=options["allow_removals"],
            stream=self.stderr,
        )
