import pytest

from outcry.testing import make_campaign, make_organisation


@pytest.fixture
def campaign(db):
    return make_campaign(partners=[make_organisation(name="Partner Watch")])
