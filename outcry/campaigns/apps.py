import contextlib

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def refresh_organisers_group(**kwargs) -> None:
    """After every migrate, give an existing Organisers group exactly today's permissions.

    A release that adds a model organisers work with (names of organisations in
    other languages, say) adds its permissions to ORGANISER_PERMISSIONS; without
    this, existing organisers would get them only when someone next ran
    create_organiser. Runs after each app's migrations; until every permission
    exists (the first migrate of a new database) there is no group to refresh.
    """
    # Imported here: Django imports apps.py while it fills the app registry, before any
    # model can be imported.
    from django.contrib.auth.models import Group

    from outcry.campaigns.services import ORGANISERS_GROUP, OrganiserRefused, organisers_group

    using = kwargs.get("using", "default")
    if not Group.objects.using(using).filter(name=ORGANISERS_GROUP).exists():
        return
    # Until the remaining apps' permissions exist (they come with their own post_migrate).
    with contextlib.suppress(OrganiserRefused):
        organisers_group()


class CampaignsConfig(AppConfig):
    name = "outcry.campaigns"
    label = "campaigns"
    verbose_name = _("campaigns")

    def ready(self) -> None:
        post_migrate.connect(refresh_organisers_group, dispatch_uid="outcry-organisers-group")
        # Organisers of a campaign's lead and partners read the audit events about it.
        # (Imported here: models need the app registry ready.)
        from outcry.campaigns.models import Campaign
        from outcry.core.audit import register_audience

        register_audience("campaign", lambda user: Campaign.objects.for_user(user).values("pk"))
