"""The proof-of-work challenge a flooded signing form asks for, and its JavaScript-free wait."""

import base64
import hashlib
import html
import json
import re

import pytest
from django.test import Client

from outcry.petitions.models import Signature
from outcry.testing import post_signature

ADDRESS = "203.0.113.77"
PROVE = "This form is being sent very often right now, so we ask you to prove that you"
NOT_CHECKED = "We could not check that this browser is not a robot."
WAIT_MORE = "Please wait a few more seconds before you send the form again"


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def clock_counted(settings):
    """Counters in the database, whose windows follow time_machine's clock (Redis keeps its own)."""
    settings.RATELIMIT_STORE = "database"


@pytest.fixture
def flood_at_two(settings):
    """A network is flooding once it sends a third signature within a minute."""
    settings.CHALLENGE_PER_NETWORK = 2
    settings.CHALLENGE_SITE_PER_MINUTE = 1000
    settings.CHALLENGE_MAX_NUMBER = 2000  # quick to solve in the test
    settings.CHALLENGE_WAIT_SECONDS = 10
    return settings


def flood(client: Client, petition, count: int = 2) -> None:
    for i in range(count):
        assert post_signature(client, petition, email=f"early{i}@example.org").status_code == 302


def challenge_of(response) -> dict:
    found = re.search(r'<altcha-widget[^>]* challenge="([^"]+)"', response.content.decode())
    return json.loads(html.unescape(found.group(1)))


def wait_token_of(response) -> str:
    found = re.search(r'name="challenge_wait" value="([^"]+)"', response.content.decode())
    return found.group(1)


def solve(challenge: dict) -> str:
    """What the widget puts in the form: find the number, as a browser does."""
    for number in range(challenge["maxnumber"] + 1):
        digest = hashlib.sha256(f"{challenge['salt']}{number}".encode()).hexdigest()
        if digest == challenge["challenge"]:
            payload = {
                "algorithm": challenge["algorithm"],
                "challenge": challenge["challenge"],
                "number": number,
                "salt": challenge["salt"],
                "signature": challenge["signature"],
                "took": 12,
            }
            return base64.b64encode(json.dumps(payload).encode()).decode()
    raise AssertionError("no number solves the challenge")


def test_a_flooding_network_is_asked_to_prove_it_is_not_a_robot(petition, flood_at_two):
    client = from_address(ADDRESS)
    flood(client, petition)
    asked = post_signature(client, petition, email="third@example.org")
    assert asked.status_code == 429
    assert PROVE in page_text(asked)
    assert 'role="alert"' in asked.content.decode()
    assert "<altcha-widget" in asked.content.decode()
    assert "/static/outcry/challenge.js" in asked.content.decode()
    challenge = challenge_of(asked)
    assert challenge["algorithm"] == "SHA-256"
    assert challenge["maxnumber"] == 2000
    assert not Signature.objects.filter(supporter__email="third@example.org").exists()
    # What the person typed is still in the form.
    assert 'value="third@example.org"' in asked.content.decode()
    # Another network is not asked.
    other = post_signature(from_address("198.51.100.5"), petition, email="other@example.org")
    assert other.status_code == 302


def test_the_request_is_explained_in_korean_on_the_korean_page(petition, flood_at_two):
    client = from_address(ADDRESS)
    flood(client, petition)
    asked = post_signature(client, petition, language="ko", email="third@example.org")
    assert asked.status_code == 429
    assert '<html lang="ko">' in asked.content.decode()
    assert 'language="ko"' in asked.content.decode()
    assert PROVE not in page_text(asked)
    assert "로봇" in page_text(asked)


def test_a_solved_challenge_lets_the_signature_through_once(petition, flood_at_two):
    client = from_address(ADDRESS)
    flood(client, petition)
    payload = solve(challenge_of(post_signature(client, petition, email="third@example.org")))
    passed = post_signature(client, petition, email="third@example.org", altcha=payload)
    assert passed.status_code == 302
    assert Signature.objects.filter(supporter__email="third@example.org").exists()

    replayed = post_signature(client, petition, email="fourth@example.org", altcha=payload)
    assert replayed.status_code == 429
    assert NOT_CHECKED in page_text(replayed)
    assert not Signature.objects.filter(supporter__email="fourth@example.org").exists()


def forged(payload: str, **changes) -> str:
    data = json.loads(base64.b64decode(payload)) | changes
    return base64.b64encode(json.dumps(data).encode()).decode()


def test_forged_and_malformed_solutions_are_refused_with_a_message(petition, flood_at_two):
    client = from_address(ADDRESS)
    flood(client, petition)
    challenge = challenge_of(post_signature(client, petition, email="third@example.org"))
    payload = solve(challenge)
    number = json.loads(base64.b64decode(payload))["number"]
    # A challenge of our own making: its hash is right, its signature cannot be.
    salt = "0123?expires=9999999999&"
    own = hashlib.sha256(f"{salt}7".encode()).hexdigest()
    attempts = [
        forged(payload, number=number + 1),
        forged(payload, signature="0" * 64),
        forged(payload, salt=salt, challenge=own, number=7),
        forged(payload, algorithm="SHA-1"),
        forged(payload, number=str(number)),
        forged(payload, number=True),
        "not base64 at all!",
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b"[1, 2]").decode(),
        base64.b64encode(b'{"algorithm": null}').decode(),
        "A" * 100_000,
    ]
    for i, attempt in enumerate(attempts):
        refused = post_signature(client, petition, email=f"forger{i}@example.org", altcha=attempt)
        assert refused.status_code == 429, attempt[:80]
        assert NOT_CHECKED in page_text(refused)
    assert not Signature.objects.filter(supporter__email__startswith="forger").exists()
    # The genuine solution still works after all that.
    passed = post_signature(client, petition, email="third@example.org", altcha=payload)
    assert passed.status_code == 302


