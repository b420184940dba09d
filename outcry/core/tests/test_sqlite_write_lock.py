"""On SQLite, writers queue on a lock file while a transaction is open (core/sqlite3)."""

import fcntl
import os
import threading

import pytest
from django.db import connection, transaction

from outcry.supporters.models import Supporter

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the write lock is SQLite's alone"
)


def lock_is_free(path: str) -> bool:
    """Try the lock from a new open file, as another connection would, without waiting."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


@pytest.mark.django_db(transaction=True)
def test_a_transaction_holds_the_write_lock_until_it_commits_or_rolls_back():
    path = f"{connection.settings_dict['NAME']}-writelock"
    with transaction.atomic():
        assert not lock_is_free(path)
        with transaction.atomic():  # a savepoint takes nothing more
            assert not lock_is_free(path)
        assert not lock_is_free(path)
    assert lock_is_free(path)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert not lock_is_free(path)
        1 / 0  # noqa: B018
    assert lock_is_free(path)


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_waits_for_the_first_to_commit():
    first_inside, second_done = threading.Event(), threading.Event()
    order: list[str] = []

    def second_writer() -> None:
        try:
            first_inside.wait(timeout=30)
            with transaction.atomic():
                order.append("second writes")
                Supporter.objects.create(email="second@example.org", name="Second")
        finally:
            connection.close()
            second_done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    with transaction.atomic():
        Supporter.objects.create(email="first@example.org", name="First")
        first_inside.set()
        # The second writer cannot get in while we are inside, however long we stay.
        assert not second_done.wait(timeout=0.2)
        order.append("first commits")
    thread.join(timeout=30)
    assert order == ["first commits", "second writes"]
    assert Supporter.objects.count() == 2
