"""Adversarial checks of merged confirmations: no signer's copy carries another's words."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from outcry.campaigns.models import OrganisationName
from outcry.core.models import OutgoingEmail
from outcry.letters.testing import mail_server  # noqa: F401 - fixture
from outcry.petitions.emails import confirmation_email
from outcry.petitions.models import PetitionText, Signature
from outcry.petitions.services import signature_to_confirm
from outcry.testing import make_campaign, make_organisation, make_petition, post_signature

pytestmark = pytest.mark.django_db

LINK_RE = re.compile(r"https?://[^\s\"<]+/confirm/[^\s\"<]+")


@pytest.fixture
def senders(settings):
    settings.MAIL_SEND_ON_COMMIT = False


def words(message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in message.walk()
        if part.get_content_maintype() == "text"
    }


def check_inbox(mail_server, expect):  # noqa: F811
    """Every arrived copy reads as the copy built alone, and its link is its own."""
    arrived = {}
    for message in mail_server.inbox.messages():
        arrived.setdefault(message["To"].addresses[0].addr_spec.lower(), []).append(message)
    assert sorted(arrived) == sorted(address.lower() for address in expect)
    ids = set()
    for address, signature in expect.items():
        [message] = arrived[address.lower()]
        ids.add(message["Message-ID"])
        assert message["Date"]
        alone = confirmation_email(subject_id=signature.pk, queued=True).message.message()
        own, usual = words(message), words(alone)
        link = LINK_RE.search(own["text/plain"]).group(0)
        assert signature_to_confirm(code=link.rstrip("/").rsplit("/", 1)[1]) == signature
        for kind in own:
            own[kind] = LINK_RE.sub("LINK", own[kind])
            usual[kind] = LINK_RE.sub("LINK", usual[kind])
        assert own == usual, address
        for header in ("Subject", "From", "To", "Content-Language"):
            assert str(message[header]) == str(alone[header]), (address, header)
    assert len(ids) == len(expect)


def sign(petition, address, language="en", name="Ann Lee", consents=()):
    fields = {f"consent_{org.pk}": "on" for org in consents}
    post_signature(Client(), petition, language, email=address, name=name, **fields)
    return Signature.objects.select_related("supporter").get(
        supporter__email=address.lower(), petition=petition
    )


def test_same_titles_two_campaigns_two_languages_and_renames_between_batches(
    senders,
    mail_server,  # noqa: F811
):
    partner_a, partner_b = make_organisation(name="Partner A"), make_organisation(name="Partner B")
    OrganisationName.objects.create(organisation=partner_a, language="ko", name="파트너 A")
    one = make_petition(campaign=make_campaign(partners=[partner_a, partner_b]))
    two = make_petition(campaign=make_campaign(partners=[partner_a]))  # same titles
    expect = {
        "ann@example.org": sign(one, "ann@example.org", consents=[partner_a]),
        "bo@example.org": sign(one, "bo@example.org", consents=[partner_b]),
        "Cy.Upper+tag@Example.ORG": sign(two, "Cy.Upper+tag@Example.ORG", consents=[partner_a]),
        "min@example.org": sign(one, "min@example.org", "ko", consents=[partner_a]),
        "jun@example.org": sign(two, "jun@example.org", "ko"),
    }
    call_command("send_mail", once=True)
    check_inbox(mail_server, expect)
    first = len(mail_server.inbox.messages())

    # Between batches: renames, a new sender, new titles.
    partner_a.name = "Partner A renamed"
    partner_a.save()
    OrganisationName.objects.filter(organisation=partner_a).update(name="파트너 에이")
    PetitionText.objects.filter(petition=one, language="en").update(title="A new title")
    campaign = two.campaign
    campaign.sender_name = "Another sender"
    campaign.save()
    campaign.slug = campaign.slug + "-moved"
    campaign.save()
    later = {
        "dee@example.org": sign(one, "dee@example.org", consents=[partner_a]),
        "eve@example.org": sign(two, "eve@example.org", consents=[partner_a]),
        "fay@example.org": sign(one, "fay@example.org", "ko", consents=[partner_a]),
    }
    call_command("send_mail", once=True)
    messages = mail_server.inbox.messages()[first:]
    assert len(messages) == len(later)
    for message in messages:
        address = message["To"].addresses[0].addr_spec
        signature = later[address]
        alone = confirmation_email(subject_id=signature.pk, queued=True).message.message()
        own, usual = words(message), words(alone)
        for kind in own:
            assert LINK_RE.sub("L", own[kind]) == LINK_RE.sub("L", usual[kind]), address
        assert str(message["From"]) == str(alone["From"])
        assert str(message["Subject"]) == str(alone["Subject"])


def test_confirmed_signers_signing_again_are_greeted_by_their_own_names(
    senders,
    mail_server,  # noqa: F811
):
    petition = make_petition()
    for address, name in [("ann@example.org", "Ann Lee"), ("bo@example.org", "Bo Kim")]:
        sign(petition, address, name=name)
    Signature.objects.update(email_confirmed_at=timezone.now())
    call_command("send_mail", once=True)
    Signature.objects.update(created_at=timezone.now() - timedelta(hours=3))
    OutgoingEmail.objects.update(created_at=timezone.now() - timedelta(hours=3))
    for address, name in [("ann@example.org", "Ann Lee"), ("bo@example.org", "Bo Kim")]:
        post_signature(Client(), petition, "en", email=address, name=name)
    call_command("send_mail", once=True)
    texts = {
        m["To"].addresses[0].addr_spec: words(m)["text/plain"] for m in mail_server.inbox.messages()
    }
    assert all("again" in text for text in texts.values())
    assert "Ann" in texts["ann@example.org"] and "Bo" not in texts["ann@example.org"]
    assert "Bo" in texts["bo@example.org"] and "Ann" not in texts["bo@example.org"]


def test_odd_addresses_and_placeholder_like_names_stay_their_own(
    senders,
    mail_server,  # noqa: F811
):
    petition = make_petition()
    lead = petition.campaign.lead_organisation
    addresses = [
        "min@예시.한국",
        "o'brien+x@example.org",
        "a/b%c~d@example.org",
        "mergeid0@merge.example.org",
        "merge-to@example.org",
        "x" * 60 + "@" + "y" * 60 + ".example.org",
    ]
    names = ["mergeidx", "mergeconfirmx0123456789ab", "mergetox", "mergepart0x", "{{ x }}", "Zed"]
    expect = {}
    for address, name in zip(addresses, names, strict=True):
        expect[address] = sign(petition, address, name=name, consents=[lead])
    Signature.objects.update(email_confirmed_at=timezone.now())  # greet by name
    Signature.objects.filter(supporter__email__startswith="merge").update(email_confirmed_at=None)
    call_command("send_mail", once=True)
    for envelope in mail_server.inbox.envelopes:
        assert len(envelope.rcpt_tos) == 1
    arrived = mail_server.inbox.messages()
    assert len(arrived) == len(addresses)
    assert len({m["Message-ID"] for m in arrived}) == len(arrived)
    assert all(m["Date"] and m["Message-ID"].endswith(">") for m in arrived)
    for envelope, message in zip(mail_server.inbox.envelopes, arrived, strict=True):
        to = message["To"].addresses[0].addr_spec
        assert envelope.rcpt_tos[0].lower() == to.lower()
        by_ascii = {
            (
                a
                if a.isascii()
                else a.split("@")[0] + "@" + a.split("@")[1].encode("idna").decode()
            ): s
            for a, s in expect.items()
        }
        signature = by_ascii[to]
        alone = confirmation_email(subject_id=signature.pk, queued=True).message.message()
        own, usual = words(message), words(alone)
        for kind in own:
            assert LINK_RE.sub("L", own[kind]) == LINK_RE.sub("L", usual[kind]), to
        for other in names:
            if other != signature.greeting_name:
                assert other not in own["text/plain"], (to, other)
        assert "merge" not in own["text/plain"].replace(signature.greeting_name, "")
