"""The data steps of the migrations that brought owners and invitations to existing rows.

They run here on today's models (the same fields as the migrations' historical ones).
"""

import importlib

from django.apps import apps

from outcry.campaigns.models import PartnerInvitation
from outcry.directory.models import TargetList
from outcry.letters.models import LetterAction
from outcry.testing import make_campaign, make_letter_action, make_organisation


def step(module: str, name: str):
    return getattr(importlib.import_module(module), name)


class AppsBeforeTheDirectory:
    """The app registry as letters' migration 0007 saw it: TargetList was letters' then."""

    def get_model(self, app_label: str, model_name: str):
        if (app_label, model_name.lower()) == ("letters", "targetlist"):
            app_label = "directory"
        return apps.get_model(app_label, model_name)


def test_existing_partners_become_pending_invitations_and_leave_the_campaign(db):
    lead, partner = make_organisation(), make_organisation()
    campaign = make_campaign(lead=lead, partners=[partner])
    step("outcry.campaigns.migrations.0006_partnerinvitation", "partners_become_invitations")(
        apps, None
    )
    assert not campaign.partners.exists()
    invitation = PartnerInvitation.objects.get()
    assert (invitation.campaign, invitation.organisation, invitation.status) == (
        campaign,
        partner,
        "pending",
    )


def test_a_list_goes_to_the_one_lead_using_it_and_a_list_shared_by_two_stays_shared(db):
    alpha, beta = make_organisation(), make_organisation()
    own = make_letter_action(campaign=make_campaign(lead=alpha)).target_list
    shared = make_letter_action(campaign=make_campaign(lead=alpha)).target_list
    LetterAction.objects.create(
        campaign=make_campaign(lead=beta), slug="beta-letter", target_list=shared, selection="fixed"
    )
    unused = TargetList.objects.create(slug="unused", name="Unused")
    TargetList.objects.update(organisation=None)  # as before the migration
    step(
        "outcry.letters.migrations.0007_targetlist_organisation_addressreport_reported_by",
        "owners_from_actions",
    )(AppsBeforeTheDirectory(), None)
    assert TargetList.objects.get(pk=own.pk).organisation == alpha
    assert TargetList.objects.get(pk=shared.pk).organisation is None
    assert TargetList.objects.get(pk=unused.pk).organisation is None
