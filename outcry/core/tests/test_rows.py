"""core.rows.insert: one prepared INSERT for the writes a surge repeats."""

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from outcry.core import rows
from outcry.supporters.models import Supporter


def test_insert_writes_the_row_with_its_defaults_and_sets_the_key(db):
    before = timezone.now()
    supporter = Supporter(email="ana@example.org", name="Ana")
    assert rows.insert(supporter) is True
    assert supporter.pk is not None
    assert not supporter._state.adding
    stored = Supporter.objects.get(pk=supporter.pk)
    assert (stored.email, stored.name, stored.language) == ("ana@example.org", "Ana", "en")
    assert stored.created_at >= before


def test_insert_unless_exists_leaves_a_known_row_alone_and_the_transaction_usable(db):
    Supporter.objects.create(email="ana@example.org", name="Ana", country="Korea")
    with transaction.atomic():
        again = Supporter(email="ana@example.org", name="Someone Else")
        assert rows.insert(again, unless_exists=("email",)) is False
        assert again.pk is None
        # No IntegrityError aborted the transaction (PostgreSQL would refuse
        # every further statement in it).
        assert Supporter.objects.get(email="ana@example.org").name == "Ana"
        assert rows.insert(Supporter(email="bo@example.org", name="Bo"), unless_exists=("email",))
    assert Supporter.objects.count() == 2


def test_insert_sends_the_save_signals_as_save_does(db):
    seen = []

    def record(sender, instance, created, **kwargs):
        seen.append((instance.email, created))

    post_save.connect(record, sender=Supporter)
    try:
        rows.insert(Supporter(email="ana@example.org", name="Ana"))
        rows.insert(Supporter(email="ana@example.org", name="Ana"), unless_exists=("email",))
    finally:
        post_save.disconnect(record, sender=Supporter)
    assert seen == [("ana@example.org", True)]
