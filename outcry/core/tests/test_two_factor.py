"""Two-factor sign-in through the real admin: enrolment, codes from the app, backup codes."""

import hashlib
import hmac
import re
import struct
from base64 import b32decode
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from outcry.testing import make_organisation, make_organiser

PASSWORD = "vigil at the embassy 2012"
LOGIN = "/admin/login/"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def totp(secret: str, at: datetime) -> str:
    """The six digits an authenticator app shows for *secret* at *at* (RFC 6238, SHA-1, 30 s)."""
    secret = secret.replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at.timestamp()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


@pytest.fixture
def organiser(db):
    user = make_organiser(organisation=make_organisation(), username="min")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def clock(time_machine):
    """Move the clock, stopped, to START plus *seconds*."""

    def move(seconds: int = 0) -> datetime:
        moment = START + timedelta(seconds=seconds)
        time_machine.move_to(moment, tick=False)
        return moment

    move()
    return move


def log_in(client: Client, code: str | None = None, password: str = PASSWORD):
    data = {"username": "min", "password": password}
    if code is not None:
        data["otp_token"] = code
    return client.post(LOGIN, data)


def is_signed_in(client: Client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def enrol(client: Client, clock) -> tuple[str, list[str]]:
    """Turn on two-factor sign-in from the admin page; return the secret and backup codes."""
    page = client.get(reverse("admin:two_factor"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html  # the QR code, drawn here, loaded from nowhere
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', html).group(1)
    answer = client.post(reverse("admin:two_factor"), {"code": totp(secret, clock(0))})
    assert answer.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", answer.content.decode())
    assert len(codes) == 10
    return secret, codes


def signed_in_client(organiser) -> Client:
    client = Client()
    assert log_in(client).status_code == 302
    return client


def test_an_organiser_enrols_and_then_needs_the_code_from_the_app(organiser, clock):
    client = signed_in_client(organiser)
    secret, _codes = enrol(client, clock)
    assert is_signed_in(client)  # the session that proved the app stays signed in
    page = client.get(reverse("admin:two_factor")).content.decode()
    assert "Two-factor sign-in is on" in page
    assert "10 backup codes left" in page

    later = clock(90)
    other = Client()
    without = log_in(other)
    assert without.status_code == 200
    assert "Two-factor sign-in is on for this account" in without.content.decode()
    assert not is_signed_in(other)
    wrong = log_in(other, code=f"{(int(totp(secret, later)) + 1) % 1_000_000:06d}")
    assert "That code is not right" in wrong.content.decode()
    assert not is_signed_in(other)
    clock(150)  # wrong codes slow the app's device down for a moment
    assert log_in(other, code=totp(secret, clock(150))).status_code == 302
    assert is_signed_in(other)


def test_a_wrong_code_for_the_enrolment_is_refused_and_nothing_is_turned_on(organiser, clock):
    client = signed_in_client(organiser)
    client.get(reverse("admin:two_factor"))
    answer = client.post(reverse("admin:two_factor"), {"code": "000000"})
    assert "That code does not match" in answer.content.decode()
    assert log_in(Client()).status_code == 302  # still the password alone


def test_a_backup_code_signs_in_once(organiser, clock):
    _secret, codes = enrol(signed_in_client(organiser), clock)
    first = Client()
    assert log_in(first, code=codes[0].upper()).status_code == 302
    assert is_signed_in(first)
    page = first.get(reverse("admin:two_factor")).content.decode()
    assert "9 backup codes left" in page
    clock(60)
    again = Client()
    answer = log_in(again, code=codes[0])
    assert "That code is not right" in answer.content.decode()
    assert not is_signed_in(again)
    clock(120)
    assert log_in(Client(), code=codes[1]).status_code == 302


def test_new_backup_codes_replace_the_old_ones(organiser, clock):
    client = signed_in_client(organiser)
    _secret, old = enrol(client, clock)
    answer = client.post(reverse("admin:two_factor"), {"new_codes": "1"})
    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", answer.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    clock(60)
    assert "That code is not right" in log_in(Client(), code=old[0]).content.decode()
    clock(120)
    assert log_in(Client(), code=new[0]).status_code == 302


def test_wrong_codes_count_towards_the_lockout(organiser, clock):
    _secret, _codes = enrol(signed_in_client(organiser), clock)
    answers = []
    for i in range(5):
        clock(60 * (i + 1))  # past the device's own slow-down, so only the lockout stops them
        answers.append(log_in(Client(REMOTE_ADDR=f"198.51.100.{i}"), code="12345678"))
    assert answers[-1].status_code == 429


def test_a_password_only_session_loses_the_admin_once_two_factor_is_on(organiser, clock):
    old_session = signed_in_client(organiser)
    enrol(signed_in_client(organiser), clock)
    answer = old_session.get(reverse("admin:index"))
    assert answer.status_code == 302
    assert answer["Location"].startswith(LOGIN)


def test_when_required_an_organiser_without_it_is_sent_to_set_it_up(organiser, clock, settings):
    settings.ADMIN_REQUIRE_2FA = True
    client = signed_in_client(organiser)
    answer = client.get(reverse("admin:campaigns_campaign_changelist"))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("admin:two_factor")
    page = client.get(answer["Location"]).content.decode()
    assert "it is required here" in page
    enrol(client, clock)
    assert client.get(reverse("admin:campaigns_campaign_changelist")).status_code == 200


def test_the_two_factor_pages_are_korean(organiser, clock):
    client = signed_in_client(organiser)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ko"
    html = client.get(reverse("admin:two_factor")).content.decode()
    assert "2단계 로그인 켜기" in html and "인증 앱을 열고" in html
    assert "Turn on" not in html
    login_page = Client(HTTP_ACCEPT_LANGUAGE="ko").get(LOGIN).content.decode()
    assert "인증 코드" in login_page
    assert "authenticator app" not in login_page


def test_organisers_cannot_see_anyones_devices_in_the_admin(organiser):
    client = signed_in_client(organiser)
    index = client.get(reverse("admin:index")).content.decode()
    assert "TOTP" not in index and "otp_static" not in index
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 403
