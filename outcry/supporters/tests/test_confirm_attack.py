"""The "your data" link against the confirmation attacks of issue 10.

A stranger can ask for a link to anyone's address, as they can sign or write
in their name. The four holes found in the signature's and the letter's links
are checked here: the email carries nothing anyone typed (not even the
supporter's stored name), the data shown is the supporter's as it is when the
link is opened (nothing is "confirmed" by it, so there is no version to
outdate), and opening the link, live or not, leaves nothing in the browser.
"""

import re
from datetime import timedelta

from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone

from outcry.testing import confirm_all_pending, make_petition, post_signature

SPAM = "Cheap pills at pills.example.com"


def committed(action):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return action()


def link_in(message) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/\S+/your-data/\S+/)", message.body).group(1)


def test_the_data_link_email_repeats_nothing_anyone_typed(db):
    petition = make_petition()
    committed(
        lambda: post_signature(
            Client(), petition, email="min@example.org", name=f"Min {SPAM}", comment=SPAM
        )
    )
    confirm_all_pending(petition)
    mail.outbox.clear()
    committed(lambda: Client().post("/en/your-data/", {"email": "min@example.org"}))
    (message,) = mail.outbox
    assert "pills" not in message.subject + message.body + message.alternatives[0].content


def test_opening_a_data_link_live_or_expired_sets_no_cookie(db, settings, time_machine):
    time_machine.move_to(timezone.now())
    petition = make_petition()
    committed(lambda: post_signature(Client(), petition, email="min@example.org"))
    confirm_all_pending(petition)
    mail.outbox.clear()
    committed(lambda: Client().post("/en/your-data/", {"email": "min@example.org"}))
    path = link_in(mail.outbox[0])
    opener = Client()
    live = opener.get(path)
    assert live.status_code == 200 and not live.cookies
    time_machine.shift(timedelta(hours=settings.DATA_LINK_MAX_AGE_HOURS, minutes=1))
    late = opener.get(path)
    assert late.status_code == 410 and not late.cookies
