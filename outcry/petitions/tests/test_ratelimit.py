"""Rate limits on signing: per network (keyed hash, never the raw IP) and per email."""

import hashlib
import html
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import Client, RequestFactory, override_settings

from outcry.core.models import OutgoingEmail
from outcry.core.ratelimit import network_key
from outcry.petitions.models import Signature
from outcry.petitions.services import confirmation_url
from outcry.supporters.models import Supporter
from outcry.testing import (
    make_campaign,
    make_organisation,
    make_petition,
    make_signature,
    open_and_confirm,
    post_signature,
    sign_form,
)

TOO_MANY = (
    "Too many signatures have come from here in a short time. "
    "Please wait a few minutes and try again."
)
ADDRESS = "203.0.113.77"


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def low_limits(settings):
    settings.RATELIMIT_SIGN_PER_NETWORK = 3
    settings.RATELIMIT_SIGN_PER_EMAIL = 2
    return settings


# Per network


def test_one_network_is_told_to_wait_after_the_limit_and_others_are_not(petition, low_limits):
    client = from_address(ADDRESS)
    statuses = [
        post_signature(client, petition, email=f"person{i}@example.org").status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 302]
    refused = post_signature(client, petition, email="person3@example.org")
    assert refused.status_code == 429
    assert TOO_MANY in page_text(refused)
    assert 'role="alert"' in refused.content.decode()
    assert not Supporter.objects.filter(email="person3@example.org").exists()

    elsewhere = post_signature(from_address("198.51.100.5"), petition, email="other@example.org")
    assert elsewhere.status_code == 302
    assert Signature.objects.count() == 4


def test_a_flood_of_refused_forms_gets_the_short_page_and_leaves_the_signing_limit(
    petition, low_limits
):
    # Each refused form costs the whole campaign page again: past as many of them as
    # signatures a network may send, the flood gets the short page instead. They are
    # counted apart: the network's signatures are still taken.
    client = from_address(ADDRESS)
    refused = [post_signature(client, petition, email=f"not-an-address-{i}") for i in range(3)]
    assert [response.status_code for response in refused] == [400, 400, 400]
    assert "This does not look like an email address." in page_text(refused[0])
    flood = post_signature(client, petition, email="still-not-an-address")
    assert flood.status_code == 429
    assert "Too many forms with mistakes have come from here" in page_text(flood)
    assert 'name="email"' not in flood.content.decode()  # not the form again
    korean = post_signature(client, petition, language="ko", email="또 틀린 주소")
    assert korean.status_code == 429
    assert "잘못 작성된 양식이 너무 많이" in page_text(korean)
    assert post_signature(client, petition, email="real@example.org").status_code == 302
    elsewhere = post_signature(from_address("198.51.100.5"), petition, email="x")
    assert elsewhere.status_code == 400
    assert Signature.objects.count() == 1


def test_the_limit_is_explained_in_korean_on_the_korean_page(petition, low_limits):
    client = from_address(ADDRESS)
    for i in range(3):
        post_signature(client, petition, language="ko", email=f"person{i}@example.org")
    refused = post_signature(client, petition, language="ko", email="person3@example.org")
    assert refused.status_code == 429
    assert '<html lang="ko">' in refused.content.decode()
    assert 'role="alert"' in refused.content.decode()
    assert Signature.objects.count() == 3


def test_addresses_in_one_ipv6_64_share_a_limit(petition, low_limits):
    # Written with "::", as servers report them; one household holds the whole /64.
    same_network = ["2001:db8::1", "2001:db8::2", "2001:db8::abcd:0:0:3", "2001:db8::ffff"]
    statuses = [
        post_signature(from_address(address), petition, email=f"p{i}@example.org").status_code
        for i, address in enumerate(same_network)
    ]
    assert statuses == [302, 302, 302, 429]
    next_network = post_signature(from_address("2001:db8:0:1::1"), petition, email="q@example.org")
    assert next_network.status_code == 302


