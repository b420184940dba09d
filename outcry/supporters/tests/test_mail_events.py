"""Bounces and complaints reported by the email provider's webhook, posted as the provider would."""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from outcry.core.mail import engine
from outcry.supporters.mailbox import Report, record_report
from outcry.supporters.models import Consent, MailProblem, Supporter
from outcry.supporters.tasks import DATA_LINK_PURPOSE
from outcry.testing import make_organisation, make_supporter

pytestmark = pytest.mark.django_db

KEY = "test-signing-key"
SECRET = "outcry:webhook-secret"
MAILGUN = override_settings(
    MAIL_EVENTS_PROVIDER="mailgun", ANYMAIL={"MAILGUN_WEBHOOK_SIGNING_KEY": KEY}
)
POSTMARK = override_settings(MAIL_EVENTS_PROVIDER="postmark", ANYMAIL={"WEBHOOK_SECRET": SECRET})


@pytest.fixture
def min_(db):
    return make_supporter(email="min@example.org", consents_to=[make_organisation()])


def mailgun_body(
    event: dict, *, key: str = KEY, token: str | None = None, age_seconds: int = 0
) -> str:
    token = token or uuid.uuid4().hex * 2
    timestamp = str(int(time.time()) - age_seconds)
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {"timestamp": time.time(), "recipient": "min@example.org", **event}
    return json.dumps(
        {
            "signature": {"token": token, "timestamp": timestamp, "signature": signature},
            "event-data": data,
        }
    )


def post_mailgun(client, event: dict, **kwargs):
    return client.post(
        "/mail/events/mailgun/", mailgun_body(event, **kwargs), content_type="application/json"
    )


def problem(supporter: Supporter) -> str:
    supporter.refresh_from_db()
    return supporter.mail_problem


@MAILGUN
def test_a_hard_bounce_stops_bulk_mail(client, min_):
    failed = {
        "event": "failed",
        "severity": "permanent",
        "reason": "bounce",
        "delivery-status": {"message": "550 5.1.1 no such user"},
    }
    assert post_mailgun(client, failed).status_code == 200
    assert problem(min_) == MailProblem.BOUNCED
    assert not Supporter.objects.receiving_bulk_mail().filter(pk=min_.pk).exists()


@MAILGUN
def test_a_complaint_stops_bulk_mail_and_outranks_a_bounce(client, min_):
    record_report(address="min@example.org", report=Report.HARD_BOUNCE)
    assert post_mailgun(client, {"event": "complained"}).status_code == 200
    assert problem(min_) == MailProblem.COMPLAINED
    record_report(address="MIN@example.org", report=Report.HARD_BOUNCE)
    assert problem(min_) == MailProblem.COMPLAINED


@MAILGUN
def test_temporary_refusals_stop_bulk_mail_only_after_the_limit_in_a_row(client, min_, settings):
    settings.SOFT_BOUNCE_LIMIT = 3
    temporary = {"event": "failed", "severity": "temporary", "reason": "generic"}
    post_mailgun(client, temporary)
    post_mailgun(client, temporary)
    post_mailgun(client, {"event": "delivered"})  # the mailbox works again: count from zero
    post_mailgun(client, temporary)
    post_mailgun(client, temporary)
    assert problem(min_) == MailProblem.NONE
    post_mailgun(client, temporary)
    assert problem(min_) == MailProblem.SOFT_BOUNCES


@MAILGUN
def test_the_providers_own_unsubscribe_withdraws_every_permission(client, min_):
    assert post_mailgun(client, {"event": "unsubscribed"}).status_code == 200
    assert not Consent.objects.filter(supporter=min_, withdrawn_at__isnull=True).exists()


