"""Signing in to the admin through its login form: lockouts, the busy guard, session timeouts."""

import time
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from outcry.core.accounts.throttle import password_check_slot
from outcry.testing import make_organisation, make_organiser

PASSWORD = "vigil at the embassy 2012"
LOGIN = "/admin/login/"
LOCKED_EN = "Too many failed sign-in attempts. Try again in 15 minutes."
LOCKED_KO = "로그인 시도가 너무 많이 실패했습니다. 15분 뒤에 다시 시도해 주세요."


class CountingHasher(MD5PasswordHasher):
    """The cheap test hasher, counting how often a password is checked."""

    algorithm = "counting_md5"
    checks = 0

    def verify(self, password, encoded):
        CountingHasher.checks += 1
        return super().verify(password, encoded)


@pytest.fixture(autouse=True)
def _counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.checks = 0


@pytest.fixture
def organiser(db):
    user = make_organiser(organisation=make_organisation(), username="min")
    user.set_password(PASSWORD)
    user.save()
    return user


def from_address(address: str, **headers) -> Client:
    return Client(REMOTE_ADDR=address, **headers)


def log_in(client: Client, username: str = "min", password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def is_signed_in(client: Client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def test_the_right_password_signs_in(organiser):
    client = from_address("198.51.100.1")
    answer = log_in(client)
    assert answer.status_code == 302
    assert is_signed_in(client)


def test_a_username_is_locked_after_five_failures_from_anywhere_even_with_the_right_password(
    organiser,
):
    answers = [log_in(from_address(f"198.51.100.{i}"), password="wrong password") for i in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert LOCKED_EN in answers[-1].content.decode()
    checks_before = CountingHasher.checks
    client = from_address("203.0.113.50")
    answer = log_in(client)
    assert answer.status_code == 429
    assert LOCKED_EN in answer.content.decode()
    assert not is_signed_in(client)
    # Refused before the password was hashed.
    assert CountingHasher.checks == checks_before


def test_a_network_is_locked_after_five_failures_whatever_the_usernames(organiser, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # Behind one proxy: the client is the last X-Forwarded-For entry, and 2001:db8:1::a
    # and 2001:db8:1::b are one /64 network.
    for i, address in enumerate(["2001:db8:1::a", "2001:db8:1::b"] * 2 + ["2001:db8:1::c"]):
        answer = log_in(
            from_address("127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, {address}"),
            username=f"guess-{i}",
            password="wrong password",
        )
    assert answer.status_code == 429
    same_network = from_address("127.0.0.1", HTTP_X_FORWARDED_FOR="2001:db8:1::d")
    assert log_in(same_network).status_code == 429
    assert not is_signed_in(same_network)
    elsewhere = from_address("127.0.0.1", HTTP_X_FORWARDED_FOR="2001:db8:2::d")
    assert log_in(elsewhere).status_code == 302
    assert is_signed_in(elsewhere)


def test_the_lockout_is_explained_in_korean(organiser):
    korean = {"HTTP_ACCEPT_LANGUAGE": "ko"}
    for i in range(5):
        answer = log_in(from_address(f"198.51.100.{i}", **korean), password="wrong password")
    assert answer.status_code == 429
    html = answer.content.decode()
    assert LOCKED_KO in html
    assert "Too many" not in html


def test_a_lockout_ends_after_fifteen_minutes(organiser, time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 9, 0, tzinfo=UTC), tick=False)
    for _ in range(5):
        log_in(from_address("198.51.100.7"), password="wrong password")
    time_machine.move_to(datetime(2026, 3, 1, 9, 14, tzinfo=UTC), tick=False)
    assert log_in(from_address("198.51.100.7")).status_code == 429
    time_machine.move_to(datetime(2026, 3, 1, 9, 16, tzinfo=UTC), tick=False)
    client = from_address("198.51.100.7")
    assert log_in(client).status_code == 302
    assert is_signed_in(client)


def test_an_operator_unlocks_someone_with_axes_reset_username(organiser):
    for i in range(5):
        log_in(from_address(f"198.51.100.{i}"), password="wrong password")
    assert log_in(from_address("198.51.100.20")).status_code == 429
    call_command("axes_reset_username", "min", stdout=StringIO())
    client = from_address("198.51.100.20")
    assert log_in(client).status_code == 302
    assert is_signed_in(client)


def test_a_success_forgets_earlier_failures(organiser):
    client = from_address("198.51.100.8")
    for _ in range(4):
        log_in(client, password="wrong password")
    assert log_in(client).status_code == 302
    for _ in range(4):
        assert log_in(from_address("198.51.100.8"), password="wrong password").status_code == 200


def test_no_free_password_check_slot_refuses_without_hashing_or_counting(organiser, settings):
    settings.LOGIN_CONCURRENT_CHECKS = 1
    client = from_address("198.51.100.9")
    with password_check_slot() as held:
        assert held
        answer = log_in(client)
        for _ in range(6):
            log_in(client, password="wrong password")
    assert answer.status_code == 200
    assert "Too many people are signing in right now" in answer.content.decode()
    assert CountingHasher.checks == 0
    assert not is_signed_in(client)
    # Nothing was counted: the right password works once the slot is free.
    assert log_in(client).status_code == 302


class SlowHasher(CountingHasher):
    """A hasher that takes a second, like a real one on a busy machine."""

    algorithm = "slow_md5"

    def verify(self, password, encoded):
        time.sleep(1)
        return super().verify(password, encoded)


def test_after_a_slow_check_the_slot_rests_as_long_so_checks_cannot_run_back_to_back(
    organiser, settings
):
    settings.LOGIN_CONCURRENT_CHECKS = 1
    settings.LOGIN_SLOT_RESTS = True
    settings.PASSWORD_HASHERS = [f"{__name__}.SlowHasher", f"{__name__}.CountingHasher"]
    organiser.set_password(PASSWORD)
    organiser.save()
    CountingHasher.checks = 0
    assert log_in(from_address("198.51.100.13"), password="wrong password").status_code == 200
    assert CountingHasher.checks == 1
    client = from_address("198.51.100.14")
    answer = log_in(client)
    assert "Too many people are signing in right now" in answer.content.decode()
    assert CountingHasher.checks == 1
    time.sleep(1.1)  # the monotonic clock, which time-machine does not move
    assert log_in(client).status_code == 302


# No raw IP address at rest


def database_contents() -> str:
    """Every value in every table (axes' too), as text."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                values.extend(str(value) for value in row)
    return "\n".join(values)


def test_failed_sign_ins_store_no_ip_address(organiser, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(6):
        log_in(
            from_address("127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.77"),
            password="wrong password",
            HTTP_USER_AGENT="probe",
        )
    log_in(from_address("198.51.100.200"), password="wrong password")
    assert "axes_accessattempt" in connection.introspection.table_names()
    stored = database_contents()
    assert "probe" in stored  # the scan reaches axes' rows
    assert "100::" in stored  # which hold the hashed network, written as an address
    for raw in ["203.0.113.77", "203.0.113", "198.51.100.200", "127.0.0.1"]:
        assert raw not in stored, raw
    assert PASSWORD not in stored and "wrong password" not in stored


# Session timeouts


def test_thirty_idle_minutes_sign_an_organiser_out(organiser, time_machine):
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    client = from_address("198.51.100.10")
    log_in(client)
    # Active every 25 minutes: still signed in after an hour and a half.
    for minutes in [25, 50, 75, 100]:
        time_machine.move_to(start + timedelta(minutes=minutes), tick=False)
        assert is_signed_in(client), minutes
    time_machine.move_to(start + timedelta(minutes=131), tick=False)
    answer = client.get(reverse("admin:index"))
    assert answer.status_code == 302
    assert answer["Location"].startswith(LOGIN)
    login_page = client.get(answer["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity." in login_page
    assert not is_signed_in(client)


def test_a_session_ends_eight_hours_after_signing_in_however_active(organiser, time_machine):
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    client = from_address("198.51.100.11")
    log_in(client)
    for minutes in range(20, 8 * 60, 20):
        time_machine.move_to(start + timedelta(minutes=minutes), tick=False)
        assert is_signed_in(client), minutes
    time_machine.move_to(start + timedelta(hours=8, minutes=1), tick=False)
    assert not is_signed_in(client)


def test_timeouts_follow_the_settings(organiser, settings, time_machine):
    settings.SESSION_IDLE_MINUTES = 5
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    client = from_address("198.51.100.12")
    log_in(client)
    time_machine.move_to(start + timedelta(minutes=4), tick=False)
    assert is_signed_in(client)
    time_machine.move_to(start + timedelta(minutes=10), tick=False)
    assert not is_signed_in(client)
