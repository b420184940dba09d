"""Fixtures of the supporters tests: a real SMTP server on loopback."""

from outcry.letters.testing import mail_server  # noqa: F401 - fixture