@MAILGUN
@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        "\udcff",
        json.dumps({"event-data": {"event": "failed"}}),
        json.dumps({"signature": "x", "event-data": []}),
    ],
)
def test_a_malformed_body_is_refused_without_an_error(client, min_, body):
    response = client.post(
        "/mail/events/mailgun/",
        body.encode("utf-8", "surrogateescape"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert problem(min_) == MailProblem.NONE


@MAILGUN
def test_a_signature_seen_before_or_too_old_is_refused(client, min_):
    # Mailgun signs a timestamp and a token, not the event: a signature copied from a
    # log must not vouch for another event, about anyone, later.
    failed = {"event": "failed", "severity": "permanent", "reason": "bounce"}
    assert post_mailgun(client, {"event": "delivered"}, token="t" * 50).status_code == 200
    assert post_mailgun(client, failed, token="t" * 50).status_code == 400
    assert post_mailgun(client, failed, age_seconds=400 * 86400).status_code == 400
    assert problem(min_) == MailProblem.NONE


@MAILGUN
def test_a_wrong_signature_changes_nothing(client, min_):
    failed = {"event": "failed", "severity": "permanent", "reason": "bounce"}
    response = post_mailgun(client, failed, key="guessed-key")
    assert response.status_code == 400
    assert problem(min_) == MailProblem.NONE


@POSTMARK
def test_a_provider_without_signatures_needs_the_shared_secret(client, min_):
    bounce = json.dumps(
        {"RecordType": "Bounce", "Type": "HardBounce", "Email": "min@example.org", "ID": 1}
    )
    assert client.post(
        "/mail/events/postmark/", bounce, content_type="application/json"
    ).status_code in {400, 401, 403}
    wrong = "Basic " + base64.b64encode(b"outcry:guess").decode()
    assert client.post(
        "/mail/events/postmark/", bounce, content_type="application/json", HTTP_AUTHORIZATION=wrong
    ).status_code in {400, 401, 403}
    assert problem(min_) == MailProblem.NONE
    right = "Basic " + base64.b64encode(SECRET.encode()).decode()
    response = client.post(
        "/mail/events/postmark/", bounce, content_type="application/json", HTTP_AUTHORIZATION=right
    )
    assert response.status_code == 200
    assert problem(min_) == MailProblem.BOUNCED


@POSTMARK
def test_a_postmark_soft_bounce_is_temporary(client, min_):
    right = "Basic " + base64.b64encode(SECRET.encode()).decode()
    soft = json.dumps(
        {"RecordType": "Bounce", "Type": "SoftBounce", "Email": "min@example.org", "ID": 2}
    )
    client.post(
        "/mail/events/postmark/", soft, content_type="application/json", HTTP_AUTHORIZATION=right
    )
    min_.refresh_from_db()
    assert (min_.mail_problem, min_.soft_bounces) == (MailProblem.NONE, 1)


@MAILGUN
def test_only_the_configured_provider_answers(client, min_):
    assert (
        client.post("/mail/events/postmark/", "{}", content_type="application/json").status_code
        == 404
    )
    assert (
        client.post("/mail/events/nobody/", "{}", content_type="application/json").status_code
        == 404
    )


def test_without_a_provider_the_webhook_does_not_exist(client, min_):
    assert (
        client.post("/mail/events/mailgun/", "{}", content_type="application/json").status_code
        == 404
    )


def test_unknown_or_erased_addresses_are_ignored(min_):
    assert not record_report(address="nobody@example.org", report=Report.HARD_BOUNCE)
    assert not record_report(address="not an address", report=Report.COMPLAINT)


def test_the_site_refuses_to_start_with_an_unchecked_webhook():
    env = {
        **os.environ,
        "OUTCRY_MAIL_EVENTS_PROVIDER": "postmark",
        "DJANGO_SETTINGS_MODULE": "outcry.settings",
    }
    env.pop("OUTCRY_ANYMAIL_WEBHOOK_SECRET", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "OUTCRY_ANYMAIL_WEBHOOK_SECRET" in result.stderr


def test_a_mailbox_the_smtp_server_refuses_gets_no_more_bulk_mail(db, mail_server, settings):
    settings.MAIL_SEND_ON_COMMIT = False  # as in production: the sender sends it
    ann = make_supporter(email="ann@example.org", consents_to=[make_organisation()])

    async def handle_rcpt(server, session, envelope, address, rcpt_options):
        return "550 No such mailbox"

    mail_server.inbox.handle_RCPT = handle_rcpt
    engine.queue(purpose=DATA_LINK_PURPOSE, subject_id=ann.pk, round_=1, to=ann.email)
    call_command("send_mail", once=True, stdout=StringIO())
    assert problem(ann) == MailProblem.BOUNCED
