import pytest

from outcry.testing import make_petition


@pytest.fixture
def petition(db):
    return make_petition()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (e.g. queued emails) as the real transaction would."""

    def runner(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return runner