def test_an_ipv4_mapped_address_counts_with_its_ipv4_address(petition, low_limits):
    for i in range(3):
        post_signature(from_address(ADDRESS), petition, email=f"p{i}@example.org")
    mapped = post_signature(from_address(f"::ffff:{ADDRESS}"), petition, email="q@example.org")
    assert mapped.status_code == 429


def test_invalid_submissions_do_not_use_up_the_limit(petition, low_limits):
    client = from_address(ADDRESS)
    for _ in range(3):  # as many as it may sign (more: a flood, test above)
        assert post_signature(client, petition, email="not an address").status_code == 400
    assert post_signature(client, petition).status_code == 302


# Per email


def test_one_email_is_limited_per_network_and_letter_cases_without_saying_so(
    petition, low_limits, run_on_commit, time_machine
):
    time_machine.move_to("2026-12-01 09:00Z", tick=False)
    make_signature(petition=petition, email="min@example.org")
    time_machine.shift(7200)  # the signature and its email are two hours old
    client = from_address(ADDRESS)
    answers = [
        run_on_commit(lambda email=email: post_signature(client, petition, email=email))
        for email in ["min@example.org", "MIN@example.org", "Min@Example.ORG"]
    ]
    # Limited or not, the answer is the one every signature gets: a limit on
    # this address would tell that someone used it, and that it had signed.
    assert [answer.status_code for answer in answers] == [302, 302, 302]
    assert len({answer["Location"] for answer in answers}) == 1
    assert Signature.objects.count() == 1
    # The owner hears once that the address signed again (once an hour at most).
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("You have already signed")
    assert OutgoingEmail.objects.count() == 1
    other = post_signature(from_address("198.51.100.9"), petition, email="jun@example.org")
    assert other.status_code == 302


def test_a_stranger_on_many_networks_sends_an_address_one_email_an_hour_per_petition(
    db, low_limits, run_on_commit, time_machine
):
    """The per-address limit is per network (so a stranger cannot use up its owner's), and
    what bounds the mail is the ledger: one email when a signature is new, then at most
    one an hour about it, however many networks sign with the address."""
    time_machine.move_to("2026-12-01 09:00Z", tick=False)
    petitions = [make_petition(), make_petition()]
    for minute in range(90):
        for petition in petitions:
            run_on_commit(
                lambda petition=petition, minute=minute: post_signature(
                    from_address(f"198.51.{minute}.7"), petition, email="min@example.org"
                )
            )
        time_machine.shift(60)
    # Ninety minutes of signing from ninety networks on two petitions: per petition,
    # the first email and one "signed again" after the hour.
    assert sorted(message.subject for message in mail.outbox) == [
        "Please confirm your signature: Protect the refugees",
        "Please confirm your signature: Protect the refugees",
        "You have already signed: Protect the refugees",
        "You have already signed: Protect the refugees",
    ]
    assert Signature.objects.count() == 2


# No raw IP at rest


