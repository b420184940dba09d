"""Files holding supporters' data are readable by the operator alone (security issue 8)."""

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

from django.core import mail

from outcry.core.mail import OutboxBackend

ROOT = Path(__file__).resolve().parents[3]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def migrate(var_dir: Path) -> None:
    """``manage.py migrate`` as an operator runs it, with the usual umask of 022."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OUTCRY_", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"))
    }
    env |= {"DJANGO_SETTINGS_MODULE": "outcry.settings", "OUTCRY_VAR_DIR": str(var_dir)}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        umask=0o022,
    )


def test_the_database_the_secret_and_var_are_their_owners_alone(tmp_path):
    var_dir = tmp_path / "var"
    migrate(var_dir)
    database = var_dir / "outcry.sqlite3"
    assert mode(var_dir) == 0o700
    assert mode(var_dir / "secret_key") == 0o600
    assert mode(database) == 0o600
    for extra in ["outcry.sqlite3-wal", "outcry.sqlite3-shm", "outcry.sqlite3-writelock"]:
        if (var_dir / extra).exists():
            assert mode(var_dir / extra) == 0o600, extra

    # A database an older version left readable by everyone is closed up on the next start.
    database.chmod(0o644)
    migrate(var_dir)
    assert mode(database) == 0o600


def test_the_outbox_keeps_mail_private_and_logs_no_address(tmp_path, caplog):
    outbox = tmp_path / "outbox"
    outbox.mkdir(mode=0o755)
    outbox.chmod(0o755)
    message = mail.EmailMessage(
        subject="Please confirm", body="A link.", to=["min@example.org"], cc=["jun@example.org"]
    )
    with caplog.at_level(logging.WARNING, logger="outcry.mail"):
        OutboxBackend(directory=str(outbox)).send_messages([message])
    [path] = outbox.glob("*.eml")
    assert mode(outbox) == 0o700
    assert mode(path) == 0o600
    assert b"min@example.org" in path.read_bytes()
    assert str(path) in caplog.text
    assert "example.org" not in caplog.text
    assert "min@" not in caplog.text and "jun@" not in caplog.text
