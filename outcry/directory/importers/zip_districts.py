"""The ZIP code → congressional district table (zccd.csv, from Census relationship files)."""

import csv
import re
from pathlib import Path
from typing import TextIO

from outcry.core.progress import Progress
from outcry.directory.importers.base import (
    COMPRESSION_ERRORS,
    SHIPPED_DATA,
    ImportFailed,
    guard_removals,
    open_text,
    recorded_run,
)
from outcry.directory.models import FIVE_DIGIT_ZIP, ImportRun, ZipDistrict

ZIP_DISTRICTS = "zip_districts"

ZIP_DISTRICTS_URL = (
    "https://raw.githubusercontent.com/OpenSourceActivismTech/us-zipcodes-congress/master/zccd.csv"
)
SHIPPED_ZIP_DISTRICTS = SHIPPED_DATA / "zccd.csv.xz"  # see outcry/directory/data/SOURCES.md


def import_zip_districts(
    *,
    path: Path,
    source: str,
    allow_removals: bool = False,
    batch_size: int = 2000,
    stream: TextIO | None = None,
) -> ImportRun:
    """Replace the ZIP→district table with the rows of a zccd.csv file.

    New rows are added in batches, rows the file no longer has are deleted,
    the rest are left alone. Idempotent and transactional; raises ImportFailed.
    """
    with recorded_run(kind=ZIP_DISTRICTS, source=source) as (run, tally):
        wanted: set[tuple[str, str, int]] = set()
        try:
            with open_text(path, encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                missing = {"state_abbr", "zcta", "cd"} - set(reader.fieldnames or [])
                if missing:
                    raise ImportFailed(
                        f"{path.name} is not a zccd file: no column {', '.join(sorted(missing))}."
                    )
                for line, row in enumerate(reader, start=2):
                    zcta = (row.get("zcta") or "").strip()
                    state = (row.get("state_abbr") or "").strip().upper()
                    district = (row.get("cd") or "").strip()
                    if not (
                        re.fullmatch(FIVE_DIGIT_ZIP, zcta)
                        and re.fullmatch(r"[A-Z]{2}", state)
                        and re.fullmatch(r"\d{1,2}", district)
                    ):
                        tally.notes.append(
                            f"line {line}: {zcta!r}, {state!r}, {district!r} skipped"
                        )
                        tally.skipped += 1
                        continue
                    wanted.add((zcta, state, int(district)))
        except (UnicodeDecodeError, csv.Error, *COMPRESSION_ERRORS) as error:
            raise ImportFailed(f"{path.name}: {error}") from None
        if not wanted:
            raise ImportFailed(f"{path.name}: no ZIP codes to import.")

        existing = {
            (zcta, state, district): pk
            for zcta, state, district, pk in ZipDistrict.objects.values_list(
                "zcta", "state", "district", "pk"
            ).iterator(chunk_size=10000)
        }
        stale = [pk for key, pk in existing.items() if key not in wanted]
        guard_removals(
            removing=len(stale), existing=len(existing), allow=allow_removals, what="ZIP rows"
        )
        for start in range(0, len(stale), 500):
            ZipDistrict.objects.filter(pk__in=stale[start : start + 500]).delete()
        new = sorted(wanted - existing.keys())
        with Progress(total=len(new), label="ZIP codes", stream=stream) as progress:
            for start in range(0, len(new), batch_size):
                batch = new[start : start + batch_size]
                ZipDistrict.objects.bulk_create(
                    [ZipDistrict(zcta=z, state=s, district=d) for z, s, d in batch],
                    ignore_conflicts=True,
                )
                progress.advance(len(batch))
        tally.created = len(new)
        tally.unchanged = len(wanted) - len(new)
        tally.removed = len(stale)
    return run
