"""Fixtures for the actions tests."""

from outcry.letters.testing import mail_server  # noqa: F401 - fixture
