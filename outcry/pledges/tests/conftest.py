from datetime import date

import pytest
import time_machine

from outcry.letters.testing import mail_server  # noqa: F401 - a fixture for pledge emails
from outcry.pledges.models import Pledge
from outcry.pledges.testing import MARCH, make_pledge
from outcry.testing import make_campaign, make_organisation


@pytest.fixture
def campaign(db):
    return make_campaign(partners=[make_organisation(name="Partner Watch")])


@pytest.fixture
def march():
    """Noon in Seoul on 1 March 2027 (still 28 February in Hawaii), the clock stopped."""
    with time_machine.travel(MARCH, tick=False):
        yield


@pytest.fixture
def fast(campaign):
    """A fast offering 20 February to 20 March 2027."""
    return make_pledge(
        campaign=campaign,
        kind=Pledge.Kind.FAST,
        first_day=date(2027, 2, 20),
        last_day=date(2027, 3, 20),
    )


@pytest.fixture
def prayer(campaign):
    return make_pledge(campaign=campaign, kind=Pledge.Kind.PRAY)
