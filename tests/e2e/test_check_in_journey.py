"""An organiser at the door checks people in from a phone, without JavaScript."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from outcry.campaigns.services import create_organiser
from outcry.events.models import Rsvp
from outcry.events.testing import at, make_event
from outcry.testing import make_campaign, make_organisation, make_supporter

pytestmark = pytest.mark.e2e
PASSWORD = "door-list-2027-vigil"


@pytest.fixture
def protest(live_server):
    organisation = make_organisation(name="Owner Rights")
    create_organiser(
        username="door", email="door@example.org", organisation=organisation, password=PASSWORD
    )
    event = make_event(
        campaign=make_campaign(lead=organisation),
        starts=at(timezone.now().date() + timedelta(days=2), 18),
    )
    for n, (name, guests, consents) in enumerate(
        [("Min-ji Kim", 2, [organisation]), ("Ji-woo Park", 0, []), ("Hyun Lee", 1, [])]
    ):
        Rsvp.objects.create(
            event=event,
            supporter=make_supporter(name=name, consents_to=consents),
            name=name,
            guests=guests,
            language="en",
            status=Rsvp.Status.GOING,
            confirmed_at=timezone.now(),
            token=f"door-{n}",
        )
    return event


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="en-GB", viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    yield context.new_page()
    context.close()


def test_an_organiser_checks_people_in_from_a_phone(protest, live_server, phone):
    phone.goto(f"{live_server.url}/admin/events/event/{protest.pk}/change/")
    phone.get_by_label("Username").fill("door")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.get_by_role("link", name="Check people in").click()
    expect(phone.get_by_role("status")).to_have_text("Checked in: 0 of 6 people")
    expect(phone.get_by_text("Ji-woo P.", exact=True)).to_be_visible()
    expect(phone.get_by_text("Park")).to_have_count(0)

    button = phone.get_by_role("button", name="Check in Min-ji Kim")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 100  # a thumb's target
    button.click()
    expect(phone.get_by_role("status")).to_have_text("Checked in: 3 of 6 people")

    phone.get_by_label("Search by name").fill("hyun")
    phone.get_by_role("button", name="Search").click()
    expect(phone.get_by_role("button", name="Check in Ji-woo P.")).to_have_count(0)
    phone.get_by_role("button", name="Check in Hyun L.").click()
    expect(phone.get_by_role("status")).to_have_text("Checked in: 5 of 6 people")

    phone.get_by_role("button", name="Undo check-in of Hyun L.").click()
    expect(phone.get_by_role("status")).to_have_text("Checked in: 3 of 6 people")
    phone.get_by_role("link", name="Show everyone").click()
    expect(phone.locator(".check-in-name")).to_have_text(["Hyun L.", "Ji-woo P.", "Min-ji Kim"])
