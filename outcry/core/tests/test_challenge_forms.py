"""The flood challenge guards the letter composer and the "your data" form as it does signing."""

import pytest
from django.urls import reverse

from outcry.directory.testing import make_target
from outcry.letters.models import Letter
from outcry.petitions.tests.test_challenge import (
    ADDRESS,
    PROVE,
    challenge_of,
    from_address,
    page_text,
    solve,
    wait_token_of,
)
from outcry.supporters.models import Supporter
from outcry.testing import letter_form, make_letter_action


@pytest.fixture
def flood_at_two(settings):
    """A network is flooding once it sends a form a third time within a minute."""
    settings.RATELIMIT_STORE = "database"
    settings.CHALLENGE_PER_NETWORK = 2
    settings.CHALLENGE_SITE_PER_MINUTE = 1000
    settings.CHALLENGE_MAX_NUMBER = 2000
    settings.CHALLENGE_WAIT_SECONDS = 10
    settings.RATELIMIT_LETTER_PER_EMAIL = 100
    settings.RATELIMIT_DATA_PER_EMAIL = 100


@pytest.fixture
def action(db):
    embassy = make_target(channels={"post": "3505 International Place NW\nWashington"})
    return make_letter_action(targets=[embassy], channels="post")


def send_letter(client, action, n: int, **extra):
    data = letter_form(action, channels=("post",), email=f"writer{n}@example.org") | extra
    return client.post(reverse("letters:compose", args=[action.slug]), data)


def test_a_flooded_composer_asks_for_the_proof_and_a_solved_one_sends(db, action, flood_at_two):
    client = from_address(ADDRESS)
    for n in range(2):
        assert send_letter(client, action, n).status_code == 302
    asked = send_letter(client, action, 2)
    assert asked.status_code == 429
    assert PROVE in page_text(asked)
    assert "<altcha-widget" in asked.content.decode()
    assert Letter.objects.count() == 2
    # Another network is not asked.
    assert send_letter(from_address("198.51.100.9"), action, 3).status_code == 302

    solved = send_letter(client, action, 2, altcha=solve(challenge_of(asked)))
    assert solved.status_code == 302
    assert Letter.objects.filter(supporter__email="writer2@example.org").exists()


def test_without_javascript_waiting_lets_a_letter_through(db, action, flood_at_two, time_machine):
    client = from_address(ADDRESS)
    time_machine.move_to("2026-12-06 12:00:00Z", tick=False)
    for n in range(2):
        send_letter(client, action, n)
    asked = send_letter(client, action, 2)
    token = wait_token_of(asked)
    time_machine.move_to("2026-12-06 12:00:11Z", tick=False)
    assert send_letter(client, action, 2, challenge_wait=token).status_code == 302


def test_a_flooded_data_request_asks_for_the_proof_the_same_for_any_address(db, flood_at_two):
    Supporter.objects.create(email="known@example.org", name="Known")
    client = from_address(ADDRESS)
    url = reverse("supporters:data_request")
    for n in range(2):
        assert client.post(url, {"email": f"someone{n}@example.org"}).status_code == 302
    known = client.post(url, {"email": "known@example.org"})
    unknown = client.post(url, {"email": "unknown@example.org"})
    for asked in (known, unknown):
        assert asked.status_code == 429
        assert PROVE in page_text(asked)
        assert "<altcha-widget" in asked.content.decode()
    solved = client.post(url, {"email": "known@example.org", "altcha": solve(challenge_of(known))})
    assert solved.status_code == 302
