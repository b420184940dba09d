"""Second attack on the public signing form (issue 8): a stranger typing someone else's address.

Each test is an attack: those that found a hole were strict xfails until it
was closed, and now pin the fix; the others held from the start.
"""

import re

import pytest
from django.test import Client

from outcry.letters.testing import mail_server  # noqa: F401 - fixture
from outcry.petitions.models import Signature
from outcry.testing import make_petition, make_signature, post_signature

VICTIM = "victim@example.org"


def shown_count(client: Client, petition) -> int:
    page = client.get(f"/en/c/{petition.campaign.slug}/").content.decode()
    return int(re.search(r'<progress max="\d+" value="(\d+)"', page).group(1))


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    url = next(word for word in text.split() if "/confirm/" in word)
    return url[url.index("/", len("https://")) :]


def sign_as_stranger(run_on_commit, petition, *, comment: str) -> None:
    """A stranger signs with VICTIM's address, a name, a comment and the full listing."""
    run_on_commit(
        lambda: post_signature(
            Client(REMOTE_ADDR="203.0.113.9"),
            petition,
            email=VICTIM,
            name="Kim Real-Name",
            country="KR",
            comment=comment,
            public_name=Signature.PublicName.FULL,
        )
    )


def press_every_link(client: Client, server) -> None:
    """The mailbox's owner presses the button behind every confirmation link it got."""
    for message in server.inbox.messages():
        path = link_in(message)
        if "/confirm/" in path:
            client.post(path)


def test_the_owner_sees_what_a_stranger_would_publish_in_their_name_before_confirming(
    db,
    mail_server,  # noqa: F811 - the fixture imported above
    run_on_commit,
):
    petition = make_petition()
    comment = "My brother in Hoeryong told me everything"
    sign_as_stranger(run_on_commit, petition, comment=comment)
    [message] = mail_server.inbox.messages()
    owner = Client()
    path = link_in(message)
    page = owner.get(path).content.decode()
    # Pressing the button publishes this on /signers/: the owner must see it first.
    owner.post(path)
    listed = owner.get(f"/en/petitions/{petition.slug}/signers/").content.decode()
    assert comment in listed and "Kim Real-Name" in listed  # what the button did
    # The page shows it; the email does not repeat it (issue 10: the site must
    # not mail a stranger's words, test_confirm_attack.py).
    text = message.get_body(("plain",)).get_content()
    assert comment not in text
    assert comment in page and "Kim Real-Name" in page, "the page with the button hides them"


def test_the_public_count_does_not_tell_whether_an_address_had_signed(db, settings):
    settings.PAGE_CACHE_SECONDS = 0  # in production: wait a few seconds between reads
    petition = make_petition(needs_confirmation=False)
    make_signature(petition=petition, email=VICTIM)
    stranger = Client()

    before = shown_count(stranger, petition)
    post_signature(stranger, petition, email=VICTIM, name="Anyone")
    after_signed_address = shown_count(stranger, petition)
    post_signature(stranger, petition, email="never-signed@example.org", name="Anyone")
    after_new_address = shown_count(stranger, petition)

    rise_signed = after_signed_address - before
    rise_new = after_new_address - after_signed_address
    assert rise_signed == rise_new, (rise_signed, rise_new)


def test_held_opening_a_confirmation_link_lists_nothing_and_counts_nothing(
    db,
    mail_server,  # noqa: F811 - the fixture imported above
    run_on_commit,
):
    """A mail scanner's GET on the link neither confirms, lists, nor counts (was fixed)."""
    petition = make_petition()
    run_on_commit(
        lambda: post_signature(
            Client(), petition, email=VICTIM, public_name=Signature.PublicName.FULL
        )
    )
    [message] = mail_server.inbox.messages()
    scanner = Client()
    assert scanner.get(link_in(message)).status_code == 200
    assert scanner.head(link_in(message)).status_code in {200, 405}
    signature = Signature.objects.get()
    assert signature.email_confirmed_at is None and signature.confirmed_at is None
    assert shown_count(scanner, petition) == 0


def test_one_mailbox_signs_once_however_its_domain_is_spelt(
    db,
    mail_server,  # noqa: F811 - the fixture imported above
    run_on_commit,
):
    petition = make_petition()
    spellings = ["min@example.org", "min@\uff45xample.org", "min@example.org\u200b"]
    for n, spelling in enumerate(spellings):
        run_on_commit(
            lambda spelling=spelling, n=n: post_signature(
                Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), petition, email=spelling
            )
        )
    # Every email went to the one mailbox; its owner presses every link it got.
    assert {envelope.rcpt_tos[0] for envelope in mail_server.inbox.envelopes} == {"min@example.org"}
    owner = Client()
    press_every_link(owner, mail_server)
    assert shown_count(owner, petition) == 1, "one mailbox counted more than once"


def test_a_stranger_cannot_make_someones_own_signature_vanish(db, settings):
    settings.RATELIMIT_SIGN_PER_EMAIL = 5
    decoy, petition = make_petition(), make_petition()
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(6):
        post_signature(stranger, decoy, email=VICTIM, name="Anyone")

    answer = post_signature(Client(REMOTE_ADDR="198.51.100.4"), petition, email=VICTIM)

    assert answer.status_code == 302  # "thank you, check your email"
    assert petition.signatures.filter(supporter__email=VICTIM).exists(), "acknowledged, not kept"


def test_signing_for_real_after_a_stranger_never_publishes_the_strangers_words(
    db,
    mail_server,  # noqa: F811 - the fixture imported above
    run_on_commit,
):
    petition = make_petition()
    comment = "Written by someone else"
    sign_as_stranger(run_on_commit, petition, comment=comment)
    owner = Client(REMOTE_ADDR="198.51.100.4")
    answer = run_on_commit(
        lambda: post_signature(
            owner, petition, email=VICTIM, name="Kim", public_name=Signature.PublicName.HIDDEN
        )
    )
    assert answer.status_code == 302
    # The owner confirms from their inbox, as they expect to after signing.
    press_every_link(owner, mail_server)
    listed = owner.get(f"/en/petitions/{petition.slug}/signers/").content.decode()
    assert comment not in listed, "the stranger's comment is listed under the owner's name"


@pytest.mark.parametrize("name", ["\u3164", "\u115f\u3164", "Kim\U000e0041"])
def test_an_invisible_name_is_refused(petition, name):
    post_signature(Client(), petition, email="blank@example.org", name=name)
    assert not Signature.objects.filter(name=name).exists()
