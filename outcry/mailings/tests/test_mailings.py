"""Mailings through the admin, as an organiser writes, reviews, tests and sends one."""

import re

import pytest
from django.core import mail
from django.test import TestCase

from outcry.core.models import OutgoingEmail
from outcry.letters.testing import mail_server  # noqa: F401 - fixture
from outcry.mailings import emails
from outcry.mailings.models import Mailing, MailingRecipient
from outcry.supporters import preferences
from outcry.supporters.mailbox import Report, record_report
from outcry.testing import (
    accept_partner,
    admin_url,
    logged_in_client,
    make_campaign,
    make_letter_action,
    make_mailing,
    make_organisation,
    make_organiser,
    make_petition,
    make_signature,
    make_supporter,
)
from outcry.updates.models import Subscription

pytestmark = pytest.mark.django_db


def committed(action):
    """Run *action*, then what its transaction queued on commit (the sending), as in production."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return action()


@pytest.fixture
def world():
    lead = make_organisation(name="Lead Rights")
    partner = make_organisation(name="Partner Watch")
    other = make_organisation(name="Other Aid")
    campaign = make_campaign(lead=lead)
    accept_partner(campaign, partner)
    people = {
        "min": make_supporter(email="min@example.org", language="ko", consents_to=[lead]),
        "ann": make_supporter(
            email="ann@example.org", language="en", country="US", consents_to=[lead]
        ),
        "zoe": make_supporter(email="zoe@example.org", consents_to=[lead], consent_confirmed=False),
        "bob": make_supporter(email="bob@example.org", consents_to=[partner]),
    }
    return {
        "lead": lead,
        "partner": partner,
        "other": other,
        "campaign": campaign,
        "organiser": make_organiser(organisation=lead),
        **people,
    }


def bilingual(world, **fields):
    return make_mailing(
        organisation=world["lead"],
        campaign=world["campaign"],
        texts={
            "en": ("Still detained", "The group is **still held**. Write again today."),
            "ko": (
                "아직 구금 중",
                "그들은 **아직 구금되어 있습니다**. 오늘 다시 편지를 보내 주세요.",
            ),
        },
        **fields,
    )


def review_url(mailing: Mailing) -> str:
    return f"/admin/mailings/mailing/{mailing.pk}/review/"


def subscribe(supporter, campaign, status=Subscription.Status.ACTIVE) -> None:
    Subscription.objects.create(
        supporter=supporter, campaign=campaign, language=supporter.language, status=status
    )


def test_the_review_counts_only_who_consented_and_previews_each_language(world):
    client = logged_in_client(world["organiser"])
    page = client.get(review_url(bilingual(world))).content.decode()
    # Min and Ann confirmed consent to Lead Rights; Zoe never confirmed; Bob consented to a partner.
    assert "This mailing would reach 2 supporters now." in page
    assert "English · 1 recipient" in page and "Korean · 1 recipient" in page
    assert "<strong>still held</strong>" in page
    assert "Send to 2 supporters" in page
    assert "From: Lead Rights &lt;" in page


def test_sending_reaches_each_supporter_once_in_their_language(world):
    mailing = bilingual(world)
    client = logged_in_client(world["organiser"])
    response = committed(lambda: client.post(review_url(mailing), {"do": "send"}))
    assert response.status_code == 302
    by_address = {message.to[0]: message for message in mail.outbox}
    assert sorted(by_address) == ["ann@example.org", "min@example.org"]
    korean = by_address["min@example.org"]
    assert korean.subject == "아직 구금 중"
    assert "Lead Rights" in korean.from_email
    unsubscribe = re.fullmatch(r"<(\S+)>", korean.extra_headers["List-Unsubscribe"]).group(1)
    assert korean.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in korean.body  # the footer link too
    assert "Lead Rights의 소식 받기에 동의하셔서" in korean.body
    html = korean.alternatives[0][0]
    assert "<strong>아직 구금되어 있습니다</strong>" in html
    assert by_address["ann@example.org"].subject == "Still detained"
    mailing.refresh_from_db()
    assert (mailing.status, mailing.recipient_count) == (Mailing.Status.SENDING, 2)
    assert OutgoingEmail.objects.filter(purpose="mailing", status="sent").count() == 2


def test_the_one_click_link_in_the_mailing_stops_the_next_one(world, client):
    committed(
        lambda: logged_in_client(world["organiser"]).post(
            review_url(bilingual(world)), {"do": "send"}
        )
    )
    [message] = [m for m in mail.outbox if m.to == ["ann@example.org"]]
    url = re.fullmatch(r"<https?://[^/]+(/\S+)>", message.extra_headers["List-Unsubscribe"]).group(
        1
    )
    client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    mail.outbox.clear()
    committed(
        lambda: logged_in_client(world["organiser"]).post(
            review_url(bilingual(world)), {"do": "send"}
        )
    )
    assert [m.to for m in mail.outbox] == [["min@example.org"]]


def test_a_mailing_is_never_sent_twice(world):
    mailing = bilingual(world)
    client = logged_in_client(world["organiser"])
    committed(lambda: client.post(review_url(mailing), {"do": "send"}))
    mail.outbox.clear()
    response = committed(lambda: client.post(review_url(mailing), {"do": "send"}, follow=True))
    assert "sent already" in response.content.decode()
    assert mail.outbox == []
    assert MailingRecipient.objects.filter(mailing=mailing).count() == 2


def test_a_mailing_to_nobody_is_refused_and_stays_a_draft(world):
    mailing = bilingual(world, countries="JP")
    client = logged_in_client(world["organiser"])
    assert "Nobody would receive this mailing" in client.get(review_url(mailing)).content.decode()
    response = committed(lambda: client.post(review_url(mailing), {"do": "send"}, follow=True))
    assert "Nobody would receive this mailing" in response.content.decode()
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT
    assert mail.outbox == []


def test_segments_by_action_language_and_country(world):
    petition = make_petition(campaign=world["campaign"])
    make_signature(petition=petition, supporter=world["ann"])
    make_letter_action(campaign=world["campaign"])
    client = logged_in_client(world["organiser"])

    def reach(**fields) -> str:
        page = client.get(review_url(bilingual(world, **fields))).content.decode()
        return re.search(r"This mailing would reach (\d+)", page).group(1)

    assert reach(audience=Mailing.Audience.SIGNED) == "1"
    assert reach(audience=Mailing.Audience.NOT_YET) == "1"
    assert reach(audience=Mailing.Audience.WROTE) == "0"
    assert reach(languages="ko") == "1"
    assert reach(countries="US") == "1"


def test_bounced_and_complained_addresses_get_no_mailing(world):
    record_report(address="ann@example.org", report=Report.HARD_BOUNCE)
    mailing = bilingual(world)
    committed(
        lambda: logged_in_client(world["organiser"]).post(review_url(mailing), {"do": "send"})
    )
    assert [m.to for m in mail.outbox] == [["min@example.org"]]


def test_someone_who_unsubscribes_after_the_start_gets_nothing(world):
    mailing = bilingual(world)
    # Started, but not yet sent (no on-commit: the sender has not run).
    logged_in_client(world["organiser"]).post(review_url(mailing), {"do": "send"})
    preferences.withdraw(world["ann"], [world["lead"]], via="link")
    recipient = MailingRecipient.objects.get(mailing=mailing, supporter=world["ann"])
    assert emails.mailing_email(subject_id=recipient.pk, queued=True) is None


def test_a_test_send_goes_to_the_organiser_only_in_every_language(world):
    mailing = bilingual(world)
    client = logged_in_client(world["organiser"])
    response = client.post(review_url(mailing), {"do": "test"}, follow=True)
    assert "2 test message(s) sent" in response.content.decode()
    assert {tuple(m.to) for m in mail.outbox} == {(world["organiser"].email,)}
    assert sorted(m.subject for m in mail.outbox) == [
        "[TEST] Still detained",
        "[TEST] 아직 구금 중",
    ]
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_markdown_cannot_smuggle_scripts_or_remote_images(world):
    mailing = make_mailing(
        organisation=world["lead"],
        texts={
            "en": (
                "Hi",
                'Hello <script>alert(1)</script> ![x](https://tracker.example/p.gif) <img src="https://t.example/x">',
            )
        },
    )
    committed(
        lambda: logged_in_client(world["organiser"]).post(review_url(mailing), {"do": "send"})
    )
    for message in mail.outbox:
        html = message.alternatives[0][0]
        assert "<script" not in html and "<img" not in html and "tracker.example" not in html


def test_other_organisations_and_partners_cannot_see_or_send_it(world):
    mailing = bilingual(world)
    for organisation in (world["partner"], world["other"]):
        client = logged_in_client(make_organiser(organisation=organisation))
        assert client.get(review_url(mailing)).status_code == 404
        assert (
            committed(lambda c=client: c.post(review_url(mailing), {"do": "send"})).status_code
            == 404
        )
        assert client.get(admin_url(mailing)).status_code in {302, 404}
    assert mail.outbox == []
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def form_data(**fields) -> dict:
    """The admin's add form as a browser posts it, with one English text."""
    return {
        "audience": "everyone",
        "languages": "",
        "countries": "",
        "texts-TOTAL_FORMS": "1",
        "texts-INITIAL_FORMS": "0",
        "texts-MIN_NUM_FORMS": "1",
        "texts-MAX_NUM_FORMS": "1000",
        "texts-0-language": "en",
        "texts-0-subject": "Hello",
        "texts-0-body": "Body",
        **fields,
    }


