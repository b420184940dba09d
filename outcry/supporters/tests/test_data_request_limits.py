"""The "your data" request's limits and its timing (issue 10).

Per mailbox however the address is tagged, per /64 for IPv6, and the same
work for a known address as for an unknown one, so the time of the answer does
not tell which it was.
"""

import re

from django.core import mail
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

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


def shape(sql: str) -> str:
    """*sql* without its values: what the database is asked to do, not about whom."""
    sql = re.sub(r'"s\d+_x\d+"', "?", sql)  # savepoint names
    return re.sub(r"\b\d+\b", "?", re.sub(r"'(?:[^']|'')*'", "?", sql))


def test_a_known_and_an_unknown_address_cost_the_same_statements(db, settings):
    settings.TASKS = {  # tasks as rows in the database, as in production
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    make_supporter(email="known@example.org")

    def statements(email: str, address: str) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert (
                Client(REMOTE_ADDR=address).post("/en/your-data/", {"email": email}).status_code
                == 302
            )
        return [shape(query["sql"]) for query in queries.captured_queries]

    known = statements("known@example.org", "198.51.100.1")
    unknown = statements("nobody@example.org", "198.51.100.2")
    assert known == unknown
    assert any(statement.startswith("INSERT") for statement in known)  # one task row each
    # The task holds the supporter's id, or nothing: never the address typed.
    tasks = [str(row.args_kwargs) for row in DBTaskResult.objects.all()]
    assert len(tasks) == 2
    assert not any("@" in task for task in tasks)
