"""Public counters any action can use: sharded rows keyed by a string, cached for a few seconds.

A counter is a cache of the action's rows (signatures, pledges, RSVPs): bumped
inside the transaction that makes a row count, lowered when rows stop counting,
and rebuilt from the rows by the action's recount job (reset). Its key names
the thing counted, ``<kind>:<id>`` (``petition:12``).
"""

import random
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Sum

from outcry.actions.models import CounterShard
from outcry.core import pagecache


def add(key: str, amount: int = 1) -> None:
    """Add *amount* (may be negative) to a random shard of counter *key*.

    Inside the caller's transaction. After lowering a count (rows removed as
    spam), call forget once the transaction commits, so the page shows it at once.
    """
    shard = random.randrange(settings.COUNTER_SHARDS)  # noqa: S311 - spreading load, not security
    updated = CounterShard.objects.filter(key=key, shard=shard).update(count=F("count") + amount)
    if not updated:
        _ensure_shards(key)
        CounterShard.objects.filter(key=key, shard=shard).update(count=F("count") + amount)


def total(key: str) -> int:
    """The sum of counter *key*'s shards, read from the database."""
    return CounterShard.objects.filter(key=key).aggregate(total=Sum("count"))["total"] or 0


def cached_total(key: str) -> int:
    """The public count, cached for PAGE_CACHE_SECONDS so a surge reads it cheaply.

    Kept with the time it was read, which a cached page showing it is told
    (core.pagecache): the page expires when the count would have, so the count a
    visitor sees is never more than PAGE_CACHE_SECONDS old.
    """
    kept = cache.get(_cache_key(key))
    # Checked against the clock too: Redis expires keys in whole seconds.
    if isinstance(kept, tuple) and time.time() - kept[1] < settings.PAGE_CACHE_SECONDS:
        count, read_at = kept
    else:  # not cached, too old, or an int a version before this one kept
        count, read_at = total(key), time.time()
        if settings.PAGE_CACHE_SECONDS:
            cache.set(_cache_key(key), (count, read_at), timeout=settings.PAGE_CACHE_SECONDS)
    pagecache.shows_value_read_at(read_at)
    return count


def reset(key: str, *, count_rows) -> tuple[int, int]:
    """Set counter *key* to ``count_rows()`` (the action counts its rows); return (before, after).

    Locks every shard first, so a row that starts counting meanwhile either is
    in ``count_rows()`` or bumps a shard after we release it. Idempotent.
    """
    with transaction.atomic():
        _ensure_shards(key)
        shards = list(CounterShard.objects.select_for_update().filter(key=key))
        before = sum(shard.count for shard in shards)
        after = count_rows()
        CounterShard.objects.filter(key=key).update(count=0)
        CounterShard.objects.filter(key=key, shard=0).update(count=after)
    forget(key)
    return before, after


def forget(key: str) -> None:
    """Drop the cached total of counter *key* (cached_total reads the shards again)."""
    cache.delete(_cache_key(key))


def _ensure_shards(key: str) -> None:
    existing = set(CounterShard.objects.filter(key=key).values_list("shard", flat=True))
    missing = [
        CounterShard(key=key, shard=n) for n in range(settings.COUNTER_SHARDS) if n not in existing
    ]
    if missing:
        CounterShard.objects.bulk_create(missing, ignore_conflicts=True)


def _cache_key(key: str) -> str:
    return f"count:{key}"
