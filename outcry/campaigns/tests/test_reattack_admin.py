"""Second attack on the admin (issue 8): what the isolation matrix does not try.

Holes are strict xfails (the suite stays green until they are closed); attacks
that held are plain tests.
"""

import pytest
from django.test import Client

from outcry.testing import admin_url, logged_in_client, make_admin_world, make_petition


@pytest.fixture
def world(db):
    return make_admin_world()


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="hole: a partner's organiser names their organisation, in a language, exactly as the "
    "lead is named; the lead's campaign page then asks supporters to let 'Owner Rights' email "
    "them twice, and one of those consents goes to the partner",
)
def test_a_partner_cannot_take_the_leads_name_beside_a_consent_box(world):
    partner = world["partner"]
    make_petition(campaign=world["campaign"])
    campaign_page = f"/en/c/{world['campaign'].slug}/"
    wording = "Yes, Owner Rights may email me"
    before = Client().get(campaign_page).content.decode().count(wording)
    assert before >= 1
    client = logged_in_client(world["partner_organiser"])
    response = client.post(
        admin_url(partner, "change"),
        {
            "name": partner.name,
            "website": "",
            "privacy_url": "",
            "names-TOTAL_FORMS": "1",
            "names-INITIAL_FORMS": "0",
            "names-MIN_NUM_FORMS": "0",
            "names-MAX_NUM_FORMS": "1000",
            "names-0-language": "en",
            "names-0-name": "Owner Rights",
        },
    )
    assert response.status_code in {200, 302}
    after = Client().get(campaign_page).content.decode().count(wording)
    assert after == before, "the partner's consent box now names Owner Rights too"
