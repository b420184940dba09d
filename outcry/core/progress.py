"""A small progress bar for management commands, written to stderr.

On a terminal it redraws one line with a carriage return; in a log (cron, CI,
a pipe) it writes a plain line every 10 %, so the log stays readable.
"""

import sys
import time
from typing import TextIO


class Progress:
    """Count work done out of *total* and show it on *stream*.

    Use as a context manager, call ``advance()`` per item, and the last line
    is finished on exit::

        with Progress(total=len(rows), label="missions") as progress:
            for row in rows:
                ...
                progress.advance()

    *total* may be None when unknown (a download without a length): then only
    the count and rate are shown.
    """

    redraw_seconds = 0.1

    def __init__(self, *, total: int | None, label: str = "", stream: TextIO | None = None):
        self.total = total
        self.label = label
        stream = stream if stream is not None else sys.stderr
        # A command's self.stderr (Django's OutputWrapper) ends every write with a
        # newline, which would break the redrawn line: write to the stream it wraps.
        self.stream = getattr(stream, "_out", stream)
        self.count = 0
        self.is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._started = time.monotonic()
        self._last_drawn = 0.0
        self._last_tenth = 0
        self._width = 0

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def advance(self, step: int = 1) -> None:
        self.count += step
        if self.is_tty:
            now = time.monotonic()
            if now - self._last_drawn >= self.redraw_seconds:
                self._last_drawn = now
                self._redraw()
        elif self.total:
            tenth = min(10, self.count * 10 // self.total)
            if tenth > self._last_tenth:
                self._last_tenth = tenth
                self.stream.write(self.line() + "\n")

    def close(self) -> None:
        """Draw the final state once (on a terminal, end the redrawn line)."""
        if self.is_tty:
            self._redraw()
            self.stream.write("\n")
        elif not self.total or self._last_tenth < 10:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def _redraw(self) -> None:
        # Pad to the widest line so far: a shorter rate must not leave old digits behind.
        line = self.line()
        self._width = max(self._width, len(line))
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        rate = f"{self.count / elapsed:,.0f}/s"
        prefix = f"{self.label}: " if self.label else ""
        if self.total:
            percent = self.count * 100 // self.total
            return f"{prefix}{self.count:,}/{self.total:,} ({percent}%) {rate}"
        return f"{prefix}{self.count:,} {rate}"
