"""Second attack on the admin (issue 8): what the isolation matrix does not try.

Each test is an attack: those that found a hole were strict xfails until it
was closed, and now pin the fix; the others held from the start.
"""

import pytest
from django.test import Client

from outcry.testing import admin_url, logged_in_client, make_admin_world, make_petition


@pytest.fixture
def world(db):
    return make_admin_world()


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
