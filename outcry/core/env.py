"""Read settings from environment variables.

Every helper raises ImproperlyConfigured naming the variable when its value is
malformed, so a typo stops start-up instead of running with a surprise.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of on/off, true/false, 1/0; got {raw!r}.")


def env_int(
    name: str, *, default: int, minimum: int | None = None, maximum: int | None = None
) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}; got {value}.")
    return value


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, *, default: str = "") -> str:
    """Return NAME, or the contents of the file named by NAME_FILE (for Docker/systemd secrets)."""
    if name in os.environ:
        return os.environ[name]
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE points at {path!r}: {error}") from None
    return default


def generated_secret(path: Path) -> str:
    """Return the secret kept in *path*, creating it (mode 0600) on first use."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    # var/ holds the database, the outbox and this secret: its owner's alone.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    # O_EXCL: when several processes start at once, exactly one writes the file.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def env_database(name: str, *, default: str) -> dict:
    raw = os.environ.get(name) or default
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except (ValueError, KeyError) as error:
        raise ImproperlyConfigured(f"{name} is not a database URL we understand: {error}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Django's SQLite backend, with writers queued on a file lock (see there).
        config["ENGINE"] = "outcry.core.sqlite3"
        config["CONN_MAX_AGE"] = None  # one connection per thread, kept open
        config["OPTIONS"] = {
            # WAL lets readers proceed while one writer commits; IMMEDIATE takes the
            # write lock at BEGIN so two writers never deadlock upgrading a read lock.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=20000; PRAGMA cache_size=-20000;"
            ),
        }
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        # Server-side parameters, and statements prepared once a connection has
        # run them five times: PostgreSQL then skips parsing and planning the
        # same few INSERTs and SELECTs on every signature (about 40% of its CPU
        # per signature in bench/sign.py), and psycopg no longer quotes values
        # into the SQL itself. Behind a pooler that cannot keep prepared
        # statements (PgBouncer in transaction mode before 1.21), add
        # ?server_side_binding=false to the URL.
        options.setdefault("server_side_binding", True)
        # Give up connecting after a few seconds (libpq waits for ever by default): while
        # PostgreSQL is down a request gets the 503 page quickly rather than a hung worker.
        options.setdefault(
            "connect_timeout", env_int("OUTCRY_DB_CONNECT_TIMEOUT", default=3, minimum=2)
        )
        if options["server_side_binding"] is True:
            options.setdefault("prepare_threshold", 5)
    return config


def env_email(name: str, *, outbox_dir: Path) -> dict:
    """Turn EMAIL_URL (smtp://user:pass@host:port?tls=1) into a Django MAILERS entry."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {
            "BACKEND": "outcry.core.mail.OutboxBackend",
            "OPTIONS": {"directory": str(outbox_dir)},
        }
    url = urlparse(raw)
    if url.scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if url.scheme not in {"smtp", "smtps", "submission"}:
        raise ImproperlyConfigured(
            f"{name} must start with smtp://, smtps://, submission:// or console://; got {raw!r}."
        )
    query = {key: values[-1] for key, values in parse_qs(url.query).items()}
    try:
        port = url.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has an invalid port: {raw!r}.") from None
    default_port = {"smtp": 25, "smtps": 465, "submission": 587}[url.scheme]
    return {
        "BACKEND": "outcry.core.mail.SMTPBackend",
        "OPTIONS": {
            "host": url.hostname or "127.0.0.1",
            "port": port or default_port,
            "username": unquote(url.username or ""),
            "password": unquote(url.password or ""),
            "use_ssl": url.scheme == "smtps",
            "use_tls": url.scheme == "submission" or query.get("tls", "").lower() in TRUE,
            "timeout": 20,
        },
    }