def test_an_organiser_sends_only_in_their_own_organisations_name(world):
    client = logged_in_client(world["organiser"])
    data = form_data(organisation=world["other"].pk, campaign="")
    response = client.post(admin_url(Mailing, "add"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Mailing.objects.exists()
    data["organisation"] = world["lead"].pk
    assert client.post(admin_url(Mailing, "add"), data).status_code == 302
    assert Mailing.objects.get().created_by == world["organiser"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"languages": "xx"}, "Unknown language code: xx"),
        ({"countries": "ZZ,<b>"}, "Unknown country code"),
        ({"audience": "signed", "campaign": ""}, "Choose the campaign"),
        ({"audience": "subscribed", "campaign": ""}, "Choose the campaign"),
    ],
)
def test_the_form_explains_what_is_wrong(world, fields, message):
    client = logged_in_client(world["organiser"])
    data = form_data(
        **{"organisation": world["lead"].pk, "campaign": world["campaign"].pk, **fields}
    )
    response = client.post(admin_url(Mailing, "add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Mailing.objects.exists()


def test_a_sent_mailing_can_no_longer_be_changed(world):
    mailing = bilingual(world)
    client = logged_in_client(world["organiser"])
    committed(lambda: client.post(review_url(mailing), {"do": "send"}))
    page = client.get(admin_url(mailing))
    assert page.status_code == 200
    assert 'name="countries"' not in page.content.decode()  # read-only
    assert client.post(admin_url(mailing), {"countries": "KR"}).status_code == 403


@pytest.mark.parametrize("audience", ["signed", "subscribed"])
def test_an_organisation_that_left_the_campaign_can_no_longer_count_or_send(world, audience):
    subscribe(world["bob"], world["campaign"])
    partner_organiser = make_organiser(organisation=world["partner"])
    mailing = make_mailing(
        organisation=world["partner"], campaign=world["campaign"], audience=audience
    )
    world["campaign"].partners.remove(world["partner"])
    client = logged_in_client(partner_organiser)
    page = client.get(review_url(mailing), follow=True).content.decode()
    assert "does not take part in this campaign" in page
    assert "would reach" not in page
    committed(lambda: client.post(review_url(mailing), {"do": "send"}))
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT
    assert mail.outbox == []


def test_a_mailing_to_the_campaigns_subscribers_reaches_those_who_confirmed_and_consented(
    world,
    mail_server,  # noqa: F811 - the fixture imported above
):
    campaign, lead = world["campaign"], world["lead"]
    subscribe(world["ann"], campaign)
    subscribe(world["min"], campaign, Subscription.Status.PENDING)  # never pressed the link
    subscribe(world["zoe"], campaign)  # never confirmed the consent to Lead Rights
    subscribe(world["bob"], campaign)  # agreed to hear from the partner only
    bounced = make_supporter(email="lee@example.org", consents_to=[lead])
    subscribe(bounced, campaign)
    record_report(address="lee@example.org", report=Report.HARD_BOUNCE)
    elsewhere = make_supporter(email="kim@example.org", consents_to=[lead])
    subscribe(elsewhere, make_campaign(lead=lead))  # another campaign's updates
    left = make_supporter(email="jun@example.org", consents_to=[lead])
    subscribe(left, campaign, Subscription.Status.UNSUBSCRIBED)

    client = logged_in_client(world["organiser"])
    response = client.post(
        admin_url(Mailing, "add"),
        form_data(organisation=lead.pk, campaign=campaign.pk, audience="subscribed"),
    )
    assert response.status_code == 302
    mailing = Mailing.objects.get()
    page = client.get(review_url(mailing)).content.decode()
    assert "This mailing would reach 1 supporter now." in page
    assert "To: those who get the campaign&#x27;s updates (Stop the forced return)" in page
    committed(lambda: client.post(review_url(mailing), {"do": "send"}))
    assert [message["To"] for message in mail_server.inbox.messages()] == ["ann@example.org"]
    mailing.refresh_from_db()
    assert mailing.recipient_count == 1


def test_an_organisation_outside_the_campaign_cannot_choose_its_subscribers(world):
    subscribe(world["ann"], world["campaign"])
    other = logged_in_client(make_organiser(organisation=world["other"]))
    data = form_data(
        organisation=world["other"].pk, campaign=world["campaign"].pk, audience="subscribed"
    )
    assert "Select a valid choice" in other.post(admin_url(Mailing, "add"), data).content.decode()
    assert not Mailing.objects.exists()
