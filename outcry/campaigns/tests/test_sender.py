"""Who a campaign's emails come from: its name, and an address the site may send from."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase

from outcry.directory.testing import make_target
from outcry.testing import (
    make_campaign,
    make_letter_action,
    make_petition,
    post_letter,
    post_signature,
)

pytestmark = pytest.mark.django_db


def test_by_default_mail_comes_in_the_campaigns_title_never_the_softwares(settings):
    settings.DEFAULT_FROM_EMAIL = "example.org <noreply@example.org>"
    campaign = make_campaign(title="Stop the forced return", title_ko="강제 북송을 멈춰라")
    assert campaign.sender("en") == "Stop the forced return <noreply@example.org>"
    assert "noreply@example.org" in campaign.sender("ko")
    assert "outcry" not in campaign.sender("en").lower()


def test_a_campaign_may_send_from_its_own_domain_once_the_site_allows_it(settings):
    settings.SENDER_DOMAINS = {"nkfreedom.org": frozenset()}
    campaign = make_campaign()
    campaign.sender_name = "Coalition to Save North Korean Refugees"
    campaign.sender_email = "campaign@nkfreedom.org"
    campaign.full_clean()
    assert campaign.sender("en") == (
        "Coalition to Save North Korean Refugees <campaign@nkfreedom.org>"
    )


@pytest.mark.parametrize("address", ["press@gmail.com", "a@nkfreedom.org.evil.example"])
def test_an_address_the_site_cannot_send_from_is_refused_with_the_reason(settings, address):
    settings.SENDER_DOMAINS = {"nkfreedom.org": frozenset()}
    campaign = make_campaign()
    campaign.sender_email = address
    with pytest.raises(ValidationError) as refused:
        campaign.full_clean()
    assert "would be marked as forged" in str(refused.value)


def test_a_name_cannot_inject_headers(settings):
    campaign = make_campaign()
    campaign.sender_name = "Evil\r\nBcc: all@example.org =?utf-8?q?x?="
    header = campaign.sender("en")
    assert "\n" not in header and "\r" not in header and "=?utf-8" not in header


def test_the_confirmation_emails_come_from_the_campaign(client, settings):
    settings.SENDER_DOMAINS = {"nkfreedom.org": frozenset()}
    campaign = make_campaign(title="Save my friend", title_ko="내 친구를 살려 주세요")
    campaign.sender_email = "campaign@nkfreedom.org"
    campaign.save()
    petition = make_petition(campaign=campaign)
    target = make_target(name="Embassy", city="Washington", channels={"email": "e@example.org"})
    action = make_letter_action(campaign=campaign, targets=[target], channels="email")
    with TestCase.captureOnCommitCallbacks(execute=True):
        post_signature(client, petition, language="ko", email="min@example.org")
    with TestCase.captureOnCommitCallbacks(execute=True):
        post_letter(client, action, email="ann@example.org", targets=[target])
    senders = {message.to[0]: message.from_email for message in mail.outbox}
    assert senders["min@example.org"].endswith("<campaign@nkfreedom.org>")
    assert "=?utf-8?" in senders["min@example.org"] or "내 친구" in senders["min@example.org"]
    assert senders["ann@example.org"] == "Save my friend <campaign@nkfreedom.org>"
