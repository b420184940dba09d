"""Import the members of the US Congress from unitedstates/congress-legislators."""

from outcry.directory import importers
from outcry.directory.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = (
        "Import members of the US Congress from legislators-current.yaml (a file or an http(s) "
        f"URL; canonical: {importers.CONGRESS_URL}), with their district offices and contact "
        "forms if given. Without a source, the copies shipped with outcry of all three. "
        "Idempotent: keyed by bioguide id; members no longer listed are closed."
    )
    shipped = importers.SHIPPED_LEGISLATORS

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--offices",
            metavar="SOURCE",
            help=f"legislators-district-offices.yaml (canonical: {importers.OFFICES_URL}).",
        )
        parser.add_argument(
            "--contact-forms",
            metavar="SOURCE",
            help="contact_forms.csv: bioguide id → contact form URL.",
        )
        self.add_list_arguments(parser, what="member")

    def run_import(self, *, fetch, **options):
        if options["shipped"]:  # the shipped members with the shipped offices and forms
            options["offices"] = options["offices"] or str(importers.SHIPPED_OFFICES)
            options["contact_forms"] = options["contact_forms"] or str(
                importers.SHIPPED_CONTACT_FORMS
            )
        path, source = fetch(options["source"])
        offices = fetch(options["offices"])[0] if options["offices"] else None
        forms = fetch(options["contact_forms"])[0] if options["contact_forms"] else None
        return importers.import_congress(
            path=path,
            source=source,
            offices_path=offices,
            contact_forms_path=forms,
            list_slug=options["list_slug"],
            list_name=options["list_name"],
            allow_removals=options["allow_removals"],
            stream=self.stderr,
        )
