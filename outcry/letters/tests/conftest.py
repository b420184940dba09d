"""Fixtures for the letters tests; the delivery doubles live in outcry/letters/testing.py."""

import pytest

from outcry.letters.testing import interfax, interfax_server, mail_server  # noqa: F401 - fixtures


@pytest.fixture
def database_tasks(settings):
    """Queue tasks in the database, as in production, instead of running them at once."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


@pytest.fixture(autouse=True)
def _fax_service(settings):
    """A site with a fax service, as composer tests expect; fax tests override it."""
    settings.FAX_BACKEND = "email"
    settings.FAX_EMAIL_PATTERN = "{number}@fax.example.net"
