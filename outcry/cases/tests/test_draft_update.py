"""A status change becomes a draft update and a draft mailing; nothing goes until it is started."""

from datetime import date

import pytest
from django.test import TestCase

from outcry.cases.models import StatusChange, StatusNote
from outcry.cases.testing import add_change, make_case
from outcry.core.models import OutgoingEmail
from outcry.mailings.models import Mailing
from outcry.testing import (
    admin_url,
    logged_in_client,
    make_supporter,
    received_by,
)
from outcry.updates.models import Subscription, Update

pytestmark = pytest.mark.django_db


def committed(action):
    """Run *action*, then what its transaction queued on commit (the sending), as in production."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return action()


def subscribe(supporter, campaign) -> None:
    Subscription.objects.create(
        supporter=supporter,
        campaign=campaign,
        language=supporter.language,
        status=Subscription.Status.ACTIVE,
    )


@pytest.fixture
def change(world):
    case = make_case(
        campaign=world["campaign"],
        summary="Group of 10 arrested in Shenyang",
        summary_ko="선양에서 체포된 10명",
    )
    change = add_change(
        case,
        status=StatusChange.Status.DETAINED,
        on=date(2012, 2, 10),
        outlet="Daily NK",
        url="https://www.dailynk.com/",
    )
    StatusNote.objects.create(change=change, language="en", note="Moved to Changchun.")
    StatusNote.objects.create(change=change, language="ko", note="창춘으로 옮겨졌습니다.")
    return change


def draft(client, change):
    return committed(
        lambda: client.post(
            admin_url(StatusChange, "changelist"),
            {"action": "draft_update", "_selected_action": [change.pk]},
            follow=True,
        )
    )


def test_drafting_writes_an_update_and_a_mailing_and_sends_nothing_until_started(
    world, change, mail_server
):
    campaign = world["campaign"]
    min_ = make_supporter(email="min@example.org", language="ko", consents_to=[world["lead"]])
    ann = make_supporter(email="ann@example.org", language="en", consents_to=[world["lead"]])
    subscribe(min_, campaign)
    subscribe(ann, campaign)
    # Consented but not subscribed; subscribed but consented only to the partner.
    make_supporter(email="zoe@example.org", consents_to=[world["lead"]])
    bob = make_supporter(email="bob@example.org", consents_to=[world["partner"]])
    subscribe(bob, campaign)

    client = logged_in_client(world["organiser"])
    page = draft(client, change).content.decode()
    assert "Nothing is sent until you start it." in page

    update = Update.objects.get()
    assert update.status == Update.Status.DRAFT and not update.is_public
    english, korean = update.text_for("en"), update.text_for("ko")
    assert english.title == "Group of 10 arrested in Shenyang: detained"
    assert "(reported)" in english.body and "Moved to Changchun." in english.body
    assert "Daily NK" in english.body and "https://www.dailynk.com/" in english.body
    assert korean.language == "ko" and "창춘으로 옮겨졌습니다." in korean.body
    mailing = Mailing.objects.get()
    assert mailing.status == Mailing.Status.DRAFT
    assert mailing.audience == Mailing.Audience.SUBSCRIBED
    assert mailing.organisation == world["lead"] and mailing.campaign == campaign
    assert sorted(mailing.texts.values_list("language", flat=True)) == ["en", "ko"]
    # The public does not see the draft, and nobody was sent anything.
    assert "detained" not in client.get(f"/en/c/{campaign.slug}/updates/").content.decode()
    assert received_by(mail_server) == {}
    assert not OutgoingEmail.objects.filter(purpose="mailing").exists()

    review = client.get(f"/admin/mailings/mailing/{mailing.pk}/review/").content.decode()
    assert "This mailing would reach 2 supporters now." in review
    committed(lambda: client.post(f"/admin/mailings/mailing/{mailing.pk}/review/", {"do": "send"}))
    assert received_by(mail_server) == {"min@example.org": 1, "ann@example.org": 1}


def test_a_partner_cannot_draft_from_a_status_change(world, change):
    client = logged_in_client(world["partner_organiser"])
    draft(client, change)
    assert not Update.objects.exists() and not Mailing.objects.exists()


def test_a_change_without_source_is_not_drafted(world, change):
    change.sources.all().delete()
    page = draft(logged_in_client(world["organiser"]), change).content.decode()
    assert "Add a source to this status change first." in page
    assert not Update.objects.exists() and not Mailing.objects.exists()
