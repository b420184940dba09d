"""CSV for people who open it in a spreadsheet: streamed, UTF-8 with BOM, formula-safe."""

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import batched
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP
# "CSV injection"). Full-width forms are included because East Asian input
# methods type them and some spreadsheet versions convert them to ASCII
# (U+FF1D, U+FF0B, U+FF0D, U+FF20).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# Where a spreadsheet may start a cell: the start of ours, and, since one set to
# a semicolon-separated locale splits a comma-separated file at every ";" (and
# some at ","), right after either, spaces and line breaks skipped. A formula
# start there gets an apostrophe in front of it.
_CELL_STARTS = re.compile("(^|[;,])([ \n]*)(?=[" + re.escape("".join(FORMULA_STARTS)) + "])")

BYTE_ORDER_MARK = "\ufeff"

ROWS_PER_CHUNK = 500


def neutralise(value: Any) -> str:
    """Return *value* as text that no spreadsheet will run as a formula."""
    text = "" if value is None else str(value)
    # A leading apostrophe makes the spreadsheet show the cell as text.
    return _CELL_STARTS.sub(r"\1\2'", text)


def csv_chunks(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Yield the CSV text of *header* and *rows* a few hundred rows at a time.

    Starts with a byte order mark so Excel reads the file as UTF-8 (Korean and
    Chinese names stay readable). Every cell, header included, is neutralised.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(cell) for cell in header])
    yield BYTE_ORDER_MARK + buffer.getvalue()
    for batch in batched(rows, ROWS_PER_CHUNK, strict=False):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([neutralise(cell) for cell in row] for row in batch)
        yield buffer.getvalue()


def streaming_csv_response(*, filename: str, chunks: Iterable[str]) -> StreamingHttpResponse:
    """Send *chunks* as a downloaded CSV file without holding it all in memory."""
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # Personal data: never kept by a browser or proxy cache.
    response["Cache-Control"] = "private, no-store"
    return response
