"""Helpers for the target directory tests: the shipped data files and loading them once.

The data ships with outcry in outcry/directory/data/ (see its SOURCES.md), so
every test runs on a fresh clone.
"""

import lzma
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from outcry.directory import importers

# Every sending state's missions; the helpers import China's (--operator-country CN).
MISSIONS_CSV = importers.SHIPPED_MISSIONS
LEGISLATORS_YAML = importers.SHIPPED_LEGISLATORS
OFFICES_YAML = importers.SHIPPED_OFFICES
CONTACT_FORMS_CSV = importers.SHIPPED_CONTACT_FORMS
ZCCD_CSV = importers.SHIPPED_ZIP_DISTRICTS

SEOUL_EMBASSY = "wikidata:Q17007157"
BUSAN_CONSULATE = "wikidata:Q99540292"
CHICAGO_CONSULATE = "wikidata:Q19854368"
BERLIN_EMBASSY = "wikidata:Q1073835"  # its row names no city

PRC_OPERATORS = (
    "People's Republic of China;",
    "Ministry of Foreign Affairs of the People's Republic of China;",
)


def prc_missions_copy(directory: Path) -> Path:
    """China's 148 rows of the shipped file, uncompressed, as *directory*/prc_missions.csv.

    Rows are copied unchanged under the same header: a file a test can edit as text.
    """
    with lzma.open(MISSIONS_CSV, "rt", encoding="utf-8", newline="") as handle:
        header, *rows = handle.read().splitlines(keepends=True)
    path = directory / "prc_missions.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header + "".join(row for row in rows if row.startswith(PRC_OPERATORS)))
    return path


@dataclass
class Output:
    stdout: str
    stderr: str


def run(command: str, *args: str) -> Output:
    """Run a management command as an operator would, and return what it printed."""
    stdout, stderr = StringIO(), StringIO()
    call_command(command, *[str(arg) for arg in args], stdout=stdout, stderr=stderr)
    return Output(stdout.getvalue(), stderr.getvalue())


def import_missions(path: Path = MISSIONS_CSV, *args: str) -> Output:
    return run("import_missions", path, "--operator-country", "CN", *args)


def import_congress(path: Path = LEGISLATORS_YAML, *args: str) -> Output:
    return run(
        "import_congress",
        path,
        "--offices",
        OFFICES_YAML,
        "--contact-forms",
        CONTACT_FORMS_CSV,
        *args,
    )


@contextmanager
def loaded_for_module(django_db_blocker, *loaders) -> Iterator[list[Output]]:
    """Run the slow imports once for a test module, and undo them after it.

    The rows stay in an open transaction that each test's own (nested) one
    sits inside, and that is rolled back when the module is done, so other
    modules never see them. Yields what each loader printed.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        outputs = [loader() for loader in loaders]
        yield outputs
        transaction.set_rollback(True)


def migrate(targets):
    """Migrate the test database to *targets* (None: every leaf, today's schema); return
    the historical apps at that point, to write rows as they were then."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return MigrationExecutor(connection).loader.project_state(targets).apps
