"""Cases: the people at risk a campaign is about, their status timeline and its sources."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "outcry.cases"
    label = "cases"
    verbose_name = _("cases")

    def ready(self) -> None:
        # Imported here: models need the app registry ready.
        from django.db.models.signals import post_delete

        from outcry.cases.models import CaseRecord, forget_photo

        # A record goes with its case and its campaign (cascades the admin does not see):
        # its photo must not stay behind in the private storage.
        post_delete.connect(forget_photo, sender=CaseRecord, dispatch_uid="outcry-cases-photo")
