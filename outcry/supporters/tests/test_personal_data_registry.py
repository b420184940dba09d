"""Every row about a supporter is in their data rights: an app that does not register fails."""

from django.apps import apps
from django.utils import timezone

from outcry.supporters.models import Consent, Supporter
from outcry.supporters.personal_data import registered


def test_every_model_that_points_at_a_supporter_is_exported_erased_and_dated():
    about_a_supporter = {
        model._meta.label
        for model in apps.get_models()
        if any(
            field.concrete and field.is_relation and field.related_model is Supporter
            for field in model._meta.get_fields()
        )
    }
    # Consents are supporters' own; every other app's rows come through the registry
    # (rows kept by address, not by a key, such as a signature waiting in the intake,
    # date the supporters themselves).
    covered = {Consent._meta.label} | {
        data.active_since(timezone.now()).model._meta.label for data in registered()
    } - {Supporter._meta.label}
    assert about_a_supporter == covered
    assert [data.key for data in registered()] == [
        "signatures",
        "signatures_waiting",
        "letters",
        "subscriptions",
        "rsvps",
        "event_hosts",
        "commitments",
        "mailings",
    ]
