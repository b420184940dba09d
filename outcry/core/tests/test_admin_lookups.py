"""An organiser filters an admin list only by its own filters, never through other rows.

Attack review (issue 10): ``/admin/supporters/supporter/?letters__isnull=False``
filtered the supporters an organiser may see by letters they may not see, and
the count of results told one organisation what another's supporters wrote.
Every ModelAdmin now takes, from anyone but a superuser, only the lookups of
its list filters and date hierarchy (core.admin.SafeChangeList).
"""

import pytest
from django.contrib import admin
from django.test import Client

from outcry.letters.models import Delivery, Letter
from outcry.supporters.models import Supporter
from outcry.testing import (
    admin_url,
    give_consent,
    logged_in_client,
    make_admin_world,
    make_letter_action,
)

REFUSED = "We could not read that request"


@pytest.fixture
def world(db):
    return make_admin_world()


def client_of(user) -> Client:
    client = logged_in_client(user)
    client.raise_request_exception = False
    return client


def through_another_model(model) -> str:
    """A lookup on *model*'s changelist that goes through a related model, reverse if it has one."""
    relations = [field for field in model._meta.get_fields() if field.is_relation]
    reverse = [field for field in relations if field.auto_created and not field.concrete]
    if reverse:
        return f"{reverse[0].name}__isnull=False"
    if relations:
        return f"{relations[0].name}__pk__gt=0"
    return "pk__gt=0"  # no relation at all: still not one of its filters


def registered():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def test_a_supporters_letters_to_another_organisation_are_not_counted_for_it(world):
    # The supporter agreed to hear from Other Aid too, but wrote only to Owner
    # Rights' letter action: Other Aid sees the supporter, not the letter.
    supporter = world["supporters.supporter"]
    give_consent(supporter, world["other"])
    other = client_of(world["other_organiser"])
    changelist = admin_url(Supporter, "changelist")
    assert supporter.email in other.get(changelist).content.decode()

    for query in ["letters__isnull=False", "letters__isnull=True", "signatures__lt=999999"]:
        response = other.get(f"{changelist}?{query}")
        assert response.status_code == 400, query
        assert REFUSED in response.content.decode()
        assert supporter.email not in response.content.decode()


def test_a_shared_target_list_does_not_tell_who_uses_it(world):
    target_list = world["directory.targetlist"]
    target_list.organisation = None  # shared: every organiser sees it
    target_list.save(update_fields=["organisation"])
    changelist = admin_url(target_list, "changelist")
    other = client_of(world["other_organiser"])
    assert target_list.name in other.get(changelist).content.decode()
    for query in ["actions__isnull=False", "actions__campaign__lead_organisation__name=Owner"]:
        response = other.get(f"{changelist}?{query}")
        assert response.status_code == 400, query
        assert REFUSED in response.content.decode()


@pytest.mark.parametrize("model", registered(), ids=str)
def test_no_admin_list_takes_a_lookup_through_another_model_from_an_organiser(world, model):
    changelist = admin_url(model, "changelist")
    lookup = through_another_model(model)
    for role in ["owner", "other"]:
        client = client_of(world[f"{role}_organiser"])
        plain = client.get(changelist)
        response = client.get(f"{changelist}?{lookup}")
        if plain.status_code == 200:
            assert response.status_code == 400, (role, lookup, response.status_code)
            assert REFUSED in response.content.decode()
        else:  # not theirs to see at all (the email ledger, users, …)
            assert response.status_code == plain.status_code, (role, lookup)
    # A superuser may filter by anything, and a lookup the database cannot make
    # is a 400, never a 500.
    root = client_of(world["superuser"]).get(f"{changelist}?{lookup}")
    assert root.status_code in {200, 400}, (lookup, root.status_code)


def test_a_superusers_json_lookup_sqlite_cannot_make_is_a_400_not_a_500(world):
    root = client_of(world["superuser"])
    response = root.get("/admin/core/auditevent/?details__contains=1")
    assert response.status_code in {200, 400}
    organiser = client_of(world["owner_organiser"])
    response = organiser.get("/admin/core/auditevent/?details__contains=1")
    assert response.status_code == 400
    assert REFUSED in response.content.decode()


def test_an_organisers_own_filters_and_date_hierarchy_still_filter(world):
    client = client_of(world["owner_organiser"])
    action = world["letters.letteraction"]
    second = make_letter_action(campaign=world["campaign"], targets=[world["directory.target"]])
    Letter.objects.create(action=second, supporter=world["supporters.supporter"], language="en")
    deliveries = admin_url(Delivery, "changelist")
    year = world["letters.delivery"].created_at.year
    response = client.get(
        f"{deliveries}?letter__action__id__exact={action.pk}&status__exact=failed"
        f"&created_at__year={year}&q=embassy&o=1"
    )
    assert response.status_code == 200
    assert "1 delivery" in response.content.decode()
    letters = admin_url(Letter, "changelist")
    response = client.get(f"{letters}?action__id__exact={second.pk}&language=en")
    assert response.status_code == 200
    assert "1 letter" in response.content.decode()
    # The filters' own "empty" choices and the search box.
    signatures = admin_url(world["petitions.signature"], "changelist")
    response = client.get(f"{signatures}?removed_at__isempty=1&q=Hidden")
    assert response.status_code == 200
    assert "1 signature" in response.content.decode()
    supporters = admin_url(Supporter, "changelist")
    assert client.get(f"{supporters}?language__exact=en").status_code == 200


def test_a_secret_column_of_a_visible_row_cannot_be_guessed_letter_by_letter(world):
    """Even a lookup on the row's own columns is refused unless it is a filter's:
    ?confirm_token__startswith= would spell out a letter's confirmation token, and
    with it send the letter in the writer's name."""
    letter = world["letters.letter"]
    letter.confirm_token = "secret-token"
    letter.save(update_fields=["confirm_token"])
    client = client_of(world["owner_organiser"])
    changelist = admin_url(Letter, "changelist")
    assert letter.subject in client.get(changelist).content.decode()
    for query in ["confirm_token__startswith=s", "nonce__isnull=False", "subject=Please"]:
        response = client.get(f"{changelist}?{query}")
        assert response.status_code == 400, query
        assert REFUSED in response.content.decode()
