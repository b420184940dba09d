"""What the import commands share: the source argument, downloading, the summary."""

from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from outcry.core.audit import record_event
from outcry.directory import importers
from outcry.directory.models import ImportRun

NOTES_SHOWN = 20
IMPORT_RUN = "directory-import"  # the audit log's action for a run of an import command


class ImportCommand(BaseCommand):
    """An import from a file path or an http(s) URL, with progress on stderr.

    Without a source, the copy that ships with outcry (*shipped*) is read.
    """

    removed_word = "closed"  # what happens to rows the source no longer lists
    shipped: Path

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "source",
            nargs="?",
            help=(
                "A file path (.xz and .gz are read as they are), or an http(s) URL to "
                "download. Default: the copy that ships with outcry, "
                f"{self.shipped.relative_to(self.shipped.parents[3])}."
            ),
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=importers.DOWNLOAD_TIMEOUT_SECONDS,
            metavar="SECONDS",
            help="Give up a download after SECONDS without an answer (default: %(default)s).",
        )
        parser.add_argument(
            "--allow-removals",
            action="store_true",
            help=(
                "Close or delete more than a third of what earlier runs imported, "
                "if the source really lists that much less."
            ),
        )

    def handle(self, *args, **options) -> None:
        if options["timeout"] <= 0:
            raise CommandError("--timeout must be a positive number of seconds.")
        options["shipped"] = not options["source"]
        if options["shipped"]:
            options["source"] = str(self.shipped)
        try:
            with ExitStack() as stack:
                run = self.run_import(
                    fetch=lambda source: self._fetch(stack, source, options["timeout"]),
                    **options,
                )
        except importers.ImportFailed as error:
            raise CommandError(str(error)) from None
        self.audit(run)
        self.report(run, verbosity=options["verbosity"])

    def audit(self, run: ImportRun) -> None:
        """One audit entry for the whole run (not one per row: an import touches thousands).

        The shared contact details every organisation writes to changed outside the
        admin; the entry points at the run, whose counts and notes say what changed.
        """
        record_event(
            actor=None,
            action=IMPORT_RUN,
            object_repr=str(run),
            details={
                "import_run_id": run.pk,
                "kind": run.kind,
                "source": run.source,
                "created": run.created_count,
                "updated": run.updated_count,
                "unchanged": run.unchanged_count,
                "skipped": run.skipped_count,
                "removed": run.removed_count,
            },
            subject_type="importrun",
            subject_id=run.pk,
        )

    def _fetch(self, stack: ExitStack, source: str, timeout: float) -> tuple[Path, str]:
        """A local path for *source*, and the name to record (absolute path or the URL)."""
        path = stack.enter_context(
            importers.local_copy(source, timeout=timeout, stream=self.stderr)
        )
        recorded = source if importers.is_url(source) else str(Path(source).resolve())
        return path, recorded

    def add_list_arguments(self, parser, *, what: str) -> None:
        """--list and --list-name, for imports whose targets can go straight into a list."""
        parser.add_argument(
            "--list", dest="list_slug", metavar="SLUG", help=f"Add every open {what} to this list."
        )
        parser.add_argument(
            "--list-name", metavar="NAME", help="The list's name, if it has to be created."
        )

    def run_import(self, *, fetch, **options) -> ImportRun:
        raise NotImplementedError

    def report(self, run: ImportRun, *, verbosity: int) -> None:
        if verbosity < 1:
            return
        self.stdout.write(
            f"{run.kind} from {run.source}: {run.created_count} created, "
            f"{run.updated_count} updated, {run.unchanged_count} unchanged, "
            f"{run.skipped_count} skipped, {run.removed_count} {self.removed_word}."
        )
        notes = run.notes.splitlines()
        for note in notes[: NOTES_SHOWN if verbosity < 2 else None]:
            self.stdout.write(f"  {note}")
        if verbosity < 2 and len(notes) > NOTES_SHOWN:
            self.stdout.write(
                f"  … {len(notes) - NOTES_SHOWN} more notes: see import run {run.pk} "
                "in the admin, or run with -v 2."
            )
