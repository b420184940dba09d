"""Second attack on letters (issue 8): a stranger writing in someone's name, organisers' actions.

Each test is an attack: those that found a hole were strict xfails until it
was closed, and now pin the fix; the others held from the start.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outcry.letters.models import Delivery, Letter
from outcry.testing import (
    logged_in_client,
    make_campaign,
    make_letter_action,
    make_organisation,
    make_organiser,
    make_target,
    post_letter,
)

CHANGELIST = "admin:letters_delivery_changelist"


@pytest.fixture
def post_action(db):
    lead = make_organisation(name="Lead Rights")
    target = make_target(
        name="Embassy in Washington", channels={"post": "3505 International Pl NW, Washington"}
    )
    action = make_letter_action(
        campaign=make_campaign(lead=lead), targets=[target], channels="post,email"
    )
    return action, make_organiser(organisation=lead)


def test_an_unconfirmed_post_letter_is_not_printed_for_mailing_by_the_organisation(
    post_action, mail_server, django_capture_on_commit_callbacks
):
    action, organiser = post_action
    stranger = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_letter(
            stranger,
            action,
            channels=("post",),
            name="Kim Real-Name",
            email="victim@example.org",
            city="Seoul",
        )
    assert response.status_code == 302
    delivery = Delivery.objects.get(kind="post")

    printed = logged_in_client(organiser).post(
        reverse(CHANGELIST),
        {"action": "print_post_letters", "_selected_action": [delivery.pk]},
    )
    # The named person was never asked, and nobody told them.
    assert mail_server.inbox.envelopes == []
    assert printed.get("Content-Type") != "application/pdf", "printed for mailing, unconfirmed"


def test_a_stranger_cannot_keep_someones_own_letter_from_its_confirmation_link(
    db, mail_server, django_capture_on_commit_callbacks
):
    target = make_target(name="Embassy", channels={"email": "embassy@example.net"})
    action = make_letter_action(targets=[target], channels="email")
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            post_letter(stranger, action, email="victim@example.org", name="Anyone")
    before = len(mail_server.inbox.envelopes)
    assert before == 5  # each of the stranger's letters emailed its link to the victim

    with django_capture_on_commit_callbacks(execute=True):
        answer = post_letter(
            Client(REMOTE_ADDR="198.51.100.4"), action, email="victim@example.org", name="Ji-woo"
        )

    assert answer.status_code == 302
    assert len(mail_server.inbox.envelopes) == before + 1, "no link for the writer's own letter"


def test_the_lead_reads_in_the_audit_log_who_printed_its_supporters_letters(post_action):
    action, organiser = post_action
    post_letter(Client(), action, channels=("post",), name="Ji-woo Park", email="j@example.org")
    delivery = Delivery.objects.get(kind="post")
    # Only letters whose writer proved their address are printed by the organisation.
    Letter.objects.filter(pk=delivery.letter_id).update(confirmed_at=timezone.now())
    client = logged_in_client(organiser)
    printed = client.post(
        reverse(CHANGELIST), {"action": "print_post_letters", "_selected_action": [delivery.pk]}
    )
    assert printed["Content-Type"] == "application/pdf"
    root = logged_in_client(get_user_model().objects.create_superuser("root", "r@example.org"))
    assert (
        "print-post-letters"
        in root.get(reverse("admin:core_auditevent_changelist")).content.decode()
    )
    colleague = logged_in_client(make_organiser(organisation=action.campaign.lead_organisation))
    log = colleague.get(reverse("admin:core_auditevent_changelist")).content.decode()
    assert "print-post-letters" in log, "the lead cannot read the print in its audit log"
