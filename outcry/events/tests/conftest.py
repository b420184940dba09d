import pytest

from outcry.letters.testing import mail_server  # noqa: F401 - a fixture for RSVP emails
from outcry.testing import make_campaign, make_organisation


@pytest.fixture
def campaign(db):
    return make_campaign(partners=[make_organisation(name="Partner Watch")])


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Call *action* and run what it leaves for after commit (the mail sender's nudge)."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run
