"""Events of a campaign: vigils, protests, days of action; their pages and calendars."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "outcry.events"
    label = "events"
    verbose_name = _("events")
