"""The senders render confirmation emails a batch at a time: the queries of one for ten,
and each kind of email built once and filled in for each signer."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outcry.core.mail.merge import MergedMessage
from outcry.letters.testing import mail_server  # noqa: F401 - fixture
from outcry.petitions.emails import confirmation_email, confirmation_emails
from outcry.petitions.models import Signature
from outcry.petitions.services import signature_to_confirm
from outcry.testing import make_petition, post_signature

pytestmark = pytest.mark.django_db

LINK_RE = re.compile(r"https?://[^\s\"<]+/confirm/[^\s\"<]+")


@pytest.fixture
def senders(settings):
    settings.MAIL_SEND_ON_COMMIT = False  # the rows wait for a sender, as in production


def sign_up(petition, count: int) -> list[tuple[int, int]]:
    lead = petition.campaign.lead_organisation
    for n in range(count):
        post_signature(
            Client(),
            petition,
            email=f"batch-{petition.pk}-{n}@example.org",
            **{f"consent_{lead.pk}": "on"},
        )
    return [
        (pk, 0) for pk in Signature.objects.filter(petition=petition).values_list("pk", flat=True)
    ]


def queries_to_render(items) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        emails = confirmation_emails(items)
    return len(queries), emails


def test_ten_confirmations_cost_the_queries_of_one_and_each_link_confirms(senders):
    one, _emails = queries_to_render(sign_up(make_petition(), 1))
    items = sign_up(make_petition(), 10)
    ten, emails = queries_to_render(items)
    assert ten == one
    client = Client()
    for email in emails.values():
        path = next(
            word for word in email.message.body.split() if "/confirm/" in word
        ).removeprefix("http://127.0.0.1:8000")
        page = client.get(path)
        assert page.status_code == 200
        assert f'<form method="post" action="{path}">' in page.content.decode()


def words(message) -> dict[str, str]:
    """Each text part of *message*, with line ends as in a file."""
    return {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in message.walk()
        if part.get_content_maintype() == "text"
    }


def test_a_sender_builds_each_kind_of_email_once_and_each_copy_reads_as_if_built_alone(
    senders,
    mail_server,  # noqa: F811 - the fixture imported above
):
    petition = make_petition()
    lead = petition.campaign.lead_organisation
    signers = {  # address: (language, consent to the lead organisation)
        "ann@example.org": ("en", True),
        "cy@example.org": ("en", True),
        "bo.kim+petition@example.org": ("en", False),
        "min@example.org": ("ko", True),
        "jun@example.org": ("ko", True),
        # A quote is a valid address character that a copy does not take as it is: built alone.
        "o'brien@example.org": ("en", False),
    }
    for address, (language, consents) in signers.items():
        consent = {f"consent_{lead.pk}": "on"} if consents else {}
        name = "Ann Lee" if address.startswith("ann") else "Ji-woo"
        post_signature(Client(), petition, language, email=address, name=name, **consent)
    # Ann's address is confirmed (her email greets her by name, so it is built for her
    # alone) and her consent still waits for its link: hers and Cy's differ only there.
    ann = "ann@example.org"
    Signature.objects.filter(supporter__email="ann@example.org").update(
        email_confirmed_at=timezone.now()
    )
    signatures = {
        signature.supporter.email: signature
        for signature in Signature.objects.select_related("supporter")
    }
    merged = confirmation_emails([(signature.pk, 0) for signature in signatures.values()])
    assert sorted(
        email.to for email in merged.values() if isinstance(email.message, MergedMessage)
    ) == sorted(address for address in signers if "'" not in address and address != ann)

    call_command("send_mail", once=True)

    arrived = {
        message["To"].addresses[0].addr_spec: message for message in mail_server.inbox.messages()
    }
    assert sorted(arrived) == sorted(signers)
    assert len({message["Message-ID"] for message in arrived.values()}) == len(signers)
    for address, message in arrived.items():
        signature = signatures[address]
        alone = confirmation_email(subject_id=signature.pk, queued=True).message.message()
        own, usual = words(message), words(alone)
        link = LINK_RE.search(own["text/plain"]).group(0)
        # The link confirms this signer's signature, and no one else's.
        assert signature_to_confirm(code=link.rstrip("/").rsplit("/", 1)[1]) == signature
        assert f'href="{link}"' in own["text/html"]
        for kind in own:
            own[kind] = LINK_RE.sub("LINK", own[kind])
            usual[kind] = LINK_RE.sub("LINK", usual[kind])
        assert own == usual
        assert ("Ann" in own["text/plain"]) == (address == "ann@example.org")
        language, consents = signers[address]
        assert (lead.name_in(language) in own["text/plain"]) == consents
        for header in ("Subject", "From", "To", "Content-Language"):
            assert str(message[header]) == str(alone[header]), header
