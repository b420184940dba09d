from django.apps import AppConfig


class SiteConfig(AppConfig):
    """What brings every app together: the home page, the campaign page, the demo.

    The top of the apps' layers (docs/architecture.md, "Layout"): it may import any
    app, and no app imports it. It has no models, so the admin never shows its name.
    """

    name = "outcry.site"
    label = "site"
