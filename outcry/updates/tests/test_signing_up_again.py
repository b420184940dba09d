"""Signing up again for a campaign's updates: one "you signed up again" email an hour at most.

Through the real pieces: the sign-up form, the mail engine's ledger rows and a
real SMTP server on loopback. Time moves by moving the rows' own timestamps
(and, for a row of an earlier hour, its hour in the key), as an hour passing would.
"""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from outcry.core.ledger import email_key, parse_email_key
from outcry.core.models import OutgoingEmail
from outcry.letters.testing import mail_server  # noqa: F401 - fixture
from outcry.updates.models import Subscription
from outcry.updates.services import CONFIRMATION_PURPOSE


def sign_up(run_on_commit, campaign) -> None:
    answer = run_on_commit(
        lambda: Client().post(
            f"/en/c/{campaign.slug}/updates/subscribe/",
            {"email": "min@example.org", "name": "Min-jun Kim"},
        )
    )
    assert answer.status_code == 302


def subjects(server) -> list[str]:
    return [message["Subject"] for message in server.inbox.messages()]


def move_back(*, by: timedelta) -> None:
    """Make the subscription and every email about it *by* older, as if that time had passed."""
    Subscription.objects.update(created_at=timezone.now() - by)
    for entry in OutgoingEmail.objects.filter(purpose=CONFIRMATION_PURPOSE):
        purpose, subject_id, round_ = parse_email_key(entry.idempotency_key)
        if round_:  # an "again" email is keyed by its hour: an earlier hour's
            round_ -= round(by / timedelta(hours=1)) or 1
        entry.idempotency_key = email_key(purpose, subject_id, round_)
        entry.created_at = entry.created_at - by
        entry.save(update_fields=["idempotency_key", "created_at"])


def test_signing_up_again_after_an_hour_emails_once_and_not_again_within_the_hour(
    db,
    campaign,
    run_on_commit,
    mail_server,  # noqa: F811 - the fixture imported above
):
    sign_up(run_on_commit, campaign)
    assert subjects(mail_server) == ["Please confirm you want the updates: Stop the forced return"]

    move_back(by=timedelta(hours=2))
    sign_up(run_on_commit, campaign)
    assert subjects(mail_server)[1:] == [
        "Please confirm you want the updates: Stop the forced return"
    ]
    assert "/confirm/" in mail_server.inbox.messages()[1].get_body(("plain",)).get_content()

    # Half an hour later (the last email in an earlier hour): no third email.
    move_back(by=timedelta(minutes=30))
    sign_up(run_on_commit, campaign)
    assert len(mail_server.inbox.messages()) == 2
    assert OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SKIPPED).count() == 1
