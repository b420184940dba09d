"""SQLite, with writers queued on a file lock instead of sleeping in SQLite's busy handler.

SQLite lets one writer in at a time. A writer that finds the database locked
sleeps in SQLite's busy handler for 1, 2, 5, 10, … 100 ms between tries, so in
a surge most of the waiting is sleep after the lock has already been freed:
with 32 people signing at once the server used half its CPU, and the slowest
signer waited seconds. Here every transaction first takes an exclusive
``flock()`` on ``<database file>-writelock``; the kernel wakes a waiter the
moment the holder commits or rolls back, so writers follow each other with no
idle gap (bench/sign.py: see bench/results/).

Only ``transaction.atomic()`` blocks take the lock (every one of them:
``transaction_mode`` IMMEDIATE makes each a write transaction anyway). Reads
and single statements outside a transaction do not, and SQLite's own locking
and ``busy_timeout`` still apply underneath, also to other programs using the
file. The lock belongs to the open file, so it is released if the process dies.
An in-memory database has nothing to share and takes no lock.
"""

import fcntl
import os

from django.db.backends.sqlite3 import base


def make_private(path: str) -> None:
    """Create the database file readable by its owner alone, or make an existing one so.

    It holds every supporter's address. SQLite gives the -wal and -shm files it
    creates the database file's permissions, so they follow. A file someone
    else owns is left as it is (chmod would fail; SQLite then says what is wrong).
    """
    if path.startswith("file:"):
        return  # a URI: whoever wrote it chose its file
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for name in (path, f"{path}-wal", f"{path}-shm"):
            try:
                if os.stat(name).st_mode & 0o077:
                    os.chmod(name, 0o600)
            except OSError:
                pass
    else:
        os.close(descriptor)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        if not self.is_in_memory_db():
            make_private(str(self.settings_dict["NAME"]))
        return super().get_new_connection(conn_params)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._write_lock_fd: int | None = None
        self._holds_write_lock = False

    def _take_write_lock(self) -> None:
        if self.is_in_memory_db():
            return
        if self._write_lock_fd is None:
            path = f"{self.settings_dict['NAME']}-writelock"
            self._write_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        # Blocks (without holding the GIL) until the writer before us is done.
        fcntl.flock(self._write_lock_fd, fcntl.LOCK_EX)
        self._holds_write_lock = True

    def _release_write_lock(self) -> None:
        if self._holds_write_lock:
            self._holds_write_lock = False
            fcntl.flock(self._write_lock_fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self) -> None:
        self._take_write_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
            if self._write_lock_fd is not None:
                os.close(self._write_lock_fd)
                self._write_lock_fd = None
