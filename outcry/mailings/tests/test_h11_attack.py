"""Issue 11, attacked by organisers: another organisation's mailings, a sent one, a double start."""

import threading

import pytest
from django.db import connection

from outcry.letters.testing import mail_server
from outcry.mailings import services
from outcry.mailings.models import Mailing, MailingRecipient, MailingText
from outcry.mailings.tests.test_mailings import bilingual, committed, form_data, review_url, world
from outcry.supporters.models import Supporter
from outcry.testing import (
    admin_url,
    logged_in_client,
    make_campaign,
    make_mailing,
    make_organiser,
    make_petition,
    post_signature,
)

pytestmark = pytest.mark.django_db
__all__ = ["mail_server", "world"]  # fixtures


def test_a_sent_mailing_cannot_be_deleted_with_the_list_action(world):
    mailing = bilingual(world)
    client = logged_in_client(world["organiser"])
    committed(lambda: client.post(review_url(mailing), {"do": "send"}))
    action = {"action": "delete_selected", "_selected_action": [mailing.pk], "post": "yes"}
    client.post(admin_url(Mailing, "changelist"), action)
    assert Mailing.objects.filter(pk=mailing.pk).exists()
    assert MailingRecipient.objects.filter(mailing=mailing).count() == 2


def test_another_organisations_mailing_cannot_be_deleted_or_its_texts_changed(world):
    mailing = bilingual(world)
    other = logged_in_client(make_organiser(organisation=world["other"]))
    action = {"action": "delete_selected", "_selected_action": [mailing.pk], "post": "yes"}
    other.post(admin_url(Mailing, "changelist"), action)
    text = mailing.texts.get(language="en")
    data = form_data(
        organisation=world["other"].pk,
        **{"texts-INITIAL_FORMS": "1", "texts-0-id": text.pk, "texts-0-subject": "Hijacked"},
    )
    assert other.post(admin_url(mailing), data).status_code in {302, 404}
    assert Mailing.objects.get(pk=mailing.pk).organisation == world["lead"]
    assert MailingText.objects.get(pk=text.pk).subject == "Still detained"
    assert other.get(admin_url(mailing, "history")).status_code in {302, 404}


def test_a_mailing_cannot_be_segmented_by_a_campaign_its_organisation_has_no_part_in(world):
    foreign = make_campaign(lead=world["other"], title="Other campaign")
    client = logged_in_client(world["organiser"])
    data = form_data(organisation=world["lead"].pk, campaign=foreign.pk, audience="signed")
    response = client.post(admin_url(Mailing, "add"), data)
    assert response.status_code == 200
    assert not Mailing.objects.exists()


@pytest.mark.skipif(connection.vendor == "sqlite", reason="two writers at once: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_starts_at_once_write_the_recipients_once(world):
    mailing = bilingual(world)
    user = world["organiser"]
    results, barrier = [], threading.Barrier(2)

    def start():
        barrier.wait()
        try:
            results.append(services.start(Mailing.objects.get(pk=mailing.pk), user=user))
        except services.CannotStart as refusal:
            results.append(refusal.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == [2, "This mailing was sent already; it is never sent twice."]
    assert MailingRecipient.objects.filter(mailing=mailing).count() == 2


def test_a_stranger_cannot_place_a_supporter_in_a_mailings_country_segment(world, client):
    ann = world["ann"]
    Supporter.objects.filter(pk=ann.pk).update(country="")  # signed up for updates: no country
    mailing = make_mailing(organisation=world["lead"], countries="KP")
    assert services.recipients(mailing).count() == 0
    # Anyone types Ann's address into a petition, claiming a country for her.
    post_signature(client, make_petition(campaign=world["campaign"]), email=ann.email, country="KP")
    # Never confirmed by Ann, yet the organisers' list and the segment now place her there.
    assert services.recipients(mailing).count() == 0


def test_a_test_send_the_mail_server_refuses_is_a_message_not_an_error(world, mail_server):
    mail_server.stop()  # the site's SMTP server is down (or refuses the organiser's address)
    mailing = bilingual(world)
    client = logged_in_client(world["organiser"])
    client.raise_request_exception = False
    response = client.post(review_url(mailing), {"do": "test"}, follow=True)
    assert response.status_code == 200
    assert "The test could not be sent" in response.content.decode()
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT
