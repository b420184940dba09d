"""How soon work a killed process left behind is resumed is set by the environment."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from outcry.core.tests.test_env import load_settings

SWEEPS = {
    "outcry.petitions.services.requeue_stale_confirmations": "OUTCRY_CONFIRMATION_SWEEP_SECONDS",
    "outcry.petitions.services.recount_all_signatures": "OUTCRY_RECOUNT_SECONDS",
    "outcry.letters.tasks.recover_deliveries": "OUTCRY_DELIVERY_SWEEP_SECONDS",
    "outcry.events.reminders.queue_reminders": "OUTCRY_REMINDER_SWEEP_SECONDS",
    "outcry.pledges.reminders.queue_reminders": "OUTCRY_REMINDER_SWEEP_SECONDS",
    "outcry.pledges.services.recount_all_pledges": "OUTCRY_RECOUNT_SECONDS",
}


def test_the_sweeps_run_every_two_ten_and_five_minutes_unless_told_otherwise(monkeypatch, tmp_path):
    loaded = load_settings(monkeypatch, tmp_path)
    assert dict(loaded["PERIODIC_JOBS"]) == {
        "outcry.petitions.services.requeue_stale_confirmations": 120,
        "outcry.petitions.services.recount_all_signatures": 600,
        "outcry.core.tasks.requeue_stale_emails": 120,
        "outcry.letters.tasks.recover_deliveries": 300,
        "outcry.letters.confirmation.expire_unconfirmed_letters": 600,
        "outcry.events.rsvps.release_lapsed_holds": 300,
        "outcry.supporters.services.anonymise_inactive_supporters": 600,
        "outcry.actions.intake.forget_failed": 3600,
        "outcry.core.ratelimit.delete_expired_counters": 300,
        "outcry.events.reminders.queue_reminders": 120,
        "outcry.events.hosting.forget_unconfirmed_proposals": 3600,
        "outcry.pledges.reminders.queue_reminders": 120,
        "outcry.pledges.services.recount_all_pledges": 600,
    }
    assert loaded["CONFIRMATION_STALE_SECONDS"] == 900


def test_the_environment_sets_each_sweep_and_the_stale_time(monkeypatch, tmp_path):
    variables = {name: str(n) for n, name in enumerate(SWEEPS.values(), start=1)}
    loaded = load_settings(
        monkeypatch, tmp_path, OUTCRY_CONFIRMATION_STALE_SECONDS="8", **variables
    )
    jobs = dict(loaded["PERIODIC_JOBS"])
    assert {path: jobs[path] for path in SWEEPS} == {
        path: int(variables[name]) for path, name in SWEEPS.items()
    }
    # Every email in the ledger is swept as often as signatures' lost tasks are.
    assert jobs["outcry.core.tasks.requeue_stale_emails"] == int(
        variables["OUTCRY_CONFIRMATION_SWEEP_SECONDS"]
    )
    assert loaded["CONFIRMATION_STALE_SECONDS"] == 8


@pytest.mark.parametrize("name", [*SWEEPS.values(), "OUTCRY_CONFIRMATION_STALE_SECONDS"])
@pytest.mark.parametrize(("value", "words"), [("0", "at least 1"), ("soon", "whole number")])
def test_a_malformed_timing_is_refused_naming_it(monkeypatch, tmp_path, name, value, words):
    with pytest.raises(ImproperlyConfigured) as refusal:
        load_settings(monkeypatch, tmp_path, **{name: value})
    assert name in str(refusal.value)
    assert words in str(refusal.value)
