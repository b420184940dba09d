import pytest

from outcry.letters.testing import mail_server  # noqa: F401 - fixture for the mailing test
from outcry.testing import accept_partner, make_campaign, make_organisation, make_organiser


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    """Protected photos go to a directory of the test's own."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def world(db):
    lead = make_organisation(name="Lead Rights")
    partner = make_organisation(name="Partner Watch")
    campaign = make_campaign(lead=lead)
    accept_partner(campaign, partner)
    return {
        "lead": lead,
        "partner": partner,
        "campaign": campaign,
        "organiser": make_organiser(organisation=lead),
        "partner_organiser": make_organiser(organisation=partner),
    }
