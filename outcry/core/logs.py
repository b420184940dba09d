"""Logging helpers: keep hostile requests to one line each."""

import logging


class OneLineWarning(logging.Filter):
    """Log a refused request (django.security: a bad Host header, too many fields, a
    body too large) as one WARNING line without its traceback.

    Django logs each as an ERROR with the full traceback of the exception it
    raised on purpose; during an attack that buries the log in identical
    tracebacks. The line still names what was refused and why.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
