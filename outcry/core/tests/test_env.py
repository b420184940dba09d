"""A malformed environment variable stops start-up with a message naming it."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = ROOT / "outcry" / "settings.py"
OURS = ("OUTCRY_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "PORT", "SECRET_KEY")

# (variable, malformed value, words the message must contain besides the variable's name)
MALFORMED = [
    ("OUTCRY_DEBUG", "maybe", "must be one of on/off"),
    ("OUTCRY_DEBUG", "2", "must be one of on/off"),
    ("OUTCRY_RATELIMIT", "sometimes", "must be one of on/off"),
    ("PORT", "eighty", "must be a whole number"),
    ("PORT", "0", "must be at least 1"),
    ("PORT", "8000.5", "must be a whole number"),
    ("OUTCRY_RATELIMIT_SIGN_PER_NETWORK", "-5", "must be at least 1"),
    ("EMAIL_URL", "ftp://mail.example.org", "must start with smtp://"),
    ("EMAIL_URL", "mail.example.org", "must start with smtp://"),
    ("EMAIL_URL", "smtp://mail.example.org:notaport", "invalid port"),
    ("EMAIL_URL", "smtp://mail.example.org:99999", "invalid port"),
    ("DATABASE_URL", "nonsense://db.example.org/outcry", "not a database URL we understand"),
    ("DATABASE_URL", "postgres://outcry@db.example.org:port/outcry", "not a database URL"),
    ("DATABASE_URL", "outcry.sqlite3", "not a database URL we understand"),
    ("OUTCRY_BASE_URL", "example.org", "must be an absolute http(s) URL"),
    ("SECRET_KEY_FILE", "/nonexistent/outcry-secret", "points at"),
    # Without Redis the cache is per process: limits counted there would not hold.
    ("OUTCRY_RATELIMIT_STORE", "cache", "where REDIS_URL is set"),
    ("OUTCRY_RATELIMIT_STORE", "memory", "must be database"),
    ("OUTCRY_MAP_TILES", "http://tiles.example.org/{z}/{x}/{y}.png", "must be an https:// URL"),
    ("OUTCRY_MAP_TILES", "https://tiles.example.org/world.png", "with {z}, {x} and {y}"),
]


def environment(var_dir: Path, **variables: str) -> dict[str, str]:
    """This process's environment without any outcry variable, plus *variables*."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(OURS)}
    env |= {"DJANGO_SETTINGS_MODULE": "outcry.settings", "OUTCRY_VAR_DIR": str(var_dir)}
    if "SECRET_KEY_FILE" not in variables:
        env["SECRET_KEY"] = "test-only-secret"
    return env | variables


# In a real process, as an operator starts it. The processes run side by side.

SETUP = [sys.executable, "-c", "import django; django.setup()"]
MANAGE_CHECK = [sys.executable, "manage.py", "check"]
PROCESS_CASES = [
    (SETUP, "OUTCRY_DEBUG", "maybe", "OUTCRY_DEBUG must be one of on/off"),
    (SETUP, "PORT", "eighty", "PORT must be a whole number; got 'eighty'."),
    (SETUP, "EMAIL_URL", "smtp://mail.example.org:25x", "EMAIL_URL has an invalid port"),
    (SETUP, "DATABASE_URL", "nonsense://db/outcry", "DATABASE_URL is not a database URL"),
    (MANAGE_CHECK, "DATABASE_URL", "postgres://db:port/outcry", "DATABASE_URL is not a database"),
]


@pytest.fixture(scope="module")
def start_ups(tmp_path_factory) -> list[tuple[int, str]]:
    """Start Django once per case in PROCESS_CASES, all at once; return (exit code, stderr)."""
    var_dir = tmp_path_factory.mktemp("var")
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            command,
            cwd=ROOT,
            env=environment(var_dir, **{name: value}),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command, name, value, _message in PROCESS_CASES
    ]
    results = []
    for process in processes:
        _out, err = process.communicate(timeout=120)
        results.append((process.returncode, err))
    return results


