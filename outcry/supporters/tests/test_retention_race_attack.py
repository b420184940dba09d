"""Attack review: the retention job and a signature taken while it runs."""

import pytest
from django.test import Client

from outcry.actions.models import Intake
from outcry.supporters import services
from outcry.supporters.models import Supporter
from outcry.testing import make_petition, make_signature, post_signature


@pytest.mark.django_db
def test_someone_who_signs_while_the_retention_job_runs_is_not_erased(time_machine, settings):
    # Quiet signed two and a half years ago. The job lists the inactive (her among
    # them: up to 500, about 25 ms each), and before it reaches her she signs again:
    # she was told "thank you", her signature waits for the worker. Erasing her now
    # drops that signature and her.
    settings.RETENTION_DAYS = 730
    time_machine.move_to("2024-01-01 12:00Z")
    make_signature(petition=make_petition(), email="quiet@example.org")
    time_machine.move_to("2026-06-15 12:00Z")
    settings.INTAKE_INLINE = False
    petition = make_petition()
    real_erase = services.erase_supporter

    def she_signs_first(*, supporter_id, **kwargs):
        response = post_signature(Client(), petition, email="quiet@example.org", comment="Again.")
        assert response.status_code == 302
        return real_erase(supporter_id=supporter_id, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "erase_supporter", she_signs_first)
        services.anonymise_inactive_supporters()
    assert not Supporter.objects.get(signatures__petition__isnull=False).is_erased
    assert Intake.objects.filter(email="quiet@example.org").exists()
