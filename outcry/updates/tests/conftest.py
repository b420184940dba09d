import pytest

from outcry.testing import make_campaign, make_organisation


@pytest.fixture
def campaign(db):
    return make_campaign(partners=[make_organisation(name="Partner Watch")])


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (the queued confirmation email) as the real transaction would."""

    def runner(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return runner
