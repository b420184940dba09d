"""After OUTCRY_RETENTION_DAYS without any action, a supporter is anonymised."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from outcry.core.models import AuditEvent
from outcry.letters.models import Letter
from outcry.petitions.services import count_signatures, recount_signatures
from outcry.supporters import services
from outcry.supporters.models import Supporter
from outcry.supporters.services import RETENTION_ACTION
from outcry.testing import (
    give_consent,
    make_letter_action,
    make_organisation,
    make_petition,
    make_signature,
    make_supporter,
)

START = "2024-01-01 12:00Z"


@pytest.fixture
def people(db, time_machine, settings):
    """Four supporters made on one day two and a half years ago; three act again later."""
    settings.RETENTION_DAYS = 730
    time_machine.move_to(START)
    petition = make_petition()
    organisation = make_organisation()
    quiet = make_signature(petition=petition, email="quiet@example.org").supporter
    signs_again = make_signature(petition=petition, email="again@example.org").supporter
    consents_again = make_signature(petition=petition, email="consent@example.org").supporter
    writes_later = make_supporter(email="writer@example.org")
    time_machine.move_to("2025-06-01 12:00Z")
    make_signature(petition=make_petition(), supporter=signs_again)
    give_consent(consents_again, organisation)
    Letter.objects.create(
        action=make_letter_action(), supporter=writes_later, language="en", subject="S", body="B"
    )
    time_machine.move_to("2026-06-15 12:00Z")  # 896 days after START
    recount_signatures(petition=petition)
    return {
        "petition": petition,
        "quiet": quiet,
        "active": [signs_again, consents_again, writes_later],
    }


def test_only_inactive_supporters_are_anonymised_and_counts_stay(people):
    petition = people["petition"]
    assert count_signatures(petition) == 3
    out = StringIO()
    call_command("anonymise_inactive", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "1 supporters inactive for 730 days would be anonymised."
    assert not Supporter.objects.filter(erased_at__isnull=False).exists()

    call_command("anonymise_inactive", stdout=out)
    assert "1 supporters inactive for 730 days anonymised." in out.getvalue()
    quiet = Supporter.objects.get(pk=people["quiet"].pk)
    assert quiet.is_erased and quiet.name == "" and quiet.email.endswith("@erased.invalid")
    for supporter in people["active"]:
        supporter.refresh_from_db()
        assert not supporter.is_erased and supporter.name
    assert count_signatures(petition) == 3
    assert recount_signatures(petition=petition) == (3, 3)
    (event,) = AuditEvent.objects.filter(action=RETENTION_ACTION)
    assert event.details["supporter_ids"] == [quiet.pk]
    assert "quiet@example.org" not in str(event.details)


def test_running_twice_or_by_run_periodic_changes_nothing_more(people):
    out = StringIO()
    call_command("run_periodic", "--once", stdout=out)
    assert "outcry.supporters.services.anonymise_inactive_supporters: 1" in out.getvalue()
    erased_at = Supporter.objects.get(pk=people["quiet"].pk).erased_at
    call_command("run_periodic", "--once", stdout=out)
    assert "outcry.supporters.services.anonymise_inactive_supporters: 0" in out.getvalue()
    assert Supporter.objects.get(pk=people["quiet"].pk).erased_at == erased_at
    assert AuditEvent.objects.filter(action=RETENTION_ACTION).count() == 1


def test_a_new_supporter_is_not_anonymised_before_the_period(db, settings):
    settings.RETENTION_DAYS = 30
    make_supporter(email="new@example.org")
    old = make_supporter(email="old@example.org")
    Supporter.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    call_command("anonymise_inactive", stdout=StringIO())
    assert not Supporter.objects.get(email="new@example.org").is_erased
    assert Supporter.objects.get(pk=old.pk).is_erased


def test_zero_days_keeps_everyone(people, settings):
    settings.RETENTION_DAYS = 0
    out = StringIO()
    call_command("anonymise_inactive", stdout=out)
    assert "OUTCRY_RETENTION_DAYS is 0" in out.getvalue()
    assert not Supporter.objects.filter(erased_at__isnull=False).exists()


def test_a_periodic_run_takes_a_batch_and_the_next_run_the_rest(people, settings):
    for n in range(3):
        Supporter.objects.filter(pk=make_supporter(email=f"old-{n}@example.org").pk).update(
            created_at=people["quiet"].created_at
        )
    assert services.anonymise_inactive_supporters(limit=3) == 3
    assert services.anonymise_inactive_supporters(limit=3) == 1
    assert services.anonymise_inactive_supporters(limit=3) == 0
