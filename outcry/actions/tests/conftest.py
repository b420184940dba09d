"""Fixtures for the actions tests: a campaign with a petition and a letter action."""

import pytest

from outcry.letters.testing import mail_server  # noqa: F401 - fixture
from outcry.testing import make_letter_action, make_petition, make_target


@pytest.fixture
def petition(db):
    return make_petition()


@pytest.fixture
def action(petition):
    """The campaign's letter action, to one embassy by email (or mailto: the writer sends it)."""
    embassy = make_target(name="Embassy in Washington", channels={"email": "emb@example.net"})
    return make_letter_action(campaign=petition.campaign, targets=[embassy])