def database_contents() -> str:
    """Every value in every table, as text."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    values.append(str(value))
    return "\n".join(values)


def cache_contents() -> str:
    """Every key and value in the default cache (local memory or Redis), as text."""
    cache = caches["default"]
    if isinstance(cache, LocMemCache):
        return repr(list(cache._cache.items()))
    client = cache._cache.get_client()
    keys = list(client.scan_iter(match=f"{cache.key_prefix}*"))
    return repr([(key, client.get(key)) for key in keys])


def test_the_raw_ip_is_stored_nowhere_after_signing_confirming_and_being_limited(
    db, settings, run_on_commit
):
    settings.RATELIMIT_SIGN_PER_NETWORK = 2
    # Queue emails as ledger rows for the senders, as in production, so those rows are searched.
    settings.MAIL_SEND_ON_COMMIT = False
    lead = make_organisation()
    petition = make_petition(campaign=make_campaign(lead=lead))
    client = from_address(ADDRESS)
    first = run_on_commit(
        lambda: post_signature(
            client,
            petition,
            email="ip-test@example.org",
            comment="From the vigil.",
            public_name=Signature.PublicName.FIRST,
            **{f"consent_{lead.pk}": "on"},
        )
    )
    assert first.status_code == 302
    again = run_on_commit(lambda: post_signature(client, petition, email="ip-test@example.org"))
    assert again["Location"] == first["Location"]
    assert post_signature(client, petition, email="late@example.org").status_code == 429
    link = confirmation_url(Signature.objects.get()).split("8000", 1)[1]
    confirm = open_and_confirm(client, link)
    assert confirm.status_code == 200
    client.get(first["Location"])

    stored = database_contents()
    assert "ip-test@example.org" in stored  # the search reaches the rows we wrote
    assert "signature-confirmation:" in stored  # and the queued emails
    assert ADDRESS not in stored
    assert "203.0.113" not in stored
    cached = cache_contents()
    # The counters are in Redis or in the database, whichever this run uses.
    assert "rl:sign-network:" in cached + stored
    assert ADDRESS not in cached


def test_the_network_key_is_keyed_and_rotates_daily(settings, time_machine):
    request = RequestFactory().get("/", REMOTE_ADDR=ADDRESS)
    time_machine.move_to("2026-03-01 12:00Z")
    key = network_key(request)
    assert ADDRESS not in key
    assert key != hashlib.sha256(ADDRESS.encode()).hexdigest()[:32]  # not a plain hash
    assert network_key(RequestFactory().get("/", REMOTE_ADDR="203.0.113.78")) != key
    time_machine.move_to("2026-03-01 23:59Z")
    assert network_key(request) == key
    time_machine.move_to("2026-03-02 00:01Z")
    assert network_key(request) != key
    settings.SECRET_KEY = "another-secret-for-this-test"
    time_machine.move_to("2026-03-01 12:00Z")
    assert network_key(request) != key


# Switching the limits off for load tests


def start_manage_check(var_dir: Path, **env: str) -> subprocess.Popen:
    root = Path(django_settings.BASE_DIR)
    environment = {key: value for key, value in os.environ.items() if key != "OUTCRY_RATELIMIT"}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "outcry.settings",
        "SECRET_KEY": "test-only-secret",
        "OUTCRY_VAR_DIR": str(var_dir),
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(root / "manage.py"), "check"],
        cwd=root,
        env=environment | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_switching_rate_limits_off_warns_at_start_up(tmp_path):
    off, on = start_manage_check(tmp_path, OUTCRY_RATELIMIT="off"), start_manage_check(tmp_path)
    _out, off_stderr = off.communicate(timeout=120)
    _out, on_stderr = on.communicate(timeout=120)
    assert off.returncode == 0, off_stderr
    assert "WARNING: OUTCRY_RATELIMIT=off" in off_stderr
    assert "load tests only" in off_stderr
    assert on.returncode == 0, on_stderr
    assert "OUTCRY_RATELIMIT" not in on_stderr


@override_settings(RATELIMIT_ENABLED=False)
def test_with_rate_limits_off_two_hundred_signatures_from_one_address_go_through(db):
    assert django_settings.RATELIMIT_SIGN_PER_NETWORK < 200  # would be limited if on
    petition = make_petition(needs_confirmation=False)
    client = from_address(ADDRESS)
    statuses = {
        post_signature(client, petition, email=f"load{i}@example.org").status_code
        for i in range(200)
    }
    assert statuses == {302}
    assert Signature.objects.filter(petition=petition).count() == 200


def test_behind_a_trusted_proxy_each_visitor_has_their_own_limit(petition, settings):
    settings.RATELIMIT_SIGN_PER_NETWORK = 1
    settings.TRUSTED_PROXY_COUNT = 1
    client = from_address("10.0.0.1")  # the proxy
    url = f"/en/petitions/{petition.slug}/sign/"

    def sign(email: str, forwarded_for: str) -> int:
        data = sign_form(email=email)
        return client.post(url, data, headers={"x-forwarded-for": forwarded_for}).status_code

    assert sign("p1@example.org", "198.51.100.1") == 302
    assert sign("p2@example.org", "198.51.100.2") == 302
    # A forged entry left of the proxy's own does not buy a fresh limit.
    assert sign("p3@example.org", "203.0.113.9, 198.51.100.2") == 429
