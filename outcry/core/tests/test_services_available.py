"""When DATABASE_URL and REDIS_URL are set (CI's second run), the app really uses them.

Without these checks a typo in the URL or in settings.py could let the "PostgreSQL +
Redis" run quietly test SQLite and the local-memory cache again.
"""

import os
import uuid
from urllib.parse import urlparse

import pytest
import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

needs_postgres = pytest.mark.skipif(
    urlparse(DATABASE_URL).scheme not in {"postgres", "postgresql", "pgsql"},
    reason="DATABASE_URL is not a PostgreSQL URL (set it as .ci/run does to test on PostgreSQL)",
)
needs_redis = pytest.mark.skipif(
    not REDIS_URL,
    reason="REDIS_URL is not set (set it as .ci/run does to test with Redis)",
)


@needs_postgres
def test_the_database_is_the_configured_postgresql(db):
    url = urlparse(DATABASE_URL)
    assert connection.vendor == "postgresql"
    assert connection.settings_dict["HOST"] == url.hostname
    assert int(connection.settings_dict["PORT"] or 5432) == (url.port or 5432)
    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_database()")
        version, database = cursor.fetchone()
    assert version.startswith("PostgreSQL ")
    assert database.startswith("test_")  # pytest-django's test database, never the real one


@needs_redis
def test_the_cache_is_redis_and_keeps_values_between_processes():
    assert isinstance(caches["default"], RedisCache)
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    key, counter = f"probe-{uuid.uuid4().hex}", f"probe-{uuid.uuid4().hex}-count"
    value = {"name": "김민지", "count": 1}
    cache.set(key, value, timeout=30)
    try:
        # A second backend instance stands for another app process: the value and
        # the counter (as rate limits use it) live in the Redis server, not in memory.
        other_process = caches.create_connection("default")
        assert other_process.get(key) == value
        assert other_process.add(counter, 0, timeout=30)
        assert other_process.incr(counter) == 1
        assert cache.incr(counter) == 2
        server = redis.Redis.from_url(REDIS_URL)
        try:
            assert server.exists(cache.make_and_validate_key(key)) == 1
        finally:
            server.close()
    finally:
        cache.delete_many([key, counter])
    assert cache.get(key) is None