@pytest.mark.parametrize(
    "index",
    range(len(PROCESS_CASES)),
    ids=[f"{'check' if c[0] is MANAGE_CHECK else 'setup'} {c[1]}={c[2]}" for c in PROCESS_CASES],
)
def test_a_malformed_variable_stops_the_process_with_a_message_naming_it(start_ups, index):
    _command, _name, _value, message = PROCESS_CASES[index]
    returncode, stderr = start_ups[index]
    assert returncode == 1
    last_line = stderr.strip().splitlines()[-1]
    assert last_line.startswith(f"django.core.exceptions.ImproperlyConfigured: {message}")


# Every other case, by running settings.py afresh in this process (fast).


def load_settings(monkeypatch, tmp_path, **variables: str) -> dict:
    for key in list(os.environ):
        if key.startswith(OURS):
            monkeypatch.delenv(key)
    for key, value in environment(tmp_path, **variables).items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(SETTINGS))


def test_with_nothing_set_the_settings_load_with_safe_defaults(monkeypatch, tmp_path):
    loaded = load_settings(monkeypatch, tmp_path)
    assert loaded["DEBUG"] is False
    assert loaded["RATELIMIT_ENABLED"] is True
    assert loaded["RATELIMIT_STORE"] == "database"
    assert ("outcry.core.ratelimit.delete_expired_counters", 300) in loaded["PERIODIC_JOBS"]
    assert loaded["DATABASES"]["default"]["ENGINE"] == "outcry.core.sqlite3"
    assert loaded["MAP_TILES"] == ""  # maps ask no other host


@pytest.mark.parametrize(
    ("name", "value", "words"), MALFORMED, ids=[f"{n}={v}" for n, v, _ in MALFORMED]
)
def test_a_malformed_variable_is_refused_naming_it(monkeypatch, tmp_path, name, value, words):
    with pytest.raises(ImproperlyConfigured) as refusal:
        load_settings(monkeypatch, tmp_path, **{name: value})
    assert name in str(refusal.value)
    assert words in str(refusal.value)


def test_a_port_out_of_range_is_refused(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="PORT"):
        load_settings(monkeypatch, tmp_path, PORT="70000")


def test_postgresql_prepares_its_statements_unless_the_url_says_not_to(monkeypatch, tmp_path):
    url = "postgres://outcry@127.0.0.1:5432/outcry"
    options = load_settings(monkeypatch, tmp_path, DATABASE_URL=url)["DATABASES"]["default"][
        "OPTIONS"
    ]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    behind_a_pooler = f"{url}?server_side_binding=false"
    options = load_settings(monkeypatch, tmp_path, DATABASE_URL=behind_a_pooler)["DATABASES"][
        "default"
    ]["OPTIONS"]
    assert options["server_side_binding"] is False
    assert "prepare_threshold" not in options


def test_postgresql_and_redis_give_up_connecting_after_a_few_seconds(monkeypatch, tmp_path):
    url = "postgres://outcry@127.0.0.1:5432/outcry"
    loaded = load_settings(monkeypatch, tmp_path, DATABASE_URL=url, REDIS_URL="redis://r:6379/0")
    assert loaded["DATABASES"]["default"]["OPTIONS"]["connect_timeout"] == 3
    assert loaded["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True
    assert loaded["CACHES"]["default"]["OPTIONS"] == {
        "socket_connect_timeout": 2,
        "socket_timeout": 2,
    }
    loaded = load_settings(
        monkeypatch,
        tmp_path,
        DATABASE_URL=url,
        REDIS_URL="redis://r:6379/0",
        OUTCRY_DB_CONNECT_TIMEOUT="5",
        OUTCRY_REDIS_TIMEOUT="1",
    )
    assert loaded["DATABASES"]["default"]["OPTIONS"]["connect_timeout"] == 5
    assert loaded["CACHES"]["default"]["OPTIONS"]["socket_timeout"] == 1
    with pytest.raises(ImproperlyConfigured, match="OUTCRY_DB_CONNECT_TIMEOUT"):
        load_settings(monkeypatch, tmp_path, DATABASE_URL=url, OUTCRY_DB_CONNECT_TIMEOUT="1")


def test_serve_refuses_an_unmigrated_database(tmp_path):
    """`manage.py serve` says what to do instead of starting workers that fail."""
    env = {**os.environ, "OUTCRY_VAR_DIR": str(tmp_path), "PORT": "8297"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--port", "8297"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "run `python manage.py migrate` first" in result.stderr
