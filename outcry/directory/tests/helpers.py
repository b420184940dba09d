"""Helpers for the target directory tests: the shared data files and loading them once.

The data lives outside the repository, in ../shared/data beside the checkout
(see its SOURCES.md) or wherever OUTCRY_SHARED_DATA points; tests that need a
file skip with the reason when it is absent.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

DATA = Path(
    os.environ.get("OUTCRY_SHARED_DATA") or Path(settings.BASE_DIR).parent / "shared" / "data"
)
MISSIONS_CSV = DATA / "prc_missions" / "prc_missions.csv"
EMBASSIES_CSV = DATA / "prc_missions" / "database_of_embassies.csv"
LEGISLATORS_YAML = DATA / "us_congress" / "legislators-current.yaml"
OFFICES_YAML = DATA / "us_congress" / "legislators-district-offices.yaml"
CONTACT_FORMS_CSV = DATA / "us_congress" / "contact_forms.csv"
ZCCD_CSV = DATA / "us_congress" / "zccd.csv"

SEOUL_EMBASSY = "wikidata:Q17007157"
BUSAN_CONSULATE = "wikidata:Q99540292"
CHICAGO_CONSULATE = "wikidata:Q19854368"


def need(*paths: Path) -> None:
    """Skip the test unless every shared data file in *paths* is there."""
    for path in paths:
        if not path.is_file():
            pytest.skip(
                f"shared test data not found: {path} (put the data in ../shared/data beside "
                "the checkout or set OUTCRY_SHARED_DATA; see docs/development.md)"
            )


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
