import pytest

from outcry.letters.testing import mail_server  # noqa: F401 - a fixture for pledge emails
from outcry.testing import make_campaign, make_organisation


@pytest.fixture
def campaign(db):
    return make_campaign(partners=[make_organisation(name="Partner Watch")])
