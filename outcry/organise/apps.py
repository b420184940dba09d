from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganiseConfig(AppConfig):
    name = "outcry.organise"
    label = "organise"
    verbose_name = _("new campaigns (guided)")
