"""Issue 11, attacked: what an organiser types into an update cannot break the public feed."""

import pytest

from outcry.testing import admin_url, logged_in_client
from outcry.updates.models import Update
from outcry.updates.tests.test_admin import update_form, world
from outcry.updates.tests.test_pages import ATOM, parse

pytestmark = pytest.mark.django_db
__all__ = ["world"]  # the fixture, shared with test_admin


def test_a_control_character_in_an_update_leaves_the_feed_readable(client, world):
    """A stray control character pasted into an update made the campaign's feed a 500."""
    organiser = logged_in_client(world["lead_organiser"])
    texts = [("en", "News\x0bfrom the border", "The group\x1b is **still held**.")]
    form = update_form(world["campaign"], world["lead"], status="published", texts=texts)
    assert organiser.post(admin_url(Update, "add"), form).status_code == 302
    client.raise_request_exception = False
    response = client.get(f"/en/c/{world['campaign'].slug}/updates/feed/")
    assert response.status_code == 200
    [entry] = parse(response.content).findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Newsfrom the border"
