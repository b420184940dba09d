"""Issue 11, attacked by a stranger: the mail-events webhook and the preferences links."""

import base64
import json

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.signing import TimestampSigner
from django.test import override_settings

from outcry.supporters import preferences
from outcry.supporters.models import Consent, MailProblem
from outcry.supporters.tests.test_mail_events import KEY, SECRET, mailgun_body, post_mailgun
from outcry.testing import make_organisation, make_supporter

pytestmark = pytest.mark.django_db

MAILGUN = override_settings(
    MAIL_EVENTS_PROVIDER="mailgun", ANYMAIL={"MAILGUN_WEBHOOK_SIGNING_KEY": KEY}
)
POSTMARK = override_settings(MAIL_EVENTS_PROVIDER="postmark", ANYMAIL={"WEBHOOK_SECRET": SECRET})
DEEP = "[" * 100_000


@pytest.fixture
def min_(db):
    return make_supporter(email="min@example.org", consents_to=[make_organisation()])


@MAILGUN
@pytest.mark.parametrize("body", [DEEP, '{"signature": ' + "{" * 5000])
def test_json_nested_too_deep_is_refused_before_the_signature_without_an_error(client, min_, body):
    """Anyone could make the Mailgun webhook answer 500 (RecursionError in its freshness check)."""
    client.raise_request_exception = False
    response = client.post("/mail/events/mailgun/", body, content_type="application/json")
    assert response.status_code == 400


@MAILGUN
def test_a_timestamp_that_is_not_a_number_is_not_fresh(client, min_):
    """ "NaN" compared as neither old nor new, so the freshness check let it through."""
    data = json.loads(mailgun_body({"event": "failed", "severity": "permanent"}))
    data["signature"]["timestamp"] = "NaN"
    response = client.post(
        "/mail/events/mailgun/", json.dumps(data), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.content == b"stale or repeated signature"
    min_.refresh_from_db()
    assert min_.mail_problem == MailProblem.NONE


@POSTMARK
def test_an_authenticated_body_nested_too_deep_is_a_400(client, min_):
    client.raise_request_exception = False
    right = "Basic " + base64.b64encode(SECRET.encode()).decode()
    response = client.post(
        "/mail/events/postmark/", DEEP, content_type="application/json", HTTP_AUTHORIZATION=right
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("sendgrid", '[{"event": "bounce", "timestamp": 1e400, "email": "min@example.org"}]'),
        ("sendgrid", '[{"event": "bounce", "timestamp": -1e20, "email": "min@example.org"}]'),
        ("mailjet", '{"event": "bounce", "time": 1e30, "email": "min@example.org"}'),
    ],
)
def test_a_date_out_of_range_is_a_400_and_changes_nothing(client, min_, provider, body):
    """anymail turns the event's time into a datetime: OverflowError was a 500."""
    client.raise_request_exception = False
    right = "Basic " + base64.b64encode(SECRET.encode()).decode()
    with override_settings(MAIL_EVENTS_PROVIDER=provider, ANYMAIL={"WEBHOOK_SECRET": SECRET}):
        response = client.post(
            f"/mail/events/{provider}/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=right,
        )
    assert response.status_code == 400
    min_.refresh_from_db()
    assert min_.mail_problem == MailProblem.NONE


@pytest.mark.parametrize("value", ["{pk}.²", "²3.0", "{pk}.99999999999999999999999"])
def test_a_signed_value_that_is_no_row_id_is_a_broken_link_not_an_error(client, min_, value):
    """Hardening (only the site's key makes such a code): int("²") was a 500 on both pages."""
    client.raise_request_exception = False
    code = TimestampSigner(salt=preferences.SALT).sign(value.format(pk=min_.pk))
    for path in (f"/en/email/{code}/", f"/en/email/{code}/stop/"):
        assert client.get(path).status_code == 404
        assert client.post(path, {"scope": "all"}).status_code == 404
    assert Consent.objects.active().filter(supporter=min_).count() == 1


@MAILGUN
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("x" * 3_000_000, "application/json"),
        ("&".join(f"f{n}=1" for n in range(5000)), "application/x-www-form-urlencoded"),
        ("token=a&timestamp=1e400&signature=b", "application/x-www-form-urlencoded"),
        ("\xff\xfe", "application/json"),
    ],
)
def test_huge_or_odd_bodies_from_a_stranger_are_400(client, min_, body, content_type):
    client.raise_request_exception = False
    response = client.post("/mail/events/mailgun/", body, content_type=content_type)
    assert response.status_code == 400
    min_.refresh_from_db()
    assert min_.mail_problem == MailProblem.NONE


@MAILGUN
def test_a_mailgun_signature_used_once_is_refused_by_every_process(client, min_):
    """Without Redis each web worker (serve starts two or more) has a cache of its own, so
    a token seen by one worker was new to the next: a signature copied from a log within
    five minutes vouched for any event, about anyone, once per worker."""
    failed = {"event": "failed", "severity": "permanent", "reason": "bounce"}
    assert post_mailgun(client, {"event": "delivered"}, token="t" * 50).status_code == 200
    if isinstance(cache, LocMemCache):  # per process: the next request's worker never saw it
        cache.clear()
    assert post_mailgun(client, failed, token="t" * 50).status_code == 400
    min_.refresh_from_db()
    assert min_.mail_problem == MailProblem.NONE
