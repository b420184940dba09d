"""An admin action posted with ids no checkbox offers: refused with 400, nothing done."""

import pytest
from django.urls import reverse

from outcry.letters.models import Delivery
from outcry.testing import logged_in_client, make_admin_world


@pytest.mark.parametrize("selected", ["-99999999999999999999", "1.5", "x", ""])
def test_an_action_on_a_selected_id_that_is_no_key_is_a_400(db, selected):
    world = make_admin_world()
    client = logged_in_client(world["owner_organiser"])
    client.raise_request_exception = False
    before = list(Delivery.objects.values_list("pk", "status"))
    response = client.post(
        reverse("admin:letters_delivery_changelist"),
        {"action": "queue_again", "_selected_action": [selected]},
    )
    assert response.status_code == 400
    assert list(Delivery.objects.values_list("pk", "status")) == before


def test_an_action_on_a_real_id_still_runs(db):
    world = make_admin_world()
    client = logged_in_client(world["owner_organiser"])
    signature = world["petitions.signature"]
    response = client.post(
        reverse("admin:petitions_signature_changelist"),
        {"action": "remove_as_spam", "_selected_action": [str(signature.pk)]},
        follow=True,
    )
    assert "1 signature removed as spam; it no longer counts." in response.content.decode()
