"""One confirmation URL for every kind of action: opening shows a button, only pressing confirms."""

import html

import pytest
from django.core import signing
from django.test import Client

from outcry.petitions.models import Signature
from outcry.petitions.services import count_signatures
from outcry.testing import make_petition, make_signature, open_and_confirm


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def waiting(db):
    petition = make_petition()
    return make_signature(petition=petition, confirmed=False, email="min@example.org")


def code_as_mailed_before(signature: Signature) -> str:
    """A petition link's code as the petitions app signed it before actions shared the URL."""
    return signing.TimestampSigner(salt="outcry.petitions.confirm").sign(signature.token)


def test_a_petition_link_mailed_before_the_shared_url_still_confirms_at_confirm(waiting):
    client = Client()
    path = f"/en/confirm/{code_as_mailed_before(waiting)}/"
    page = client.get(path)
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    assert "Confirm my signature" in text(page)
    waiting.refresh_from_db()
    assert waiting.confirmed_at is None  # opening it (a mail scanner) confirmed nothing
    assert count_signatures(waiting.petition) == 0
    confirmed = open_and_confirm(client, path)
    assert confirmed.status_code == 200
    assert confirmed["Cache-Control"] == "private, no-store"
    waiting.refresh_from_db()
    assert waiting.confirmed_at is not None
    assert count_signatures(waiting.petition) == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_code_no_kind_of_action_signed_is_a_plain_404(db, method):
    forged = signing.TimestampSigner(salt="someone-else").sign("token")
    response = getattr(Client(), method)(f"/en/confirm/{forged}/")
    assert response.status_code == 404
    assert response["Cache-Control"] == "private, no-store"
    assert "The confirmation link is incomplete or was changed." in text(response)


def test_a_petition_code_does_not_confirm_a_letter_and_the_reverse(waiting):
    # Each kind's codes are signed with its own salt: a letter's code naming the
    # signature's token finds no letter.
    letter_code = signing.TimestampSigner(salt="outcry.letters.confirm").sign(waiting.token)
    response = Client().post(f"/en/confirm/{letter_code}/")
    assert response.status_code == 404
    waiting.refresh_from_db()
    assert waiting.confirmed_at is None
