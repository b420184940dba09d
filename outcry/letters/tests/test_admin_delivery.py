"""Organisers' view of deliveries: status by target, printing post letters, queueing again."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from outcry.core.models import AuditEvent
from outcry.directory.testing import make_target
from outcry.letters.models import Delivery
from outcry.letters.tests.delivery_helpers import make_letter, queue_delivery
from outcry.testing import make_organisation, make_organiser

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:letters_delivery_changelist"


def test_printing_selected_post_letters_downloads_one_pdf_marks_them_sent_and_is_audited(
    admin_client,
):
    embassy = make_target(channels={"post": "3505 International Place NW\nWashington, DC 20008"})
    rows = [
        queue_delivery(letter=make_letter(targets=[embassy]), target=embassy, kind="post")
        for _ in range(2)
    ]

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "print_post_letters", "_selected_action": [row.pk for row in rows]},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('-2.pdf"')
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 3  # two letters and a sheet of labels
    assert all(row.status == Delivery.Status.SENT for row in Delivery.objects.filter(kind="post"))
    # One event per lead organisation (each letter here is another campaign's).
    events = AuditEvent.objects.filter(action="print-post-letters")
    assert events.count() == 2 and all(event.organisation_id for event in events)

    again = admin_client.post(
        reverse(CHANGELIST),
        {"action": "print_post_letters", "_selected_action": [row.pk for row in rows]},
        follow=True,
    )
    assert "waiting to be printed" in again.content.decode()


def test_failed_deliveries_can_be_queued_again_and_are_then_sent(admin_client, mail_server):
    target = make_target(channels={"email": "embassy@example.net"})
    delivery = queue_delivery(letter=make_letter(targets=[target]), target=target, kind="email")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED,
        attempt_count=6,
        error_code=Delivery.Error.OUTCOME_UNKNOWN,
        last_error="interrupted",
    )

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "queue_again", "_selected_action": [delivery.pk]},
        follow=True,
    )

    assert "1 delivery queued again." in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.error_code) == (
        Delivery.Status.SENT,
        1,
        "",
    )
    assert len(mail_server.inbox.envelopes) == 1


def test_an_organiser_sees_only_the_deliveries_of_their_own_campaigns_and_may_requeue_them(
    client, mail_server
):
    target = make_target(channels={"email": "embassy@example.net"})
    ours = queue_delivery(letter=make_letter(targets=[target]), target=target, kind="email")
    theirs = queue_delivery(letter=make_letter(targets=[target]), target=target, kind="email")
    organiser = make_organiser(organisation=ours.letter.action.campaign.lead_organisation)
    make_organiser(organisation=make_organisation())
    client.force_login(organiser)

    page = client.get(reverse(CHANGELIST))

    assert page.status_code == 200
    shown = {row.pk for row in page.context["cl"].result_list}
    assert shown == {ours.pk}
    assert theirs.pk not in shown
    detail = client.get(reverse("admin:letters_delivery_change", args=[theirs.pk]))
    assert detail.status_code == 302  # redirected away: not theirs to see

    Delivery.objects.update(status=Delivery.Status.FAILED)
    client.post(
        reverse(CHANGELIST),
        {"action": "queue_again", "_selected_action": [ours.pk, theirs.pk]},
    )
    assert Delivery.objects.get(pk=ours.pk).status == Delivery.Status.SENT
    assert Delivery.objects.get(pk=theirs.pk).status == Delivery.Status.FAILED


def test_a_partner_organisation_sees_no_letters_or_deliveries_of_the_leads_action(
    client, mail_server
):
    target = make_target(channels={"email": "embassy@example.net"})
    delivery = queue_delivery(letter=make_letter(targets=[target]), target=target, kind="email")
    campaign = delivery.letter.action.campaign
    partner = make_organisation(name="Partner Org")
    campaign.partners.add(partner)
    client.force_login(make_organiser(organisation=partner))

    assert client.get(reverse(CHANGELIST)).context["cl"].result_list.count() == 0
    letters = client.get(reverse("admin:letters_letter_changelist"))
    assert letters.context["cl"].result_list.count() == 0
    Delivery.objects.update(status=Delivery.Status.FAILED)
    client.post(reverse(CHANGELIST), {"action": "queue_again", "_selected_action": [delivery.pk]})
    assert Delivery.objects.get().status == Delivery.Status.FAILED

    lead = make_organiser(organisation=campaign.lead_organisation)
    client.force_login(lead)
    assert client.get(reverse(CHANGELIST)).context["cl"].result_list.count() == 1
