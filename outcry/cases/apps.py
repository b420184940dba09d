"""Cases: the people at risk a campaign is about, their status timeline and its sources."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "outcry.cases"
    label = "cases"
    verbose_name = _("cases")
