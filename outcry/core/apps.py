import sys

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    """ready() imports the admin there: admin modules import models, which need the app registry."""

    name = "outcry.core"
    label = "core"
    verbose_name = "outcry"

    def ready(self) -> None:
        # Every ModelAdmin's change list, outcry's and Django's own (users, groups,
        # tasks) alike, answers bad filter values, and actions on ids no row can
        # have, with 400 instead of 500.
        from django.contrib.admin import ModelAdmin

        from outcry.core.admin import get_changelist, response_action

        ModelAdmin.get_changelist = get_changelist
        ModelAdmin.response_action = response_action
        if not settings.RATELIMIT_ENABLED:
            print(
                "WARNING: OUTCRY_RATELIMIT=off — signing is not rate limited and the "
                "proof-of-work challenge is off. "
                "Use this for load tests only.",
                file=sys.stderr,
            )
