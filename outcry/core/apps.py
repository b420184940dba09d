import sys

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "outcry.core"
    label = "core"
    verbose_name = "outcry"

    def ready(self) -> None:
        if not settings.RATELIMIT_ENABLED:
            print(
                "WARNING: OUTCRY_RATELIMIT=off — signing is not rate limited and the "
                "proof-of-work challenge is off. "
                "Use this for load tests only.",
                file=sys.stderr,
            )
