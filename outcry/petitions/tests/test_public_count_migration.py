"""A petition that counted at once loses, from its public count, the addresses never confirmed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from outcry.actions import counters
from outcry.testing import make_petition, make_supporter

BEFORE = [("petitions", "0006_counter_shards_moved_to_actions")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def old_signature(petition, *, email_confirmed: bool = True):
    """A confirmed signature on *petition*, written by the model as it was at BEFORE."""
    state = MigrationExecutor(connection).loader.project_state(BEFORE)
    signature = state.apps.get_model("petitions", "Signature")
    now = timezone.now()
    return signature.objects.create(
        petition_id=petition.pk,
        supporter_id=make_supporter().pk,
        confirmed_at=now,
        email_confirmed_at=now if email_confirmed else None,
    )


@pytest.mark.django_db(transaction=True)
def test_the_public_count_of_a_petition_counting_at_once_keeps_only_confirmed_addresses():
    migrate(BEFORE)
    at_once, asking = make_petition(needs_confirmation=False), make_petition()
    old_signature(at_once)
    old_signature(at_once, email_confirmed=False)
    old_signature(asking)
    counters.add(at_once.counter_key, 2)  # the old rule counted both
    counters.add(asking.counter_key, 1)
    migrate(leaves())
    assert counters.total(at_once.counter_key) == 1
    assert counters.total(asking.counter_key) == 1
    migrate(BEFORE)
    assert counters.total(at_once.counter_key) == 2  # and back: the old rule
    migrate(leaves())
