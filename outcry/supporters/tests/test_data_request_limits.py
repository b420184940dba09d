"""The "your data" request's limits: per mailbox however tagged, per /64 for IPv6 (issue 10)."""

from django.core import mail
from django.test import Client, TestCase

from outcry.testing import make_supporter

TOO_MANY = "Too many requests have come from here in a short time."


def ask(email: str, address: str):
    client = Client(REMOTE_ADDR=address)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/en/your-data/", {"email": email})


def test_a_mailbox_gets_three_links_however_its_address_is_tagged(db):
    for n in range(1, 6):
        make_supporter(email=f"anna+{n}@example.org")
    answers = [ask(f"anna+{n}@example.org", f"198.51.100.{n}") for n in range(1, 6)]
    assert {answer.status_code for answer in answers} == {302}  # the same answer for all
    assert [message.to for message in mail.outbox] == [
        [f"anna+{n}@example.org"] for n in range(1, 4)
    ]


def test_one_ipv6_64_is_one_network_and_the_next_64_another(db, settings):
    settings.RATELIMIT_DATA_PER_NETWORK = 3
    same_64 = ["2001:db8:5::1", "2001:db8:5::2", "2001:db8:5:0:ffff::9", "2001:db8:5::abcd"]
    answers = [ask(f"p{i}@example.org", address) for i, address in enumerate(same_64)]
    assert [answer.status_code for answer in answers] == [302, 302, 302, 429]
    assert TOO_MANY in answers[-1].content.decode()
    assert ask("q@example.org", "2001:db8:5:1::1").status_code == 302
