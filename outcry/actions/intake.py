"""Say yes after one durable write; do the rest of many actions at once, in batches.

In a surge the request that takes an action writes one ``Intake`` row (what
the person typed, as JSON) and answers; a worker (``manage.py process_intake``,
started by ``serve``) takes the waiting rows in batches and hands each kind's
rows to the processor its app registered (``register``), inside one
transaction that also deletes them. So each acknowledged action is either
still waiting or completely done:

- a web process killed after its answer lost nothing: the row was committed
  before the answer went;
- a worker killed mid-batch rolled back the whole batch, rows included, and
  the next round does it again from the start: nothing is done twice.

Rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several workers take different batches; on SQLite a batch's transaction holds
the database's write lock (core/sqlite3) and one worker runs.

A batch that fails for another reason than the database being unreachable is
taken again one row at a time, each in its own transaction; a row that still
fails alone is kept, marked failed with its error, for an operator to look at
(``process_intake --report``). Nothing acknowledged is ever deleted unprocessed.

With OUTCRY_INTAKE_INLINE (tests, ``make dev``: no worker runs) each row is
processed right after it is written, in the same request.
"""

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from outcry.actions.models import Intake

logger = logging.getLogger("outcry.intake")

Processor = Callable[[list[dict]], object]

_processors: dict[str, Processor] = {}


def register(kind: str, processor: Processor) -> None:
    """Let *processor* write the rows of *kind*'s actions: it gets the payloads of a
    batch, oldest first, inside the batch's transaction, and must write all of them
    (or raise, and none are kept)."""
    _processors[kind] = processor


def submit(kind: str, payload: dict, *, email: str = "") -> None:
    """Keep one acknowledged action of *kind*: one INSERT, committed when this returns.

    *payload* must be plain JSON (ids, not objects); *email* is the address of
    whoever acted, normalised (supporters.models.normalise_email), by which a
    supporter's data rights find the row. The caller may answer the person as
    soon as this returns.
    """
    if kind not in _processors:
        raise LookupError(f"No intake processor for {kind!r}")
    if connection.vendor == "sqlite":
        # In a transaction so that it queues on the write lock (core/sqlite3) instead
        # of sleeping in SQLite's busy handler while a batch is being written.
        with transaction.atomic():
            row = Intake.objects.create(kind=kind, payload=payload, email=email)
    else:
        row = Intake.objects.create(kind=kind, payload=payload, email=email)
    if settings.INTAKE_INLINE:
        process_batch(ids=[row.pk])


def waiting() -> int:
    """How many acknowledged actions wait to be processed (failed ones not counted)."""
    return Intake.objects.filter(failed_at__isnull=True).count()


def process_batch(*, limit: int | None = None, ids: list[int] | None = None) -> int:
    """Process up to *limit* waiting rows (OUTCRY_INTAKE_BATCH), or those of *ids*; return how many.

    Raises OperationalError and InterfaceError (the database is away): nothing
    was done, the rows wait for the next round.
    """
    limit = limit or settings.INTAKE_BATCH
    try:
        with transaction.atomic():
            batch = _claim(limit=limit, ids=ids)
            if batch:
                _process(batch)
                Intake.objects.filter(pk__in=[row.pk for row in batch]).delete()
        return len(batch)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        logger.exception("An intake batch failed; taking its rows one at a time.")
    return _process_one_by_one(limit=limit, ids=ids)


def _claim(*, limit: int, ids: list[int] | None) -> list[Intake]:
    rows = Intake.objects.select_for_update(skip_locked=True).filter(failed_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return list(rows.order_by("pk")[:limit])


def _process(batch: list[Intake]) -> None:
    """Hand each kind's rows of *batch* to its processor, in the order they came."""
    by_kind: dict[str, list[dict]] = {}
    for row in batch:
        by_kind.setdefault(row.kind, []).append(row.payload)
    for kind, payloads in by_kind.items():
        if kind not in _processors:
            raise LookupError(f"No intake processor for {kind!r}")
        _processors[kind](payloads)


def _process_one_by_one(*, limit: int, ids: list[int] | None) -> int:
    done = 0
    with transaction.atomic():
        pks = [row.pk for row in _claim(limit=limit, ids=ids)]
    for pk in pks:
        try:
            with transaction.atomic():
                batch = _claim(limit=1, ids=[pk])
                if batch:
                    _process(batch)
                    batch[0].delete()
                    done += 1
        except (OperationalError, InterfaceError):
            raise
        except Exception as error:
            logger.exception("Intake row %s failed on its own; it is kept, marked failed.", pk)
            Intake.objects.filter(pk=pk).update(
                failed_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000]
            )
    return done


def run(*, should_stop: Callable[[], bool], poll_seconds: float = 0.1) -> int:
    """Process batches until *should_stop*; return how many rows were processed.

    While rows wait, one batch follows another; when a batch was not full the
    worker rests *poll_seconds*, so the next one is bigger (a surge is written
    in a few large transactions, not many small ones). While the database is
    unreachable it waits and tries again, never giving up a row.
    """
    processed = 0
    while not should_stop():
        try:
            done = process_batch() if _has_waiting() else 0
        except (OperationalError, InterfaceError) as error:
            logger.warning("Intake paused, the database is unreachable: %s", error)
            connection.close()
            time.sleep(1)
            continue
        processed += done
        if done < settings.INTAKE_BATCH:
            time.sleep(poll_seconds)
    return processed


def forget_failed(*, now=None) -> int:
    """Delete rows that failed more than RETENTION_DAYS ago; return how many (run_periodic).

    They hold what someone typed (a name, an address, a comment) and no supporter
    row, so the retention of supporters' data (supporters.services) never reaches
    them: an operator had that long to fix and retry them. 0 days keeps them all.
    """
    if not settings.RETENTION_DAYS:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=settings.RETENTION_DAYS)
    deleted, _ = Intake.objects.filter(failed_at__lt=cutoff).delete()
    return deleted


def _has_waiting() -> bool:
    """A cheap look outside a transaction (it takes no write lock on SQLite)."""
    return Intake.objects.filter(failed_at__isnull=True).exists()
