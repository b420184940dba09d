"""Second attack (issue 8): hostile values an organiser can post to the admin."""

import pytest
from django.urls import reverse

from outcry.testing import logged_in_client, make_admin_world

TOO_BIG = "99999999999999999999"  # past 64 bits: no row can have it


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="hole: an admin action on a selected id past 64 bits is a 500 (the change lists' "
    "lookups answer 400, the actions do not)",
)
@pytest.mark.parametrize(
    ("changelist", "action"),
    [
        ("admin:letters_delivery_changelist", "queue_again"),
        ("admin:petitions_signature_changelist", "remove_as_spam"),
    ],
)
def test_an_action_on_an_impossible_id_is_refused_not_a_server_error(db, changelist, action):
    world = make_admin_world()
    client = logged_in_client(world["owner_organiser"])
    client.raise_request_exception = False
    response = client.post(reverse(changelist), {"action": action, "_selected_action": [TOO_BIG]})
    assert response.status_code < 500, response.status_code