def test_an_expired_solution_is_refused(petition, flood_at_two, time_machine, clock_counted):
    time_machine.move_to("2026-03-01 12:00Z", tick=False)
    client = from_address(ADDRESS)
    flood(client, petition)
    payload = solve(challenge_of(post_signature(client, petition, email="third@example.org")))
    time_machine.move_to("2026-03-01 12:11Z", tick=False)  # past CHALLENGE_MAX_AGE (10 min)
    flood(client, petition)  # a new minute: flooding again
    late = post_signature(client, petition, email="third@example.org", altcha=payload)
    assert late.status_code == 429
    assert NOT_CHECKED in page_text(late)


def test_without_javascript_waiting_and_sending_again_lets_a_person_through(
    petition, flood_at_two, time_machine, clock_counted
):
    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    client = from_address(ADDRESS)
    flood(client, petition)
    asked = post_signature(client, petition, email="third@example.org")
    assert "wait 10 seconds, then press the button again." in page_text(asked)
    token = wait_token_of(asked)

    time_machine.move_to("2026-03-01 12:00:04Z", tick=False)
    too_soon = post_signature(client, petition, email="third@example.org", challenge_wait=token)
    assert too_soon.status_code == 429
    assert WAIT_MORE in page_text(too_soon)
    assert wait_token_of(too_soon)  # a new wait to send back

    time_machine.move_to("2026-03-01 12:00:11Z", tick=False)
    passed = post_signature(client, petition, email="third@example.org", challenge_wait=token)
    assert passed.status_code == 302
    assert Signature.objects.filter(supporter__email="third@example.org").exists()

    # Once only.
    again = post_signature(client, petition, email="fourth@example.org", challenge_wait=token)
    assert again.status_code == 429
    assert PROVE in page_text(again)


def test_a_wait_is_refused_when_forged_stale_or_from_another_network(
    petition, flood_at_two, time_machine, clock_counted
):
    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    client = from_address(ADDRESS)
    flood(client, petition)
    token = wait_token_of(post_signature(client, petition, email="third@example.org"))
    other = from_address("198.51.100.5")
    flood(other, petition)
    time_machine.move_to("2026-03-01 12:00:30Z", tick=False)
    for attempt in [token[:-2] + "xx", "garbage", "", "a:b:c"]:
        refused = post_signature(client, petition, email="x@example.org", challenge_wait=attempt)
        assert refused.status_code == 429
    elsewhere = post_signature(other, petition, email="x@example.org", challenge_wait=token)
    assert elsewhere.status_code == 429
    time_machine.move_to("2026-03-01 12:11:00Z", tick=False)
    flood(client, petition)
    stale = post_signature(client, petition, email="x@example.org", challenge_wait=token)
    assert stale.status_code == 429
    assert not Signature.objects.filter(supporter__email="x@example.org").exists()


def test_a_flood_spread_over_many_networks_challenges_everyone(petition, settings):
    settings.CHALLENGE_PER_NETWORK = 100
    settings.CHALLENGE_SITE_PER_MINUTE = 3
    statuses = [
        post_signature(from_address(f"198.51.100.{i}"), petition, email=f"p{i}@example.org")
        for i in range(4)
    ]
    assert [answer.status_code for answer in statuses] == [302, 302, 302, 429]
    assert PROVE in page_text(statuses[3])


def test_one_flooding_network_does_not_challenge_the_rest_of_the_site(petition, settings):
    settings.CHALLENGE_PER_NETWORK = 2
    # The flooding network's first two count site-wide, its 18 challenged ones do not.
    settings.CHALLENGE_SITE_PER_MINUTE = 6
    client = from_address(ADDRESS)
    for i in range(20):
        post_signature(client, petition, email=f"bot{i}@example.org")
    others = [
        post_signature(from_address(f"198.51.100.{i}"), petition, email=f"p{i}@example.org")
        for i in range(4)
    ]
    assert [answer.status_code for answer in others] == [302] * 4


def test_the_flood_ends_with_the_minute(petition, flood_at_two, time_machine, clock_counted):
    time_machine.move_to("2026-03-01 12:00:00Z", tick=False)
    client = from_address(ADDRESS)
    flood(client, petition)
    assert post_signature(client, petition, email="third@example.org").status_code == 429
    time_machine.move_to("2026-03-01 12:01:05Z", tick=False)
    assert post_signature(client, petition, email="third@example.org").status_code == 302


def test_with_limits_off_no_challenge_is_asked(petition, flood_at_two):
    flood_at_two.RATELIMIT_ENABLED = False
    client = from_address(ADDRESS)
    statuses = {
        post_signature(client, petition, email=f"p{i}@example.org").status_code for i in range(6)
    }
    assert statuses == {302}
