"""Test settings: the same settings.py, adjusted here (never by a settings module)."""

import os
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from django.conf import settings
from django.test import override_settings
from django.utils import translation


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """Give SQLite a test database file instead of Django's shared in-memory one.

    Threads sharing an in-memory database hit "database table is locked" at the
    first concurrent write instead of waiting, so the concurrency tests (and WAL,
    as in production) need a real file. Each xdist worker has its own tmp dir.
    """
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "outcry.core.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("db") / "test.sqlite3"
        )


# Every cache key a test writes starts with this, so the keys of one run (one
# process; each xdist worker is one) can be found and removed from a shared Redis.
RUN_KEY_PREFIX = f"test-{os.getpid()}-"


def without_password(url: str) -> str:
    """*url* fit for a log: CI prints the report header, so never the password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def pytest_sessionstart(session):
    """Stop at once with one clear line when the configured PostgreSQL or Redis is down.

    Otherwise every test that touches them errors with the same traceback.
    """
    if hasattr(session.config, "workerinput"):
        return  # the xdist controller has checked before starting this worker
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    if urlsplit(database_url).scheme in {"postgres", "postgresql", "pgsql"}:
        try:
            # Django creates the test database from the "postgres" database, so
            # the one named in the URL need not exist yet.
            psycopg.connect(database_url, dbname="postgres", connect_timeout=5).close()
        except psycopg.OperationalError as error:
            problems.append(f"PostgreSQL at {without_password(database_url)}: {error}".strip())
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
        except redis.RedisError as error:
            problems.append(f"Redis at {without_password(redis_url)}: {error}")
    if problems:
        pytest.exit("Cannot reach a configured service:\n  " + "\n  ".join(problems), returncode=4)


@pytest.fixture(scope="session", autouse=True)
def _own_postgres_test_database():
    """Name the PostgreSQL test database after this process.

    Two runs at once against one server (two people, or two CI jobs) would
    otherwise both use test_<name>_gw0, and the second would drop the first's
    database under it. pytest-django still appends the xdist worker suffix, and
    Django drops the database at the end of the run.
    """
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        test = database.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + database['NAME']}_{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def _forget_cache_keys_of_this_run():
    """Remove this run's keys from Redis when it ends (sessions would stay for two weeks)."""
    yield
    for config in settings.CACHES.values():
        if config["BACKEND"].endswith("RedisCache"):
            server = redis.Redis.from_url(config["LOCATION"])
            try:
                keys = list(server.scan_iter(match=f"{RUN_KEY_PREFIX}*", count=1000))
                if keys:
                    server.delete(*keys)
            finally:
                server.close()


@pytest.fixture(scope="session", autouse=True)
def _test_directories(tmp_path_factory):
    """Settings for the whole run, in force before the session-wide live server starts.

    Nothing a test does may write into the developer's var/ (load_demo keeps a
    password there, the outbox backend writes mail). Static files come from the
    app directories, as in development, so tests need no collectstatic (nor its
    manifest) and WhiteNoise does not warn about a missing var/static/.
    """
    var_dir = tmp_path_factory.mktemp("var")
    with override_settings(
        VAR_DIR=var_dir,
        EMAIL_OUTBOX_DIR=var_dir / "outbox",
        MAIL_JOURNAL_DIR=var_dir / "mail",
        # The demo's cases keep a protected photo there (cases.models.PrivateStorage).
        PRIVATE_MEDIA_ROOT=var_dir / "private",
        # The demo campaign's picture (campaigns.images), and any a test uploads.
        MEDIA_ROOT=var_dir / "media",
        STATIC_ROOT=None,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
    ):
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # With a cheap hasher a sign-in is no slow check; on a loaded machine it could
    # still look like one and refuse the next sign-in as "busy".
    settings.LOGIN_SLOT_RESTS = False
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    # No sender runs in tests: an email is sent when its transaction commits.
    settings.MAIL_SEND_ON_COMMIT = True
    settings.INTAKE_INLINE = True  # no intake worker runs in tests (see actions/intake.py)
    settings.PAGE_CACHE_SECONDS = 0
    # Tests sign many times from one client address; the tests of the challenge
    # (petitions/tests/test_challenge.py) set the flood thresholds they need.
    settings.CHALLENGE_PER_NETWORK = 1000
    # A fresh cache namespace per test, so rate limits and cached pages never leak
    # between tests (or between xdist workers sharing one Redis).
    caches = {}
    for alias, config in settings.CACHES.items():
        caches[alias] = {**config, "KEY_PREFIX": f"{RUN_KEY_PREFIX}{uuid.uuid4().hex}"}
        if config["BACKEND"].endswith("LocMemCache"):
            caches[alias]["LOCATION"] = uuid.uuid4().hex
    settings.CACHES = caches
    yield
    # The test client runs LocaleMiddleware in the test's own thread, and the language
    # it activates for a /ko/ page stays active there: the next test in this process
    # would then get Korean messages from code that uses the active language.
    translation.deactivate()


def pytest_report_header(config):
    database = without_password(os.environ.get("DATABASE_URL", "")) or "sqlite (default)"
    redis = without_password(os.environ.get("REDIS_URL", "")) or "none (local memory cache)"
    return [f"outcry database: {database}", f"outcry redis: {redis}"]
