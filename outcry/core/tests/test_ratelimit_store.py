"""Rate counters in the database: one count for every process, windows, and clean-up."""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from outcry.core.models import RateCounter
from outcry.core.ratelimit import hit, is_limited


@pytest.fixture
def database_store(settings):
    """Count in the database, also in the PostgreSQL + Redis run (which defaults to Redis)."""
    settings.RATELIMIT_STORE = "database"
    return settings


def test_a_counter_counts_within_its_window_and_starts_again_after_it(
    db, database_store, time_machine
):
    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    assert [hit(bucket="test", key="k", window=60) for _ in range(3)] == [1, 2, 3]
    assert hit(bucket="test", key="other", window=60) == 1
    time_machine.move_to("2026-03-01 12:00:59Z", tick=False)
    assert hit(bucket="test", key="k", window=60) == 4
    time_machine.move_to("2026-03-01 12:01:00Z", tick=False)
    assert hit(bucket="test", key="k", window=60) == 1
    assert [is_limited(bucket="test", key="k", limit=2, window=60) for _ in range(2)] == [
        False,
        True,
    ]


def test_expired_counters_are_deleted_by_the_periodic_job(db, database_store, time_machine):
    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    hit(bucket="test", key="short", window=60)
    hit(bucket="test", key="long", window=600)
    time_machine.move_to("2026-03-01 12:02:00Z", tick=False)
    output = io.StringIO()
    call_command("run_periodic", "--once", stdout=output)
    assert "outcry.core.ratelimit.delete_expired_counters: 1" in output.getvalue()
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["rl:test:long"]


def test_hits_at_the_same_moment_from_many_connections_each_get_their_own_number(
    transactional_db, database_store
):
    numbers, errors = [], []

    def count() -> None:
        try:
            for _ in range(25):
                numbers.append(hit(bucket="test", key="busy", window=600))
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()  # each thread had its own

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 201))
