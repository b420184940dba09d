"""Petitions' counter shards move to actions' counters with their counts."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from outcry.actions import counters
from outcry.petitions.services import count_signatures, recount_signatures
from outcry.testing import make_petition, make_supporter

BEFORE = [("petitions", "0005_merge_signature_names_and_flags"), ("actions", None)]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_petition_counts_survive_the_move_of_their_shards_to_actions():
    old_apps = migrate(BEFORE)
    petition = make_petition()
    OldSignature, now = old_apps.get_model("petitions", "Signature"), timezone.now()
    for _ in range(3):  # as the model was then
        OldSignature.objects.create(
            petition_id=petition.pk,
            supporter_id=make_supporter().pk,
            confirmed_at=now,
            email_confirmed_at=now,
        )
    OldShard = old_apps.get_model("petitions", "CounterShard")
    OldShard.objects.bulk_create(
        [OldShard(petition_id=petition.pk, shard=n, count=c) for n, c in ((0, 1), (5, 2))]
    )
    migrate(leaves())
    assert counters.total(petition.counter_key) == 3
    assert count_signatures(petition) == 3
    assert recount_signatures(petition=petition) == (3, 3)
    # And back: the shards return to petitions.
    old_apps = migrate(BEFORE)
    OldShard = old_apps.get_model("petitions", "CounterShard")
    assert (
        sum(OldShard.objects.filter(petition_id=petition.pk).values_list("count", flat=True)) == 3
    )
    migrate(leaves())
