"""Fixtures shared by the apps' tests: two organisations of a coalition and an organiser of each."""

import pytest

from outcry.testing import make_organisation, make_organiser


@pytest.fixture
def org_a(db):
    return make_organisation(name="Alpha Rights")


@pytest.fixture
def org_b(db):
    return make_organisation(name="Beta Watch")


@pytest.fixture
def organiser_a(org_a):
    return make_organiser(organisation=org_a, username="alpha-organiser")


@pytest.fixture
def organiser_b(org_b):
    return make_organiser(organisation=org_b, username="beta-organiser")
