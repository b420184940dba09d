"""Erasure and the intake worker at once, on PostgreSQL (two writers): neither waits for
what the other holds, nothing typed before the erasure survives it, and a form typed
after it began is someone new, never written onto the erased row."""

import dataclasses
import threading
import time
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from outcry.actions import intake
from outcry.actions.models import Intake
from outcry.petitions import personal_data as petitions_personal_data
from outcry.petitions import services as services_petitions
from outcry.petitions.models import Signature
from outcry.supporters import personal_data, services
from outcry.supporters.models import Supporter
from outcry.testing import make_petition, post_signature

pytestmark = [
    pytest.mark.skipif(connection.vendor == "sqlite", reason="two writers at once: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
WAITING = petitions_personal_data.WAITING_SIGNATURES


@pytest.fixture
def min_(settings):
    """Min, a supporter (one signature written), with the worker not inline."""
    post_signature(Client(), make_petition(), email="min@example.org")
    settings.INTAKE_INLINE = False
    return Supporter.objects.get(email="min@example.org")


def worker(outcome: dict, *, form_for=None) -> threading.Thread:
    """A thread that (after a form for *form_for* with Min's address) runs one intake
    batch; its result, or the error it met, goes to outcome["worker"]."""

    def run():
        try:
            if form_for is not None:
                post_signature(Client(), form_for, email="min@example.org", comment="Free them.")
            outcome["worker"] = intake.process_batch()
        except Exception as error:
            outcome["worker"] = error
        finally:
            connection.close()

    return threading.Thread(target=run)


@contextmanager
def slow_worker(claimed: threading.Event):
    """The worker, once it holds its batch, says so and waits half a second."""

    def slow_write(typed):
        claimed.set()
        time.sleep(0.5)  # the erasure goes on meanwhile
        return services_petitions.write_signatures(typed)

    intake.register(services_petitions.SIGNATURE_INTAKE, slow_write)
    try:
        yield
    finally:
        intake.register(services_petitions.SIGNATURE_INTAKE, services_petitions.write_signatures)


def erase(outcome: dict, supporter: Supporter) -> None:
    try:
        outcome["erasure"] = services.erase_supporter(supporter_id=supporter.pk)
    except Exception as error:
        outcome["erasure"] = error


def someone_new_wrote_it(erased: Supporter) -> None:
    """The form typed after the erasure began is a new supporter's, the erased row bare."""
    erased.refresh_from_db()
    assert erased.is_erased and not erased.signatures.exists()
    again = Supporter.objects.get(email="min@example.org")
    assert again.pk != erased.pk
    assert again.signatures.get().comment == "Free them."


def test_an_erasure_while_a_worker_writes_the_persons_waiting_signature_both_finish(min_):
    # The worker holds Min's waiting row (claimed) and is about to write her
    # signature, which needs her supporter row; her erasure starts meanwhile. Each
    # must wait for the other at most, never hold what the other waits for.
    post_signature(Client(), make_petition(), email="min@example.org", comment="Free them.")
    claimed, outcome = threading.Event(), {}
    with slow_worker(claimed):
        thread = worker(outcome)
        thread.start()
        assert claimed.wait(10)
        erase(outcome, min_)
        thread.join(30)
    assert outcome == {"worker": 1, "erasure": True}
    assert not Intake.objects.exists()
    min_.refresh_from_db()
    assert min_.is_erased
    # Written by the worker, then deleted by the erasure (never confirmed).
    assert not Signature.objects.filter(supporter=min_).exists()


def test_a_form_arriving_while_her_erasure_runs_does_not_deadlock_it(min_, monkeypatch):
    # Just after her erasure locked her waiting rows (there are none), a form with
    # her address arrives (hers, or anyone's who types it) and a worker claims it.
    claimed, outcome = threading.Event(), {}
    thread = worker(outcome, form_for=make_petition())

    def lock_then_a_form_arrives(found):
        WAITING.lock_first(found)
        thread.start()
        assert claimed.wait(10)

    replaced = dataclasses.replace(WAITING, lock_first=lock_then_a_form_arrives)
    monkeypatch.setitem(personal_data._registry, WAITING.key, replaced)
    with slow_worker(claimed):
        erase(outcome, min_)
        thread.join(30)
    assert outcome == {"worker": 1, "erasure": True}
    assert not Intake.objects.exists()
    someone_new_wrote_it(min_)


def test_a_form_taken_while_her_erasure_commits_is_not_written_onto_the_erased_row(
    min_, monkeypatch
):
    # Her erasure has deleted her waiting rows and is about to commit when a form
    # with her address is taken and a worker writes it: the worker found her row
    # (not erased yet) and waits for its lock. Once the erasure commits, what the
    # form typed must not land on the erased row, which no erasure reaches again.
    outcome = {}
    thread = worker(outcome, form_for=make_petition())

    def erase_then_a_form_arrives(found, now):
        WAITING.erase(found, now)
        thread.start()
        time.sleep(1)  # the worker has read her row and waits for its lock

    replaced = dataclasses.replace(WAITING, erase=erase_then_a_form_arrives)
    monkeypatch.setitem(personal_data._registry, WAITING.key, replaced)
    erase(outcome, min_)
    thread.join(30)
    assert outcome == {"erasure": True, "worker": 1}
    someone_new_wrote_it(min_)
