"""Per-address limits count a mailbox, however its address is tagged or dotted.

Attack review (issue 10): "anna+1@example.org", "anna+2@example.org", … reach
one inbox, but each had limits of its own, so a stranger could send that inbox
any number of confirmation links. Counted on the mailbox now
(core.ratelimit.mailbox); each letter keeps the address as typed.
"""

from django.test import Client

from outcry.letters.models import Letter
from outcry.letters.tests import test_confirmation

# The composer's fixtures: an embassy by email and fax, its action, and posting to it.
embassy, action, post = test_confirmation.embassy, test_confirmation.action, test_confirmation.post


def received_by(mail_server, local_part: str, domain: str) -> list[str]:
    return [
        message["To"].addresses[0].addr_spec
        for message in mail_server.inbox.messages()
        if message["To"].addresses[0].domain == domain
        and message["To"].addresses[0].username.startswith(local_part)
    ]


def test_the_sixth_link_in_an_hour_to_a_tagged_address_gets_no_email(post, mail_server):
    answers = [post(via=Client(), email=f"anna+{n}@example.org") for n in range(1, 8)]
    assert {answer.status_code for answer in answers} == {302}  # the same answer for all
    assert received_by(mail_server, "anna", "example.org") == [
        f"anna+{n}@example.org" for n in range(1, 6)
    ]
    # Every letter keeps its address as typed, waiting for its link.
    assert sorted(Letter.objects.values_list("supporter__email", flat=True)) == sorted(
        f"anna+{n}@example.org" for n in range(1, 8)
    )


def test_gmail_addresses_with_dots_count_as_one_mailbox(post, mail_server):
    spellings = [
        "anna.kim@gmail.com",
        "annakim@gmail.com",
        "a.n.n.a.kim@gmail.com",
        "Anna.Kim+petition@googlemail.com",
        "ann.akim@gmail.com",
        "annak.im@gmail.com",
    ]
    for email in spellings:
        assert post(via=Client(), email=email).status_code == 302
    assert (
        len(received_by(mail_server, "a", "gmail.com"))
        + len(received_by(mail_server, "a", "googlemail.com"))
        == 5
    )


def test_another_mailbox_is_not_limited_by_a_tagged_one(post, mail_server):
    for n in range(1, 7):
        post(via=Client(), email=f"anna+{n}@example.org")
    post(via=Client(), email="anna.b@example.org")  # dots matter outside Gmail
    post(via=Client(), email="annab@example.org")
    assert len(received_by(mail_server, "anna.b", "example.org")) == 1
    assert len(received_by(mail_server, "annab", "example.org")) == 1
